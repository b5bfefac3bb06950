#include "models/report/report_capacity.h"

#include <algorithm>
#include <limits>

#include "models/report/report_stats.h"

namespace kinesim::models {
namespace {

constexpr std::size_t kPathShown = 5;  // shard counts listed one by one before eliding

bool is_capacity_action(const std::string& action) {
  return action == "split" || action == "merge" || action == "update_shard_count" ||
         action == "switch_mode";
}

// The stretch of the run holding `t` (the last one starting at or before it), or nullptr.
const CapacitySegment* segment_at(const Result& r, sim::Time t) {
  const CapacitySegment* found = nullptr;
  for (const CapacitySegment& s : r.capacity_segments) {
    if (s.from > t) break;
    found = &s;
  }
  return found;
}

uint32_t shards_at(const Result& r, sim::Time t) {
  const CapacitySegment* s = segment_at(r, t);
  return s == nullptr ? 0 : s->open_shards;
}

CapacityMode mode_at(const Result& r, sim::Time t) {
  const CapacitySegment* s = segment_at(r, t);
  return s == nullptr ? r.stream.mode : s->mode;
}

std::string change_text(const CapacityChange& c, bool name_on_demand) {
  std::string text = clock_text(c.at) + " " + c.action;
  if (!c.error.empty()) {
    text += " failed: " + c.error;
  } else if (!is_capacity_action(c.action)) {
    text += " " + c.outcome;
  } else if (c.done == sim::Time::max()) {
    text += " started, still UPDATING at the end";
  } else {
    if (c.action == "switch_mode") {
      text += std::string(" ") + std::string(mode_text(c.mode_before)) + " -> " +
              std::string(mode_text(c.mode_after));
      if (c.shards_before != c.shards_after && c.shards_before > 0 && c.shards_after > 0) {
        text += ", " + with_thousands(c.shards_before) + " -> " + shards_text(c.shards_after);
      }
    } else if (c.shards_before > 0 && c.shards_after > 0) {
      text += " " + with_thousands(c.shards_before) + " -> " + shards_text(c.shards_after);
    }
  }
  if (c.cause == ChangeCause::kAutoscaler) text += " (autoscaler)";
  if (c.cause == ChangeCause::kOnDemand && name_on_demand) text += " (on-demand)";
  return text;
}

}  // namespace

CapacityProfile capacity_profile(const Result& r) {
  CapacityProfile p;
  const double hours = duration_seconds(r) / 3600.0;
  if (!r.capacity_segments.empty()) {
    p.min_shards = std::numeric_limits<uint32_t>::max();
    for (const CapacitySegment& s : r.capacity_segments) {
      p.shard_hours += (s.to - s.from).to_seconds() / 3600.0 * s.open_shards;
      p.min_shards = std::min(p.min_shards, s.open_shards);
      p.max_shards = std::max(p.max_shards, s.open_shards);
      if (p.path.empty() || p.path.back() != s.open_shards) p.path.push_back(s.open_shards);
      if (p.modes.empty() || p.modes.back() != s.mode) p.modes.push_back(s.mode);
      p.on_demand = p.on_demand || s.mode != CapacityMode::kProvisioned;
    }
  } else {
    // A hand-built Result: what its counts and shard hours say.
    p.path.push_back(r.initial_shards);
    if (r.final_open_shards != r.initial_shards) p.path.push_back(r.final_open_shards);
    p.min_shards = std::min(r.initial_shards, r.final_open_shards);
    p.max_shards = max_open_shards(r);
    p.modes.push_back(r.stream.mode);
    p.on_demand = r.stream.mode != CapacityMode::kProvisioned;
    p.shard_hours = r.shard_hours;
  }
  p.mean_shards = hours > 0 ? p.shard_hours / hours : static_cast<double>(p.max_shards);

  // The timeline in order: a reshard's "started" pairs with the next "completed" of the same
  // action (the stream is UPDATING in between, so nothing else starts); an autoscaler decision
  // is logged just before the UpdateShardCount it calls, at the same instant.
  sim::Time decided = sim::Time::max();
  std::size_t open = std::numeric_limits<std::size_t>::max();
  for (const TimelineEvent& e : r.timeline) {
    if (e.action == "autoscale") {
      if (e.outcome == "skipped") {
        ++p.autoscaler_skips;
      } else {
        decided = e.at;
      }
      continue;
    }
    if (e.action == "expire" || e.action == "capacity") continue;  // housekeeping, initial sizing
    CapacityChange c;
    c.at = e.at;
    c.action = e.action;
    c.shards_before = shards_at(r, e.at);
    c.mode_before = mode_at(r, e.at);
    if (e.action == "update_shard_count" && e.at == decided) {
      c.cause = ChangeCause::kAutoscaler;
    } else if ((e.action == "split" || e.action == "merge") && e.outcome == "started" &&
               c.mode_before != CapacityMode::kProvisioned) {
      c.cause = ChangeCause::kOnDemand;  // the timeline cannot reshard an on-demand stream
    }
    if (!is_capacity_action(e.action)) {
      c.outcome = e.outcome;
      c.done = e.at;
      p.changes.push_back(std::move(c));
      continue;
    }
    if (e.outcome == "completed") {
      if (open < p.changes.size() && p.changes[open].action == e.action) {
        CapacityChange& started = p.changes[open];
        started.done = e.at;
        started.shards_after = shards_at(r, e.at);
        started.mode_after = mode_at(r, e.at);
        open = std::numeric_limits<std::size_t>::max();
        continue;
      }
      c.done = e.at;  // no "started" seen (a hand-built timeline)
      c.shards_after = c.shards_before;
      c.mode_after = c.mode_before;
    } else if (e.outcome != "started") {
      c.error = e.outcome;
    }
    if (c.error.empty()) {
      p.by_autoscaler = p.by_autoscaler || c.cause == ChangeCause::kAutoscaler;
      p.by_on_demand = p.by_on_demand || c.cause == ChangeCause::kOnDemand;
      p.by_timeline = p.by_timeline || c.cause == ChangeCause::kTimeline;
    }
    if (e.outcome == "started") open = p.changes.size();
    p.changes.push_back(std::move(c));
  }
  return p;
}

std::string capacity_text(const CapacityProfile& p) {
  std::string text;
  for (const CapacityMode m : p.modes)
    text += std::string(text.empty() ? "" : " -> ") + std::string(mode_text(m));
  text += ", ";
  if (p.path.size() <= kPathShown) {
    for (std::size_t i = 0; i + 1 < p.path.size(); ++i) text += with_thousands(p.path[i]) + " -> ";
    text += shards_text(p.path.empty() ? 0 : p.path.back());
  } else {
    text += with_thousands(p.path.front()) + " -> ... -> " + shards_text(p.path.back()) + " (" +
            with_thousands(p.min_shards) + " to " + with_thousands(p.max_shards) + " over " +
            with_thousands(p.path.size() - 1) + " changes)";
  }
  if (p.path.size() > 1) {
    // Who changed the count; on-demand is named only beside a provisioned stretch.
    std::vector<std::string> causes;
    if (p.by_autoscaler) causes.emplace_back("the autoscaler");
    if (p.by_timeline) causes.emplace_back("the timeline");
    if (p.by_on_demand && p.modes.size() > 1) causes.emplace_back("on-demand");
    for (std::size_t i = 0; i < causes.size(); ++i) {
      text += (i == 0 ? " by " : i + 1 == causes.size() ? " and " : ", ") + causes[i];
    }
  }
  if (p.varied()) text += ", mean " + rate_text(p.mean_shards);
  return text;
}

std::string timeline_text(const CapacityProfile& p, std::size_t listed) {
  const bool name_on_demand = p.modes.size() > 1 || !p.on_demand;
  std::string text;
  for (std::size_t i = 0; i < p.changes.size() && i < listed; ++i) {
    text += std::string(text.empty() ? "" : "; ") + change_text(p.changes[i], name_on_demand);
  }
  if (p.changes.size() > listed) {
    text += "; ... " + with_thousands(p.changes.size() - listed) + " more";
  }
  if (p.autoscaler_skips > 0) {
    text += std::string(text.empty() ? "no capacity change; " : "; ") +
            with_thousands(p.autoscaler_skips) +
            (p.autoscaler_skips == 1 ? " autoscaler check" : " autoscaler checks") +
            " skipped (see timeline.csv)";
  }
  return text;
}

ThrottledBelow throttled_below(const Result& r, uint32_t shards) {
  ThrottledBelow out;
  if (!r.metrics) return out;
  const int64_t row =
      counter_row(*r.metrics, r.stream.name + "/WriteProvisionedThroughputExceeded");
  if (row < 0) return out;
  const Eigen::Ref<const Eigen::MatrixXd> sums = r.metrics->counter_sums(0);
  const int64_t res = r.resolution.count_nanos();
  std::size_t first = 0;  // the first segment that may overlap the bucket
  for (Eigen::Index c = 0; c < sums.cols(); ++c) {
    const auto n = static_cast<uint64_t>(sums(row, c));
    if (n == 0) continue;
    out.total += n;
    const sim::Time from = sim::Time::from_nanos(c * res);
    const sim::Time to = sim::Time::from_nanos((c + 1) * res);
    uint32_t narrowest = r.capacity_segments.empty()
                             ? std::min(r.initial_shards, r.final_open_shards)
                             : std::numeric_limits<uint32_t>::max();
    while (first < r.capacity_segments.size() && r.capacity_segments[first].to <= from) ++first;
    for (std::size_t s = first; s < r.capacity_segments.size(); ++s) {
      const CapacitySegment& seg = r.capacity_segments[s];
      if (seg.from >= to) break;
      narrowest = std::min(narrowest, seg.open_shards);
    }
    if (narrowest < shards) out.below += n;
  }
  return out;
}

std::optional<ThrottleWindow> on_demand_throttle_window(const Result& r) {
  if (r.metrics == nullptr) return std::nullopt;
  const int64_t row =
      counter_row(*r.metrics, r.stream.name + "/WriteProvisionedThroughputExceeded");
  if (row < 0) return std::nullopt;
  const Eigen::Ref<const Eigen::MatrixXd> sums = r.metrics->counter_sums(0);
  const sim::Duration res = r.resolution;
  Eigen::Index first = -1;
  Eigen::Index last = -1;
  for (Eigen::Index c = 0; c < sums.cols(); ++c) {
    if (sums(row, c) <= 0) continue;
    // Every stretch the bucket overlaps must be on-demand (a hand-built Result: its mode).
    const sim::Time from = sim::Time::zero() + res * c;
    const sim::Time to = from + res;
    bool on_demand =
        r.capacity_segments.empty() ? r.stream.mode != CapacityMode::kProvisioned : true;
    for (const CapacitySegment& s : r.capacity_segments) {
      if (s.to > from && s.from < to) on_demand = on_demand && s.mode != CapacityMode::kProvisioned;
    }
    if (!on_demand) return std::nullopt;
    if (first < 0) first = c;
    last = c;
  }
  if (first < 0) return std::nullopt;
  return ThrottleWindow{res * first, res * (last + 1)};
}

}  // namespace kinesim::models
