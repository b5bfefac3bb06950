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

MetricRecorder::MetricRecorder(Duration horizon, std::vector<Duration> resolutions) {
  if (resolutions.empty()) throw std::invalid_argument("metric recorder needs a resolution");
  if (horizon < Duration()) throw std::invalid_argument("metric horizon must be >= 0");
  for (const Duration w : resolutions) {
    if (w <= Duration()) throw std::invalid_argument("metric resolution must be > 0");
    Resolution r;
    r.width = w;
    const Eigen::Index cols = static_cast<Eigen::Index>(horizon / w) + 1;
    r.sums.resize(0, cols);
    r.last.resize(0, cols);
    r.max.resize(0, cols);
    resolutions_.push_back(std::move(r));
  }
}

SeriesId MetricRecorder::add_counter(std::string name) {
  for (Resolution& r : resolutions_) add_rows(r.sums, 0.0);
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

double MetricRecorder::peak_per_second(SeriesId id, std::size_t i) const {
  const Resolution& r = resolutions_.at(i);
  if (r.used == 0) return 0.0;
  return r.sums.row(id.row).leftCols(r.used).maxCoeff() / r.width.to_seconds();
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
