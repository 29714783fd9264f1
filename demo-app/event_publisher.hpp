// EventPublisher: plays another service of the cookbook's "materialized view" recipe: it posts a
// `thing-created` event for a device's identity to the server's `events` stream, where the listener
// writes it into that identity's `things` dataset.
#pragma once

#include <QWidget>
#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;

namespace synclatch::platform {
class ServerStreams;
}

namespace synclatch::demo {

class BackgroundWorker;
class DevicePane;

// Thread-safety: a widget; GUI thread only. Posting runs on a BackgroundWorker.
class EventPublisher : public QWidget {
    Q_OBJECT
  public:
    EventPublisher(const QString& endpoint, const QString& admin_key, const QString& identity_pool_id,
                   DevicePane& device, QWidget* parent);
    ~EventPublisher() override;

    void fill(const QString& name) const;
    void publish();
    int published() const { return published_; }
    QString status_text() const;

  private:
    void update_enabled();

    DevicePane& device_;
    QString identity_pool_id_;
    std::shared_ptr<platform::ServerStreams> streams_;
    std::unique_ptr<BackgroundWorker> worker_;
    int published_ = 0;
    QLineEdit* name_edit_ = nullptr;
    QPushButton* button_ = nullptr;
    QLabel* status_label_ = nullptr;
};

}  // namespace synclatch::demo
