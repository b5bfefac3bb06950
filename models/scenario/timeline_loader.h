// The loader's reader for the timeline: resharding, capacity-mode switches and Agent restarts,
// checked in time order against the stream's mode, its shard map and the producers. Internal to
// the scenario loader.
#pragma once

#include "models/scenario/json_reader.h"
#include "models/scenario/scenario.h"

namespace kinesim::models::scenario_json {

// Appends the actions to s.timeline in time order (ties in document order). `shards_valid` is
// false when the stream section had errors, so the shard map is not replayed on a guess.
void read_timeline(IssueList& issues, const Json& list, Scenario& s, bool shards_valid);

}  // namespace kinesim::models::scenario_json
