// The loader's readers for consumers: what every consumer has (name, type, start, read_latency)
// and each type's own settings ("polling", "firehose"). Internal to the scenario loader.
#pragma once

#include <string>
#include <vector>

#include "models/consumer/consumer_config.h"
#include "models/scenario/json_reader.h"
#include "sim/time.h"

namespace kinesim::models::scenario_json {

// What consumers are checked against: earlier sections of the document.
struct ConsumerContext {
  sim::Duration scenario_duration = sim::Duration::max();  // max() if itself invalid
  std::vector<std::string> producer_names;                 // clients share one name space
};

std::vector<ConsumerConfig> read_consumers(IssueList& issues, const Json& array,
                                           const std::string& path, const ConsumerContext& ctx);

void read_polling(IssueList& issues, const Json& node, const std::string& path,
                  const ConsumerContext& ctx, PollingConfig& polling);
void read_firehose(IssueList& issues, const Json& node, const std::string& path,
                   const ConsumerContext& ctx, FirehoseConfig& firehose);
void read_flink(IssueList& issues, const Json& node, const std::string& path,
                const ConsumerContext& ctx, FlinkConfig& flink);
void read_kcl(IssueList& issues, const Json& node, const std::string& path,
              const ConsumerContext& ctx, KclConfig& kcl);
void read_lambda(IssueList& issues, const Json& node, const std::string& path,
                 const ConsumerContext& ctx, LambdaConfig& lambda);

}  // namespace kinesim::models::scenario_json
