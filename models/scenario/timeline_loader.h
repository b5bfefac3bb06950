// The loader's reader for the timeline: resharding, capacity-mode switches and Agent restarts,
// checked in time order against the stream's mode, its shard map and the producers. Internal to
// the scenario loader.
#pragma once

#include <cstddef>
#include <optional>

#include "models/scenario/json_reader.h"
#include "models/scenario/scenario.h"

namespace kinesim::models::scenario_json {

// Appends the actions to s.timeline in time order (ties in document order). `shards_valid` is
// false when the stream section had errors, so the shard map is not replayed on a guess.
// Returns how many shard ids the run will ever have (shardId-0 .. n-1), when that is known
// before the run: a provisioned stream without mode switches or an autoscaler. `modes_valid`
// is set to whether every action was read and every switch_mode is valid: then the modes the
// stream goes through are known (the capacity sections are checked against them).
std::optional<std::size_t> read_timeline(IssueList& issues, const Json& list, Scenario& s,
                                         bool shards_valid, bool& modes_valid);

// The same for a scenario without a timeline.
std::optional<std::size_t> shard_ids_without_timeline(const Scenario& s, bool shards_valid);

}  // namespace kinesim::models::scenario_json
