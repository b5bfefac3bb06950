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
struct ProducerConfig : WorkloadConfig {
  // The registry (models/scenario/client_registry.h) names each type and builds its model.
  enum class Type : uint8_t { kSdk, kKpl, kAgent };
  Type type = Type::kSdk;
  SdkConfig sdk;      // type sdk
  KplConfig kpl;      // type kpl
  AgentConfig agent;  // type agent
};

}  // namespace kinesim::models
