// QCommandLineParser setup, with checks that name the bad option.
#include "demo_options.hpp"

#include <QCommandLineParser>
#include <QUrl>
#include <cstdio>

namespace synclatch::demo {

namespace {

bool is_http_url(const QString& text) {
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && (url.scheme() == "http" || url.scheme() == "https") && !url.host().isEmpty();
}

}  // namespace

std::variant<DemoOptions, UsageError> parse_demo_options(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "synclatch-demo: the AWS Cognito Sync recipes, live, against a synclatch-server.\n"
        "Scene 1, database-first: save a thing offline, synchronize, watch the trigger's thing-created "
        "event.\n"
        "Scene 2, materialized view: another service publishes an event; the listener writes it into the\n"
        "  user's 'things' dataset and Synchronize brings it to the device.\n"
        "Scene 3, two devices, one user: Sam signs in on both through the app's backend (a guest's data\n"
        "  is merged, not lost); offline edits on both, then a conflict to resolve.\n"
        "Scene 4, bidirectional: two bridged deployments; an edit in one appears once in the other.\n"
        "\n"
        "Example (scripts/run-main.sh does this, with two servers):\n"
        "  synclatch-demo --endpoint http://127.0.0.1:8080 --peer-endpoint http://127.0.0.1:8081 \\\n"
        "      --admin-key ADMIN:secret\n"
        "Headless: QT_QPA_PLATFORM=offscreen synclatch-demo ... --scenario "
        "demo-app/scenarios/walkthrough.txt \\\n"
        "      --screenshot-dir shots");
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption endpoint("endpoint", "synclatch-server of scenes 1-4 (deployment A).", "URL");
    const QCommandLineOption peer("peer-endpoint", "A second deployment bridged with A (scene 4).", "URL");
    const QCommandLineOption admin_key(
        "admin-key",
        "The servers' developer key (their --admin-key), for the operator's panels (events, counters, "
        "publishing) and the app's backend, which signs users in (the servers' --developer-provider "
        "login.demo.app). Devices never get it.",
        "ID:SECRET");
    const QCommandLineOption pool("pool", "Identity pool id.", "ID",
                                  "us-east-1:00000000-0000-0000-0000-000000000000");
    const QCommandLineOption data(
        "data", "Folder of the devices' local stores (default: a new temporary one).", "DIR");
    const QCommandLineOption scenario(
        "scenario", "Run the scripted steps of FILE, print each, exit 0 when all held.", "FILE");
    const QCommandLineOption screenshot(
        "screenshot",
        "Save the window to PATH (PNG) at the end of the scenario, or once the "
        "window is up, then quit.",
        "PATH");
    const QCommandLineOption screenshot_dir("screenshot-dir",
                                            "Where a scenario's screenshot steps save (default: .).", "DIR");
    const QCommandLineOption scene("scene", "The scene shown first (1-4).", "N", "1");
    parser.addOptions({endpoint, peer, admin_key, pool, data, scenario, screenshot, screenshot_dir, scene});
    if (!parser.parse(arguments)) return UsageError{parser.errorText()};
    if (parser.isSet("help")) {
        // Parsed before any QCoreApplication exists, the parser does not know the program's name.
        std::fputs(qPrintable(parser.helpText().replace("<executable_name>", "synclatch-demo")), stdout);
        return UsageError{{}, 0};
    }
    if (parser.isSet("version")) {
        std::puts("synclatch-demo " SYNCLATCH_VERSION);
        return UsageError{{}, 0};
    }
    if (!parser.positionalArguments().isEmpty())
        return UsageError{"unexpected argument: " + parser.positionalArguments().first()};

    DemoOptions options;
    options.endpoint = parser.value(endpoint);
    options.peer_endpoint = parser.value(peer);
    options.admin_key = parser.value(admin_key);
    options.identity_pool_id = parser.value(pool);
    options.data_dir = parser.value(data);
    options.scenario = parser.value(scenario);
    options.screenshot = parser.value(screenshot);
    options.screenshot_dir =
        parser.isSet(screenshot_dir) ? parser.value(screenshot_dir) : QStringLiteral(".");
    bool number = false;
    options.scene = parser.value(scene).toInt(&number);
    if (options.endpoint.isEmpty())
        return UsageError{"--endpoint URL is required: the synclatch-server to talk to"};
    if (!is_http_url(options.endpoint))
        return UsageError{"--endpoint: not an http(s) URL: " + options.endpoint};
    if (!options.peer_endpoint.isEmpty() && !is_http_url(options.peer_endpoint))
        return UsageError{"--peer-endpoint: not an http(s) URL: " + options.peer_endpoint};
    if (!options.admin_key.isEmpty() && options.admin_key.indexOf(':') <= 0)
        return UsageError{"--admin-key must be ID:SECRET"};
    if (!number || options.scene < 1 || options.scene > 4) return UsageError{"--scene must be 1, 2, 3 or 4"};
    return options;
}

}  // namespace synclatch::demo
