// A scenario as validated data: what `kinesim run` simulates. Loaded from JSON by
// scenario/loader.h; every default here comes from SPEC.md through models/core/limits.h.
// Units are in the names: bytes, per_sec, Duration for times.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/core/limits.h"
#include "models/core/uint128.h"
#include "sim/time.h"

namespace kinesim::models {

using sim::Duration;

enum class CapacityMode : uint8_t { kProvisioned, kOnDemand, kOnDemandAdvantage };

// A positive real-valued distribution, used for record sizes (bytes) and latencies (seconds).
struct Distribution {
  enum class Kind : uint8_t { kFixed, kUniform, kLognormal, kHistogram };
  Kind kind = Kind::kFixed;
  double value = 0;  // kFixed
  double min = 0;    // kUniform: [min, max]
  double max = 0;
  double mean = 0;  // kLognormal: arithmetic mean, and sigma in log space
  double sigma = 0;
  // kHistogram: (value, weight) points; a sample is one of the values, drawn by weight.
  std::vector<std::pair<double, double>> points;
};

// Sizes in bytes (record data, log lines, trace rows) are whole bytes below 4 GiB, held in 32
// bits; the loader rejects larger ones rather than clamp them.
inline constexpr uint64_t kMaxSizeBytes = 4'294'967'295;

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
  // The write peak the stream has already served ("previous 30 days"); the default is the
  // initial 4 MiB/s and 4,000 records/s.
  uint64_t previous_peak_bytes_per_sec = core::OnDemandLimits{}.initial_write_bytes_per_sec;
  uint64_t previous_peak_records_per_sec = core::OnDemandLimits{}.initial_write_records_per_sec;
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
};

// Arrival process of one producer (all instances together).
struct RateConfig {
  enum class Profile : uint8_t { kConstant, kPoisson, kSchedule, kDiurnal, kTrace };
  Profile profile = Profile::kPoisson;
  double records_per_sec = 0;  // kConstant, kPoisson
  // kSchedule: the rate from each step's time on (piecewise constant), starting at the first.
  struct Step {
    Duration at;
    double records_per_sec = 0;
  };
  std::vector<Step> steps;
  bool poisson = true;  // kSchedule, kDiurnal: Poisson arrivals, else evenly spaced
  // kDiurnal: mean * (1 + a cos(2 pi (t - peak_at) / period)), a chosen so that the peak is
  // peak_factor x the mean (peak_factor in [1, 2]).
  double mean_records_per_sec = 0;
  double peak_factor = 1.5;
  Duration peak_at = Duration::hours(14);
  Duration period = Duration::hours(24);
  // kTrace: CSV file with header `timestamp,partition_key,size` (see docs/scenarios.md), as
  // written in the scenario: a relative path is relative to Scenario::base_dir.
  std::string trace_path;
  double trace_speed = 1.0;
  bool trace_loop = false;
};

struct KeysConfig {
  enum class Dist : uint8_t { kUniform, kZipf, kHot, kRandom, kExplicitHashKeys };
  Dist dist = Dist::kUniform;
  uint64_t count = 1000;        // kUniform, kZipf, and the rest of kHot
  double s = 1.0;               // kZipf
  std::string prefix = "key-";  // key i is prefix + i
  // kHot: named keys with their share of all records; the rest spread by `rest`.
  struct HotKey {
    std::string key;
    double share = 0;
  };
  std::vector<HotKey> hot;
  Dist rest = Dist::kUniform;      // kUniform or kZipf over `count` keys
  uint32_t random_key_bytes = 36;  // kRandom: a fresh key per record (UUID-sized)
  // kExplicitHashKeys: records carry these hash keys with these weights (empty = uniform random).
  struct ExplicitKey {
    core::uint128 hash_key = 0;
    double weight = 1;
  };
  std::vector<ExplicitKey> explicit_hash_keys;
  std::string explicit_partition_key = "pk";  // the partition key those records carry
};

// The AWS SDK client as a caller drives it (SPEC §7).
struct SdkConfig {
  enum class Api : uint8_t { kPutRecords, kPutRecord };
  Api api = Api::kPutRecords;
  uint32_t max_batch_records = 500;
  uint64_t max_batch_bytes = 5 * core::kMiB;
  Duration linger = Duration::millis(100);
  uint32_t max_in_flight = 4;                     // concurrent requests per instance
  Duration backoff_base = Duration::millis(100);  // SDK standard retry mode
  Duration backoff_cap = Duration::seconds(20);
  uint32_t max_attempts = 3;                  // first try included
  uint64_t max_buffered_records = 1'000'000;  // per instance; beyond it records fail (BufferFull)
};

