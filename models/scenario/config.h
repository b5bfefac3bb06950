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

// PutRecord(s) request latency as the client sees it (assumed; AWS publishes none). The default
// is lognormal with mean 25 ms and sigma 0.35: a median near 24 ms and a p99 near 54 ms.
inline Distribution default_put_latency() {
  Distribution d;
  d.kind = Distribution::Kind::kLognormal;
  d.mean = 0.025;
  d.sigma = 0.35;
  return d;
}

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

struct ProducerConfig {
  std::string name;
  enum class Type : uint8_t { kSdk };
  Type type = Type::kSdk;
  uint32_t instances = 1;
  Duration start = Duration();  // first record at or after this time
  RateConfig rate;
  KeysConfig keys;
  Distribution record_size;  // bytes of data (the partition key adds its own bytes)
  SdkConfig sdk;
};

struct TimelineAction {
  enum class Kind : uint8_t { kSplit, kMerge, kUpdateShardCount };
  Duration at;
  Kind kind = Kind::kUpdateShardCount;
  std::string shard;                                   // split, merge
  std::string adjacent_shard;                          // merge
  std::optional<core::uint128> new_starting_hash_key;  // split; default: the range midpoint
  uint32_t target = 0;                                 // update_shard_count
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
