// Metric series bucketed on virtual time. Each resolution (e.g. 1 s and 60 s) keeps an Eigen
// matrix with one row per series and one column per bucket; an update touches one cell per
// resolution, so it is O(1). Counters sum within a bucket; gauges keep the last and the
// largest value set in it (NaN where nothing was set).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "sim/time.h"

namespace kinesim::sim {

enum class MetricKind : uint8_t { kCounter, kGauge };

struct SeriesId {
  MetricKind kind;
  uint32_t row;
};

class MetricRecorder {
 public:
  // `horizon` is the run's length: it pre-sizes the buckets (writes past it grow the matrices)
  // and ends the time the last bucket covers. A write at exactly the horizon (an event at the
  // run's last instant) goes to the bucket before it, so a run of whole buckets never gets one
  // more holding only that instant. `resolutions` are the bucket widths, each > 0.
  MetricRecorder(Duration horizon, std::vector<Duration> resolutions);

  SeriesId add_counter(std::string name);
  SeriesId add_gauge(std::string name);

  void add(SeriesId id, Time at, double amount = 1.0) {
    for (Resolution& r : resolutions_) {
      const Eigen::Index col = r.column(at);
      r.sums(id.row, col) += amount;
    }
    if (at == horizon_time()) [[unlikely]] {
      at_horizon_[id.row] += amount;
    }
  }
  // Two counters at the same instant (one bucket lookup per resolution for both).
  void add(SeriesId a, double amount_a, SeriesId b, double amount_b, Time at) {
    for (Resolution& r : resolutions_) {
      const Eigen::Index col = r.column(at);
      r.sums(a.row, col) += amount_a;
      r.sums(b.row, col) += amount_b;
    }
    if (at == horizon_time()) [[unlikely]] {
      at_horizon_[a.row] += amount_a;
      at_horizon_[b.row] += amount_b;
    }
  }
  // The end (exclusive) of the times from `at` on whose writes go to the same bucket as a write
  // at `at`, at every resolution: counter amounts added at any time in [at, cell_end(at)) may
  // be summed first and added once, at `at`. The horizon's instant is a cell of its own.
  Time cell_end(Time at) const {
    const int64_t ns = at.nanos();
    const int64_t horizon = horizon_.count_nanos();
    if (ns == horizon) return Time::from_nanos(ns + 1);
    int64_t end = std::numeric_limits<int64_t>::max();
    for (const Resolution& r : resolutions_) {
      const int64_t w = r.width.count_nanos();
      end = std::min(end, (ns / w + 1) * w);
    }
    return Time::from_nanos(ns < horizon ? std::min(end, horizon) : end);
  }
  void set(SeriesId id, Time at, double value) {
    for (Resolution& r : resolutions_) {
      const Eigen::Index col = r.column(at);
      r.last(id.row, col) = value;
      double& mx = r.max(id.row, col);
      if (std::isnan(mx) || value > mx) mx = value;
    }
  }

  std::size_t resolution_count() const { return resolutions_.size(); }
  Duration resolution(std::size_t i) const { return resolutions_[i].width; }
  // Buckets holding data up to the last written time, at resolution i.
  Eigen::Index buckets(std::size_t i) const { return resolutions_[i].used; }
  // Counter sums: rows are counters in registration order, columns buckets [0, buckets(i)).
  Eigen::Ref<const Eigen::MatrixXd> counter_sums(std::size_t i) const;
  Eigen::Ref<const Eigen::MatrixXd> gauge_last(std::size_t i) const;
  Eigen::Ref<const Eigen::MatrixXd> gauge_max(std::size_t i) const;
  const std::vector<std::string>& counter_names() const { return counter_names_; }
  const std::vector<std::string>& gauge_names() const { return gauge_names_; }
  // A counter's busiest bucket at resolution i, per second of the time [from, to) covers of the
  // bucket: a run (or a shard) that covered 30 s of a 60 s bucket divides by 30. Buckets outside
  // [from, to) are skipped, and so are buckets it covers for less than half their width, unless
  // it covers none for half (a run's 3 ms tail is too short for a rate: one request of 60 records
  // landing in it reads as 20,000/s). Amounts written at exactly the horizon (an event at the
  // run's last instant) are in the last bucket's sum but in no rate: they cover no time. 0 when
  // nothing was recorded. Without an end: [from, horizon), or to the end of the last bucket
  // written when writes went past the horizon.
  double peak_per_second(SeriesId id, std::size_t i = 0, Time from = Time::zero()) const;
  double peak_per_second(SeriesId id, std::size_t i, Time from, Time to) const;
  // The same for several counters summed bucket by bucket (counters only).
  double peak_per_second(std::span<const SeriesId> ids, std::size_t i, Time from, Time to) const;
  // Bytes held by the matrices (for memory reports).
  std::size_t bytes() const;

 private:
  struct Resolution {
    Duration width;
    Eigen::MatrixXd sums;
    Eigen::MatrixXd last;
    Eigen::MatrixXd max;
    Eigen::Index used = 0;
    Eigen::Index last_col = 0;  // where a write at exactly the horizon goes
    int64_t horizon_ns = 0;
    // The bucket of the last write and the times it covers: writes come in time order, many to
    // one bucket, so most need no division.
    int64_t cached_from_ns = 0, cached_to_ns = 0;
    Eigen::Index cached_col = 0;
    Eigen::Index column(Time at) {
      const int64_t ns = at.nanos();
      if (ns >= cached_from_ns && ns < cached_to_ns) return cached_col;
      const Eigen::Index col =
          ns == horizon_ns ? last_col : static_cast<Eigen::Index>(ns / width.count_nanos());
      if (col >= sums.cols()) [[unlikely]] {
        grow(col + 1);
      }
      if (col >= used) used = col + 1;
      if (ns != horizon_ns && ns >= 0) {
        cached_col = col;
        cached_from_ns = static_cast<int64_t>(col) * width.count_nanos();
        cached_to_ns = cached_from_ns + width.count_nanos();
        // A write at exactly the horizon goes to last_col: never cache a range holding it.
        if (cached_from_ns <= horizon_ns && horizon_ns < cached_to_ns) {
          if (ns < horizon_ns) {
            cached_to_ns = horizon_ns;
          } else {
            cached_from_ns = horizon_ns + 1;
          }
        }
      }
      return col;
    }
    void grow(Eigen::Index min_cols);
  };
  Time horizon_time() const { return Time::zero() + horizon_; }

  std::vector<Resolution> resolutions_;
  Duration horizon_;
  std::vector<double> at_horizon_;  // per counter, the amounts written at exactly the horizon
  std::vector<std::string> counter_names_;
  std::vector<std::string> gauge_names_;
};

}  // namespace kinesim::sim
