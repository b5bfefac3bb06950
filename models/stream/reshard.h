// One timeline action applied to a shard map (actions that do not change it are no-ops), as Kinesis
// applies the call. Shared by the scenario loader (which replays the timeline to reject impossible
// actions early), the world's pre-run check and the stream (which applies actions on virtual time).
#pragma once

#include "models/core/shard_map.h"
#include "models/stream/timeline_action.h"

namespace kinesim::models {

// Throws core::KinesisError when Kinesis would reject the call. A split without
// new_starting_hash_key splits at the middle of the parent's range.
inline void apply_action(core::ShardMap& map, const TimelineAction& action) {
  switch (action.kind) {
    case TimelineAction::Kind::kSplit: {
      const core::ShardIndex index = core::ShardMap::parse_shard_id(action.shard);
      const core::Shard& parent = map.shard(index);
      map.split(index, action.new_starting_hash_key.value_or(parent.start +
                                                             (parent.end - parent.start) / 2 + 1));
      break;
    }
    case TimelineAction::Kind::kMerge:
      map.merge(core::ShardMap::parse_shard_id(action.shard),
                core::ShardMap::parse_shard_id(action.adjacent_shard));
      break;
    case TimelineAction::Kind::kUpdateShardCount:
      map.update_shard_count(action.target);
      break;
    case TimelineAction::Kind::kSwitchMode:        // capacity, not the shard map
    case TimelineAction::Kind::kAgentRestart:      // a producer's, not the stream's
    case TimelineAction::Kind::kKclWorkerFailure:  // a KCL consumer's
    case TimelineAction::Kind::kKclWorkerRestart:
    case TimelineAction::Kind::kKclDeploy:
    case TimelineAction::Kind::kKclWorkerAdded:
    case TimelineAction::Kind::kKclWorkerRemoved:
      break;
  }
}

}  // namespace kinesim::models
