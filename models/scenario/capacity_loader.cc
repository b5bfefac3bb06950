// stream.on_demand and stream.autoscaler. Defaults are SPEC §5's through models/core/limits.h
// (on-demand) and amazon-kinesis-scaling-utils' style (autoscaler), see config.h.
#include "models/scenario/capacity_loader.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string_view>

#include "models/scenario/scenario_keys.h"

namespace kinesim::models::scenario_json {
namespace {

using std::string_view_literals::operator""sv;
using sim::Duration;
namespace keys = scenario_keys;

constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

// 75 -> "75", 12.5 -> "12.5": a percentage as the user wrote it.
std::string format_number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

std::string mode_name(CapacityMode mode) { return std::string(api_name(mode)); }

bool uses_mode(const Scenario& s, bool (*match)(CapacityMode)) {
  if (match(s.stream.mode)) return true;
  for (const TimelineAction& a : s.timeline) {
    if (a.kind == TimelineAction::Kind::kSwitchMode && match(a.mode)) return true;
  }
  return false;
}

}  // namespace

void read_on_demand(IssueList& issues, const Json& node, const std::string& path,
                    const StreamConfig& stream, OnDemandConfig& od) {
  const ObjectReader r(issues, node, path, keys::kOnDemand);
  if (!r.valid()) return;
  const auto positive = [](Duration d) { return d > Duration(); };
  const auto non_negative = [](Duration) { return true; };
  od.stream_write_ceiling_bytes_per_sec =
      r.size("stream_write_ceiling_bytes_per_sec", Need::kOptional, 1, kNoLimit)
          .value_or(od.stream_write_ceiling_bytes_per_sec);
  const std::string below_ceiling = "a size <= stream_write_ceiling_bytes_per_sec (" +
                                    format_size(od.stream_write_ceiling_bytes_per_sec) +
                                    "): the stream never serves more";
  if (const auto peak = r.size("previous_peak_bytes_per_sec", Need::kOptional, 1, kNoLimit)) {
    if (*peak > od.stream_write_ceiling_bytes_per_sec) {
      issues.got(r.path("previous_peak_bytes_per_sec"), *r.find("previous_peak_bytes_per_sec"),
                 below_ceiling);
    } else {
      od.previous_peak_bytes_per_sec = *peak;
    }
  } else {
    // The default (a new stream's) above a lower ceiling is the ceiling: never served more.
    od.previous_peak_bytes_per_sec =
        std::min(od.previous_peak_bytes_per_sec, od.stream_write_ceiling_bytes_per_sec);
  }
  od.previous_peak_records_per_sec =
      r.integer("previous_peak_records_per_sec", Need::kOptional, 1, kNoLimit)
          .value_or(od.previous_peak_records_per_sec);
  od.peak_multiplier = r.number(
                            "peak_multiplier", Need::kOptional,
                            [](double x) { return x >= 1 && x <= 100; }, "a number in [1, 100]")
                           .value_or(od.peak_multiplier);
  od.surge_window = r.duration("surge_window", Need::kOptional, positive, "a duration > 0")
                        .value_or(od.surge_window);
  if (const auto trigger =
          r.size("shard_split_trigger_bytes_per_sec", Need::kOptional, 1, kNoLimit)) {
    if (*trigger > stream.write.bytes_per_sec) {
      issues.got(r.path("shard_split_trigger_bytes_per_sec"),
                 *r.find("shard_split_trigger_bytes_per_sec"),
                 "a size <= shard_write_bytes_per_sec (" + format_size(stream.write.bytes_per_sec) +
                     "): a shard never takes more");
    } else {
      od.shard_split_trigger_bytes_per_sec = *trigger;
    }
  }
  od.shard_split_delay =
      r.duration("shard_split_delay", Need::kOptional, non_negative).value_or(od.shard_split_delay);
  od.scale_down_after = r.duration("scale_down_after", Need::kOptional, positive, "a duration > 0")
                            .value_or(od.scale_down_after);
  const uint64_t max_warm = core::OnDemandLimits{}.advantage_max_warm_bytes_per_sec;
  if (const auto warm = r.size("warm_throughput_bytes_per_sec", Need::kOptional, 0, max_warm)) {
    if (*warm > od.stream_write_ceiling_bytes_per_sec) {
      issues.got(r.path("warm_throughput_bytes_per_sec"), *r.find("warm_throughput_bytes_per_sec"),
                 below_ceiling);
    } else {
      od.warm_throughput_bytes_per_sec = *warm;
    }
  }
}

void read_autoscaler(IssueList& issues, const Json& node, const std::string& path,
                     const StreamConfig& stream, AutoscalerConfig& as) {
  const ObjectReader r(issues, node, path, keys::kAutoscaler);
  if (!r.valid()) return;
  // Writing the section turns the autoscaler on; "enabled": false keeps a policy switched off.
  as.enabled = r.boolean("enabled", Need::kOptional).value_or(true);
  // CloudWatch gives one point a minute, so the policy counts whole minutes.
  const auto whole_minutes = [](Duration d) {
    return d >= Duration::minutes(1) && d % Duration::minutes(1) == Duration();
  };
  const std::string minutes_expected = R"(a whole number of minutes >= 1m, like "5m")";
  const auto pct = [&](std::string_view key, double lo, bool lo_open, double hi, bool hi_open,
                       std::string expected, double fallback) {
    return r
        .number(
            key, Need::kOptional,
            [=](double x) { return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi); },
            expected)
        .value_or(fallback);
  };
  as.scale_up_threshold_pct = pct("scale_up_threshold_pct", 0, true, 100, false,
                                  "a percentage in (0, 100]", as.scale_up_threshold_pct);
  as.scale_up_after = r.duration("scale_up_after", Need::kOptional, whole_minutes, minutes_expected)
                          .value_or(as.scale_up_after);
  // Larger steps may be asked for; each UpdateShardCount call still at most doubles (halves).
  as.scale_up_pct =
      pct("scale_up_pct", 0, true, 1000, false, "a percentage in (0, 1000]", as.scale_up_pct);
  if (const auto down = r.number(
          "scale_down_threshold_pct", Need::kOptional, [](double x) { return x >= 0 && x < 100; },
          "a percentage in [0, 100)")) {
    if (*down >= as.scale_up_threshold_pct) {
      issues.got(r.path("scale_down_threshold_pct"), *r.find("scale_down_threshold_pct"),
                 "a percentage < scale_up_threshold_pct (" +
                     format_number(as.scale_up_threshold_pct) + ")");
    } else {
      as.scale_down_threshold_pct = *down;
    }
  } else if (!r.has("scale_down_threshold_pct") &&
             as.scale_down_threshold_pct >= as.scale_up_threshold_pct) {
    issues.got(r.path("scale_up_threshold_pct"), *r.find("scale_up_threshold_pct"),
               "a percentage > scale_down_threshold_pct (" +
                   format_number(as.scale_down_threshold_pct) + ")");
  }
  as.scale_down_after =
      r.duration("scale_down_after", Need::kOptional, whole_minutes, minutes_expected)
          .value_or(as.scale_down_after);
  as.scale_down_pct =
      pct("scale_down_pct", 0, true, 100, true, "a percentage in (0, 100)", as.scale_down_pct);
  const uint32_t max_shards = core::StreamLimits{}.max_shards;
  const auto min = r.integer("min_shards", Need::kOptional, 1, max_shards);
  const auto max = r.integer("max_shards", Need::kOptional, 1, max_shards);
  if (min) as.min_shards = static_cast<uint32_t>(*min);
  // The range check below only makes sense on bounds the user wrote validly.
  bool bounds_read = (min || !r.has("min_shards")) && (max || !r.has("max_shards"));
  if (max) {
    if (*max < as.min_shards) {
      issues.got(r.path("max_shards"), *r.find("max_shards"),
                 "an integer >= min_shards (" + std::to_string(as.min_shards) + ")");
      bounds_read = false;
    } else {
      as.max_shards = static_cast<uint32_t>(*max);
    }
  }
  if (as.enabled && bounds_read && stream.mode == CapacityMode::kProvisioned &&
      (stream.shards < as.min_shards || stream.shards > as.max_shards)) {
    issues.add(path, "min_shards..max_shards is " + std::to_string(as.min_shards) + ".." +
                         std::to_string(as.max_shards) + ", expected a range that includes " +
                         "the stream's initial " + std::to_string(stream.shards) +
                         " shards (stream.shards)");
  }
  as.cooldown =
      r.duration("cooldown", Need::kOptional, [](Duration) { return true; }).value_or(as.cooldown);
}

