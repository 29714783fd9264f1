// EventPanel: the live list of a deployment's domain events (stream `events`): what the server's trigger
// published for synced writes, and what other services posted. A thread long-polls the stream through
// platform::ServerStreams and hands each page to the GUI thread.
#pragma once

#include <QWidget>
#include <atomic>
#include <memory>
#include <thread>

class QLabel;
class QTableWidget;

namespace synclatch::platform {
class ServerStreams;
}

namespace synclatch::demo {

// Thread-safety: a widget; its methods run on the GUI thread. The destructor stops and joins the feed
// thread (at most one long-poll, about a second).
class EventPanel : public QWidget {
    Q_OBJECT
  public:
    // admin_key: "ID:SECRET", the server's developer key; without it the panel says what is missing.
    EventPanel(const QString& title, const QString& endpoint, const QString& admin_key, QWidget* parent);
    ~EventPanel() override;

    // Asks the feed thread to stop without waiting (closing many panels then waits only once).
    void request_stop() { stopping_ = true; }
    // The rows' text, one string per event ("seq type thing name source ...").
    QStringList row_texts() const;

  private:
    void follow(std::shared_ptr<platform::ServerStreams> streams);
    void add_events(const QList<QStringList>& rows);

    QLabel* state_label_ = nullptr;
    QTableWidget* table_ = nullptr;
    std::atomic<bool> stopping_{false};
    std::thread feed_;
};

}  // namespace synclatch::demo
