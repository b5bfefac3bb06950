#include "models/report.h"

#include <algorithm>

#include "models/cost.h"
#include "models/report_stats.h"

namespace kinesim::models {
namespace {

constexpr std::size_t kListed = 3;          // shards, keys and timeline entries shown
constexpr std::size_t kFindingsListed = 6;  // findings shown after the headline

std::string ms_text(uint64_t micros) {
  const double ms = static_cast<double>(micros) / 1000.0;
  return ms >= 1000 ? rate_text(ms / 1000.0) + " s" : rate_text(ms) + " ms";
}

}  // namespace

std::string human_summary(const Result& r) {
  const ProducerCounts t = r.totals();
  std::string out = headline(r) + "\n";

  const char* mode = r.stream.mode == CapacityMode::kProvisioned ? "provisioned"
                     : r.stream.mode == CapacityMode::kOnDemand  ? "on-demand"
                                                                 : "On-demand Advantage";
  out += "scenario " + r.scenario_name + ": " + sim::to_string(r.duration) + " simulated, seed " +
         std::to_string(r.seed) + "; stream " + r.stream.name + " (" + mode + ", " +
         with_thousands(r.initial_shards) +
         (r.final_open_shards != r.initial_shards ? " -> " + with_thousands(r.final_open_shards)
                                                  : std::string()) +
         (r.initial_shards == 1 && r.final_open_shards == 1 ? " shard)\n" : " shards)\n");

  // Categories only some producer types have are shown when they occur.
  const auto optional_part = [](uint64_t n, const char* what) {
    return n > 0 ? " + " + with_thousands(n) + " " + what : std::string();
  };
  out += "records: " + with_thousands(t.produced) + " produced = " + with_thousands(t.accepted) +
         " accepted + " + with_thousands(t.failed_attempts_exhausted) +
         " failed (attempts exhausted) + " + with_thousands(t.failed_buffer_full) +
         " failed (buffer full)" + optional_part(t.failed_expired, "expired (RecordTtl)") + " + " +
         with_thousands(t.rejected_too_large) + " rejected" +
         optional_part(t.lost, "lost (rotated away unread)") + " + " + with_thousands(t.pending) +
         " pending" +
         (t.conserved()
              ? ""
              : "  [NOT CONSERVED: the parts sum to " + with_thousands(t.accounted()) + "]") +
         (t.duplicates > 0 ? "; " + with_thousands(t.duplicates) + " duplicates accepted" : "") +
         "\n";

  const uint64_t attempts = t.accepted + t.throttled_entries + t.internal_failure_entries;
  out += "throttling: " + with_thousands(t.throttled_entries) + " of " + with_thousands(attempts) +
         " write attempts (" + percent_text(throttled_fraction(t)) + "); " +
         with_thousands(t.retried_entries) + " entries retried, " +
         with_thousands(t.internal_failure_entries) + " internal failures\n";

  sim::LogHistogram latency;
  for (const ProducerResult& p : r.producers) latency.merge(p.record_latency_us);
  if (latency.count() > 0) {
    out += "put latency (creation to acceptance): p50 " + ms_text(latency.quantile(0.5)) +
           ", p99 " + ms_text(latency.quantile(0.99)) + ", max " + ms_text(latency.max()) + "\n";
  }

  std::vector<ShardLoad> loads = shard_loads(r);
  std::stable_sort(loads.begin(), loads.end(), [](const ShardLoad& a, const ShardLoad& b) {
    if (a.shard->totals.throttled_records != b.shard->totals.throttled_records) {
      return a.shard->totals.throttled_records > b.shard->totals.throttled_records;
    }
    return a.shard->totals.accepted_records > b.shard->totals.accepted_records;
  });
  std::string shards;
  for (std::size_t i = 0; i < loads.size() && i < kListed; ++i) {
    const ShardLoad& l = loads[i];
    if (l.attempts == 0) break;
    shards += std::string(shards.empty() ? "" : "; ") + l.shard->shard_id + " " +
              percent_text(l.throttled_fraction) + " throttled, peak " +
              rate_text(l.shard->peak_records_per_sec) + " records/s (" +
              percent_text(l.utilization) + " of limit)";
  }
  if (!shards.empty()) out += "hottest shards: " + shards + "\n";

  std::string keys;
  const std::vector<KeyLoad> key_list = key_loads(r);
  for (std::size_t i = 0; i < key_list.size() && i < kListed; ++i) {
    const KeyLoad& k = key_list[i];
    keys += std::string(keys.empty() ? "" : "; ") + k.key + " -> " + k.shard_id + " " +
            rate_text(k.records_per_sec) + " records/s";
  }
  if (!keys.empty()) out += "hottest keys: " + keys + "\n";

  // What only KPL and Agent producers have (aggregation ratio, expiries, duplicates, ...).
  for (const ProducerResult& p : r.producers) {
    if (p.details.empty()) continue;
    std::string line = "producer " + p.name + " (" + p.type + "):";
    std::size_t shown = 0;
    for (const auto& [name, value] : p.details) {
      if (shown++ == 6) break;
      line += std::string(shown == 1 ? " " : ", ") + name + " " + rate_text(value);
    }
    out += line + "\n";
  }

  if (!r.timeline.empty()) {
    std::string line;
    std::size_t shown = 0;
    for (const TimelineEvent& e : r.timeline) {
      if (e.action == "expire") continue;
      if (shown++ == kListed) {
        line += "; ...";
        break;
      }
      line += std::string(line.empty() ? "" : "; ") + sim::to_string(e.at) + " " + e.action + " " +
              e.outcome;
    }
    if (!line.empty()) out += "timeline: " + line + "\n";
  }

  const CostReport cost = price(r);
  std::string costs;
  for (std::size_t i = 0; i < cost.modes.size(); ++i) {
    const ModeCost& m = cost.modes[i];
    costs += std::string(costs.empty() ? "" : ", ") + m.name + " " + money_text(m.per_month) +
             (i == cost.cheapest ? " (cheapest)" : "");
  }
  out += "cost per month (" + cost.region + " prices of " + cost.price_date + "): " + costs + "\n";
  out += "sizing: " + size(r).comparison + "\n";

  const std::vector<Finding> found = findings(r);
  for (std::size_t i = 0; i < found.size() && i < kFindingsListed; ++i) {
    out += std::string("[") + to_string(found[i].severity) + "] " + found[i].message + "\n";
  }
  if (found.size() > kFindingsListed) {
    out += "... and " + with_thousands(found.size() - kFindingsListed) +
           " more findings in summary.json\n";
  }
  return out;
}

}  // namespace kinesim::models
