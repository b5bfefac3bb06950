// The AWS SDK producer as applications drive it (SPEC §7): each instance batches records
// (count, bytes, linger), keeps at most max_in_flight PutRecord(s) requests open, and resends
// the failed entries of a reply as one new request after exponential backoff with full jitter
// (delay uniform on [0, min(cap, base * 2^(attempt-1))]), until max_attempts. Records are
// generated a batch at a time, so the engine sees a few events per request, not per record.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/producer/drawing_producer.h"
#include "sim/draw_ahead.h"

namespace kinesim::models {

class SdkProducer : public DrawingProducer {
 public:
  SdkProducer(const ProducerConfig& config, const std::string& base_dir, Stream& stream,
              sim::Engine& engine, sim::MetricRecorder& metrics, uint64_t seed);
  SdkProducer(const SdkProducer&) = delete;
  SdkProducer& operator=(const SdkProducer&) = delete;
  ~SdkProducer() override;

  void start() override;
  void finish(sim::Time end) override;
  ProducerResult result(const Stream& stream, uint32_t top_n) override;

 private:
  class Instance;
  friend class Instance;
  struct DrawnBatch;

  std::vector<std::unique_ptr<Instance>> instances_;
  // Fast mode with FidelityConfig::draw_ahead: the instances' batches drawn on a second thread
  // (one lane per instance) under the one table the run has. Declared after instances_, so
  // that it stops before they go.
  std::shared_ptr<FastKeys::Table> draw_ahead_table_;
  std::unique_ptr<sim::DrawAhead<DrawnBatch>> draw_ahead_;
  sim::SeriesId s_records_, s_bytes_, s_accepted_, s_throttled_, s_failed_, s_retried_;

  // Both modes: scratch space for judging a request's entries shard by shard.
  struct ShardGroup {
    uint64_t records = 0;
    uint64_t bytes = 0;
    sim::Duration write_delay;
    bool accepted = false;
    bool throttled = false;  // all entries throttled at once (Stream::throttle_all)
  };
  std::vector<ShardGroup> judge_groups_;
  std::vector<core::ShardIndex> judge_shards_;
  std::vector<core::ShardIndex> judge_touched_;
  std::vector<uint32_t> judged_entries_;
  std::vector<sim::Time> fast_times_;  // fast mode: the judged entries' times, sorted
};

}  // namespace kinesim::models
