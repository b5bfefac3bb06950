// Everything a run produced, in one value: counts, per-shard and per-producer figures, latency
// histograms, the capacity timeline and the metric series. report.h renders it (summary.json,
// CSV, the human summary); cost.h prices it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/client/client_results.h"
#include "models/core/uint128.h"
#include "models/stream/stream_config.h"
#include "models/stream/stream_results.h"
#include "sim/histogram.h"
#include "sim/metrics.h"

namespace kinesim::models {

struct ShardResult {
  std::string shard_id;
  core::uint128 start = 0;
  core::uint128 end = 0;
  std::optional<std::string> parent;
  std::optional<std::string> adjacent_parent;
  bool open = true;
  bool expired = false;
  // When the shard opened (0 for the initial shards) and closed (Time::max() if still open);
  // the per-shard CSV lists a shard for the buckets it existed in or had data.
  sim::Time created_at = sim::Time::zero();
  sim::Time closed_at = sim::Time::max();
  ShardTotals totals;
  uint64_t sequence_numbers = 0;       // records ever written (the next sequence number)
  uint64_t retained_records = 0;       // Kinesis records
  uint64_t retained_user_records = 0;  // user records in them (KPL aggregates hold many)
  uint64_t retained_bytes = 0;
  uint64_t retention_runs = 0;
  double peak_records_per_sec = 0;  // highest metric bucket, per second
  double peak_bytes_per_sec = 0;
  // Metric rows of this shard (IncomingBytes, IncomingRecords, WriteProvisionedThroughputExceeded).
  uint32_t series_bytes = 0, series_records = 0, series_throttled = 0;
};

struct Result {
  std::string scenario_name;
  uint64_t seed = 0;
  std::string fidelity = "exact";  // asked for: "exact" or "fast" (each producer says how it ran)
  sim::Duration duration;
  sim::Duration resolution;
  uint32_t top_n = 10;
  StreamConfig stream;
  uint32_t initial_shards = 0;
  uint32_t final_open_shards = 0;
  double shard_hours = 0;
  uint64_t put_payload_units = 0;       // provisioned billing: 25 KB units of accepted records
  uint64_t on_demand_billed_bytes = 0;  // on-demand billing: accepted records rounded to 1 KB
  std::vector<ShardResult> shards;
  std::vector<ProducerResult> producers;
  std::vector<ConsumerResult> consumers;
  std::vector<TimelineEvent> timeline;
  // Capacity over time: mode and open shards per stretch, covering [0, duration) (cost prices
  // each stretch in its own mode). Empty in hand-built Results: then the whole run is one
  // stretch in stream.mode with shard_hours.
  std::vector<CapacitySegment> capacity_segments;
  std::shared_ptr<const sim::MetricRecorder> metrics;  // resolution index 0 = `resolution`
  uint64_t events_run = 0;

  // Totals over producers.
  ProducerCounts totals() const;
};

}  // namespace kinesim::models
