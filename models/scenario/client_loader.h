// The loader's readers for each producer type's own settings: "sdk", "kpl" (by the KPL's own
// names) and "agent" (agent.json names plus kinesim's). Internal to the scenario loader.
#pragma once

#include <string>

#include "models/scenario/json_reader.h"
#include "models/scenario/producer_loader.h"
#include "models/scenario/scenario.h"

namespace kinesim::models::scenario_json {

void read_sdk(IssueList& issues, const Json& node, const std::string& path,
              const ProducerContext& ctx, SdkConfig& sdk);
void read_kpl(IssueList& issues, const Json& node, const std::string& path,
              const ProducerContext& ctx, KplConfig& kpl);
// "rotation_interval" and "rotated_files_tracked" (an agent's, or one of its flows'), each
// kept as given when absent.
void read_rotation(const ObjectReader& r, sim::Duration& interval, uint32_t& files_tracked);
// agent.json's per-flow settings (buffering, partitionKeyOption, backoff,
// truncatedRecordTerminator) of an agent or one of its flows, each kept as given when absent.
void read_flow_settings(IssueList& issues, const ObjectReader& r, const ProducerContext& ctx,
                        AgentFlowSettings& settings);
// Every agent setting but "flows", which the producer's reader takes (flows have rates and sizes).
void read_agent(IssueList& issues, const Json& node, const std::string& path,
                const ProducerContext& ctx, AgentConfig& agent);

}  // namespace kinesim::models::scenario_json
