// On-demand capacity as pure state (SPEC §5): the stream-level admission limit of
// peak_multiplier x the previous peak, how that peak follows the traffic served, and how many
// shards back the limit. The stream drives these once a minute and on every put.
//
// Model (assumed where AWS publishes no mechanism):
// - Admission: two token buckets per stream (bytes, records), rate = the limit, depth = one
//   second of it. Limit = min(peak_multiplier x previous peak, stream ceiling); On-demand
//   Advantage raises it to at least the committed 25 MiB/s (25,000 records/s, a shard's ratio)
//   and the warm throughput.
// - Previous peak: the highest 1-minute write rate served, but a minute joins it only after
//   `surge_window` (15 min). So traffic that more than doubles within 15 minutes throttles
//   until then, while a ramp that never doubles within 15 minutes is absorbed. The 30-day
//   lookback is longer than any run: the peak never decays except by scale-down.
// - Backing shards: on-demand keeps at least ceil(limit x kOnDemandShardHeadroom / one shard's
//   rate) open shards (bytes and records), so that the shards' own buckets do not throttle
//   traffic the admission limit lets through (unless keys are skewed; a hot key still meets one
//   shard's 1 MiB/s and 1,000 records/s).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "models/core/limits.h"
#include "models/stream/stream_config.h"
#include "models/stream/stream_results.h"
#include "models/stream/token_bucket.h"
#include "sim/time.h"

namespace kinesim::models {

// Backing shards carry this much more than the admission limit, so key skew across shards
// does not throttle below it (assumed; AWS splits shards above ~half their capacity anyway).
inline constexpr double kOnDemandShardHeadroom = 1.25;

struct WriteRate {
  double bytes_per_sec = 0;
  double records_per_sec = 0;
};

// The admission limit of an on-demand stream whose previous peak is `peak`.
inline WriteRate on_demand_limit(const StreamConfig& c, CapacityMode mode, WriteRate peak) {
  const OnDemandConfig& od = c.on_demand;
  WriteRate limit{od.peak_multiplier * peak.bytes_per_sec,
                  od.peak_multiplier * peak.records_per_sec};
  if (mode == CapacityMode::kOnDemandAdvantage) {
    const core::OnDemandLimits l;
    const double warm = static_cast<double>(
        std::min(od.warm_throughput_bytes_per_sec, l.advantage_max_warm_bytes_per_sec));
    const double floor_bytes = std::max(static_cast<double>(l.advantage_min_bytes_per_sec), warm);
    // Records scale with bytes at a shard's ratio (1,000 records per MiB/s).
    const double floor_records = floor_bytes / static_cast<double>(c.write.bytes_per_sec) *
                                 static_cast<double>(c.write.records_per_sec);
    limit.bytes_per_sec = std::max(limit.bytes_per_sec, floor_bytes);
    limit.records_per_sec = std::max(limit.records_per_sec, floor_records);
  }
  const auto ceiling = static_cast<double>(od.stream_write_ceiling_bytes_per_sec);
  limit.bytes_per_sec = std::min(limit.bytes_per_sec, ceiling);
  limit.records_per_sec =
      std::min(limit.records_per_sec, ceiling / static_cast<double>(c.write.bytes_per_sec) *
                                          static_cast<double>(c.write.records_per_sec));
  return limit;
}

// Open shards that back `limit` with headroom, at least `floor`, at most 10,000.
inline uint32_t backing_shards(const StreamConfig& c, WriteRate limit, uint32_t floor) {
  const double by_bytes =
      limit.bytes_per_sec * kOnDemandShardHeadroom / static_cast<double>(c.write.bytes_per_sec);
  const double by_records =
      limit.records_per_sec * kOnDemandShardHeadroom / static_cast<double>(c.write.records_per_sec);
  const double need = std::ceil(std::max(by_bytes, by_records) - 1e-9);
  const double capped = std::min(need, static_cast<double>(core::StreamLimits{}.max_shards));
  return std::max(floor, static_cast<uint32_t>(std::max(capped, 1.0)));
}

// The stream-level admission buckets (bytes and records), depth one second of the limit.
class StreamAdmission {
 public:
  void set_limit(sim::Time now, WriteRate limit) {
    bytes_.refill(now);
    records_.refill(now);
    const double b = std::min(bytes_.tokens(), limit.bytes_per_sec);
    const double r = std::min(records_.tokens(), limit.records_per_sec);
    // A raised limit keeps the tokens it had; it refills at the new rate from `now`.
    bytes_ = refilled(TokenBucket(limit.bytes_per_sec, limit.bytes_per_sec), now, b, first_);
    records_ = refilled(TokenBucket(limit.records_per_sec, limit.records_per_sec), now, r, first_);
    first_ = false;
    limit_ = limit;
  }
  // Whether one record of `bytes` fits now; take() it once the shard accepted it too.
  bool admits(sim::Time now, uint64_t bytes) {
    bytes_.refill(now);
    records_.refill(now);
    const auto b = static_cast<double>(bytes);
    return records_.has(1.0) && bytes_.has(b);
  }
  void take(uint64_t bytes) {
    records_.take(1.0);
    bytes_.take(static_cast<double>(bytes));
  }
  // Whether `records` records of `bytes` in all would all be admitted now, one after another.
  bool admits_all(sim::Time now, uint64_t records, uint64_t bytes) {
    bytes_.refill(now);
    records_.refill(now);
    return records_.has(static_cast<double>(records)) && bytes_.has(static_cast<double>(bytes));
  }
  void take_all(uint64_t records, uint64_t bytes) {
    records_.take(static_cast<double>(records));
    bytes_.take(static_cast<double>(bytes));
  }
  WriteRate limit() const { return limit_; }

 private:
  // A fresh bucket is full at time 0; move it to `now` with `tokens` (or full, the first time).
  static TokenBucket refilled(TokenBucket b, sim::Time now, double tokens, bool full) {
    b.refill(now);  // stays at depth (full)
    if (!full) b.take(b.tokens() - tokens);
    return b;
  }
  TokenBucket bytes_;
  TokenBucket records_;
  WriteRate limit_;
  bool first_ = true;
};

// The previous peak of an on-demand stream: each minute's served rate joins it after
// `surge_window` minutes (see the model above). Memory: one entry per minute of the window.
class OnDemandPeak {
 public:
  OnDemandPeak(WriteRate initial, sim::Duration surge_window)
      : peak_(initial),
        window_minutes_(static_cast<std::size_t>(
            std::max<int64_t>(1, surge_window / sim::Duration::minutes(1)))) {}

  // Records one minute served; returns true when the previous peak rose.
  bool observe_minute(WriteRate served) {
    recent_.push_back(served);
    bool rose = false;
    while (recent_.size() > window_minutes_) {
      const WriteRate old = recent_.front();
      recent_.erase(recent_.begin());
      if (old.bytes_per_sec > peak_.bytes_per_sec || old.records_per_sec > peak_.records_per_sec) {
        rose = true;
        peak_.bytes_per_sec = std::max(peak_.bytes_per_sec, old.bytes_per_sec);
        peak_.records_per_sec = std::max(peak_.records_per_sec, old.records_per_sec);
      }
    }
    return rose;
  }
  // Scale-down: the peak falls back to `peak` (the minutes still in the window join later).
  void reset(WriteRate peak) { peak_ = peak; }
  WriteRate previous() const { return peak_; }

 private:
  WriteRate peak_;
  std::size_t window_minutes_;
  std::vector<WriteRate> recent_;
};

}  // namespace kinesim::models
