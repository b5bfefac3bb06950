// The KPL's limiter (aws/kinesis/core/limiter.h, SPEC §7): per predicted shard, the stream's
// own pair of write buckets (records and bytes) at RateLimit % of the published shard limits,
// 1,000 records/s and 1 MiB/s with depths 1,000 records and 10 MiB. The producer drains it every
// kLimiterDrainInterval: each shard's queue lets records through in the order they left the
// aggregator while both buckets hold enough; a Kinesis record whose oldest user record is past
// RecordTtl while it waits expires there. It reduces throttling but cannot prevent it: the KPL
// knows the published limits, not the stream's, and each producer instance has its own limiter.
//
// State plus one pure step, drain(now): released records go to the collector, expired ones
// back to the producer, through the callbacks it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "models/core/limits.h"
#include "models/core/shard_map.h"
#include "models/producer/kpl/records.h"
#include "models/producer/kpl_config.h"
#include "models/stream/token_bucket.h"
#include "sim/time.h"

namespace kinesim::models::kpl {

// The KPL's limiter drain period (SPEC §7).
inline constexpr sim::Duration kLimiterDrainInterval = sim::Duration::millis(25);

class Limiter {
 public:
  explicit Limiter(const KplConfig& config)
      : rate_fraction_(static_cast<double>(config.rate_limit) / 100.0),
        record_ttl_(config.record_ttl) {}

  // Queues a Kinesis record behind the others of its predicted shard.
  void enqueue(PutEntry* e) {
    if (e->predicted >= shards_.size()) grow(e->predicted + std::size_t{1});
    ShardQueue& q = shards_[e->predicted];
    q.entries.push_back(e);
    if (!q.active) {
      q.active = true;
      active_.push_back(e->predicted);
    }
  }

  // Lets through, shard by shard in the order shards became busy, what the buckets allow at
  // `now`: release(e) for a record that passes, expire(e) for one past RecordTtl.
  template <typename Release, typename Expire>
  void drain(sim::Time now, Release&& release, Expire&& expire) {
    std::size_t kept = 0;
    for (const core::ShardIndex shard : active_) {
      ShardQueue& q = shards_[shard];
      q.buckets.refill(now);
      while (!q.entries.empty()) {
        PutEntry* e = q.entries.front();
        if (e->ready > now) break;
        if (now - e->oldest >= record_ttl_) {
          q.entries.pop_front();
          expire(e);
          continue;
        }
        if (!q.buckets.try_take(now, e->wire_bytes)) break;
        q.entries.pop_front();
        release(e);
      }
      if (q.entries.empty()) {
        q.active = false;
      } else {
        active_[kept++] = shard;
      }
    }
    active_.resize(kept);
  }

  // Kinesis records waiting for the buckets of `shard`.
  std::size_t waiting(core::ShardIndex shard) const {
    return shard < shards_.size() ? shards_[shard].entries.size() : 0;
  }
  // The buckets of `shard`, as of its last drain (for tests and traces).
  const ShardWriteBuckets& buckets(core::ShardIndex shard) const { return shards_[shard].buckets; }

 private:
  struct ShardQueue {
    ShardWriteBuckets buckets;
    std::deque<PutEntry*> entries;
    bool active = false;  // listed in active_
  };

  // New shards' buckets start full, so when they are made does not matter.
  void grow(std::size_t shards) {
    const std::size_t old = shards_.size();
    shards_.resize(shards);
    const core::ShardWriteLimits w;
    for (std::size_t i = old; i < shards_.size(); ++i) {
      shards_[i].buckets = ShardWriteBuckets(
          static_cast<double>(w.bytes_per_sec) * rate_fraction_, static_cast<double>(w.burst_bytes),
          static_cast<double>(w.records_per_sec) * rate_fraction_,
          static_cast<double>(w.burst_records));
    }
  }

  double rate_fraction_;  // RateLimit / 100
  sim::Duration record_ttl_;
  std::vector<ShardQueue> shards_;        // by predicted shard
  std::vector<core::ShardIndex> active_;  // shards with records waiting, in the order they came
};

}  // namespace kinesim::models::kpl
