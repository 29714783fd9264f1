// SyncTimeChart: a small bar chart of the last syncs' durations (green: succeeded, red: failed), drawn
// with QPainter so the demo needs no chart library.
#pragma once

#include <QWidget>
#include <deque>

namespace synclatch::demo {

// Thread-safety: a widget; GUI thread only.
class SyncTimeChart : public QWidget {
    Q_OBJECT
  public:
    explicit SyncTimeChart(QWidget* parent = nullptr);

    void add(qint64 millis, bool succeeded);
    int bars() const { return static_cast<int>(samples_.size()); }
    QSize sizeHint() const override { return {240, 70}; }

  protected:
    void paintEvent(QPaintEvent* event) override;

  private:
    struct Sample {
        qint64 millis;
        bool succeeded;
    };
    static constexpr std::size_t kMaxSamples = 30;
    std::deque<Sample> samples_;
};

}  // namespace synclatch::demo
