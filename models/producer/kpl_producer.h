// The Kinesis Producer Library (SPEC §7), per producer instance, on virtual time: a Pipeline
// wires the KPL's stages, each a type of its own under kpl/, to the engine:
//   Aggregator -> Limiter -> Collector -> PutRecords -> Retrier
// (kpl/aggregator.h, kpl/limiter.h, kpl/collector.h, kpl/retrier.h; what they hold is in
// kpl/records.h). At most MaxConnections requests are in flight per instance.
//
// Modelling choices:
// - The whole pipeline advances on one tick per instance every kpl::kLimiterDrainInterval (the
//   limiter's drain period): user records created up to the tick are aggregated in time order
//   with the reducers' deadlines, so flush times are exact; only the limiter and collector act
//   on ticks, as the KPL's limiter does. The engine sees a tick, and a few events per request.
// - The limiter queue is FIFO by flush time, which is deadline order except for the few
//   records flushed by size before older ones reach their deadline.
// - A request slower than RequestTimeout never reaches the stream; all its entries fail with
//   "RequestTimeout" after RequestTimeout and are retried.
// - Shard map: the instance checks the stream's epoch on each tick; a change (or a wrong-shard
//   put) starts a refresh that completes shard_map_refresh_delay later. Meanwhile records are
//   aggregated for the old shards and put with ExplicitHashKey = the first user record's hash
//   key, so the stream lands them on the open shard owning it; a wrong-shard put's copies already
//   in the stream are counted in ProducerCounts::duplicates (detail "WrongShardPuts").
// - FailIfThrottled failures count as failed_attempts_exhausted (detail "FailedThrottled"),
//   expiry (RecordTtl) as failed_expired.
// - Byte counts in ProducerCounts are user bytes (data + partition key); the stream sees the
//   Kinesis record's wire size: data + key for a raw record, encoded aggregate + 1 (key "a").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/producer/drawing_producer.h"
#include "models/producer/producer_config.h"
#include "sim/engine.h"

namespace kinesim::models {

class KplProducer : public DrawingProducer {
 public:
  KplProducer(const ProducerConfig& config, const std::string& base_dir, Stream& stream,
              sim::Engine& engine, sim::MetricRecorder& metrics, uint64_t seed);
  KplProducer(const KplProducer&) = delete;
  KplProducer& operator=(const KplProducer&) = delete;
  ~KplProducer() override;

  void start() override;
  void finish(sim::Time end) override;
  ProducerResult result(const Stream& stream, uint32_t top_n) override;

  // KPL-specific totals (also in ProducerResult::details).
  struct Stats {
    uint64_t kinesis_records_put = 0;  // accepted by the stream (wrong shard included)
    uint64_t user_records_in_put = 0;  // user records those carried
    uint64_t kinesis_bytes_put = 0;    // their wire bytes
    double buffering_ms_sum = 0;       // arrival -> first send, per user record
    uint64_t buffering_count = 0;
    uint64_t retries_sum = 0;       // retries of user records that completed
    uint64_t completed = 0;         // user records accepted or failed
    uint64_t errors_throttled = 0;  // Kinesis record attempts, by error code
    uint64_t errors_internal = 0;
    uint64_t errors_timeout = 0;
    uint64_t user_records_expired = 0;
    uint64_t failed_throttled = 0;  // FailIfThrottled
    uint64_t wrong_shard_puts = 0;
    uint64_t shard_map_refreshes = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  class Pipeline;  // one producer instance
  friend class Pipeline;

  // Fast mode: the key tables of every shard map records were drawn or predicted under, by
  // generation (a key of the rest names its generation and category).
  uint32_t fast_generation(const core::ShardMap& map, uint64_t epoch);
  uint32_t fast_current_generation();  // the stream's current map's

  std::vector<std::unique_ptr<Pipeline>> pipelines_;
  std::vector<std::shared_ptr<FastKeys::Table>> fast_gens_;
  uint64_t fast_current_epoch_ = UINT64_MAX;
  uint32_t fast_current_ = 0;
  Stats stats_;
  struct Series {
    sim::SeriesId produced, produced_bytes, user_put, throttled, failed, retried, kinesis_put,
        kinesis_put_users, buffering_sum_ms, buffering_count, retries_sum, retries_count,
        err_throttled, err_internal, err_timeout, expired, wrong_shard;
  } s_{};
};

}  // namespace kinesim::models