// The Kinesis Producer Library, every setting by its KPL name with the KPL default (SPEC §7).
struct KplConfig {
  bool aggregation_enabled = true;                            // AggregationEnabled
  uint64_t aggregation_max_count = 4'294'967'295;             // AggregationMaxCount
  uint64_t aggregation_max_size = 51'200;                     // AggregationMaxSize (bytes)
  uint64_t collection_max_count = 500;                        // CollectionMaxCount
  uint64_t collection_max_size = 5'242'880;                   // CollectionMaxSize (bytes)
  Duration record_max_buffered_time = Duration::millis(100);  // RecordMaxBufferedTime
  Duration record_ttl = Duration::millis(30'000);             // RecordTtl
  uint32_t rate_limit = 150;                                  // RateLimit (% of a shard's limits)
  uint32_t max_connections = 24;                              // MaxConnections
  Duration request_timeout = Duration::millis(6'000);         // RequestTimeout
  bool fail_if_throttled = false;                             // FailIfThrottled
  // How long the KPL takes to notice a reshard and refresh its shard map (ListShards); records
  // predicted for closed shards meanwhile land elsewhere and are retried (assumed).
  Duration shard_map_refresh_delay = Duration::seconds(5);
};

// The settings agent.json has per flow (KinesisFileFlow's): the agent's are every flow's
// defaults, and a flow may override each of them.
struct AgentFlowSettings {
  uint32_t max_buffer_size_records = 500;           // maxBufferSizeRecords
  uint64_t max_buffer_size_bytes = 5 * core::kMiB;  // maxBufferSizeBytes
  Duration max_buffer_age = Duration::seconds(60);  // maxBufferAgeMillis
  Duration backoff_min = Duration::millis(100);     // retry backoff 100 ms ... 10 s, x2
  Duration backoff_max = Duration::seconds(10);
  double backoff_multiplier = 2.0;
  double backoff_jitter = 0.3;  // +/- 30 %
  enum class PartitionKeyOption : uint8_t { kRandom, kDeterministic };
  PartitionKeyOption partition_key_option = PartitionKeyOption::kRandom;
  // truncatedRecordTerminator (agent.json, default a newline): a line over the record size
  // limit is cut to the limit, ending with it. Fewer bytes than the limit.
  std::string truncated_record_terminator = "\n";
};

// One file pattern the Kinesis Agent tails (an agent.json "flow"): the application writes its
// lines at `rate` (or replays a trace), `record_size`-byte lines, and rotates the file.
struct AgentFlowConfig {
  std::string file_pattern;  // agent.json filePattern: names the flow
  RateConfig rate;
  Distribution record_size;                         // not with a trace: the trace gives sizes
  Duration rotation_interval = Duration::hours(1);  // the application rotates its log
  uint32_t rotated_files_tracked = 2;               // rotated files the agent still reads
  // The flow's own agent.json settings (the loader starts them from the agent's); unset: the
  // agent's.
  std::optional<AgentFlowSettings> settings;
};

// The Kinesis Agent tailing log files (SPEC §7): the per-flow settings it inherits are the
// defaults of its flows.
struct AgentConfig : AgentFlowSettings {
  Duration rotation_interval = Duration::hours(1);       // the application rotates its log
  uint32_t rotated_files_tracked = 2;                    // rotated files the agent still reads
  Duration checkpoint_interval = Duration::seconds(60);  // file offsets saved (assumed)
  bool start_at_end_of_file = true;                      // initialPosition END_OF_FILE
  uint32_t max_in_flight = 1;                            // concurrent PutRecords per agent
  // Several file patterns tailed by one agent process, sharing its max_in_flight, checkpoints
  // and restarts. Empty: one flow of the producer's rate and record_size with the settings
  // above (which are also the defaults of listed flows).
  std::vector<AgentFlowConfig> flows;
};

struct ProducerConfig {
  std::string name;
  enum class Type : uint8_t { kSdk, kKpl, kAgent };
  Type type = Type::kSdk;
  uint32_t instances = 1;
  Duration start = Duration();  // first record at or after this time
  RateConfig rate;
  KeysConfig keys;
  Distribution record_size;  // bytes of data (the partition key adds its own bytes)
  SdkConfig sdk;             // type sdk
  KplConfig kpl;             // type kpl
  AgentConfig agent;         // type agent
};

struct TimelineAction {
  enum class Kind : uint8_t { kSplit, kMerge, kUpdateShardCount, kSwitchMode, kAgentRestart };
  Duration at;
  Kind kind = Kind::kUpdateShardCount;
  std::string shard;                                   // split, merge
  std::string adjacent_shard;                          // merge
  std::optional<core::uint128> new_starting_hash_key;  // split; default: the range midpoint
  // update_shard_count: the new count. switch_mode to PROVISIONED: the open shard count right
  // after the switch (JSON "shards"); 0 keeps the shards the stream has.
  uint32_t target = 0;
  CapacityMode mode = CapacityMode::kProvisioned;  // switch_mode: the new mode
  std::string producer;                            // agent_restart: which agent
  Duration downtime = Duration::seconds(30);       // agent_restart: how long it is down
};

struct OutputConfig {
  Duration resolution = Duration::seconds(60);  // CloudWatch's 1-minute points; 1 s on request
  uint32_t top_n = 10;                          // hottest shards and keys listed
};

struct Scenario {
  std::string name;
  std::string description;
  Duration duration = Duration::hours(1);
  uint64_t seed = 1;
  StreamConfig stream;
  std::vector<ProducerConfig> producers;
  std::vector<TimelineAction> timeline;
  OutputConfig output;
  std::string base_dir;  // directory of the scenario file, for relative trace paths
};

}  // namespace kinesim::models
