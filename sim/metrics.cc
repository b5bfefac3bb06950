#include "sim/metrics.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace kinesim::sim {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void add_rows(Eigen::MatrixXd& m, double fill) {
  const Eigen::Index rows = m.rows();
  m.conservativeResize(rows + 1, Eigen::NoChange);
  m.row(rows).setConstant(fill);
}
}  // namespace

MetricRecorder::MetricRecorder(Duration horizon, std::vector<Duration> resolutions)
    : horizon_(horizon) {
  if (resolutions.empty()) throw std::invalid_argument("metric recorder needs a resolution");
  if (horizon < Duration()) throw std::invalid_argument("metric horizon must be >= 0");
  for (const Duration w : resolutions) {
    if (w <= Duration()) throw std::invalid_argument("metric resolution must be > 0");
    Resolution r;
    r.width = w;
    r.horizon_ns = horizon.count_nanos();
    // The bucket holding the run's last covered nanosecond (bucket 0 for an empty run).
    r.last_col = horizon.count_nanos() > 0
                     ? static_cast<Eigen::Index>((horizon.count_nanos() - 1) / w.count_nanos())
                     : 0;
    const Eigen::Index cols = static_cast<Eigen::Index>(horizon / w) + 1;
    r.sums.resize(0, cols);
    r.last.resize(0, cols);
    r.max.resize(0, cols);
    resolutions_.push_back(std::move(r));
  }
}

SeriesId MetricRecorder::add_counter(std::string name) {
  for (Resolution& r : resolutions_) add_rows(r.sums, 0.0);
  at_horizon_.push_back(0.0);
  counter_names_.push_back(std::move(name));
  return {MetricKind::kCounter, static_cast<uint32_t>(counter_names_.size() - 1)};
}

SeriesId MetricRecorder::add_gauge(std::string name) {
  for (Resolution& r : resolutions_) {
    add_rows(r.last, kNaN);
    add_rows(r.max, kNaN);
  }
  gauge_names_.push_back(std::move(name));
  return {MetricKind::kGauge, static_cast<uint32_t>(gauge_names_.size() - 1)};
}

void MetricRecorder::Resolution::grow(Eigen::Index min_cols) {
  const Eigen::Index old = sums.cols();
  const Eigen::Index cols = std::max(min_cols, old * 2);
  sums.conservativeResize(Eigen::NoChange, cols);
  sums.rightCols(cols - old).setZero();
  last.conservativeResize(Eigen::NoChange, cols);
  last.rightCols(cols - old).setConstant(kNaN);
  max.conservativeResize(Eigen::NoChange, cols);
  max.rightCols(cols - old).setConstant(kNaN);
}

Eigen::Ref<const Eigen::MatrixXd> MetricRecorder::counter_sums(std::size_t i) const {
  const Resolution& r = resolutions_.at(i);
  return r.sums.leftCols(r.used);
}
Eigen::Ref<const Eigen::MatrixXd> MetricRecorder::gauge_last(std::size_t i) const {
  const Resolution& r = resolutions_.at(i);
  return r.last.leftCols(r.used);
}
Eigen::Ref<const Eigen::MatrixXd> MetricRecorder::gauge_max(std::size_t i) const {
  const Resolution& r = resolutions_.at(i);
  return r.max.leftCols(r.used);
}

double MetricRecorder::peak_per_second(SeriesId id, std::size_t i, Time from) const {
  const Resolution& r = resolutions_.at(i);
  const int64_t horizon = horizon_.count_nanos();
  const int64_t written_end = static_cast<int64_t>(r.used) * r.width.count_nanos();
  // Every bucket written starts before the horizon: the run ends at the horizon.
  const bool within = written_end < horizon + r.width.count_nanos();
  const int64_t end = within ? horizon : written_end;
  return peak_per_second(id, i, from, Time::from_nanos(end));
}

double MetricRecorder::peak_per_second(SeriesId id, std::size_t i, Time from, Time to) const {
  return peak_per_second(std::span<const SeriesId>(&id, 1), i, from, to);
}

double MetricRecorder::peak_per_second(std::span<const SeriesId> ids, std::size_t i, Time from,
                                       Time to) const {
  const Resolution& r = resolutions_.at(i);
  const int64_t w = r.width.count_nanos();
  // Covered for at least half the width: 2 * covered >= w.
  const auto covered = [&](Eigen::Index c) {
    const int64_t start = std::max(static_cast<int64_t>(c) * w, from.nanos());
    const int64_t stop = std::min(static_cast<int64_t>(c + 1) * w, to.nanos());
    return stop > start ? stop - start : int64_t{0};
  };
  bool any_half = false;
  for (Eigen::Index c = 0; c < r.used && !any_half; ++c) any_half = 2 * covered(c) >= w;
  double peak = 0;
  for (Eigen::Index c = 0; c < r.used; ++c) {
    const int64_t span = covered(c);
    if (span == 0 || (any_half && 2 * span < w)) continue;
    double amount = 0;
    for (const SeriesId id : ids) {
      amount += r.sums(id.row, c) - (c == r.last_col ? at_horizon_[id.row] : 0.0);
    }
    peak = std::max(peak, amount / (static_cast<double>(span) / 1e9));
  }
  return peak;
}

std::size_t MetricRecorder::bytes() const {
  std::size_t total = 0;
  for (const Resolution& r : resolutions_) {
    total +=
        static_cast<std::size_t>(r.sums.size() + r.last.size() + r.max.size()) * sizeof(double);
  }
  return total;
}

}  // namespace kinesim::sim
