// MainWindow: the four scenes of the demo as tabs (DESIGN.md "The demo"), each with the devices, event
// panels and counters it needs, and a status bar with the last sync's time and result.
#pragma once

#include <memory>

#include <QMainWindow>
#include <QMap>
#include <utility>

#include "demo_options.hpp"

class QSplitter;
class QTabWidget;
class QVBoxLayout;

namespace synclatch::demo {

class DemoBackend;
class DevicePane;
class EventPanel;
class EventPublisher;
class LoopCounters;

// Thread-safety: a widget; GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(const DemoOptions& options);
    ~MainWindow() override;

    void show_scene(int scene);  // 1-4
    // What scenarios address by name; nullptr when there is none of that name.
    DevicePane* device(const QString& name) const { return devices_.value(name); }
    EventPanel* events(const QString& name) const { return event_panels_.value(name); }
    EventPublisher* publisher() const { return publisher_; }
    LoopCounters* counters() const { return counters_; }
    QStringList device_names() const { return devices_.keys(); }

  private:
    // A scene's page with its explanation on top; the scene adds the rest to the layout.
    std::pair<QWidget*, QVBoxLayout*> scene_page(const QString& explanation);
    QWidget* database_first_scene();
    QWidget* materialized_view_scene();
    QWidget* two_devices_scene();
    QWidget* bidirectional_scene();
    // A device, a guest at first; with a user, it can sign in as that user of the app.
    DevicePane* add_device(const QString& name, const QString& endpoint, QWidget* parent,
                           bool sample_button = false, const QString& user = {});
    // A device with what it shows beside it (events, a publisher), in a splitter.
    static QSplitter* device_beside(QWidget* device, QWidget* side);
    // Two devices of one user of the app, each signing in through the app's backend.
    struct NamedEndpoint {
        QString name;
        QString endpoint;
    };
    QSplitter* add_device_pair(const NamedEndpoint& first, const NamedEndpoint& second, const QString& user,
                               QWidget* parent);
    EventPanel* add_events(const QString& name, const QString& title, const QString& endpoint,
                           QWidget* parent);

    DemoOptions options_;
    // The app's backend: the only holder of the developer key that devices deal with.
    std::shared_ptr<DemoBackend> backend_;
    QTabWidget* tabs_ = nullptr;
    QMap<QString, DevicePane*> devices_;
    QMap<QString, EventPanel*> event_panels_;
    EventPublisher* publisher_ = nullptr;
    LoopCounters* counters_ = nullptr;
};

}  // namespace synclatch::demo
