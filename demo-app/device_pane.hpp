// DevicePane: one device of the demo: its own local store and synclatch::Client, a form that saves a
// thing (name and description) into the `things` dataset, Synchronize, an online/offline switch, the
// records table, progress, the last sync's result and a chart of sync times, and "Sign in" as the app's
// user (through the app's backend; the guest's data is merged and shown). Conflicts open a
// ConflictDialog. Disk work runs on the pane's BackgroundWorker and syncs on the client's sync thread; both
// report back to the GUI thread through queued calls, so the window never waits for them.
#pragma once

#include <QElapsedTimer>
#include <QGroupBox>
#include <QPointer>
#include <QString>
#include <memory>
#include <optional>
#include <synclatch/synclatch.hpp>
#include <vector>

#include "conflict_dialog.hpp"

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QCheckBox;
class QTableWidget;

namespace synclatch::demo {

class BackgroundWorker;
class ConflictQuestions;
class DemoBackend;
class SyncTimeChart;

struct DeviceSetup {
    QString name;      // shown, and how scenarios address the device ("phone")
    QString endpoint;  // its server
    QString identity_pool_id;
    QString data_dir;  // its own local store
    QString dataset = QStringLiteral("things");
    // Every device starts as a guest (an unauthenticated identity of its own, obtained at its first sync).
    // With a user, it can sign in as that user of the app: the app's backend (DemoBackend, which alone
    // holds the developer key) gives it a token, and its guest data is merged into the user's.
    QString user;
    std::shared_ptr<DemoBackend> backend;
    bool sample_button = false;  // "Add 300 samples", to show a long sync's progress
};

// Thread-safety: a widget; every method runs on the GUI thread.
class DevicePane : public QGroupBox {
    Q_OBJECT
  public:
    DevicePane(DeviceSetup setup, QWidget* parent);
    ~DevicePane() override;

    const QString& name() const { return setup_.name; }
    // The identity this device's data belongs to, once known (empty before).
    const QString& identity() const { return identity_; }

    // What the user can do, for scripted scenarios as much as for buttons.
    void fill(const QString& field, const QString& text);  // "name" or "description"
    void save();
    void add_samples(int count);  // saves `count` things in one transaction
    void synchronize();
    void set_online(bool online);
    // Signs in as DeviceSetup::user through the app's backend. While the user's identity has not reached
    // this device's deployment yet (a bridge brings it), it tries again for a while.
    void sign_in();

    // What the pane shows, for scenarios and tests.
    bool ready() const { return client_ != nullptr; }
    bool syncing() const { return syncs_requested_ != syncs_finished_; }
    bool signed_in() const { return signed_in_; }
    // What became of the guest's data at sign-in ("" before): the merged datasets and their records.
    QString merged_text() const;
    QString status_text() const;
    QString progress_text() const;
    // The records table's cell of `key` in column `column` ("key", "value", "sync count", "modified",
    // "origin"); std::nullopt when no row has that key.
    std::optional<QString> cell(const QString& key, const QString& column) const;
    int chart_bars() const;
    ConflictDialog* open_conflict() const { return conflict_dialog_; }

  Q_SIGNALS:
    void identity_known(const QString& identity);
    // After each sync: its result text, for the window's status bar.
    void sync_finished(const QString& device, bool succeeded, const QString& summary);

  private:
    void build_ui();
    void open_client();
    void on_client_opened(std::shared_ptr<Client> client, Dataset dataset);
    void on_signed_in(const Status& status, const QString& merged);
    // Reads the identity the client knows (on the worker), then shows it and tells identity_known.
    void learn_identity();
    void update_title();  // name, user when signed in, identity when known, "(offline)"
    void show_error(const QString& what, const Status& status);
    void refresh_records();
    void show_records(const std::vector<core::Record>& records);
    void finish_sync(bool succeeded, const QString& summary);
    void ask_conflict(const ConflictSides& sides);
    SyncRequest sync_request();

    DeviceSetup setup_;
    QString identity_;
    std::shared_ptr<platform::ManualConnectivity> connectivity_;
    std::unique_ptr<BackgroundWorker> worker_;  // the device's disk work, in order
    std::shared_ptr<Client> client_;            // set once open; shared with worker jobs
    std::optional<Dataset> dataset_;
    core::Subscription changes_;
    std::shared_ptr<ConflictQuestions> questions_;  // the sync thread's conflict questions to this pane
    bool refresh_queued_ = false;
    bool refresh_again_ = false;  // a change came in while a refresh was under way
    bool signing_in_ = false;
    bool signed_in_ = false;
    int syncs_requested_ = 0;
    int syncs_finished_ = 0;
    QElapsedTimer sync_clock_;

    QLineEdit* name_edit_ = nullptr;
    QLineEdit* description_edit_ = nullptr;
    QPushButton* save_button_ = nullptr;
    QPushButton* sync_button_ = nullptr;
    QPushButton* samples_button_ = nullptr;  // only where DeviceSetup::sample_button
    QCheckBox* online_switch_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* progress_label_ = nullptr;
    QLabel* status_label_ = nullptr;
    QPushButton* sign_in_button_ = nullptr;  // only where DeviceSetup::user
    QLabel* merged_label_ = nullptr;         // what the sign-in merged
    QTableWidget* records_table_ = nullptr;
    SyncTimeChart* chart_ = nullptr;
    QPointer<ConflictDialog> conflict_dialog_;
};

}  // namespace synclatch::demo
