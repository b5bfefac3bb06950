// The loader's readers for producers and for distributions (record sizes, latencies); split
// from loader.cc to keep each file one reading long. Internal to the scenario loader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/scenario/json_reader.h"
#include "models/scenario/scenario.h"
#include "sim/time.h"

namespace kinesim::models::scenario_json {

enum class Quantity : uint8_t { kBytes, kSeconds };

// A size (Quantity::kBytes: a size string or number = fixed) or a duration (kSeconds: a duration
// string = fixed), or a {"dist": ...} object. Durations are stored in seconds. Returns false
// (with issues recorded) if invalid; `out` is then unspecified.
bool read_distribution(IssueList& issues, const Json& node, const std::string& path,
                       Quantity quantity, Distribution& out);

// What producers are checked against: earlier sections of the document.
struct ProducerContext {
  sim::Duration scenario_duration = sim::Duration::max();  // max() if itself invalid
  uint64_t max_request_bytes = core::PutLimits{}.max_request_bytes;
  uint64_t max_record_bytes = core::PutLimits{}.max_record_bytes;
  bool legacy_request_limit = false;
  std::string base_dir;  // resolves relative trace file paths
};

std::vector<ProducerConfig> read_producers(IssueList& issues, const Json& array,
                                           const std::string& path, const ProducerContext& ctx);

}  // namespace kinesim::models::scenario_json
