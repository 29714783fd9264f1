// The demo's command line: which servers, which developer key, where the devices keep their stores, and
// the scripted mode (--scenario, --screenshot).
#pragma once

#include <QString>
#include <QStringList>
#include <variant>

namespace synclatch::demo {

struct DemoOptions {
    QString endpoint;       // deployment A: scenes 1 to 4
    QString peer_endpoint;  // deployment B, bridged with A: scene 4 (empty: scene 4 says how to start one)
    QString admin_key;      // "ID:SECRET": event panels, counters, publishing, second devices
    QString identity_pool_id = QStringLiteral("us-east-1:00000000-0000-0000-0000-000000000000");
    QString data_dir;        // the devices' local stores, one folder each (empty: a new temporary folder)
    QString scenario;        // a file of scripted steps (scenario_runner.hpp); empty: interactive
    QString screenshot;      // save the window here at the end of the scenario (or once it is up) and quit
    QString screenshot_dir;  // where a scenario's `screenshot NAME` steps write NAME.png
    int scene = 1;           // the scene shown first
};

struct UsageError {
    QString message;  // empty: --help or --version was printed
    int exit_code = 2;
};

// Parses the arguments (argv[0] first). Prints --help and --version itself.
std::variant<DemoOptions, UsageError> parse_demo_options(const QStringList& arguments);

}  // namespace synclatch::demo