void check_capacity_sections(IssueList& issues, const Json& stream_node, const Scenario& s) {
  if (!stream_node.is_object()) return;
  const std::string mode = quote(mode_name(s.stream.mode));
  const auto on_demand = [](CapacityMode m) { return m != CapacityMode::kProvisioned; };
  const auto advantage = [](CapacityMode m) { return m == CapacityMode::kOnDemandAdvantage; };
  const auto provisioned = [](CapacityMode m) { return m == CapacityMode::kProvisioned; };
  const auto od = stream_node.find("on_demand");
  if (od != stream_node.end() && od->is_object()) {
    if (!uses_mode(s, on_demand)) {
      issues.add("$.stream.on_demand",
                 "key \"on_demand\" does not apply to mode " + mode +
                     ": it configures ON_DEMAND and ON_DEMAND_ADVANTAGE streams, and no "
                     "switch_mode action makes this one on-demand");
    } else if (od->contains("warm_throughput_bytes_per_sec") && !uses_mode(s, advantage)) {
      issues.add("$.stream.on_demand.warm_throughput_bytes_per_sec",
                 "key \"warm_throughput_bytes_per_sec\" does not apply to mode " + mode +
                     ": warm throughput is an ON_DEMAND_ADVANTAGE setting, and no switch_mode "
                     "action makes this stream ON_DEMAND_ADVANTAGE");
    }
  }
  const auto as = stream_node.find("autoscaler");
  if (as != stream_node.end() && as->is_object() && !uses_mode(s, provisioned)) {
    issues.add("$.stream.autoscaler",
               "key \"autoscaler\" does not apply to mode " + mode +
                   ": it resizes PROVISIONED streams, and no switch_mode action makes this one "
                   "PROVISIONED");
  }
}

}  // namespace kinesim::models::scenario_json
