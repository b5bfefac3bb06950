// What the stream reports of a run, as plain data: per-shard totals, the capacity timeline and
// the stretches of fixed capacity that cost prices. No model code: results and reports include
// this, not stream.h.
#pragma once

#include <cstdint>
#include <string>

#include "models/stream/capacity_mode.h"
#include "sim/time.h"

namespace kinesim::models {

struct ShardTotals {
  uint64_t accepted_records = 0;
  uint64_t accepted_bytes = 0;
  uint64_t throttled_records = 0;
  uint64_t throttled_bytes = 0;
  uint64_t internal_failures = 0;
};

// One line of the capacity timeline in the output.
struct TimelineEvent {
  sim::Time at;
  // "split", "merge", "update_shard_count", "expire", "switch_mode", "autoscale", "capacity";
  // and "agent_restart", which the world adds to a run's timeline
  std::string action;
  // "started", "completed", the AWS error name, an autoscaler decision ("scale_up",
  // "scale_down", "skipped"), or for agent_restart "<producer> down <downtime>"
  std::string outcome;
  std::string detail;
};

// One stretch of the run at a fixed capacity: cost prices each in the mode it ran in.
struct CapacitySegment {
  sim::Time from;
  sim::Time to;
  CapacityMode mode = CapacityMode::kProvisioned;
  uint32_t open_shards = 0;
  // Billing quantities of the records accepted within the segment (SPEC §6).
  uint64_t put_payload_units = 0;
  uint64_t on_demand_billed_bytes = 0;
};

}  // namespace kinesim::models
