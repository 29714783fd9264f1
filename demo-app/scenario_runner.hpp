// ScenarioRunner: runs a scenario file's steps against the window, one after another, as a user would
// (fill, save, sync, switch offline, answer the conflict dialog) and checks what the window shows
// (records, status, events, counters), printing each step. Waits poll the window from a timer, so the GUI
// keeps running; every wait has a deadline.
//
// A scenario is a text file, one step per line ('#' starts a comment; "..." and '...' group words):
//   scene N                                 show scene N (1-4)
//   say TEXT                                print TEXT (narration)
//   fill DEVICE name|description TEXT       type into the device's form
//   save DEVICE | sync DEVICE               click Save / Synchronize
//   add-samples DEVICE N                    save N sample things at once (scene 1's "Add 300 samples")
//   online DEVICE on|off                    the device's online switch
//   wait-sync DEVICE                        until the device's syncs have finished
//   wait-identity DEVICE                    until the device knows its identity and its store is open
//   wait-conflict DEVICE                    until the device's conflict dialog is open
//   resolve DEVICE keep-mine|take-theirs|edit [VALUE]   answer the conflict dialog (waits for it)
//   publish NAME                            scene 2: another service publishes a thing-created event
//   expect-record DEVICE KEY COLUMN TEXT    the records table's cell contains TEXT
//   expect-no-record DEVICE KEY             the records table has no row for KEY
//   expect-status DEVICE TEXT               the device's status line contains TEXT
//   expect-chart DEVICE N                   the sync time chart shows at least N syncs
//   expect-events PANEL TEXT N              exactly N rows of the event panel contain TEXT
//   zero-counters                           scene 4's Zero button: counters count from now
//   expect-counter DEPLOYMENT PROCESSOR OUTCOME N   scene 4's counters show N
//   hold MS                                 wait MS milliseconds (to see that nothing more happens)
//   screenshot NAME                         save the window (and an open conflict dialog) as NAME.png
// expect-* steps wait up to 20 s for their condition; a step that fails ends the run (exit code 1).
#pragma once

#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <functional>
#include <vector>

namespace synclatch::demo {

class MainWindow;

struct ScenarioStep {
    int line = 0;
    QStringList words;  // the command, then its arguments
};

// Parses a scenario; on error returns an empty list and sets error ("line N: ...").
std::vector<ScenarioStep> parse_scenario(const QString& text, QString& error);

// Thread-safety: GUI thread only.
class ScenarioRunner : public QObject {
    Q_OBJECT
  public:
    ScenarioRunner(MainWindow& window, std::vector<ScenarioStep> steps, QString screenshot_dir);
    void start();

  Q_SIGNALS:
    // All steps held (failed_at 0), or the step at that line failed.
    void finished(int failed_at);

  private:
    // A step's progress on each poll: done, still waiting, or failed with a reason.
    struct Outcome {
        enum class State { done, waiting, failed } state;
        QString detail;
    };
    static Outcome done() { return {Outcome::State::done, {}}; }
    static Outcome waiting(QString seen) { return {Outcome::State::waiting, std::move(seen)}; }
    static Outcome failed(QString why) { return {Outcome::State::failed, std::move(why)}; }

    void poll();
    Outcome run(const ScenarioStep& step);
    void save_screenshot(const QString& name);

    MainWindow& window_;
    std::vector<ScenarioStep> steps_;
    QString screenshot_dir_;
    std::size_t next_ = 0;
    bool step_started_ = false;
    QElapsedTimer step_clock_;
    QElapsedTimer loop_clock_;              // since the last poll
    qint64 longest_pause_ = 0;              // the longest time between two polls, in ms
    QMap<int, int> publish_counts_before_;  // per publish step (line): events published before it acted
    QTimer timer_;
};

}  // namespace synclatch::demo
