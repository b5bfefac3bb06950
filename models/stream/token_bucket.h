// A token bucket on integer virtual time: `rate` tokens per second, at most `depth` tokens.
// Kinesis write limits are two of these per shard (bytes and records, SPEC §3).
#pragma once

#include <algorithm>
#include <cstdint>

#include "sim/time.h"

namespace kinesim::models {

class TokenBucket {
 public:
  TokenBucket() = default;
  // Starts full.
  TokenBucket(double rate_per_sec, double depth)
      : rate_per_ns_(rate_per_sec * 1e-9), depth_(depth), tokens_(depth) {}

  // Adds what accrued since the last refill; idempotent at equal times.
  void refill(sim::Time now) {
    const int64_t elapsed_ns = (now - last_refill_).count_nanos();
    if (elapsed_ns > 0) {
      tokens_ = std::min(depth_, tokens_ + static_cast<double>(elapsed_ns) * rate_per_ns_);
      last_refill_ = now;
    }
  }
  bool has(double amount) const { return tokens_ >= amount; }
  void take(double amount) { tokens_ -= amount; }
  double tokens() const { return tokens_; }
  double depth() const { return depth_; }

 private:
  double rate_per_ns_ = 0;
  double depth_ = 0;
  double tokens_ = 0;
  sim::Time last_refill_;
};

// Both write limits of one shard: a record passes only if both buckets hold enough, and then
// it takes from both.
class ShardWriteBuckets {
 public:
  ShardWriteBuckets() = default;
  ShardWriteBuckets(double bytes_per_sec, double burst_bytes, double records_per_sec,
                    double burst_records)
      : bytes_(bytes_per_sec, burst_bytes), records_(records_per_sec, burst_records) {}

  // Adds what both buckets accrued since their last refill; idempotent at equal times.
  void refill(sim::Time now) {
    bytes_.refill(now);
    records_.refill(now);
  }
  bool try_take(sim::Time now, uint64_t bytes) {
    refill(now);
    const auto b = static_cast<double>(bytes);
    if (!records_.has(1.0) || !bytes_.has(b)) return false;
    records_.take(1.0);
    bytes_.take(b);
    return true;
  }
  // `records` records of `bytes` in all, judged one after another at the same instant, all pass
  // exactly when both buckets hold enough for all of them: then takes for all and returns true;
  // else takes nothing and returns false.
  bool try_take_all(sim::Time now, uint64_t records, uint64_t bytes) {
    refill(now);
    const auto n = static_cast<double>(records);
    const auto b = static_cast<double>(bytes);
    if (!records_.has(n) || !bytes_.has(b)) return false;
    records_.take(n);
    bytes_.take(b);
    return true;
  }
  const TokenBucket& bytes() const { return bytes_; }
  const TokenBucket& records() const { return records_; }

 private:
  TokenBucket bytes_;
  TokenBucket records_;
};

}  // namespace kinesim::models
