// How a consumer reads each shard through the shared (polling) limits: where it starts, how often
// it calls GetRecords and with what Limit. Consumer types fill it from their own settings (a
// polling app from the scenario, Firehose with its fixed behaviour); how long a call takes is
// every consumer's own setting (ConsumerConfig::read_latency, default below).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "models/core/limits.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

// Where a consumer starts in the shards open when it starts (shards created later are read from
// their first record, after their parents).
enum class InitialPosition : uint8_t { kLatest, kTrimHorizon, kAtTimestamp };

// The names a scenario and the reports use, in InitialPosition order.
inline constexpr std::array<std::string_view, 3> kInitialPositionNames = {"LATEST", "TRIM_HORIZON",
                                                                          "AT_TIMESTAMP"};

constexpr std::string_view initial_position_name(InitialPosition p) {
  return kInitialPositionNames[static_cast<std::size_t>(p)];
}

// How a consumer gets records: GetRecords through the shards' shared limits, or enhanced fan-out
// (a registered consumer subscribing to each shard, its own 2 MiB/s pushed).
enum class Retrieval : uint8_t { kPolling, kFanOut };

// The names a scenario and the reports use, in Retrieval order.
inline constexpr std::array<std::string_view, 2> kRetrievalNames = {"polling", "fanout"};

constexpr std::string_view retrieval_name(Retrieval r) {
  return kRetrievalNames[static_cast<std::size_t>(r)];
}

// GetRecords' latency from call to reply as a reader sees it (assumed: AWS publishes no figure;
// GetRecords.Latency is typically tens of milliseconds): lognormal, mean 20 ms, sigma 0.5.
inline sim::Distribution default_read_latency() {
  sim::Distribution d;
  d.kind = sim::Distribution::Kind::kLognormal;
  d.mean = 0.020;
  d.sigma = 0.5;
  return d;
}

struct ReaderConfig {
  Retrieval retrieval = Retrieval::kPolling;
  InitialPosition initial_position = InitialPosition::kLatest;
  sim::Time timestamp;  // AT_TIMESTAMP: the first record that arrived at or after it
  // A call every poll_interval while the previous batch's processing is done; after a throttled
  // call the reader waits 0.5..1.5 of it at random (shard_reader.h).
  sim::Duration poll_interval = sim::Duration::seconds(1);
  uint32_t limit = core::ShardReadLimits{}.max_records_per_call;  // GetRecords' Limit, 1..10,000
  // Enhanced fan-out: a reader that has caught up waits for the next records to land and reads
  // them at once (they reach it the stream's propagation delay later); while records keep
  // coming it reads again at most every push_gap (assumed: AWS publishes no cadence; 50 ms
  // keeps the mean delay under load within 25 ms of the propagation delay).
  sim::Duration push_gap = sim::Duration::millis(50);
  // A SubscribeToShard refused (ResourceInUse, LimitExceeded) is tried again this much later.
  sim::Duration resubscribe_wait = sim::Duration::seconds(1);
  // Pacing by the last reply instead of a fixed rate (Flink's KinesisStreamsSource; off for every
  // other type): the next call goes after_records_wait after a reply with records has been
  // processed, after_empty_wait after an empty reply arrived. poll_interval then only sets the
  // start phase and the backoff after a throttled call.
  bool paced_by_reply = false;
  sim::Duration after_records_wait;
  sim::Duration after_empty_wait;
  // Whether a reader that is behind (its last reply had MillisBehindLatest > 0) calls again as
  // soon as the batch is taken instead of waiting out the interval (Lambda's "keeps fetching
  // while behind"); off for the types that poll at a fixed rate.
  bool fetch_while_behind = false;
};

}  // namespace kinesim::models
