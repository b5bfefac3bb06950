// The stream's capacity over a run as the text reports tell it: the shard counts it went
// through and who changed them (the autoscaler, on-demand, the scenario's timeline), the
// capacity changes on the timeline, and how much throttling came while the stream was narrower
// than a given count. Pure functions of the Result; human_summary() and size() share them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/world/result.h"

namespace kinesim::models {

// Who started a capacity change.
enum class ChangeCause : uint8_t {
  kTimeline,    // the scenario's timeline (split, merge, update_shard_count, switch_mode)
  kAutoscaler,  // the provisioned stream's autoscaler
  kOnDemand,    // Kinesis itself, scaling an on-demand stream
};

// One action from Result::timeline that changed something or failed: a reshard or mode switch
// that was started (and usually completed), a call that failed with an AWS error, or another
// action (e.g. an agent restart) with its outcome.
struct CapacityChange {
  sim::Time at;                       // when it was called
  sim::Time done = sim::Time::max();  // when the stream was ACTIVE again (max: not by the end)
  std::string action;  // "split", "merge", "update_shard_count", "switch_mode", or another
  ChangeCause cause = ChangeCause::kTimeline;
  std::string error;           // the AWS error name when the call failed, else empty
  std::string outcome;         // what a non-capacity action reported
  uint32_t shards_before = 0;  // open shards before and after (0 when unknown)
  uint32_t shards_after = 0;
  CapacityMode mode_before = CapacityMode::kProvisioned;
  CapacityMode mode_after = CapacityMode::kProvisioned;
};

// The capacity a run had, from Result::capacity_segments (or, in a hand-built Result without
// segments, its initial and final counts and shard hours).
struct CapacityProfile {
  std::vector<uint32_t> path;       // open shards per stretch, repeats merged: {2, 4, 2}
  std::vector<CapacityMode> modes;  // modes in order, repeats merged: {kProvisioned}
  uint32_t min_shards = 0;
  uint32_t max_shards = 0;
  double mean_shards = 0;  // time-weighted over the run
  double shard_hours = 0;
  bool on_demand = false;  // some stretch ran in an on-demand mode
  bool by_timeline = false;
  bool by_autoscaler = false;
  bool by_on_demand = false;
  std::vector<CapacityChange> changes;  // in timeline order
  uint64_t autoscaler_skips = 0;        // autoscaler decisions that called nothing

  // The shard count or the mode changed during the run.
  bool varied() const { return min_shards != max_shards || modes.size() > 1; }
};

CapacityProfile capacity_profile(const Result& result);

// "provisioned, 4 shards"; "provisioned, 2 -> 4 -> 2 shards by the autoscaler, mean 2.7";
// "on-demand Standard, 10 -> 11 -> 20 -> 40 shards, mean 19.6"; more than kPathShown counts
// are elided: "4 -> ... -> 12 shards (2 to 16 over 9 changes)".
std::string capacity_text(const CapacityProfile& profile);

// The timeline line of the human summary without its "timeline: " prefix, or "" when there is
// nothing to say: the capacity changes and failed calls first (at most `listed`), then how many
// autoscaler decisions called nothing. Shard expiry and on-demand's initial sizing are left out.
std::string timeline_text(const CapacityProfile& profile, std::size_t listed);

// Throttled entry attempts in the metric buckets during which the stream had, at some point,
// fewer than `shards` open shards, and in all buckets (the stream's
// WriteProvisionedThroughputExceeded series; both 0 without metrics).
struct ThrottledBelow {
  uint64_t below = 0;
  uint64_t total = 0;
};
ThrottledBelow throttled_below(const Result& result, uint32_t shards);

// When an on-demand stream throttled: the start of the first and the end of the last metric
// bucket with throttling, for runs whose every throttled write came while the stream was
// on-demand (then on-demand's admission limit, not a shard, is what refused them, unless a key
// exceeded its shard).
struct ThrottleWindow {
  sim::Duration from;
  sim::Duration to;
};
std::optional<ThrottleWindow> on_demand_throttle_window(const Result& result);

}  // namespace kinesim::models
