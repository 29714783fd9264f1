// The posted event has the fields the listener needs (docs/latch.md): id, type, timestamp, tags.source,
// tags.identityPoolId, thing.id and thing.identityId.
#include "event_publisher.hpp"

#include <QDateTime>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUuid>
#include <QVBoxLayout>
#include <synclatch/platform/server_streams.hpp>

#include "background_worker.hpp"
#include "device_pane.hpp"
#include "thing_key.hpp"

namespace synclatch::demo {

namespace {

constexpr auto kSource = "catalog-service";  // the other service, as the event's tags.source

}  // namespace

EventPublisher::EventPublisher(const QString& endpoint, const QString& admin_key,
                               const QString& identity_pool_id, DevicePane& device, QWidget* parent)
    : QWidget(parent),
      device_(device),
      identity_pool_id_(identity_pool_id),
      worker_(std::make_unique<BackgroundWorker>()) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(
        new QLabel(tr("<b>Another service</b> publishes a thing-created event for %1's identity")
                       .arg(device.name().toHtmlEscaped()),
                   this));
    auto* row = new QHBoxLayout;
    name_edit_ = new QLineEdit(tr("Gift card"), this);
    button_ = new QPushButton(tr("Publish thing-created"), this);
    row->addWidget(name_edit_, 1);
    row->addWidget(button_);
    layout->addLayout(row);
    status_label_ = new QLabel(this);
    status_label_->setWordWrap(true);
    layout->addWidget(status_label_);
    connect(button_, &QPushButton::clicked, this, &EventPublisher::publish);
    connect(&device, &DevicePane::identity_known, this, &EventPublisher::update_enabled);

    const auto colon = admin_key.indexOf(':');
    auto parsed = sync::parse_endpoint(endpoint.toStdString());
    if (colon > 0 && parsed.ok()) {
        auto streams = platform::ServerStreams::open(
            *parsed, {admin_key.left(colon).toStdString(), admin_key.mid(colon + 1).toStdString(), ""});
        if (streams.ok()) streams_ = std::move(streams).value();
    }
    update_enabled();
}

EventPublisher::~EventPublisher() {
    worker_.reset();
}

void EventPublisher::update_enabled() {
    button_->setEnabled(streams_ && !device_.identity().isEmpty());
    if (!streams_)
        status_label_->setText(tr("Start the demo with --admin-key ID:SECRET to post events."));
    else if (device_.identity().isEmpty())
        status_label_->setText(
            tr("Synchronize %1 once: its identity comes with its first sync.").arg(device_.name()));
    else
        status_label_->setText(tr("Ready to publish for %1").arg(device_.identity()));
}

void EventPublisher::fill(const QString& name) const {
    name_edit_->setText(name);
}

QString EventPublisher::status_text() const {
    return status_label_->text();
}

void EventPublisher::publish() {
    if (!button_->isEnabled()) return;
    const QString identity = device_.identity();
    const QString name = name_edit_->text().trimmed();
    if (name.isEmpty()) {
        status_label_->setText(tr("A thing needs a name."));
        return;
    }
    const QString thing_id = thing_key("catalog", name);
    const QJsonObject event{
        {"id", QString(kSource) + ":" + QUuid::createUuid().toString(QUuid::WithoutBraces)},
        {"type", "thing-created"},
        {"timestamp", QDateTime::currentMSecsSinceEpoch()},
        {"partitionKey", identity},
        {"tags",
         QJsonObject{{"source", kSource}, {"identityPoolId", identity_pool_id_}, {"region", "us-east-1"}}},
        {"thing", QJsonObject{{"id", thing_id},
                              {"identityId", identity},
                              {"name", name},
                              {"description", tr("sent by the catalog service")}}}};
    const std::string event_text = QJsonDocument(event).toJson(QJsonDocument::Compact).toStdString();
    status_label_->setText(tr("Publishing %1...").arg(thing_id));
    worker_->post([this, streams = streams_, identity = identity.toStdString(), event_text, thing_id] {
        auto seq = streams->post_event(identity, event_text);
        QMetaObject::invokeMethod(
            this,
            [this, ok = seq.ok(),
             text = QString::fromStdString(seq.ok() ? std::to_string(*seq) : seq.status().to_string()),
             thing_id] {
                if (ok) ++published_;
                status_label_->setText(
                    ok ? tr("Published %1 as event %2; the listener writes it into 'things'. "
                            "Synchronize brings it to the device.")
                             .arg(thing_id, text)
                       : tr("Publishing failed: ") + text);
            },
            Qt::QueuedConnection);
    });
}

}  // namespace synclatch::demo
