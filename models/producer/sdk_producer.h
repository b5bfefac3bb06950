// The AWS SDK producer as applications drive it (SPEC §7): each instance batches records
// (count, bytes, linger), keeps at most max_in_flight PutRecord(s) requests open, and resends
// the failed entries of a reply as one new request after exponential backoff with full jitter
// (delay uniform on [0, min(cap, base * 2^(attempt-1))]), until max_attempts. Records are
// generated a batch at a time, so the engine sees a few events per request, not per record.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/producer/producer.h"
#include "models/scenario/config.h"
#include "models/stream/stream.h"
#include "models/workload/durations.h"
#include "models/workload/keys.h"
#include "models/workload/trace.h"
#include "sim/engine.h"
#include "sim/histogram.h"
#include "sim/metrics.h"

namespace kinesim::models {

class SdkProducer : public Producer {
 public:
  SdkProducer(const ProducerConfig& config, const std::string& base_dir, Stream& stream,
              sim::Engine& engine, sim::MetricRecorder& metrics, uint64_t seed);
  SdkProducer(const SdkProducer&) = delete;
  SdkProducer& operator=(const SdkProducer&) = delete;
  ~SdkProducer() override;

  void start() override;
  void finish(sim::Time end) override;
  ProducerResult result(const Stream& stream, uint32_t top_n) override;

  const ProducerConfig& config() const override { return config_; }
  const ProducerCounts& counts() const override { return counts_; }

 private:
  class Instance;
  friend class Instance;

  ProducerConfig config_;
  Stream& stream_;
  sim::Engine& engine_;
  sim::MetricRecorder& metrics_;
  KeySpace keys_;
  DurationSampler latency_;  // the stream's put latency, drawn from each instance's RNG
  SizeSampler sizes_;
  std::unique_ptr<TraceFeed> trace_;  // trace replay only
  std::vector<std::unique_ptr<Instance>> instances_;
  ProducerCounts counts_;
  KeyTallies key_counts_;
  sim::LogHistogram record_latency_us_;
  sim::LogHistogram request_latency_us_;
  sim::LogHistogram backoff_us_;
  std::vector<uint64_t> attempts_;
  // Key -> shard on the stream as it is now.
  KeyRouter router_;
  sim::SeriesId s_records_, s_bytes_, s_accepted_, s_throttled_, s_failed_, s_retried_;

  core::ShardIndex shard_for(uint64_t key);
  // For a record drawn ahead: its key's tallies and route. (Random keys have neither: both
  // tables stay empty. No branch on random_keys() here: GCC 12 then drops the prefetches.)
  void prefetch_key(uint64_t key) const {
    key_counts_.prefetch(key);
    router_.prefetch(key);
  }
};

}  // namespace kinesim::models
