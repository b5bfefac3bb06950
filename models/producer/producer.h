// What every producer model (SDK, KPL, Kinesis Agent) offers the world: start on the engine,
// close its books at the end, and describe itself as a ProducerResult. The counters here are
// shared by all producer types so reports treat them alike.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/core/shard_map.h"
#include "models/scenario/config.h"
#include "models/stream/stream.h"
#include "sim/engine.h"
#include "sim/histogram.h"
#include "sim/metrics.h"

namespace kinesim::models {

class KeySpace;
struct KeyResult;
struct ProducerResult;

// What became of a producer's user records. Every record produced ends in exactly one of
// accepted, failed_* , rejected_too_large, lost or pending: see accounted().
struct ProducerCounts {
  uint64_t produced = 0;
  uint64_t accepted = 0;
  uint64_t failed_attempts_exhausted = 0;  // SDK/Agent: retries used up
  uint64_t failed_buffer_full = 0;         // producer buffer over its bound
  uint64_t failed_expired = 0;             // KPL: RecordTtl passed (or FailIfThrottled)
  uint64_t rejected_too_large = 0;         // over the stream's record size limit
  uint64_t lost = 0;                       // Agent: rotated away before it was read
  uint64_t pending = 0;                    // buffered, waiting or in flight at the end
  uint64_t produced_bytes = 0;
  uint64_t accepted_bytes = 0;
  // What the stream judged, in PutRecords entries (Kinesis records: one per user record for the
  // SDK and the Agent, one per aggregate for the KPL). A shard's 1,000 records/s limit counts
  // these; an entry sent k times counts k times.
  uint64_t accepted_entries = 0;   // Agent duplicates and KPL wrong-shard puts included
  uint64_t throttled_entries = 0;  // refused for throughput
  uint64_t internal_failure_entries = 0;
  // The same attempts in user records: every user record inside each judged entry.
  uint64_t user_record_attempts = 0;
  uint64_t throttled_user_records = 0;  // inside throttled entries
  uint64_t retried_entries = 0;         // user records sent again (SDK, Agent: one entry each)
  uint64_t requests = 0;
  uint64_t failed_bytes = 0;
  uint64_t duplicates = 0;  // Agent: records accepted again after a restart (not in accounted())

  uint64_t failed() const {
    return failed_attempts_exhausted + failed_buffer_full + failed_expired;
  }
  // Records whose fate is known or pending; equals `produced` when nothing is miscounted.
  uint64_t accounted() const { return accepted + failed() + rejected_too_large + lost + pending; }
  bool conserved() const { return accounted() == produced; }
  uint64_t entry_attempts() const {
    return accepted_entries + throttled_entries + internal_failure_entries;
  }
  ProducerCounts& operator+=(const ProducerCounts& o);
};

// Per-key tallies (numbered keys only).
struct KeyCounts {
  uint64_t offered = 0;  // records produced with this key
  uint64_t offered_bytes = 0;
  uint64_t throttled = 0;  // entry attempts throttled
  uint64_t accepted = 0;
  void offer(uint64_t bytes) {
    ++offered;
    offered_bytes += bytes;
  }
};

// A producer's KeyCounts by key id, growing as a trace names new keys.
class KeyTallies {
 public:
  explicit KeyTallies(uint64_t keys) : counts_(keys) {}
  KeyCounts& operator[](uint64_t key) {
    if (key >= counts_.size()) counts_.resize(key + 1);
    return counts_[key];
  }
  // Asks for the key's tallies to be in cache by the time a drawn-ahead record reaches them.
  void prefetch(uint64_t key) const {
    if (key < counts_.size()) __builtin_prefetch(&counts_[key]);
  }
  const std::vector<KeyCounts>& all() const { return counts_; }

 private:
  std::vector<KeyCounts> counts_;
};

class Producer {
 public:
  virtual ~Producer() = default;
  virtual const ProducerConfig& config() const = 0;
  virtual void start() = 0;
  // Closes the books at `end`: what is still buffered, waiting or in flight is pending.
  virtual void finish(sim::Time end) = 0;
  virtual const ProducerCounts& counts() const = 0;
  // Everything the reports need, with the hottest `top_n` keys routed on `stream` as it ends.
  virtual ProducerResult result(const Stream& stream, uint32_t top_n) = 0;
  // A timeline restart (Kinesis Agent): down now for `downtime`. Other types reject it; the
  // loader only allows it for agents.
  virtual void restart(sim::Duration downtime);
};

// Key -> shard on the stream, cached per key and re-routed when the stream's shard map changes
// (its epoch); random keys are routed every time.
class KeyRouter {
 public:
  core::ShardIndex shard_for(KeySpace& keys, const Stream& stream, uint64_t key) {
    if (key < routes_.size()) {  // random keys never fill routes_
      const Route& r = routes_[key];
      if (r.epoch == epoch_tag(stream)) return r.shard;
    }
    return route(keys, stream, key);
  }
  // Asks for the key's cached route to be in cache by the time shard_for() needs it.
  void prefetch(uint64_t key) const {
    if (key < routes_.size()) __builtin_prefetch(&routes_[key]);
  }

 private:
  struct Route {
    core::ShardIndex shard = 0;
    uint32_t epoch = 0;  // (stream epoch + 1) mod 2^32 it was routed on; 0: never
  };
  static_assert(sizeof(core::ShardIndex) <= 4);
  std::vector<Route> routes_;  // by key id; shard and epoch in one place: one cache line

  // Epochs count reshard actions (one per 30 s at most): they never wrap 2^32 in a simulation.
  static uint32_t epoch_tag(const Stream& stream) {
    return static_cast<uint32_t>(stream.epoch() + 1);
  }
  core::ShardIndex route(KeySpace& keys, const Stream& stream, uint64_t key);
};

// The `n` keys with the most records offered (ties by key id), routed on `stream` as it is now;
// and one key's tallies. For ProducerResult::hottest_keys / hot_keys.
std::vector<KeyResult> hottest_keys(const std::vector<KeyCounts>& counts, KeySpace& keys,
                                    const Stream& stream, uint32_t n);
KeyResult key_result(uint64_t id, const std::vector<KeyCounts>& counts, KeySpace& keys,
                     const Stream& stream);

// What every producer type tallies, as the reports see it.
struct ProducerTallies {
  const ProducerCounts& counts;
  const std::vector<KeyCounts>& key_counts;
  const sim::LogHistogram& record_latency_us;
  const sim::LogHistogram& request_latency_us;
  const sim::LogHistogram& backoff_us;
  const std::vector<uint64_t>& attempts;
  sim::SeriesId produced;        // records produced per bucket
  sim::SeriesId produced_bytes;  // and their bytes
};

// The part of a ProducerResult every type fills alike; callers add their `details`.
ProducerResult common_result(const ProducerConfig& config, const char* type,
                             const ProducerTallies& tallies, KeySpace& keys, const Stream& stream,
                             const sim::MetricRecorder& metrics, uint32_t top_n);

// Builds the producer model the config names.
std::unique_ptr<Producer> make_producer(const ProducerConfig& config, const std::string& base_dir,
                                        Stream& stream, sim::Engine& engine,
                                        sim::MetricRecorder& metrics, uint64_t seed);

}  // namespace kinesim::models
