// One action of a scenario's timeline: a reshard or a mode switch for the stream, or a restart
// for one client (the world's timeline dispatcher routes it; see models/world/timeline.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "models/core/uint128.h"
#include "models/stream/capacity_mode.h"
#include "sim/time.h"

namespace kinesim::models {

struct TimelineAction {
  enum class Kind : uint8_t {
    kSplit,
    kMerge,
    kUpdateShardCount,
    kSwitchMode,
    kAgentRestart,
    // A KCL consumer's fleet (models/consumer/kcl_consumer.h).
    kKclWorkerFailure,
    kKclWorkerRestart,
    kKclDeploy,
    kKclWorkerAdded,
    kKclWorkerRemoved,
  };
  sim::Duration at;
  Kind kind = Kind::kUpdateShardCount;
  std::string shard;                                   // split, merge
  std::string adjacent_shard;                          // merge
  std::optional<core::uint128> new_starting_hash_key;  // split; default: the range midpoint
  // update_shard_count: the new count. switch_mode to PROVISIONED: the open shard count right
  // after the switch (JSON "shards"); 0 keeps the shards the stream has.
  uint32_t target = 0;
  CapacityMode mode = CapacityMode::kProvisioned;       // switch_mode: the new mode
  std::string producer;                                 // agent_restart: which agent
  sim::Duration downtime = sim::Duration::seconds(30);  // agent_restart, kcl_*: how long down
  std::string consumer;                                 // kcl_*: which KCL consumer
  uint32_t worker = 0;                                  // kcl_worker_failure/_restart: which one

  // Acts on a client (named by client()) rather than on the stream.
  bool targets_client() const { return kind >= Kind::kAgentRestart; }
  bool targets_consumer() const { return kind >= Kind::kKclWorkerFailure; }
  const std::string& client() const { return targets_consumer() ? consumer : producer; }
};

}  // namespace kinesim::models
