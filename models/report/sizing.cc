#include "models/report/sizing.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "models/cost/cost.h"
#include "models/report/report_capacity.h"
#include "models/report/report_consumers.h"
#include "models/report/report_stats.h"

namespace kinesim::models {
namespace {

uint32_t ceil_shards(double ratio) {
  // A tolerance so that exact multiples (4,000 records/s) are not bumped by rounding noise.
  const double c = std::ceil(ratio - 1e-9);
  return c <= 0 ? 0 : static_cast<uint32_t>(c);
}

constexpr double kLittleHeadroom = 0.9;  // busiest shard at this share of its limit or more
constexpr double kAllOfIt = 0.995;       // throttling share rounded to "all" / "none"

// "as many as the formula asks", "1 more than the formula asks", "2 fewer than ...".
std::string relation_text(uint32_t shards, uint32_t formula) {
  if (shards == formula) return "as many as the formula asks";
  return shards > formula ? with_thousands(shards - formula) + " more than the formula asks"
                          : with_thousands(formula - shards) + " fewer than the formula asks";
}

double busiest_utilization(const Result& r) {
  double busiest = 0;
  for (const ShardLoad& l : shard_loads(r)) busiest = std::max(busiest, l.utilization);
  return busiest;
}

// "minutes" at CloudWatch's resolution, "seconds" at 1 s, else "metric periods".
std::string buckets_text(sim::Duration resolution) {
  if (resolution == sim::Duration::seconds(60)) return "minutes";
  if (resolution == sim::Duration::seconds(1)) return "seconds";
  return "metric periods";
}

// The sizing sentence's second half for a provisioned stream that kept `shards` all run.
std::string fixed_count_text(const Result& r, const SizingReport& s, uint32_t shards,
                             const std::string& hot_text) {
  const uint32_t formula = s.peak.shards;
  std::string text = "with " + shards_text(shards) + " (" + relation_text(shards, formula) +
                     ") the simulation throttled ";
  if (s.throttled_fraction > 0) {
    text += percent_text(s.throttled_fraction) + " of writes";
    if (!hot_text.empty()) return text + hot_text;
    if (shards < formula) return text + ", as the formula predicts";
    return text +
           " because load is uneven over time or across shards (bursts, key skew), which the "
           "formula ignores";
  }
  text += "nothing";
  const double busiest = busiest_utilization(r);
  const std::string busiest_text =
      "the busiest shard peaked at " + percent_text(busiest) + " of its write limit";
  if (shards > formula) {
    if (busiest >= kLittleHeadroom)
      return text + ", but " + busiest_text + ": fewer shards risk throttling";
    return text + ", so the formula's " + with_thousands(formula) +
           " may do (check bursts before removing shards)";
  }
  if (busiest >= 1) return text + "; " + busiest_text + " (bursts absorbed it): no headroom";
  if (busiest >= kLittleHeadroom) return text + "; " + busiest_text + ": little headroom";
  if (shards < formula) return text + "; " + busiest_text;
  return text;
}

// The sizing sentence's second half when the shard count or the mode changed during the run.
std::string varying_count_text(const Result& r, const SizingReport& s, const CapacityProfile& c,
                               const std::string& hot_text) {
  const uint32_t formula = s.peak.shards;
  const bool provisioned = !c.on_demand;
  std::string who;
  const auto add = [&](const std::string& part) { who += (who.empty() ? "" : ", ") + part; };
  if (c.on_demand) {
    std::string modes;
    for (const CapacityMode m : c.modes)
      modes += (modes.empty() ? "" : " -> ") + std::string(mode_text(m));
    add(modes);
  }
  if (c.by_autoscaler) add("autoscaler");
  if (c.by_timeline) add("timeline");
  std::string text = "with ";
  if (c.min_shards == c.max_shards) {
    text += shards_text(c.max_shards) + " (" + who + ")";
  } else {
    text += with_thousands(c.min_shards) + " to " + shards_text(c.max_shards) + " over the run (" +
            who + (who.empty() ? "" : "; ") + "mean " + rate_text(c.mean_shards) +
            (provisioned ? ", " + rate_text(c.shard_hours) + " shard-hours" : std::string()) + ")";
  }
  text += " the simulation throttled ";
  if (s.throttled_fraction == 0) {
    text += "nothing";
  } else {
    text += percent_text(s.throttled_fraction) + " of writes";
    const std::optional<ThrottleWindow> window = on_demand_throttle_window(r);
    const ThrottledBelow below = throttled_below(r, formula);
    const std::string formula_text = "the formula's " + shards_text(formula);
    if (!hot_text.empty()) {
      text += hot_text;
    } else if (window) {
      text += " from " + clock_text(window->from) + " to " + clock_text(window->to) +
              ", while on-demand's admission limit caught up with the traffic";
    } else if (below.total == 0) {
      text += "; the formula ignores bursts, key skew and the time capacity takes to change";
    } else if (c.max_shards < formula) {
      text += ", with fewer shards than " + formula_text + " throughout";
    } else {
      const double share = static_cast<double>(below.below) / static_cast<double>(below.total);
      const std::string when = " in the " + buckets_text(r.resolution) +
                               " when the stream had fewer than " + formula_text;
      if (share >= kAllOfIt) {
        text += ", all of it" + when;
      } else if (share > 1 - kAllOfIt) {
        text += ", " + percent_text(share) + " of it" + when +
                " and the rest from uneven load (bursts, key skew), which the formula ignores";
      } else {
        text += " while it had at least " + formula_text +
                ": load is uneven over time or across shards (bursts, key skew), which the "
                "formula ignores";
      }
    }
  }
  // This run cannot tell whether a fixed count at the formula's peak would have been enough.
  if (provisioned) {
    const double hours = duration_seconds(r) / 3600.0;
    return text + "; a fixed " + shards_text(formula) + " (" + rate_text(formula * hours) +
           " shard-hours) was not simulated";
  }
  return text + "; a fixed provisioned " + shards_text(formula) + " was not simulated";
}

}  // namespace

SizingEstimate sizing_estimate(double records_per_sec, double bytes_per_sec,
                               uint32_t polling_consumers) {
  SizingEstimate e;
  e.records_per_sec = records_per_sec;
  e.user_records_per_sec = records_per_sec;
  e.write_kib_per_sec = bytes_per_sec / 1024.0;
  e.read_kib_per_sec = e.write_kib_per_sec * polling_consumers;
  e.shards_for_write = ceil_shards(e.write_kib_per_sec / 1024.0);
  e.shards_for_read = ceil_shards(e.read_kib_per_sec / 2048.0);
  e.shards_for_records = ceil_shards(records_per_sec / 1000.0);
  e.shards = std::max({e.shards_for_write, e.shards_for_read, e.shards_for_records, 1u});
  return e;
}

SizingReport size(const Result& r) {
  SizingReport s;
  s.polling_consumers = polling_consumer_count(r);
  const ProducerCounts t = r.totals();
  const double secs = duration_seconds(r);
  const double mean_bytes = secs > 0 ? static_cast<double>(t.produced_bytes) / secs : 0.0;
  // A shard's records/s limit counts Kinesis records: each producer's user records divided by
  // the user records it put in each Kinesis record it had accepted (1 unless a KPL aggregates;
  // an Agent's re-sent duplicates do not make it less than 1).
  double mean_user = 0, mean_kinesis = 0, peak_user = 0, peak_kinesis = 0, peak_bytes = 0;
  for (const ProducerResult& p : r.producers) {
    const double packed = std::max(1.0, user_records_per_entry(p.counts));
    const double produced = secs > 0 ? static_cast<double>(p.counts.produced) / secs : 0.0;
    mean_user += produced;
    mean_kinesis += produced / packed;
    peak_user += p.offered_peak_records_per_sec;
    peak_kinesis += p.offered_peak_records_per_sec / packed;
    peak_bytes += p.offered_peak_bytes_per_sec;
  }
  s.mean = sizing_estimate(mean_kinesis, mean_bytes, s.polling_consumers);
  s.mean.user_records_per_sec = mean_user;
  s.peak = sizing_estimate(peak_kinesis, peak_bytes, s.polling_consumers);
  s.peak.user_records_per_sec = peak_user;
  s.simulated_initial_shards = r.initial_shards;
  s.simulated_final_shards = r.final_open_shards;
  s.simulated_max_shards = max_open_shards(r);
  s.throttled_fraction = stream_writes(r).throttled_fraction();

  const CapacityProfile capacity = capacity_profile(r);
  s.simulated_min_shards = capacity.min_shards;
  s.simulated_mean_shards = capacity.mean_shards;
  const uint32_t formula = s.peak.shards;
  std::string text = "the formula asks for " + shards_text(formula) + " at peak (" +
                     with_thousands(s.mean.shards) + " on the mean load)";
  if (s.peak.user_records_per_sec > s.peak.records_per_sec) {
    text += ", counting Kinesis records (" + rate_text(s.peak.records_per_sec) + "/s at peak for " +
            rate_text(s.peak.user_records_per_sec) + " user records/s, " +
            rate_text(s.peak.user_records_per_sec / s.peak.records_per_sec) +
            " to a Kinesis record)";
  }
  text += "; ";
  const core::ShardWriteLimits& limits = r.stream.write;
  const std::vector<KeyLoad> keys = key_loads(r);
  const auto hot = std::find_if(keys.begin(), keys.end(),
                                [&](const KeyLoad& k) { return exceeds_shard(k, limits); });
  const std::string hot_text =
      hot == keys.end() ? std::string()
                        : " because key " + hot->key + " alone exceeds one shard (" +
                              rate_text(hot->records_per_sec) +
                              (hot->aggregated ? " user records/s, aggregated, " : " records/s, ") +
                              bytes_rate_text(hot->bytes_per_sec) + "), whatever the shard count";
  if (!capacity.varied() && !capacity.on_demand) {
    text += fixed_count_text(r, s, capacity.max_shards, hot_text);
  } else {
    text += varying_count_text(r, s, capacity, hot_text);
  }
  s.comparison = text + read_sizing_text(r) + ".";
  return s;
}

}  // namespace kinesim::models
