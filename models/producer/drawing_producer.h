// What the producer types that draw their records as they go (SDK, KPL) hold alike: the
// workload (keys, sizes, a trace feed), the put latency, the books every producer keeps
// (counts, per-key tallies, latency histograms, attempts), the key -> shard cache, and fast
// mode's key categories. Each type adds its instances and its own series.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/producer/fast_keys.h"
#include "models/producer/producer.h"
#include "models/producer/producer_config.h"
#include "models/stream/stream.h"
#include "models/workload/durations.h"
#include "models/workload/keys.h"
#include "models/workload/trace.h"
#include "sim/engine.h"
#include "sim/histogram.h"
#include "sim/metrics.h"

namespace kinesim::models {

class DrawingProducer : public Producer {
 public:
  DrawingProducer(const DrawingProducer&) = delete;
  DrawingProducer& operator=(const DrawingProducer&) = delete;

  const ProducerConfig& config() const override { return config_; }
  const ProducerCounts& counts() const override { return counts_; }

 protected:
  DrawingProducer(const ProducerConfig& config, const std::string& base_dir, Stream& stream,
                  sim::Engine& engine, sim::MetricRecorder& metrics);
  ~DrawingProducer() override = default;

  // The report fields every type fills alike (see common_result), from these books.
  ProducerResult books_result(const char* type, const Stream& stream, uint32_t top_n,
                              sim::SeriesId produced, sim::SeriesId produced_bytes);
  // Where the stream puts the key now (cached per key for the stream's shard-map epoch).
  core::ShardIndex shard_for(uint64_t key) { return router_.shard_for(keys_, stream_, key); }
  KeyCounts& key_tally(uint64_t key) { return key_counts_[key]; }
  // For a record drawn ahead: its key's tallies and route. (Random keys have neither: both
  // tables stay empty. No branch on random_keys() here: GCC 12 then drops the prefetches.)
  void prefetch_key(uint64_t key) const {
    key_counts_.prefetch(key);
    router_.prefetch(key);
  }

  // Fast mode (config().fidelity): the key categories under the stream's current shard map.
  const std::shared_ptr<FastKeys::Table>& fast_table() {
    return fast_keys_->table(stream_.map(), stream_.epoch());
  }
  // Fast mode: the tallies of a key category, kept by category while the run goes and added to
  // the key's own in books_result. The rest of the keys share one slot that is never reported,
  // so a record is tallied without a branch on whether its key is individual (a coin toss
  // where individual keys carry a fair share of the records).
  KeyCounts& fast_tally(uint32_t category) {
    return fast_key_counts_[std::min(category, fast_keys_->individual_count())];
  }

  ProducerConfig config_;
  Stream& stream_;
  sim::Engine& engine_;
  sim::MetricRecorder& metrics_;
  KeySpace keys_;
  DurationSampler latency_;  // the stream's put latency, drawn from each instance's RNG
  SizeSampler sizes_;
  std::unique_ptr<TraceFeed> trace_;  // trace replay only
  ProducerCounts counts_;
  KeyTallies key_counts_;
  sim::LogHistogram record_latency_us_;
  sim::LogHistogram request_latency_us_;
  sim::LogHistogram backoff_us_;  // retry delays (stays empty where a type has none)
  std::vector<uint64_t> attempts_;
  KeyRouter router_;
  std::unique_ptr<FastKeys> fast_keys_;     // fast mode only
  std::vector<KeyCounts> fast_key_counts_;  // by category; the last slot for the rest of the keys
};

}  // namespace kinesim::models
