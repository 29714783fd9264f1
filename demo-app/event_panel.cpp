// Long-poll loop (1 s waits, so stopping is quick) and the table of events it fills.
#include "event_panel.hpp"

#include <QDateTime>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <synclatch/platform/server_streams.hpp>
#include <synclatch/sync/endpoint.hpp>
#include <thread>

namespace synclatch::demo {

namespace {

const QStringList kColumns = {"seq", "time", "type", "thing", "name", "source", "hops"};
constexpr int kMaxRows = 2000;  // the newest events shown

// One stream record as a table row.
QStringList row_of(const platform::StreamRecord& record) {
    const QJsonObject event = QJsonDocument::fromJson(QByteArray::fromStdString(record.data)).object();
    const QJsonObject thing = event.value("thing").toObject();
    const QJsonObject tags = event.value("tags").toObject();
    return {QString::number(record.sequence_number),
            QDateTime::fromMSecsSinceEpoch(record.arrival).toString("HH:mm:ss"),
            event.value("type").toString(),
            thing.value("id").toString(),
            thing.value("name").toString(),
            tags.value("source").toString(),
            QString::number(event.value("hops").toInt())};
}

}  // namespace

EventPanel::EventPanel(const QString& title, const QString& endpoint, const QString& admin_key,
                       QWidget* parent)
    : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* heading = new QLabel("<b>" + title.toHtmlEscaped() + "</b>", this);
    state_label_ = new QLabel(this);
    table_ = new QTableWidget(0, static_cast<int>(kColumns.size()), this);
    table_->setHorizontalHeaderLabels(kColumns);
    table_->horizontalHeader()->setSectionResizeMode(4, QHeaderView::Stretch);  // the thing's name
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(heading);
    layout->addWidget(state_label_);
    layout->addWidget(table_, 1);

    const auto colon = admin_key.indexOf(':');
    auto parsed = sync::parse_endpoint(endpoint.toStdString());
    if (colon <= 0) {
        state_label_->setText(
            tr("Start the demo with --admin-key ID:SECRET (the server's) to see its events."));
        return;
    }
    if (!parsed.ok()) {
        state_label_->setText(QString::fromStdString(parsed.status().message()));
        return;
    }
    auto streams = platform::ServerStreams::open(
        *parsed, {admin_key.left(colon).toStdString(), admin_key.mid(colon + 1).toStdString(), ""});
    if (!streams.ok()) {
        state_label_->setText(QString::fromStdString(streams.status().message()));
        return;
    }
    state_label_->setText(tr("Following %1 stream events").arg(endpoint));
    feed_ =
        std::thread([this, shared = std::shared_ptr<platform::ServerStreams>(std::move(streams).value())] {
            follow(shared);
        });
}

EventPanel::~EventPanel() {
    stopping_ = true;
    if (feed_.joinable()) feed_.join();
}

void EventPanel::follow(std::shared_ptr<platform::ServerStreams> streams) {
    std::int64_t after = 0;
    QString shown_error;
    while (!stopping_) {
        auto page = streams->read("events", after, 100, std::chrono::seconds(1));
        if (!page.ok()) {
            // The server may be restarting: say so, and try again shortly.
            const QString error = QString::fromStdString(page.status().to_string());
            if (error != shown_error) {
                shown_error = error;
                QMetaObject::invokeMethod(
                    this, [this, error] { state_label_->setText(tr("Cannot read events: ") + error); },
                    Qt::QueuedConnection);
            }
            for (int i = 0; i < 10 && !stopping_; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        if (!shown_error.isEmpty()) {
            shown_error.clear();
            QMetaObject::invokeMethod(
                this, [this] { state_label_->setText(tr("Following events again")); }, Qt::QueuedConnection);
        }
        QList<QStringList> rows;
        for (const auto& record : page->records)
            rows.push_back(row_of(record));
        after = std::max(after, page->last_sequence_number);
        if (!rows.empty())
            QMetaObject::invokeMethod(
                this, [this, rows] { add_events(rows); }, Qt::QueuedConnection);
    }
}

void EventPanel::add_events(const QList<QStringList>& rows) {
    table_->setUpdatesEnabled(false);
    int row = table_->rowCount();
    table_->setRowCount(row + static_cast<int>(rows.size()));
    for (const auto& cells : rows) {
        for (int column = 0; column < cells.size(); ++column)
            table_->setItem(row, column, new QTableWidgetItem(cells[column]));
        ++row;
    }
    // The newest kMaxRows stay; columns are sized once per batch (sizing on every cell costs quadratic time).
    if (table_->rowCount() > kMaxRows) {
        const int excess = table_->rowCount() - kMaxRows;
        for (int i = 0; i < excess; ++i)
            table_->removeRow(0);
    }
    for (int column = 0; column < table_->columnCount(); ++column)
        if (column != 4) table_->resizeColumnToContents(column);
    table_->setUpdatesEnabled(true);
    table_->scrollToBottom();
}

QStringList EventPanel::row_texts() const {
    QStringList texts;
    for (int row = 0; row < table_->rowCount(); ++row) {
        QStringList cells;
        for (int column = 0; column < table_->columnCount(); ++column)
            cells << table_->item(row, column)->text();
        texts << cells.join(' ');
    }
    return texts;
}

}  // namespace synclatch::demo
