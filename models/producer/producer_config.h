// One producer of a scenario: what every producer type has (name, instances, the workload it
// draws) and the settings of its type.
#pragma once

#include <cstdint>
#include <string>

#include "models/producer/agent_config.h"
#include "models/producer/kpl_config.h"
#include "models/producer/sdk_config.h"
#include "models/workload/workload_config.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

using sim::Duration;

// The workload's fields (name, instances, start, rate, keys, record_size) come from
// WorkloadConfig, which the workload models take on their own.
// Exact mode draws every record; fast mode draws whole batches in distribution (docs/design.md).
enum class Fidelity : uint8_t { kExact, kFast };

// How a producer is simulated: set by the loader from the scenario's "fidelity" and what the
// producer uses (a producer fast mode cannot honour runs exact, and `note` says why).
struct FidelityConfig {
  Fidelity mode = Fidelity::kExact;
  std::string note;  // why an asked-for fast mode fell back to exact, or what it approximated
  // Fast mode only (set by the loader when `mode` is kFast): which keys stay individual.
  double peak_records_per_sec = 0;  // the producer's peak offered rate over the run
  uint32_t individual_top_n = 10;   // keys the reports list
  // KPL producers with aggregation: the reducers' RecordMaxBufferedTime (seconds), within which
  // a key expected at least FastKeys::kIndividualRepeats times stays individual.
  double repeat_window_s = 0;
  // Fast mode: draw the SDK instances' batches ahead on a second thread. Set by run_scenario
  // when the run allows a second thread and the stream's shard map cannot change during the
  // run; the results are the same either way (README, "Fidelity").
  bool draw_ahead = false;
  // The stream's shard map cannot change during the run (no timeline; provisioned, without an
  // autoscaler): fast KPL producers then draw their records a few ahead. Set by run_scenario.
  bool fixed_map = false;
  // When the run ends (set by run_scenario; zero, the default, when unknown). An SDK request
  // every entry of which was accepted, answered by then, has its records' latencies recorded
  // when it reaches the stream, while its records are in the cache, instead of when the reply
  // comes: the same latencies in the same histogram (sdk_producer.cc, arrive), in both modes.
  sim::Time run_end;
};

struct ProducerConfig : WorkloadConfig {
  // The registry (models/scenario/client_registry.h) names each type and builds its model.
  enum class Type : uint8_t { kSdk, kKpl, kAgent };
  Type type = Type::kSdk;
  SdkConfig sdk;      // type sdk
  KplConfig kpl;      // type kpl
  AgentConfig agent;  // type agent
  FidelityConfig fidelity;
};

}  // namespace kinesim::models
