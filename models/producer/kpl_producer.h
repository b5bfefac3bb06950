// The Kinesis Producer Library (SPEC §7), per producer instance, on virtual time:
//   Aggregator -> Limiter -> Collector -> PutRecords -> Retrier
// - Aggregator: one reducer per *predicted* shard (the instance's own copy of the shard map),
//   sized exactly by core::AggregateSizer; flushes on AggregationMaxCount, AggregationMaxSize
//   or when its oldest record reaches its deadline (RecordMaxBufferedTime; RecordMaxBufferedTime/2
//   for a retried record). A one-record batch travels raw. With AggregationEnabled false every
//   user record is its own Kinesis record.
// - Limiter: per predicted shard, records and bytes buckets at RateLimit % of the published
//   shard limits (1,000 records/s, 1 MiB/s; depths 1,000 records and 10 MiB, SPEC §7),
//   drained every kLimiterDrainInterval in queue order; a Kinesis record whose oldest user
//   record is past RecordTtl while it waits there expires.
// - Collector: packs released records into PutRecords up to CollectionMaxCount /
//   CollectionMaxSize; flushes early when one shard has kCollectorShardFlushBytes waiting,
//   else when its earliest deadline passes. At most MaxConnections requests are in flight.
// - Retrier, without backoff: the user records of a failed Kinesis record (throttled, internal
//   failure, request timeout, wrong shard) go back to the aggregator with deadline
//   now + RecordMaxBufferedTime/2, unless RecordTtl has passed since they were put: then they
//   fail as expired. FailIfThrottled fails a throttled record at once.
//
// Modelling choices (see also docs in the .cc):
// - The whole pipeline advances on one tick per instance every 25 ms (the limiter's drain
//   period): user records created up to the tick are aggregated in time order with the
//   reducers' deadlines, so flush times are exact; only the limiter and collector act on ticks,
//   as the KPL's limiter does. The engine sees a tick, and a few events per request.
// - The limiter queue is FIFO by flush time, which is deadline order except for the few
//   records flushed by size before older ones reach their deadline.
// - A request slower than RequestTimeout never reaches the stream; all its entries fail with
//   "RequestTimeout" after RequestTimeout and are retried.
// - Shard map: the instance checks the stream's epoch on each tick; a change (or a wrong-shard
//   put) starts a refresh that completes shard_map_refresh_delay later. Meanwhile records are
//   aggregated for the old shards and put with ExplicitHashKey = the first user record's hash
//   key, so the stream lands them on the open shard owning it. As in the KPL's retrier
//   (succeed_if_correct_shard), a record accepted on a shard other than the predicted one is a
//   wrong-shard put: the stream keeps it, and its user records are retried (the copies already
//   in the stream are counted in ProducerCounts::duplicates, detail "WrongShardPuts").
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

// The KPL's limiter drain period and the collector's per-shard early-flush threshold (SPEC §7).
inline constexpr sim::Duration kLimiterDrainInterval = sim::Duration::millis(25);
inline constexpr uint64_t kCollectorShardFlushBytes = 256 * core::kKiB;

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
  class Instance;
  friend class Instance;

  std::vector<std::unique_ptr<Instance>> instances_;
  Stats stats_;
  struct Series {
    sim::SeriesId produced, produced_bytes, user_put, throttled, failed, retried, kinesis_put,
        kinesis_put_users, buffering_sum_ms, buffering_count, retries_sum, retries_count,
        err_throttled, err_internal, err_timeout, expired, wrong_shard;
  } s_{};
};

}  // namespace kinesim::models
