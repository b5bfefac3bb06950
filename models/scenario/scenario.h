// A scenario as validated data: what `kinesim run` simulates, built by scenario/loader.h from
// JSON out of the configs each component owns (stream, producers, consumers, timeline).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/consumer/consumer_config.h"
#include "models/producer/producer_config.h"
#include "models/stream/stream_config.h"
#include "models/stream/timeline_action.h"
#include "sim/time.h"

namespace kinesim::models {

using sim::Duration;

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
  // "exact" (default) or "fast" (docs/design.md); each producer's own mode, with the reason when
  // fast mode falls back to exact for it, is decided when the run starts.
  Fidelity fidelity = Fidelity::kExact;
  std::vector<ProducerConfig> producers;
  std::vector<ConsumerConfig> consumers;
  std::vector<TimelineAction> timeline;
  OutputConfig output;
  std::string base_dir;  // directory of the scenario file, for relative trace paths
};

}  // namespace kinesim::models
