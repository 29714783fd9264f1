// The polling loop that runs a scenario's steps against the window.
#include "scenario_runner.hpp"

#include <QDir>
#include <QMap>
#include <QWidget>
#include <algorithm>
#include <cstdio>

#include "device_pane.hpp"
#include "event_panel.hpp"
#include "event_publisher.hpp"
#include "loop_counters.hpp"
#include "main_window.hpp"

namespace synclatch::demo {

namespace {

constexpr int kPollMillis = 50;
constexpr qint64 kStepTimeoutMillis = 20'000;

void print(const QString& line) {
    std::fputs(qPrintable(line + "\n"), stdout);
    std::fflush(stdout);
}

}  // namespace

ScenarioRunner::ScenarioRunner(MainWindow& window, std::vector<ScenarioStep> steps, QString screenshot_dir)
    : window_(window), steps_(std::move(steps)), screenshot_dir_(std::move(screenshot_dir)) {
    timer_.setInterval(kPollMillis);
    connect(&timer_, &QTimer::timeout, this, &ScenarioRunner::poll);
}

void ScenarioRunner::start() {
    loop_clock_.start();
    timer_.start();
}

void ScenarioRunner::poll() {
    // The timer fires every 50 ms while the event loop runs; a longer gap means the GUI thread was busy.
    longest_pause_ = std::max(longest_pause_, loop_clock_.restart());
    if (next_ >= steps_.size()) return;
    const ScenarioStep& step = steps_[next_];
    if (!step_started_) {
        step_started_ = true;
        step_clock_.start();
    }
    const Outcome outcome = run(step);
    const QString shown = QString("line %1: %2").arg(step.line, 3).arg(step.words.join(' '));
    if (outcome.state == Outcome::State::waiting && step_clock_.elapsed() < kStepTimeoutMillis) return;
    if (outcome.state != Outcome::State::done) {
        const QString why = outcome.state == Outcome::State::failed
                                ? outcome.detail
                                : QString("still not so after %1 s; last seen: %2")
                                      .arg(kStepTimeoutMillis / 1000)
                                      .arg(outcome.detail.isEmpty() ? "(nothing)" : outcome.detail);
        print("[FAILED] " + shown + "\n         " + why);
        save_screenshot("failure");
        timer_.stop();
        Q_EMIT finished(step.line);
        return;
    }
    if (step.words[0] == "say")
        print("\n== " + step.words[1]);
    else
        print(QString("[ok] %1 (%2 s)")
                  .arg(shown)
                  .arg(static_cast<double>(step_clock_.elapsed()) / 1000, 0, 'f', 1));
    ++next_;
    step_started_ = false;
    if (next_ == steps_.size()) {
        print(QString("         the window kept answering: its event loop never paused longer than %1 ms")
                  .arg(longest_pause_));
        timer_.stop();
        Q_EMIT finished(0);
    }
}

ScenarioRunner::Outcome ScenarioRunner::run(const ScenarioStep& step) {
    const QString& command = step.words[0];
    const QStringList& w = step.words;
    if (command == "say") return done();
    if (command == "hold") return step_clock_.elapsed() >= w[1].toLongLong() ? done() : waiting({});
    if (command == "screenshot") {
        save_screenshot(w[1]);
        return done();
    }
    if (command == "scene") {
        const int scene = w[1].toInt();
        if (scene < 1 || scene > 4) return failed("no scene " + w[1]);
        window_.show_scene(scene);
        return done();
    }
    if (command == "publish") {
        auto* publisher = window_.publisher();
        if (!publisher) return failed("no publisher (scene 2)");
        const int before = publisher->published();
        if (!publish_counts_before_.contains(step.line)) {
            publish_counts_before_.insert(step.line, before);
            publisher->fill(w[1]);
            publisher->publish();
        }
        return publisher->published() > publish_counts_before_.value(step.line)
                   ? done()
                   : waiting(publisher->status_text());
    }
    if (command == "expect-events") {
        auto* panel = window_.events(w[1]);
        if (!panel) return failed("no event panel " + w[1]);
        const auto matching = panel->row_texts().filter(w[2]);
        const QString seen = QString("%1 matching rows:\n           %2")
                                 .arg(matching.size())
                                 .arg(matching.join("\n           "));
        return matching.size() == w[3].toInt() ? done() : waiting(seen);
    }
    if (command == "settle-counters") {
        if (!window_.counters()) return failed("no counters (scene 4 needs --peer-endpoint)");
        const qint64 quiet = window_.counters()->quiet_ms();
        return quiet >= w[1].toLongLong() ? done() : waiting(QString("quiet for %1 ms").arg(quiet));
    }
    if (command == "zero-counters") {
        if (!window_.counters()) return failed("no counters (scene 4 needs --peer-endpoint)");
        window_.counters()->zero();
        return done();
    }
    if (command == "expect-counter") {
        auto* counters = window_.counters();
        if (!counters) return failed("no counters (scene 4 needs --peer-endpoint)");
        const auto shown = counters->shown(w[1], w[2], w[3]);
        if (!shown) return failed("the counters have no column " + w[2] + " " + w[3] + " or no row " + w[1]);
        return *shown == w[4].toLong() ? done() : waiting(QString::number(*shown));
    }

    // The rest act on a device.
    DevicePane* device = window_.device(w[1]);
    if (!device) return failed("no device " + w[1] + "; there are: " + window_.device_names().join(", "));
    if (command == "wait-identity")
        return device->ready() && !device->identity().isEmpty() ? done() : waiting(device->status_text());
    if (command == "wait-signed-in")
        return device->signed_in() && !device->identity().isEmpty() ? done() : waiting(device->status_text());
    if (command == "expect-merged")
        return device->merged_text().contains(w[2]) ? done() : waiting('"' + device->merged_text() + '"');
    if (command == "expect-status")
        return device->status_text().contains(w[2]) ? done() : waiting(device->status_text());
    if (command == "expect-progress")
        return device->progress_text().contains(w[2]) ? done() : waiting(device->progress_text());
    if (command == "expect-chart")
        return device->chart_bars() >= w[2].toInt() ? done() : waiting(QString::number(device->chart_bars()));
    if (!device->ready()) return waiting(device->status_text());  // its store is still opening
    if (command == "fill") {
        if (w[2] != "name" && w[2] != "description") return failed("fill name or description, not " + w[2]);
        device->fill(w[2], w[3]);
        return done();
    }
    if (command == "save") {
        device->save();
        return done();
    }
    if (command == "add-samples") {
        const int count = w[2].toInt();
        if (count < 1 || count > 10'000) return failed("add-samples takes 1 to 10000");
        device->add_samples(count);
        return done();
    }
    if (command == "sync") {
        device->synchronize();
        return done();
    }
    if (command == "sign-in") {
        device->sign_in();
        return done();
    }
    if (command == "online") {
        if (w[2] != "on" && w[2] != "off") return failed("online takes on or off");
        device->set_online(w[2] == "on");
        return done();
    }
    if (command == "wait-sync") return device->syncing() ? waiting(device->progress_text()) : done();
    if (command == "wait-conflict")
        return device->open_conflict() ? done() : waiting(device->progress_text());
    if (command == "resolve") {
        auto* dialog = device->open_conflict();
        if (!dialog) return waiting(device->progress_text());
        if (w[2] == "keep-mine")
            dialog->choose(ConflictChoice::keep_mine);
        else if (w[2] == "take-theirs")
            dialog->choose(ConflictChoice::take_theirs);
        else if (w[2] == "edit")
            dialog->choose(ConflictChoice::edited, w.value(3));
        else
            return failed("resolve with keep-mine, take-theirs or edit, not " + w[2]);
        return done();
    }
    if (command == "expect-record") {
        const auto cell = device->cell(w[2], w[3]);
        if (cell && cell->contains(w[4])) return done();
        return waiting(cell ? '"' + *cell + '"' : "no row " + w[2]);
    }
    if (command == "expect-no-record") {
        const auto cell = device->cell(w[2], "value");
        return cell ? waiting("a row with value " + *cell) : done();
    }
    return failed("unknown step");  // parse_scenario admits only known commands
}

void ScenarioRunner::save_screenshot(const QString& name) {
    QDir().mkpath(screenshot_dir_);
    const QString path = QDir(screenshot_dir_).filePath(name + ".png");
    if (window_.grab().save(path))
        print("         screenshot: " + QDir::current().absoluteFilePath(path));
    else
        print("         could not save the screenshot " + path);
    // A conflict dialog is a window of its own.
    for (const auto& device_name : window_.device_names()) {
        auto* dialog = window_.device(device_name)->open_conflict();
        if (!dialog || !dialog->isVisible()) continue;
        const QString dialog_path = QDir(screenshot_dir_).filePath(name + "-dialog.png");
        if (dialog->grab().save(dialog_path))
            print("         screenshot: " + QDir::current().absoluteFilePath(dialog_path));
    }
}

}  // namespace synclatch::demo
