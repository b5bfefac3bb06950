// Settings of the Kinesis Agent (SPEC §7), by their agent.json names, and its flows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/core/limits.h"
#include "models/workload/workload_config.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

using sim::Duration;

// The settings agent.json has per flow (KinesisFileFlow's): the agent's are every flow's
// defaults, and a flow may override each of them.
struct AgentFlowSettings {
  uint32_t max_buffer_size_records = 500;           // maxBufferSizeRecords
  uint64_t max_buffer_size_bytes = 5 * core::kMiB;  // maxBufferSizeBytes
  Duration max_buffer_age = Duration::seconds(60);  // maxBufferAgeMillis
  Duration backoff_min = Duration::millis(100);     // retry backoff 100 ms ... 10 s, x2
  Duration backoff_max = Duration::seconds(10);
  double backoff_multiplier = 2.0;
  double backoff_jitter = 0.3;  // +/- 30 %
  enum class PartitionKeyOption : uint8_t { kRandom, kDeterministic };
  PartitionKeyOption partition_key_option = PartitionKeyOption::kRandom;
  // truncatedRecordTerminator (agent.json, default a newline): a line over the record size
  // limit is cut to the limit, ending with it. Fewer bytes than the limit.
  std::string truncated_record_terminator = "\n";
};

// One file pattern the Kinesis Agent tails (an agent.json "flow"): the application writes its
// lines at `rate` (or replays a trace), `record_size`-byte lines, and rotates the file.
struct AgentFlowConfig {
  std::string file_pattern;  // agent.json filePattern: names the flow
  RateConfig rate;
  Distribution record_size;                         // not with a trace: the trace gives sizes
  Duration rotation_interval = Duration::hours(1);  // the application rotates its log
  uint32_t rotated_files_tracked = 2;               // rotated files the agent still reads
  // The flow's own agent.json settings (the loader starts them from the agent's); unset: the
  // agent's.
  std::optional<AgentFlowSettings> settings;
};

// The Kinesis Agent tailing log files (SPEC §7): the per-flow settings it inherits are the
// defaults of its flows.
struct AgentConfig : AgentFlowSettings {
  Duration rotation_interval = Duration::hours(1);       // the application rotates its log
  uint32_t rotated_files_tracked = 2;                    // rotated files the agent still reads
  Duration checkpoint_interval = Duration::seconds(60);  // file offsets saved (assumed)
  bool start_at_end_of_file = true;                      // initialPosition END_OF_FILE
  uint32_t max_in_flight = 1;                            // concurrent PutRecords per agent
  // Several file patterns tailed by one agent process, sharing its max_in_flight, checkpoints
  // and restarts. Empty: one flow of the producer's rate and record_size with the settings
  // above (which are also the defaults of listed flows).
  std::vector<AgentFlowConfig> flows;
};

}  // namespace kinesim::models
