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
  enum class Kind : uint8_t { kSplit, kMerge, kUpdateShardCount, kSwitchMode, kAgentRestart };
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
  sim::Duration downtime = sim::Duration::seconds(30);  // agent_restart: how long it is down

  // Acts on a client (named by `producer`) rather than on the stream.
  bool targets_client() const { return kind == Kind::kAgentRestart; }
};

}  // namespace kinesim::models
