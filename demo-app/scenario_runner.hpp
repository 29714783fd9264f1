// ScenarioRunner: runs a scenario file's steps against the window, one after another, as a user would
// (fill, save, sync, switch offline, answer the conflict dialog) and checks what the window shows
// (records, status, events, counters), printing each step. Waits poll the window from a timer, so the GUI
// keeps running; every wait has a deadline. The step language: scenario_script.hpp.
#pragma once

#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <vector>

#include "scenario_script.hpp"

namespace synclatch::demo {

class MainWindow;

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
