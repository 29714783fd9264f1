// Bars scaled to the slowest sync shown, with that duration as the axis label.
#include "sync_time_chart.hpp"

#include <QPainter>
#include <algorithm>

namespace synclatch::demo {

SyncTimeChart::SyncTimeChart(QWidget* parent) : QWidget(parent) {
    setMinimumHeight(60);
    setToolTip(tr("Duration of the last syncs (green: succeeded, red: failed)"));
}

void SyncTimeChart::add(qint64 millis, bool succeeded) {
    samples_.push_back({millis, succeeded});
    if (samples_.size() > kMaxSamples) samples_.pop_front();
    update();
}

void SyncTimeChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    painter.setPen(palette().mid().color());
    painter.drawRect(rect().adjusted(0, 0, -1, -1));
    const QRect area = rect().adjusted(4, 16, -4, -4);
    painter.setPen(palette().text().color());
    if (samples_.empty()) {
        painter.drawText(rect(), Qt::AlignCenter, tr("sync times appear here"));
        return;
    }
    qint64 slowest = 1;
    for (const auto& sample : samples_)
        slowest = std::max(slowest, sample.millis);
    painter.drawText(rect().adjusted(4, 2, -4, 0), Qt::AlignLeft | Qt::AlignTop,
                     tr("sync time, last %1 (max %2 ms)").arg(samples_.size()).arg(slowest));
    const int slot = area.width() / static_cast<int>(kMaxSamples);
    int x = area.left();
    for (const auto& sample : samples_) {
        const int height = std::max(1, static_cast<int>(area.height() * sample.millis / slowest));
        painter.fillRect(x, area.bottom() - height + 1, std::max(1, slot - 2), height,
                         sample.succeeded ? QColor(60, 160, 80) : QColor(200, 60, 60));
        x += slot;
    }
}

}  // namespace synclatch::demo
