// The scenes' layouts and how their parts are wired: devices sign in through the app's backend; every
// sync's result reaches the status bar.
#include "main_window.hpp"

#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "demo_backend.hpp"
#include "device_pane.hpp"
#include "event_panel.hpp"
#include "event_publisher.hpp"
#include "loop_counters.hpp"

namespace synclatch::demo {

MainWindow::MainWindow(const DemoOptions& options)
    : options_(options),
      backend_(std::make_shared<DemoBackend>(options.admin_key, options.identity_pool_id)) {
    setWindowTitle(tr("synclatch demo - the Cognito Sync recipes, live"));
    tabs_ = new QTabWidget(this);
    tabs_->addTab(database_first_scene(), tr("1. Database-first"));
    tabs_->addTab(materialized_view_scene(), tr("2. Materialized view"));
    tabs_->addTab(two_devices_scene(), tr("3. Two devices, one user"));
    tabs_->addTab(bidirectional_scene(), tr("4. Bidirectional"));
    setCentralWidget(tabs_);
    statusBar()->showMessage(tr("Server %1; local stores in %2").arg(options_.endpoint, options_.data_dir));
    resize(1280, 800);
    show_scene(options_.scene);
}

MainWindow::~MainWindow() {
    // Every feed stops at once; each panel's destructor then waits only for its own last long-poll.
    for (auto* panel : std::as_const(event_panels_))
        panel->request_stop();
}

void MainWindow::show_scene(int scene) {
    tabs_->setCurrentIndex(scene - 1);
}

DevicePane* MainWindow::add_device(const QString& name, const QString& endpoint, QWidget* parent,
                                   bool sample_button, const QString& user) {
    DeviceSetup setup;
    setup.name = name;
    setup.endpoint = endpoint;
    setup.identity_pool_id = options_.identity_pool_id;
    setup.data_dir = QDir(options_.data_dir).filePath(name);
    setup.user = user;
    setup.backend = backend_;
    setup.sample_button = sample_button;
    auto* pane = new DevicePane(setup, parent);
    connect(pane, &DevicePane::sync_finished, this,
            [this](const QString& device, bool, const QString& summary) {
                statusBar()->showMessage(device + ": " + summary);
            });
    devices_.insert(name, pane);
    return pane;
}

QSplitter* MainWindow::device_beside(QWidget* device, QWidget* side) {
    auto* split = new QSplitter;
    split->addWidget(device);
    split->addWidget(side);
    split->setStretchFactor(0, 3);  // the device gets the most room
    split->setStretchFactor(1, 2);
    return split;
}

QSplitter* MainWindow::add_device_pair(const NamedEndpoint& first, const NamedEndpoint& second,
                                       const QString& user, QWidget* parent) {
    auto* pair = new QSplitter(parent);
    auto* first_device = add_device(first.name, first.endpoint, pair, false, user);
    auto* second_device = add_device(second.name, second.endpoint, pair, false, user);
    pair->addWidget(first_device);
    pair->addWidget(second_device);
    return pair;
}

EventPanel* MainWindow::add_events(const QString& name, const QString& title, const QString& endpoint,
                                   QWidget* parent) {
    auto* panel = new EventPanel(title, endpoint, options_.admin_key, parent);
    panel->setObjectName(name);
    event_panels_.insert(name, panel);
    return panel;
}

std::pair<QWidget*, QVBoxLayout*> MainWindow::scene_page(const QString& explanation) {
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    auto* label = new QLabel(explanation, page);
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    layout->addWidget(label);
    return {page, layout};
}

QWidget* MainWindow::database_first_scene() {
    auto [page, layout] = scene_page(
        tr("<b>Database-first with datasets.</b> Save writes the thing into the phone's local 'things' "
           "dataset (it works offline: switch 'online' off and try). Synchronize sends it; the server's "
           "<i>trigger</i> turns each synced record into a <b>thing-created</b> event, shown live on the "
           "right."));
    layout->addWidget(
        device_beside(add_device("phone", options_.endpoint, page, true),
                      add_events("events-1", tr("Server events (stream 'events')"), options_.endpoint, page)),
        1);
    return page;
}

QWidget* MainWindow::materialized_view_scene() {
    auto [page, layout] = scene_page(
        tr("<b>Materialized view in a dataset.</b> Another service publishes a <b>thing-created</b> event "
           "for this user. The server's <i>listener</i> writes it into the user's 'things' dataset (latch "
           "closed, so the trigger does not publish it again); Synchronize brings it to the tablet, with "
           "origin 'remote, by catalog-service'."));
    auto* tablet = add_device("tablet", options_.endpoint, page);
    auto* side = new QWidget(page);
    auto* side_layout = new QVBoxLayout(side);
    publisher_ =
        new EventPublisher(options_.endpoint, options_.admin_key, options_.identity_pool_id, *tablet, side);
    side_layout->addWidget(publisher_);
    side_layout->addWidget(
        add_events("events-2", tr("Server events (stream 'events')"), options_.endpoint, side), 1);
    layout->addWidget(device_beside(tablet, side), 1);
    return page;
}

QWidget* MainWindow::two_devices_scene() {
    auto [page, layout] = scene_page(
        tr("<b>Two devices, one user.</b> Sam signs in on the laptop: the app's backend (which alone holds "
           "the developer key) gets the laptop an OpenID token for Sam's identity. The desktop saves as a "
           "guest first, then signs in as Sam too: its guest data is merged into Sam's identity, not lost. "
           "Switch both offline, edit the same thing on each, and synchronize: the second to sync meets a "
           "conflict and asks which version stays (keep mine, take theirs, or edit)."));
    layout->addWidget(add_device_pair({"laptop", options_.endpoint}, {"desktop", options_.endpoint},
                                      QStringLiteral("sam"), page),
                      1);
    return page;
}

QWidget* MainWindow::bidirectional_scene() {
    if (options_.peer_endpoint.isEmpty()) {
        auto [page, layout] = scene_page(
            tr("<b>Bidirectional sync.</b> This scene needs a second deployment bridged with the first: "
               "start two servers that name each other with --peer, and the demo with --peer-endpoint "
               "(scripts/demo.sh does all of it)."));
        layout->addStretch();
        return page;
    }
    auto [page, layout] = scene_page(
        tr("<b>Bidirectional sync.</b> Deployments A (%1) and B (%2) bridge each other's events. device-a "
           "syncs with A, device-b with B, both signed in as Kim (the app's backend asks each deployment "
           "for Kim's token; bridged deployments share identity ids). An edit synced to one appears once in "
           "the other; the counters show the latch stopping the echo. (device-b can sign in once device-a's "
           "first write has reached B: that brings the identity there.)")
            .arg(options_.endpoint, options_.peer_endpoint));
    auto* split = new QSplitter(Qt::Vertical, page);
    split->addWidget(add_device_pair({"device-a", options_.endpoint}, {"device-b", options_.peer_endpoint},
                                     QStringLiteral("kim"), split));
    auto* bottom = new QWidget(split);
    auto* bottom_layout = new QVBoxLayout(bottom);
    counters_ = new LoopCounters({{"A", options_.endpoint}, {"B", options_.peer_endpoint}},
                                 options_.admin_key, bottom);
    bottom_layout->addWidget(counters_);
    auto* feeds = new QHBoxLayout;
    feeds->addWidget(add_events("events-a", tr("Events of A"), options_.endpoint, bottom));
    feeds->addWidget(add_events("events-b", tr("Events of B"), options_.peer_endpoint, bottom));
    bottom_layout->addLayout(feeds, 1);
    split->addWidget(bottom);
    layout->addWidget(split, 1);
    return page;
}

}  // namespace synclatch::demo
