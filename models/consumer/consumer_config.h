// One consumer of a scenario: its name, its type, when it starts, GetRecords' latency as it sees
// it, and the settings of its type.
#pragma once

#include <cstdint>
#include <string>

#include "models/consumer/firehose_config.h"
#include "models/consumer/flink_config.h"
#include "models/consumer/kcl_config.h"
#include "models/consumer/lambda_config.h"
#include "models/consumer/polling_config.h"
#include "models/consumer/reader_config.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

struct ConsumerConfig {
  // The registry (models/scenario/client_registry.h) names each type and builds its model.
  enum class Type : uint8_t { kPolling, kFirehose, kFlink, kKcl, kLambda };
  std::string name;
  Type type = Type::kPolling;
  sim::Duration start;  // when it starts reading, from the start of the run
  sim::Distribution read_latency = default_read_latency();  // seconds; see reader_config.h
  PollingConfig polling;                                    // type polling
  FirehoseConfig firehose;                                  // type firehose
  FlinkConfig flink;                                        // type flink
  KclConfig kcl;                                            // type kcl
  LambdaConfig lambda;                                      // type lambda
};

}  // namespace kinesim::models
