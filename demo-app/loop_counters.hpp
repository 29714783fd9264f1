// LoopCounters: the stream processors' event counters of bridged deployments (their /metrics), refreshed
// twice a second, to show that an edit travels once and comes back to nobody: the writer's trigger
// publishes it, the peer's bridge applies it, the peer's trigger skips it (latch closed), and then the
// counters stop moving.
#pragma once

#include <QElapsedTimer>
#include <QStringList>
#include <QTimer>
#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

class QTableWidget;
class QLabel;

namespace synclatch::platform {
class ServerStreams;
}

namespace synclatch::demo {

class BackgroundWorker;

struct CountedDeployment {
    QString name;  // as shown ("A")
    QString endpoint;
};

// Thread-safety: a widget; GUI thread only. The metrics are read on a BackgroundWorker.
class LoopCounters : public QWidget {
    Q_OBJECT
  public:
    LoopCounters(std::vector<CountedDeployment> deployments, const QString& admin_key, QWidget* parent);
    ~LoopCounters() override;

    // The count shown for a deployment's processor and outcome; std::nullopt when that is not a column
    // or the deployment is unknown.
    std::optional<long> shown(const QString& deployment, const QString& processor,
                              const QString& outcome) const;
    // Counts from now on (the Zero button): the table shows each counter minus its value now.
    void zero();
    // How long no counter has moved, in ms.
    qint64 quiet_ms() const { return unchanged_.elapsed(); }

  private:
    void poll();
    void show_counts(int row, const std::vector<long>& counts, const QString& error);
    void show_row(int row);

    std::vector<CountedDeployment> deployments_;
    std::vector<std::shared_ptr<platform::ServerStreams>> streams_;
    std::unique_ptr<BackgroundWorker> worker_;
    QTimer timer_;
    bool polling_ = false;
    std::vector<std::vector<long>> read_;      // per deployment: the counts last read
    std::vector<std::vector<long>> baseline_;  // per deployment: the counts at the last zero()
    QElapsedTimer unchanged_;                  // restarted whenever a counter moves
    QTableWidget* table_ = nullptr;
    QLabel* state_label_ = nullptr;
};

}  // namespace synclatch::demo
