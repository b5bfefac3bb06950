// What every producer model (SDK, KPL, Kinesis Agent) offers the world: start on the engine,
// close its books at the end, and describe itself as a ProducerResult. The counters here are
// shared by all producer types so reports treat them alike.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/client/client.h"
#include "models/client/client_results.h"
#include "models/core/shard_map.h"
#include "models/producer/producer_config.h"
#include "models/stream/stream.h"
#include "sim/engine.h"
#include "sim/histogram.h"
#include "sim/metrics.h"
#include "sim/prefetch.h"

namespace kinesim::models {

class KeySpace;

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
    if (key < counts_.size()) sim::prefetch(&counts_[key]);
  }
  const std::vector<KeyCounts>& all() const { return counts_; }

 private:
  std::vector<KeyCounts> counts_;
};

// A client that writes: every producer type (SDK, KPL, Kinesis Agent) counts its user records
// in one ProducerCounts and reports one ProducerResult.
class Producer : public Client {
 public:
  virtual const ProducerConfig& config() const = 0;
  virtual const ProducerCounts& counts() const = 0;
  // Everything the reports need, with the hottest `top_n` keys routed on `stream` as it ends.
  virtual ProducerResult result(const Stream& stream, uint32_t top_n) = 0;

  const std::string& name() const final { return config().name; }
  void report(ClientResults& out, const Stream& stream, uint32_t top_n) final {
    out.producers.push_back(result(stream, top_n));
  }
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
    if (key < routes_.size()) sim::prefetch(&routes_[key]);
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

}  // namespace kinesim::models
