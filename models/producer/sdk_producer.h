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

#include "models/scenario/config.h"
#include "models/stream/stream.h"
#include "models/workload/arrivals.h"
#include "models/workload/keys.h"
#include "models/workload/trace.h"
#include "sim/engine.h"
#include "sim/histogram.h"
#include "sim/metrics.h"
#include "sim/rng.h"

namespace kinesim::models {

// What became of a producer's records; produced == accepted + failed_* + rejected + pending.
struct ProducerCounts {
  uint64_t produced = 0;
  uint64_t accepted = 0;
  uint64_t failed_attempts_exhausted = 0;
  uint64_t failed_buffer_full = 0;
  uint64_t rejected_too_large = 0;
  uint64_t pending = 0;  // filled in by finish()
  uint64_t produced_bytes = 0;
  uint64_t accepted_bytes = 0;
  uint64_t throttled_entries = 0;  // entry attempts refused for throughput
  uint64_t internal_failure_entries = 0;
  uint64_t retried_entries = 0;  // entries sent again
  uint64_t requests = 0;
  uint64_t failed_bytes = 0;
};

// Per-key tallies (numbered keys only).
struct KeyCounts {
  uint64_t offered = 0;  // records produced with this key
  uint64_t offered_bytes = 0;
  uint64_t throttled = 0;  // entry attempts throttled
  uint64_t accepted = 0;
};

class SdkProducer {
 public:
  SdkProducer(const ProducerConfig& config, const std::string& base_dir, Stream& stream,
              sim::Engine& engine, sim::MetricRecorder& metrics, uint64_t seed);
  SdkProducer(const SdkProducer&) = delete;
  SdkProducer& operator=(const SdkProducer&) = delete;
  ~SdkProducer();

  void start();
  // Closes the books at `end`: what is still buffered, waiting or in flight is pending.
  void finish(sim::Time end);

  const ProducerConfig& config() const { return config_; }
  const ProducerCounts& counts() const { return counts_; }
  const std::vector<KeyCounts>& key_counts() const { return key_counts_; }
  KeySpace& keys() { return keys_; }
  // Time from a record's creation to its acceptance, in microseconds.
  const sim::LogHistogram& record_latency_us() const { return record_latency_us_; }
  // Request round trips, in microseconds.
  const sim::LogHistogram& request_latency_us() const { return request_latency_us_; }
  // Attempts each accepted record needed (1 = first try).
  const std::vector<uint64_t>& attempts_histogram() const { return attempts_; }
  sim::SeriesId produced_series() const { return s_records_; }
  sim::SeriesId produced_bytes_series() const { return s_bytes_; }
  // Every backoff delay drawn, in microseconds.
  const sim::LogHistogram& backoff_us() const { return backoff_us_; }

 private:
  class Instance;
  friend class Instance;

  ProducerConfig config_;
  Stream& stream_;
  sim::Engine& engine_;
  sim::MetricRecorder& metrics_;
  KeySpace keys_;
  SizeSampler sizes_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::unique_ptr<TraceReader> trace_;
  std::vector<std::deque<TraceRow>> trace_queues_;  // rows read ahead for each instance
  ProducerCounts counts_;
  std::vector<KeyCounts> key_counts_;
  sim::LogHistogram record_latency_us_;
  sim::LogHistogram request_latency_us_;
  sim::LogHistogram backoff_us_;
  std::vector<uint64_t> attempts_;
  // Key -> shard cache, valid for one stream epoch.
  std::vector<core::ShardIndex> shard_of_key_;
  std::vector<uint64_t> shard_epoch_;
  sim::SeriesId s_records_, s_bytes_, s_accepted_, s_throttled_, s_failed_, s_retried_;

  core::ShardIndex shard_for(uint64_t key);
  std::optional<TraceRow> next_trace_row(uint32_t instance);
};

}  // namespace kinesim::models
