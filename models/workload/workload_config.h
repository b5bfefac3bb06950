// What a producer's application offers: its arrival process and its partition keys. Record
// sizes are a sim::Distribution. Units are in the names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/core/uint128.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

using sim::Distribution;
using sim::Duration;

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

// Sizes in bytes (record data, log lines, trace rows) are whole bytes below 4 GiB, held in 32
// bits; the loader rejects larger ones rather than clamp them.
inline constexpr uint64_t kMaxSizeBytes = 4'294'967'295;

// What one producer's application offers, all its instances together: the part of a producer's
// configuration that the workload models (arrivals, keys, sizes, trace replay) read.
struct WorkloadConfig {
  std::string name;
  uint32_t instances = 1;
  Duration start = Duration();  // first record at or after this time
  RateConfig rate;
  KeysConfig keys;
  Distribution record_size;  // bytes of data (the partition key adds its own bytes)
};

}  // namespace kinesim::models
