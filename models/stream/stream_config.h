// What the stream is: its name, capacity mode and shards, per-shard limits, retention, the
// latency its API answers with, on-demand growth and the provisioned autoscaler. Every default
// comes from SPEC.md through models/core/limits.h; units are in the names.
#pragma once

#include <cstdint>
#include <string>

#include "models/core/limits.h"
#include "models/stream/capacity_mode.h"
#include "models/stream/retention.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

using sim::Distribution;
using sim::Duration;

// PutRecord(s) request latency as the client sees it (assumed; AWS publishes none). The default
// is lognormal with mean 25 ms and sigma 0.35: a median near 24 ms and a p99 near 54 ms.
inline Distribution default_put_latency() {
  Distribution d;
  d.kind = Distribution::Kind::kLognormal;
  d.mean = 0.025;
  d.sigma = 0.35;
  return d;
}

// On-demand capacity (SPEC §5). Standard serves up to peak_multiplier x the previous peak at
// once and grows by splitting hot shards after a delay; Advantage adds a committed minimum and
// optional warm throughput. Values marked assumed in SPEC are parameters here.
struct OnDemandConfig {
  // The write peak the stream has already served ("previous 30 days"). The default is half the
  // 4 MiB/s and 4,000 records/s a new stream starts with, so that a new stream admits exactly
  // those at once (peak_multiplier x the previous peak).
  uint64_t previous_peak_bytes_per_sec = core::OnDemandLimits{}.initial_write_bytes_per_sec / 2;
  uint64_t previous_peak_records_per_sec = core::OnDemandLimits{}.initial_write_records_per_sec / 2;
  double peak_multiplier = core::OnDemandLimits{}.peak_multiplier;
  Duration surge_window = Duration::minutes(core::OnDemandLimits{}.surge_window_minutes);
  uint64_t shard_split_trigger_bytes_per_sec =
      core::OnDemandLimits{}.shard_split_trigger_bytes_per_sec;
  Duration shard_split_delay = Duration::minutes(core::OnDemandLimits{}.shard_split_delay_minutes);
  uint64_t stream_write_ceiling_bytes_per_sec =
      core::OnDemandLimits{}.stream_write_ceiling_bytes_per_sec;
  Duration scale_down_after = Duration::hours(core::OnDemandLimits{}.scale_down_after_hours);
  // On-demand Advantage only.
  uint64_t warm_throughput_bytes_per_sec = 0;  // available at once, up to 10 GiB/s
};

// A provisioned-mode autoscaler like amazon-kinesis-scaling-utils: scale up (or down) by a
// percentage after `*_after` of consecutive minutes above (below) a utilisation threshold.
struct AutoscalerConfig {
  bool enabled = false;  // the loader turns it on when a scenario has a stream.autoscaler section
  double scale_up_threshold_pct = 75;  // of the stream's write capacity (bytes or records)
  Duration scale_up_after = Duration::minutes(5);
  double scale_up_pct = 100;  // grow by this percentage of the current count
  double scale_down_threshold_pct = 25;
  Duration scale_down_after = Duration::minutes(30);
  double scale_down_pct = 50;
  uint32_t min_shards = 1;
  uint32_t max_shards = 10'000;
  Duration cooldown = Duration::minutes(5);  // after a scaling action completes
};

// The read side (SPEC §4): the shared polling limits of each shard, enhanced fan-out, and how
// finely retention keeps the recent records that readers at the tip see (retention.h).
struct ReadConfig {
  core::ShardReadLimits polling;
  // Applies polling.records_per_sec: the quota page's 2,000 records/s, enforcement unconfirmed.
  bool enforce_records_per_sec = false;
  core::EfoLimits efo;  // consumer limits, the 2 MiB/s push, registration time, propagation
  // Recent runs merge records arriving within this of their first (default 50 ms, well under the
  // 70 ms EFO propagation); runs older than the window coalesce at retention / 1440.
  Duration retention_fine_granularity = RetentionLog::kDefaultFineGranularity;
  Duration retention_recent_window = RetentionLog::kDefaultRecentWindow;  // 60 s
};

struct StreamConfig {
  std::string name = "stream";
  CapacityMode mode = CapacityMode::kProvisioned;
  // Provisioned: the shard count. On-demand: the count it starts with; the loader's default
  // there is 4 (SPEC §5: on-demand starts at 4 MiB/s and 4,000 records/s of write capacity).
  uint32_t shards = 1;
  uint32_t retention_hours = core::StreamLimits{}.retention_hours_default;
  core::ShardWriteLimits write;  // per-shard token buckets: rates and burst depths
  uint64_t max_record_bytes = core::PutLimits{}.max_record_bytes;
  uint64_t max_request_bytes = core::PutLimits{}.max_request_bytes;  // 5 MiB with legacy
  Duration reshard_duration = Duration::seconds(core::StreamLimits{}.reshard_seconds);
  Distribution put_latency = default_put_latency();
  double internal_failure_rate = 0;  // probability an entry fails with InternalFailure
  OnDemandConfig on_demand;
  AutoscalerConfig autoscaler;
  ReadConfig read;
};

}  // namespace kinesim::models
