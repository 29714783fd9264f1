// synclatch-demo: parses the command line (before Qt needs a display, so --help works anywhere), opens the
// window, and in scripted mode runs the scenario and saves screenshots.
#include <QApplication>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>
#include <cstdlib>

#include "demo_options.hpp"
#include "main_window.hpp"
#include "scenario_runner.hpp"

using namespace synclatch::demo;

namespace {

void print(const QString& line) {
    std::fputs(qPrintable(line + "\n"), stdout);
    std::fflush(stdout);
}

// The offscreen platform warns about size hints on every dialog it shows: noise in scripted runs.
QtMessageHandler qt_default_handler = nullptr;
void drop_offscreen_noise(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (message.contains("does not support propagateSizeHints")) return;
    qt_default_handler(type, context, message);
}

bool has_display() {
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

}  // namespace

int main(int argc, char** argv) {
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    auto parsed = parse_demo_options(arguments);
    if (auto* error = std::get_if<UsageError>(&parsed)) {
        if (!error->message.isEmpty())
            std::fprintf(stderr, "synclatch-demo: %s\nTry synclatch-demo --help.\n",
                         qPrintable(error->message));
        return error->exit_code;
    }
    DemoOptions options = std::get<DemoOptions>(parsed);
    const bool scripted = !options.scenario.isEmpty() || !options.screenshot.isEmpty();
    // Scripted runs need no screen: without a display, draw offscreen rather than fail.
    if (scripted && !has_display() && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");

    qt_default_handler = qInstallMessageHandler(drop_offscreen_noise);
    QApplication app(argc, argv);
    QApplication::setApplicationName("synclatch-demo");
    QApplication::setApplicationVersion(SYNCLATCH_VERSION);

    std::vector<ScenarioStep> steps;
    if (!options.scenario.isEmpty()) {
        QFile file(options.scenario);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
            std::fprintf(stderr, "synclatch-demo: cannot read %s: %s\n", qPrintable(options.scenario),
                         qPrintable(file.errorString()));
            return 2;
        }
        QString error;
        steps = parse_scenario(QString::fromUtf8(file.readAll()), error);
        if (steps.empty()) {
            std::fprintf(stderr, "synclatch-demo: %s: %s\n", qPrintable(options.scenario), qPrintable(error));
            return 2;
        }
    }

    QTemporaryDir temporary_stores;
    if (options.data_dir.isEmpty()) {
        if (!temporary_stores.isValid()) {
            std::fprintf(stderr,
                         "synclatch-demo: cannot create a temporary folder; give one with --data DIR\n");
            return 2;
        }
        options.data_dir = temporary_stores.path();
    }
    print(QString("synclatch-demo: server %1%2; the devices' local stores are in %3")
              .arg(options.endpoint,
                   options.peer_endpoint.isEmpty() ? QString() : ", bridged peer " + options.peer_endpoint,
                   options.data_dir));

    MainWindow window(options);
    window.show();

    auto save_final_screenshot = [&] {
        if (options.screenshot.isEmpty()) return;
        if (window.grab().save(options.screenshot))
            print("synclatch-demo: the window is saved in " + options.screenshot);
        else
            print("synclatch-demo: could not save " + options.screenshot);
    };
    std::unique_ptr<ScenarioRunner> runner;
    if (!steps.empty()) {
        runner = std::make_unique<ScenarioRunner>(window, std::move(steps), options.screenshot_dir);
        QObject::connect(runner.get(), &ScenarioRunner::finished, &app, [&](int failed_at) {
            save_final_screenshot();
            print(failed_at == 0
                      ? QString("synclatch-demo: every step of %1 held").arg(options.scenario)
                      : QString("synclatch-demo: %1 failed at line %2").arg(options.scenario).arg(failed_at));
            QApplication::exit(failed_at == 0 ? 0 : 1);
        });
        runner->start();
    } else if (!options.screenshot.isEmpty()) {
        // Give the devices and event panels a moment to show their first state.
        QTimer::singleShot(2000, &app, [&] {
            save_final_screenshot();
            QApplication::exit(0);
        });
    }
    return QApplication::exec();
}
