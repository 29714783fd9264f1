// The counters table: one row per deployment, one column per (processor, outcome) worth watching.
#include "loop_counters.hpp"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <synclatch/platform/server_streams.hpp>

#include "background_worker.hpp"

namespace synclatch::demo {

namespace {

struct Column {
    const char* processor;
    const char* outcome;
};
constexpr Column kColumns[] = {{"trigger", "published"}, {"trigger", "skipped_by_latch"},
                               {"bridge", "applied"},    {"bridge", "skipped_by_latch"},
                               {"bridge", "stale"},      {"listener", "skipped_by_latch"}};

}  // namespace

LoopCounters::LoopCounters(std::vector<CountedDeployment> deployments, const QString& admin_key,
                           QWidget* parent)
    : QWidget(parent),
      deployments_(std::move(deployments)),
      worker_(std::make_unique<BackgroundWorker>()),
      read_(deployments_.size()),
      baseline_(deployments_.size()) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* heading = new QHBoxLayout;
    heading->addWidget(new QLabel(tr("<b>Event counters</b> (synclatch_processor_events_total)"), this), 1);
    auto* zero_button = new QPushButton(tr("Zero"), this);
    zero_button->setToolTip(tr("Count from now on"));
    connect(zero_button, &QPushButton::clicked, this, &LoopCounters::zero);
    heading->addWidget(zero_button);
    layout->addLayout(heading);
    state_label_ = new QLabel(this);
    state_label_->setWordWrap(true);
    layout->addWidget(state_label_);
    table_ =
        new QTableWidget(static_cast<int>(deployments_.size()), static_cast<int>(std::size(kColumns)), this);
    QStringList headers;
    for (const auto& column : kColumns)
        headers << QString("%1\n%2").arg(column.processor, column.outcome);
    table_->setHorizontalHeaderLabels(headers);
    QStringList rows;
    for (const auto& deployment : deployments_)
        rows << deployment.name;
    table_->setVerticalHeaderLabels(rows);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setMaximumHeight(120);
    layout->addWidget(table_);

    const auto colon = admin_key.indexOf(':');
    if (colon <= 0) {
        state_label_->setText(tr("Start the demo with --admin-key ID:SECRET to read the counters."));
        return;
    }
    for (const auto& deployment : deployments_) {
        auto endpoint = sync::parse_endpoint(deployment.endpoint.toStdString());
        if (!endpoint.ok()) {
            state_label_->setText(deployment.name + ": " +
                                  QString::fromStdString(endpoint.status().message()));
            return;
        }
        auto streams = platform::ServerStreams::open(
            *endpoint, {admin_key.left(colon).toStdString(), admin_key.mid(colon + 1).toStdString(), ""});
        if (!streams.ok()) {
            state_label_->setText(deployment.name + ": " +
                                  QString::fromStdString(streams.status().message()));
            return;
        }
        streams_.push_back(std::move(streams).value());
    }
    state_label_->setText(
        tr("An edit should move one trigger 'published' on its side and one bridge 'applied' "
           "on the other, then nothing more: the peer's trigger skips it by the latch."));
    unchanged_.start();
    connect(&timer_, &QTimer::timeout, this, &LoopCounters::poll);
    timer_.start(500);
    poll();
}

LoopCounters::~LoopCounters() {
    timer_.stop();
    worker_.reset();  // joins: no metrics read calls back after this
}

void LoopCounters::poll() {
    if (polling_) return;  // the last round is still under way (a slow server)
    polling_ = true;
    worker_->post([this] {
        for (std::size_t row = 0; row < streams_.size(); ++row) {
            auto text = streams_[row]->metrics();
            std::vector<long> counts;
            QString error;
            if (text.ok()) {
                for (const auto& column : kColumns)
                    counts.push_back(static_cast<long>(platform::metric_value(
                        *text, "synclatch_processor_events_total",
                        {{"processor", column.processor}, {"outcome", column.outcome}})));
            } else {
                error = QString::fromStdString(text.status().to_string());
            }
            const bool last = row + 1 == streams_.size();
            QMetaObject::invokeMethod(
                this,
                [this, row = static_cast<int>(row), counts, error, last] {
                    show_counts(row, counts, error);
                    if (last) polling_ = false;
                },
                Qt::QueuedConnection);
        }
    });
}

void LoopCounters::show_counts(int row, const std::vector<long>& counts, const QString& error) {
    if (!error.isEmpty()) {
        state_label_->setText(deployments_[static_cast<std::size_t>(row)].name +
                              tr(": cannot read counters: ") + error);
        return;
    }
    if (read_[static_cast<std::size_t>(row)] != counts) unchanged_.start();
    read_[static_cast<std::size_t>(row)] = counts;
    show_row(row);
}

void LoopCounters::zero() {
    baseline_ = read_;
    for (int row = 0; row < static_cast<int>(read_.size()); ++row)
        show_row(row);
}

void LoopCounters::show_row(int row) {
    const auto& counts = read_[static_cast<std::size_t>(row)];
    const auto& baseline = baseline_[static_cast<std::size_t>(row)];
    for (std::size_t column = 0; column < counts.size(); ++column) {
        const long since_zero = counts[column] - (column < baseline.size() ? baseline[column] : 0);
        table_->setItem(row, static_cast<int>(column), new QTableWidgetItem(QString::number(since_zero)));
    }
}

std::optional<long> LoopCounters::shown(const QString& deployment, const QString& processor,
                                        const QString& outcome) const {
    int row = -1;
    for (std::size_t i = 0; i < deployments_.size(); ++i)
        if (deployments_[i].name == deployment) row = static_cast<int>(i);
    for (int column = 0; column < static_cast<int>(std::size(kColumns)); ++column) {
        if (row < 0 || processor != kColumns[column].processor || outcome != kColumns[column].outcome)
            continue;
        const auto* item = table_->item(row, column);
        return item ? item->text().toLong() : 0;
    }
    return std::nullopt;
}

}  // namespace synclatch::demo
