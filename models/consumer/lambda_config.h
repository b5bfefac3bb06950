// An AWS Lambda event source mapping (ESM) on the stream (SPEC §8), in the names of
// CreateEventSourceMapping and with its defaults and bounds; kinesim's own additions (the
// function's duration, its concurrency, the errors it meets) are snake_case. Lambda receives
// Kinesis records as they are in the stream (it does not de-aggregate KPL aggregates): every
// count of this type is in Kinesis records.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/consumer/reader_config.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

// A record that always makes the function fail: the first record arriving at or after `at` in
// `shard` (an index), or in whichever shard receives one first when no shard is named.
struct PoisonRecord {
  sim::Time at;
  std::optional<uint32_t> shard;
};

struct LambdaConfig {
  // StartingPosition (LATEST unless given), StartingPositionTimestamp; the standard ESM polls
  // each shard once a second (not configurable), 10,000 records a call, and keeps fetching while
  // behind.
  ReaderConfig reader = [] {
    ReaderConfig r;
    r.poll_interval = sim::Duration::seconds(1);
    r.fetch_while_behind = true;
    return r;
  }();
  uint32_t batch_size = 100;                     // BatchSize, 1..10,000 (Kinesis records)
  uint32_t maximum_batching_window_seconds = 0;  // MaximumBatchingWindowInSeconds, 0..300
  uint32_t parallelization_factor = 1;           // ParallelizationFactor, 1..10
  int32_t maximum_retry_attempts = -1;      // MaximumRetryAttempts: -1 (until expiry), 0..10,000
  int32_t maximum_record_age_seconds = -1;  // MaximumRecordAgeInSeconds: -1, 60..604,800
  bool bisect_batch_on_function_error = false;  // BisectBatchOnFunctionError
  bool report_batch_item_failures = false;      // FunctionResponseTypes ["ReportBatchItemFailures"]
  bool on_failure = false;                      // DestinationConfig.OnFailure.Destination set
  // Lambda's invocation payload quota, 6 MB (6,291,456 bytes); records travel base64-encoded,
  // so a batch holds at most 3/4 of it in record bytes (the event's JSON envelope is not counted).
  uint64_t payload_limit_bytes = 6'291'456;
  // The function's duration per invocation: `duration` once plus `duration_per_record` times the
  // records in the batch (one draw each, per invocation). Seconds; assumed 50 ms + 0 by default.
  sim::Distribution duration = [] {
    sim::Distribution d;
    d.value = 0.050;
    return d;
  }();
  sim::Distribution duration_per_record;
  // Reserved concurrency: at most this many invocations at once (0: unlimited, which is
  // shards x ParallelizationFactor since each sub-batcher runs one batch at a time). An
  // invocation over it is throttled and tried again after a second (0.5..1.5 s at random).
  uint32_t concurrency = 0;
  // Errors: the fraction of invocations that fail at random, and the poison records.
  double error_rate = 0;
  std::vector<PoisonRecord> poison_records;
};

}  // namespace kinesim::models
