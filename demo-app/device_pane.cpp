// The device pane's widgets and its three kinds of work: disk (BackgroundWorker), sync (the client's sync
// thread, through synchronize_on_connectivity) and conflict questions (ConflictQuestions). Each reports back
// with a queued call to this pane; the destructor stops all three before the widget goes away.
#include "device_pane.hpp"

#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <chrono>
#include <thread>

#include "background_worker.hpp"
#include "conflict_questions.hpp"
#include "demo_backend.hpp"
#include "sync_time_chart.hpp"
#include "thing_key.hpp"

namespace synclatch::demo {

namespace {

const QStringList kColumns = {"key", "value", "sync count", "modified", "origin"};
// A user's identity reaches a second deployment with the first write the bridge carries there: a sign-in
// on that deployment tries again for up to this long.
constexpr int kSignInAttempts = 40;
constexpr auto kSignInRetryPause = std::chrono::milliseconds(250);

QString qstr(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

QString time_text(core::EpochMillis millis) {
    if (millis == 0) return "-";
    return QDateTime::fromMSecsSinceEpoch(millis).toString("HH:mm:ss");
}

QString value_text(const std::optional<std::string>& value) {
    return value ? qstr(*value) : "(removed)";
}

QString status_message(const Status& status) {
    return qstr(to_string(status.code())) + ": " + qstr(status.message());
}

ConflictSides sides_of(const sync::Conflict& conflict) {
    const auto& local = conflict.local();
    const auto& remote = conflict.remote();
    return {qstr(conflict.key()), value_text(local.value),
            "edited here at " + time_text(local.device_last_modified), value_text(remote.value),
            "stored at " + time_text(remote.last_modified) +
                (remote.last_modified_by.empty() ? QString() : " by " + qstr(remote.last_modified_by))};
}

}  // namespace

DevicePane::DevicePane(DeviceSetup setup, QWidget* parent)
    : QGroupBox(parent),
      setup_(std::move(setup)),
      connectivity_(std::make_shared<platform::ManualConnectivity>(true)),
      worker_(std::make_unique<BackgroundWorker>()),
      questions_(std::make_shared<ConflictQuestions>()) {
    setObjectName(setup_.name);
    setTitle(setup_.name);
    build_ui();
    open_client();
}

DevicePane::~DevicePane() {
    // Stop every thread that may call back into this pane before the widget is gone: a conflict question
    // being waited on is answered "postponed" (the sync stops, losing nothing), then disk work and the
    // client's sync thread are joined.
    questions_->close();
    changes_.reset();
    worker_.reset();
    client_.reset();
}

void DevicePane::build_ui() {
    auto* layout = new QVBoxLayout(this);

    auto* form = new QFormLayout;
    name_edit_ = new QLineEdit(this);
    name_edit_->setPlaceholderText(tr("e.g. Desk lamp"));
    description_edit_ = new QLineEdit(this);
    description_edit_->setPlaceholderText(tr("e.g. the red one, by the window"));
    form->addRow(tr("Name"), name_edit_);
    form->addRow(tr("Description"), description_edit_);
    layout->addLayout(form);

    auto* buttons = new QHBoxLayout;
    save_button_ = new QPushButton(tr("Save"), this);
    save_button_->setToolTip(tr("Write the thing into the local dataset; works offline"));
    sync_button_ = new QPushButton(tr("Synchronize"), this);
    sync_button_->setToolTip(tr("Pull the server's changes, resolve conflicts, push local changes"));
    online_switch_ = new QCheckBox(tr("online"), this);
    online_switch_->setChecked(true);
    buttons->addWidget(save_button_);
    buttons->addWidget(sync_button_);
    buttons->addStretch();
    buttons->addWidget(online_switch_);
    layout->addLayout(buttons);
    connect(save_button_, &QPushButton::clicked, this, &DevicePane::save);
    if (setup_.sample_button) {
        samples_button_ = new QPushButton(tr("Add 300 samples"), this);
        samples_button_->setToolTip(tr("Save 300 things at once, to watch a long sync's progress"));
        samples_button_->setEnabled(false);
        buttons->insertWidget(2, samples_button_);
        connect(samples_button_, &QPushButton::clicked, this, [this] { add_samples(300); });
    }
    if (!setup_.user.isEmpty()) {
        sign_in_button_ = new QPushButton(tr("Sign in as %1").arg(setup_.user), this);
        sign_in_button_->setToolTip(
            tr("Sign in through the app's backend: this device gets %1's identity and data; what it saved "
               "as a guest is merged, not lost")
                .arg(setup_.user));
        sign_in_button_->setEnabled(false);
        buttons->insertWidget(2, sign_in_button_);
        connect(sign_in_button_, &QPushButton::clicked, this, &DevicePane::sign_in);
    }
    connect(sync_button_, &QPushButton::clicked, this, &DevicePane::synchronize);
    connect(online_switch_, &QCheckBox::toggled, this, &DevicePane::set_online);
    save_button_->setEnabled(false);
    sync_button_->setEnabled(false);

    records_table_ = new QTableWidget(0, static_cast<int>(kColumns.size()), this);
    records_table_->setHorizontalHeaderLabels(kColumns);
    // Columns are sized once per refresh (show_records): sizing to contents on every cell change costs
    // time quadratic in the rows.
    records_table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    records_table_->verticalHeader()->hide();
    records_table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    records_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Picking a row loads the thing into the form, to edit it.
    connect(records_table_, &QTableWidget::cellClicked, this, [this](int row, int) {
        const auto document = QJsonDocument::fromJson(records_table_->item(row, 1)->text().toUtf8());
        name_edit_->setText(document.object().value("name").toString());
        description_edit_->setText(document.object().value("description").toString());
    });
    layout->addWidget(records_table_, 1);

    auto* progress_row = new QHBoxLayout;
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setTextVisible(false);
    progress_->setMaximumWidth(120);
    progress_label_ = new QLabel(this);
    progress_row->addWidget(progress_);
    progress_row->addWidget(progress_label_, 1);
    layout->addLayout(progress_row);

    status_label_ = new QLabel(tr("Opening the local store..."), this);
    status_label_->setWordWrap(true);
    layout->addWidget(status_label_);
    merged_label_ = new QLabel(this);
    merged_label_->setWordWrap(true);
    merged_label_->hide();
    layout->addWidget(merged_label_);
    chart_ = new SyncTimeChart(this);
    layout->addWidget(chart_);
}

void DevicePane::open_client() {
    ClientOptions options;
    options.endpoint = setup_.endpoint.toStdString();
    options.identity_pool_id = setup_.identity_pool_id.toStdString();
    options.data_dir = setup_.data_dir.toStdString();
    options.connectivity = connectivity_;
    options.request_deadline = std::chrono::seconds(10);
    worker_->post([this, options = std::move(options), data_dir = setup_.data_dir,
                   dataset_name = setup_.dataset.toStdString()]() mutable {
        Status status;
        std::shared_ptr<Client> client;
        std::optional<Dataset> dataset;
        if (!QDir().mkpath(data_dir)) {
            status = {Errc::storage, "cannot create " + data_dir.toStdString()};
        } else if (auto opened = Client::open(std::move(options)); !opened.ok()) {
            status = opened.status();
        } else {
            client = std::move(opened).value();
            auto handle = client->open_or_create_dataset(dataset_name);
            if (handle.ok())
                dataset = *handle;
            else
                status = handle.status();
        }
        QMetaObject::invokeMethod(
            this,
            [this, status, client, dataset] {
                if (!status.ok()) return show_error(tr("Opening the local store"), status);
                on_client_opened(client, *dataset);
            },
            Qt::QueuedConnection);
    });
}

void DevicePane::on_client_opened(std::shared_ptr<Client> client, Dataset dataset) {
    client_ = std::move(client);
    dataset_ = dataset;
    // Every committed change, local or pulled, refreshes the table (the callback runs on the writing thread).
    changes_ = dataset_->on_change([this](const core::Change&) {
        QMetaObject::invokeMethod(
            this, [this] { refresh_records(); }, Qt::QueuedConnection);
    });
    save_button_->setEnabled(true);
    sync_button_->setEnabled(true);
    if (samples_button_) samples_button_->setEnabled(true);
    if (sign_in_button_) sign_in_button_->setEnabled(true);
    status_label_->setText(tr("Ready, as a guest. Local store: %1").arg(setup_.data_dir));
    // Known from an earlier run: at once, without the network (this is the GUI thread).
    if (const auto known = client_->known_identity_id(); known && identity_.isEmpty()) {
        identity_ = qstr(*known);
        Q_EMIT identity_known(identity_);
    }
    update_title();
    refresh_records();
}

void DevicePane::show_error(const QString& what, const Status& status) {
    status_label_->setStyleSheet("color: #b00020");
    status_label_->setText(what + tr(" failed: ") + status_message(status));
}

void DevicePane::fill(const QString& field, const QString& text) {
    if (field == "name")
        name_edit_->setText(text);
    else if (field == "description")
        description_edit_->setText(text);
}

void DevicePane::save() {
    if (!dataset_) return;
    const QString name = name_edit_->text().trimmed();
    if (name.isEmpty()) {
        status_label_->setStyleSheet("color: #b00020");
        status_label_->setText(tr("A thing needs a name."));
        return;
    }
    const QString key = thing_key("thing", name);
    const QByteArray value =
        QJsonDocument(QJsonObject{{"name", name}, {"description", description_edit_->text().trimmed()}})
            .toJson(QJsonDocument::Compact);
    worker_->post([this, dataset = *dataset_, key, value]() mutable {
        const Status saved = dataset.put(key.toStdString(), value.toStdString());
        QMetaObject::invokeMethod(
            this,
            [this, saved, key] {
                if (!saved.ok()) return show_error(tr("Saving %1").arg(key), saved);
                status_label_->setStyleSheet({});
                status_label_->setText(tr("Saved %1 locally; Synchronize sends it.").arg(key));
            },
            Qt::QueuedConnection);
    });
}

SyncRequest DevicePane::sync_request() {
    SyncRequest request;
    // Small pages and requests, so that a long sync shows its progress.
    request.options.page_size = 100;
    request.options.max_patches_per_request = 100;
    request.options.on_progress = [this](const sync::SyncProgress& progress) {
        const QString text =
            tr("%1: %2 records, %3 requests")
                .arg(progress.phase == sync::SyncProgress::Phase::pulling ? tr("pulling") : tr("pushing"))
                .arg(progress.records)
                .arg(progress.pages);
        QMetaObject::invokeMethod(
            this, [this, text] { progress_label_->setText(text); }, Qt::QueuedConnection);
    };
    request.options.on_conflict = [this, questions = questions_](std::span<sync::Conflict> conflicts) {
        for (auto& conflict : conflicts) {
            const ConflictSides sides = sides_of(conflict);
            const ConflictAnswer answer = questions->ask([this, sides] {
                QMetaObject::invokeMethod(
                    this, [this, sides] { ask_conflict(sides); }, Qt::QueuedConnection);
            });
            switch (answer.choice) {
                case ConflictChoice::keep_mine:
                    conflict.resolve_with_local();
                    break;
                case ConflictChoice::take_theirs:
                    conflict.resolve_with_remote();
                    break;
                case ConflictChoice::edited:
                    conflict.resolve_with_value(answer.value.toStdString());
                    break;
                case ConflictChoice::postponed:
                    return false;  // the sync stops; the conflict comes back next time
            }
        }
        return true;
    };
    request.on_success = [this](const sync::SyncResult& result) {
        const QString summary = tr("pulled %1, pushed %2, conflicts %3, sync count %4, %5 requests")
                                    .arg(result.pulled)
                                    .arg(result.pushed)
                                    .arg(result.conflicts)
                                    .arg(result.sync_count)
                                    .arg(result.requests);
        QMetaObject::invokeMethod(
            this, [this, summary] { finish_sync(true, summary); }, Qt::QueuedConnection);
    };
    request.on_failure = [this](const Status& status) {
        const QString summary = status_message(status);
        QMetaObject::invokeMethod(
            this, [this, summary] { finish_sync(false, summary); }, Qt::QueuedConnection);
    };
    return request;
}

void DevicePane::add_samples(int count) {
    if (!dataset_) return;
    std::map<std::string, std::string> things;
    for (int i = 1; i <= count; ++i) {
        const QString name = tr("Sample %1").arg(i, 4, 10, QChar('0'));
        things[thing_key("thing", name).toStdString()] =
            QJsonDocument(QJsonObject{{"name", name}, {"description", tr("one of %1 samples").arg(count)}})
                .toJson(QJsonDocument::Compact)
                .toStdString();
    }
    worker_->post([this, dataset = *dataset_, things = std::move(things), count]() mutable {
        const Status saved = dataset.put_all(things);  // one transaction: all of them or none
        QMetaObject::invokeMethod(
            this,
            [this, saved, count] {
                if (!saved.ok()) return show_error(tr("Adding samples"), saved);
                status_label_->setStyleSheet({});
                status_label_->setText(
                    tr("Saved %1 sample things locally; Synchronize sends them.").arg(count));
            },
            Qt::QueuedConnection);
    });
}

void DevicePane::synchronize() {
    if (!client_) return;
    ++syncs_requested_;
    sync_clock_.start();
    progress_->setRange(0, 0);  // busy
    progress_label_->setText(connectivity_->online() ? tr("starting") : tr("offline: waits for the network"));
    status_label_->setStyleSheet({});
    if (!connectivity_->online())
        status_label_->setText(tr("Offline: the sync starts when the device is online again."));
    client_->synchronize_on_connectivity(setup_.dataset.toStdString(), sync_request());
}

void DevicePane::finish_sync(bool succeeded, const QString& summary) {
    ++syncs_finished_;
    const qint64 millis = sync_clock_.elapsed();
    chart_->add(millis, succeeded);
    if (!syncing()) {
        progress_->setRange(0, 1);
        progress_->setValue(succeeded ? 1 : 0);
        // The last progress report stays, so a long sync's steps can be read afterwards.
        const QString last = progress_label_->text();
        const bool reported = last.startsWith(tr("pulling")) || last.startsWith(tr("pushing"));
        progress_label_->setText((succeeded ? tr("done") : tr("stopped")) +
                                 (reported ? " (" + last + ")" : QString()));
    }
    const QString text = tr("Last sync %1 (%2 ms): %3")
                             .arg(QTime::currentTime().toString("HH:mm:ss"))
                             .arg(millis)
                             .arg(succeeded ? tr("ok, ") + summary : tr("failed: ") + summary);
    status_label_->setStyleSheet(succeeded ? QString() : QString("color: #b00020"));
    status_label_->setText(text);
    Q_EMIT sync_finished(setup_.name, succeeded, text);
    refresh_records();  // a push changes sync counts and flags, which the change feed does not report
    if (succeeded && identity_.isEmpty() && client_) learn_identity();  // the first sync obtained it
}

void DevicePane::set_online(bool online) {
    if (online_switch_->isChecked() != online) online_switch_->setChecked(online);  // comes back here
    if (connectivity_->online() == online) return;
    if (online && syncing()) sync_clock_.start();  // the waiting sync starts now
    connectivity_->set_online(online);
    update_title();
}

void DevicePane::sign_in() {
    if (!client_ || setup_.user.isEmpty() || signing_in_ || signed_in_) return;
    signing_in_ = true;
    sign_in_button_->setEnabled(false);
    status_label_->setStyleSheet({});
    status_label_->setText(tr("Signing in as %1 through the app's backend...").arg(setup_.user));
    worker_->post([this, client = client_, backend = setup_.backend, endpoint = setup_.endpoint,
                   user = setup_.user] {
        // The device's identity so far, if it has one (a guest that synced): the backend links it to the
        // user, which merges it into the user's identity when the user has one.
        const std::optional<std::string> guest = client->known_identity_id();
        Status status{Errc::unavailable, "no attempt"};
        for (int attempt = 0; attempt < kSignInAttempts; ++attempt) {
            // Asked again at each renewal of the credentials: later tokens link nothing.
            status = client->sign_in(
                [backend, endpoint, user, link = guest, first = true]() mutable -> Result<sync::Logins> {
                    if (!backend) return Status{Errc::unauthorized, "the demo has no app backend"};
                    auto token = backend->token_for(endpoint, user, first ? link : std::nullopt);
                    first = false;
                    if (!token.ok()) return token.status();
                    return platform::DeveloperIdentities::device_logins(*token);
                });
            // not_found: the user's identity has not reached this deployment yet; a bridge brings it.
            if (status.code() != Errc::not_found) break;
            std::this_thread::sleep_for(kSignInRetryPause);
        }
        // What the sign-in did to the guest's data: its datasets kept under their merged names.
        QString merged;
        if (status.ok() && guest && client->known_identity_id() != guest) {
            auto datasets = client->list_datasets();
            if (datasets.ok()) {
                for (const auto& dataset : *datasets)
                    if (dataset.name.ends_with("." + *guest))
                        merged += (dataset.record_count == 1 ? tr("'%1' (1 record)").arg(qstr(dataset.name))
                                                             : tr("'%1' (%2 records)")
                                                                   .arg(qstr(dataset.name))
                                                                   .arg(dataset.record_count)) +
                                  " ";
            }
        }
        QMetaObject::invokeMethod(
            this, [this, status, merged = merged.trimmed()] { on_signed_in(status, merged); },
            Qt::QueuedConnection);
    });
}

void DevicePane::on_signed_in(const Status& status, const QString& merged) {
    signing_in_ = false;
    if (!status.ok()) {
        sign_in_button_->setEnabled(true);
        return show_error(tr("Signing in as %1").arg(setup_.user), status);
    }
    signed_in_ = true;
    sign_in_button_->setText(tr("Signed in as %1").arg(setup_.user));
    status_label_->setStyleSheet({});
    status_label_->setText(tr("Signed in as %1: this device now syncs %1's data.").arg(setup_.user));
    if (!merged.isEmpty()) {
        merged_label_->setText(tr("Saved as a guest, kept: %1, merged into %2's identity. The guest's things "
                                  "are in 'things' too, to be pushed at the next sync.")
                                   .arg(merged, setup_.user));
        merged_label_->show();
    }
    learn_identity();  // the user's now
}

void DevicePane::learn_identity() {
    // Known locally once a sync or a sign-in has obtained it: reading it does no network I/O.
    worker_->post([this, client = client_] {
        auto identity = client->identity_id();
        if (!identity.ok()) return;
        QMetaObject::invokeMethod(
            this,
            [this, id = qstr(*identity)] {
                identity_ = id;
                update_title();
                Q_EMIT identity_known(identity_);
                refresh_records();
            },
            Qt::QueuedConnection);
    });
}

void DevicePane::update_title() {
    setTitle(setup_.name + (signed_in_ ? " - " + setup_.user : QString()) +
             (identity_.isEmpty() ? QString() : " - " + identity_) +
             (connectivity_->online() ? QString() : tr(" (offline)")));
}

QString DevicePane::merged_text() const {
    return merged_label_->isVisible() ? merged_label_->text() : QString();
}

void DevicePane::ask_conflict(const ConflictSides& sides) {
    auto* dialog = new ConflictDialog(setup_.name, sides, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ConflictDialog::chosen, this, [this](ConflictChoice choice, const QString& value) {
        questions_->answer({choice, value});
    });
    conflict_dialog_ = dialog;
    progress_label_->setText(tr("conflict on %1: waiting for your choice").arg(sides.key));
    dialog->open();
}

void DevicePane::refresh_records() {
    if (!dataset_) return;
    if (refresh_queued_) {
        refresh_again_ = true;
        return;
    }
    refresh_queued_ = true;
    worker_->post([this, dataset = *dataset_] {
        auto records = dataset.get_all_records();
        QMetaObject::invokeMethod(
            this,
            [this, records = std::move(records)] {
                refresh_queued_ = false;
                if (records.ok())
                    show_records(*records);
                else
                    show_error(tr("Reading the records"), records.status());
                if (std::exchange(refresh_again_, false)) refresh_records();
            },
            Qt::QueuedConnection);
    });
}

void DevicePane::show_records(const std::vector<core::Record>& records) {
    records_table_->setUpdatesEnabled(false);
    records_table_->setRowCount(static_cast<int>(records.size()));
    int row = 0;
    for (const auto& record : records) {
        // Local edits show when this device made them; synced versions when the server stored them.
        const QString modified =
            time_text(record.modified ? record.device_last_modified : record.last_modified);
        QString origin = qstr(core::to_string(record.origin));
        if (record.modified)
            origin += tr(", not pushed yet");
        else if (!record.last_modified_by.empty() && record.origin == core::Origin::remote)
            // The server names a client's write by its identity; a processor's or a peer's by its name.
            origin += tr(", by ") + (qstr(record.last_modified_by) == identity_
                                         ? tr("this user")
                                         : qstr(record.last_modified_by).left(24));
        const QStringList cells = {qstr(record.key), value_text(record.value),
                                   QString::number(record.sync_count), modified, origin};
        for (int column = 0; column < cells.size(); ++column)
            records_table_->setItem(row, column, new QTableWidgetItem(cells[column]));
        ++row;
    }
    for (int column : {0, 2, 3, 4})
        records_table_->resizeColumnToContents(column);
    records_table_->resizeRowsToContents();  // values wrap
    records_table_->setUpdatesEnabled(true);
}

QString DevicePane::status_text() const {
    return status_label_->text();
}
QString DevicePane::progress_text() const {
    return progress_label_->text();
}
int DevicePane::chart_bars() const {
    return chart_->bars();
}

std::optional<QString> DevicePane::cell(const QString& key, const QString& column) const {
    const int index = static_cast<int>(kColumns.indexOf(column));
    if (index < 0) return std::nullopt;
    for (int row = 0; row < records_table_->rowCount(); ++row)
        if (records_table_->item(row, 0)->text() == key) return records_table_->item(row, index)->text();
    return std::nullopt;
}

}  // namespace synclatch::demo
