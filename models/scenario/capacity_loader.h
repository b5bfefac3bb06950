// The loader's readers for the stream's capacity sections, "on_demand" and "autoscaler", and the
// check that each applies to a mode the stream has at some time. Internal to the scenario loader.
#pragma once

#include <string>

#include "models/scenario/json_reader.h"
#include "models/scenario/scenario.h"

namespace kinesim::models::scenario_json {

// `stream` holds the settings read before (mode, shards, per-shard write limits).
void read_on_demand(IssueList& issues, const Json& node, const std::string& path,
                    const StreamConfig& stream, OnDemandConfig& on_demand);
void read_autoscaler(IssueList& issues, const Json& node, const std::string& path,
                     const StreamConfig& stream, AutoscalerConfig& autoscaler);

// After the timeline is read: on_demand needs an on-demand mode (warm throughput needs
// ON_DEMAND_ADVANTAGE) and autoscaler needs PROVISIONED, at the start or after a switch_mode.
void check_capacity_sections(IssueList& issues, const Json& stream_node, const Scenario& s);

}  // namespace kinesim::models::scenario_json
