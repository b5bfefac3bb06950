#include <algorithm>
#include <optional>

#include "models/cost/cost.h"
#include "models/report/report.h"
#include "models/report/report_capacity.h"
#include "models/report/report_consumers.h"
#include "models/report/report_stats.h"
#include "models/report/sizing.h"

namespace kinesim::models {
namespace {

constexpr double kShardThrottlingThreshold = 0.01;  // warn above 1 % of write attempts
constexpr std::size_t kShardFindingsListed = 5;     // shards named one by one
constexpr double kBacklogSeconds = 5;               // pending beyond this much production
constexpr double kBacklogFraction = 0.01;           // and beyond this share of produced
constexpr uint64_t kSlowP99Micros = 1'000'000;      // p99 put latency worth a finding
constexpr double kUnderUtilised = 0.10;             // busiest shard below this of its limit

std::string limits_text(const core::ShardWriteLimits& limits) {
  return with_thousands(limits.records_per_sec) + " records/s and " +
         bytes_rate_text(static_cast<double>(limits.bytes_per_sec));
}

// Shards by throttled entries, then accepted records, then index: the "hottest" order.
std::vector<ShardLoad> by_heat(const Result& result) {
  std::vector<ShardLoad> loads = shard_loads(result);
  std::stable_sort(loads.begin(), loads.end(), [](const ShardLoad& a, const ShardLoad& b) {
    if (a.shard->totals.throttled_records != b.shard->totals.throttled_records) {
      return a.shard->totals.throttled_records > b.shard->totals.throttled_records;
    }
    return a.shard->totals.accepted_records > b.shard->totals.accepted_records;
  });
  return loads;
}

std::string key_rate_text(const KeyLoad& k, const core::ShardWriteLimits& limits) {
  const bool by_records =
      !k.aggregated && k.records_per_sec > static_cast<double>(limits.records_per_sec);
  const bool by_bytes = k.bytes_per_sec > static_cast<double>(limits.bytes_per_sec);
  if (by_bytes && !by_records) {
    return bytes_rate_text(k.bytes_per_sec) + " (a shard takes " +
           bytes_rate_text(static_cast<double>(limits.bytes_per_sec)) + ")";
  }
  return rate_text(k.records_per_sec) + " records/s (a shard takes " +
         with_thousands(limits.records_per_sec) + ")";
}

}  // namespace

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "info";
}

std::vector<Finding> findings(const Result& r) {
  std::vector<Finding> out;
  const core::ShardWriteLimits& limits = r.stream.write;
  const ProducerCounts t = r.totals();
  const double secs = duration_seconds(r);

  for (const KeyLoad& k : key_loads(r)) {
    if (!exceeds_shard(k, limits)) continue;
    if (k.aggregated) {  // inside aggregates only its bytes count
      out.push_back({Severity::kError, "hot_key",
                     "key " + k.key + " alone offers " + bytes_rate_text(k.bytes_per_sec) + " (" +
                         rate_text(k.records_per_sec) + " user records/s, aggregated) to " +
                         k.shard_id + "; a shard takes " +
                         bytes_rate_text(static_cast<double>(limits.bytes_per_sec)) +
                         ", so it is throttled whatever the shard count"});
      continue;
    }
    out.push_back({Severity::kError, "hot_key",
                   "key " + k.key + " alone offers " + rate_text(k.records_per_sec) +
                       " records/s (" + bytes_rate_text(k.bytes_per_sec) + ") to " + k.shard_id +
                       "; a shard takes " + limits_text(limits) +
                       ", so it is throttled whatever the shard count"});
  }

  std::vector<ShardLoad> throttling;
  for (const ShardLoad& l : shard_loads(r)) {
    if (l.throttled_fraction > kShardThrottlingThreshold) throttling.push_back(l);
  }
  std::stable_sort(throttling.begin(), throttling.end(),
                   [](const ShardLoad& a, const ShardLoad& b) {
                     return a.throttled_fraction > b.throttled_fraction;
                   });
  for (std::size_t i = 0; i < throttling.size() && i < kShardFindingsListed; ++i) {
    const ShardLoad& l = throttling[i];
    out.push_back({Severity::kWarning, "shard_throttling",
                   l.shard->shard_id + " throttled " + percent_text(l.throttled_fraction) +
                       " of its write attempts (" +
                       with_thousands(l.shard->totals.throttled_records) +
                       " entries); offered writes peaked at " +
                       rate_text(l.peak_offered_records_per_sec) + " records/s"});
  }
  if (throttling.size() > kShardFindingsListed) {
    out.push_back({Severity::kWarning, "shard_throttling",
                   with_thousands(throttling.size() - kShardFindingsListed) +
                       " more shards throttled more than 1 % of their write attempts"});
  }

  const auto share = [&](uint64_t n) {
    return t.produced == 0
               ? std::string()
               : " (" + percent_text(static_cast<double>(n) / static_cast<double>(t.produced)) +
                     " of produced)";
  };
  if (t.failed_attempts_exhausted > 0) {
    out.push_back({Severity::kError, "failed_attempts_exhausted",
                   with_thousands(t.failed_attempts_exhausted) + " records" +
                       share(t.failed_attempts_exhausted) +
                       " failed after exhausting their attempts"});
  }
  if (t.failed_buffer_full > 0) {
    out.push_back({Severity::kError, "failed_buffer_full",
                   with_thousands(t.failed_buffer_full) + " records" + share(t.failed_buffer_full) +
                       " failed because a producer's buffer was full"});
  }
  if (t.rejected_too_large > 0) {
    out.push_back({Severity::kError, "rejected_too_large",
                   with_thousands(t.rejected_too_large) + " records" + share(t.rejected_too_large) +
                       " were rejected as larger than " +
                       bytes_text(static_cast<double>(r.stream.max_record_bytes)) +
                       ", the stream's maximum record size"});
  }
  const double produced_per_sec = secs > 0 ? static_cast<double>(t.produced) / secs : 0.0;
  if (t.pending > 0 && static_cast<double>(t.pending) > produced_per_sec * kBacklogSeconds &&
      static_cast<double>(t.pending) > static_cast<double>(t.produced) * kBacklogFraction) {
    out.push_back({Severity::kWarning, "pending_backlog",
                   with_thousands(t.pending) + " records" + share(t.pending) +
                       " were still pending at the end (" +
                       rate_text(static_cast<double>(t.pending) / produced_per_sec) +
                       " s of production): the producers fell behind"});
  }
  for (const ProducerResult& p : r.producers) {
    const uint64_t p99 = p.record_latency_us.quantile(0.99);
    if (p99 > kSlowP99Micros) {
      out.push_back({Severity::kWarning, "high_latency",
                     "producer " + p.name + ": p99 put latency (creation to acceptance) is " +
                         rate_text(static_cast<double>(p99) / 1e6) + " s"});
    }
  }
  for (const TimelineEvent& e : r.timeline) {
    // Progress, the autoscaler's decisions (scale_up, scale_down, skipped) and agent restarts
    // and a KCL fleet's actions (the world's, which always happen) are not failures.
    if (e.outcome == "started" || e.outcome == "completed" || e.outcome == "scale_up" ||
        e.outcome == "scale_down" || e.outcome == "skipped" || e.action == "agent_restart" ||
        e.action.starts_with("kcl_")) {
      continue;
    }
    out.push_back(
        {Severity::kWarning, "timeline_action_failed",
         e.action + " at " + clock_text(e.at) + " failed with " + e.outcome + ": " + e.detail});
  }
  if (stream_writes(r).throttled == 0 && t.produced > 0) {
    double busiest = 0;
    for (const ShardLoad& l : shard_loads(r)) busiest = std::max(busiest, l.utilization);
    const SizingReport sizing = size(r);
    // On-demand picks its own shards: only a provisioned stream has shards to give back.
    if (busiest < kUnderUtilised && max_open_shards(r) > sizing.peak.shards &&
        !capacity_profile(r).on_demand) {
      out.push_back({Severity::kInfo, "under_utilised",
                     "the busiest shard peaked at " + percent_text(busiest) +
                         " of its write limit: fewer shards would do (the formula asks for " +
                         with_thousands(sizing.peak.shards) + " at peak)"});
    }
  }
  add_consumer_findings(r, out);
  add_lambda_findings(r, out);
  return out;
}

std::string headline(const Result& r) {
  const ProducerCounts t = r.totals();
  const core::ShardWriteLimits& limits = r.stream.write;
  if (t.produced == 0) return "no records were produced";
  const std::vector<ShardLoad> hot = by_heat(r);
  if (const std::optional<ThrottleWindow> w = on_demand_throttle_window(r); w && !hot.empty()) {
    // On-demand refuses writes above twice the previous peak, stream-wide; name that, not a shard.
    bool hot_key = false;
    for (const KeyLoad& k : key_loads(r)) hot_key = hot_key || exceeds_shard(k, limits);
    if (!hot_key) {
      return "on-demand throttled " + percent_text(stream_writes(r).throttled_fraction()) +
             " of writes from " + clock_text(w->from) + " to " + clock_text(w->to) +
             ": traffic rose past twice the previous peak faster than on-demand scales";
    }
  }
  if (!hot.empty() && hot.front().shard->totals.throttled_records > 0) {
    const ShardLoad& l = hot.front();
    std::string line =
        l.shard->shard_id + " throttled " + percent_text(l.throttled_fraction) + " of writes: ";
    for (const KeyLoad& k : key_loads(r)) {
      if (k.shard_id == l.shard->shard_id && exceeds_shard(k, limits)) {
        return line + "key " + k.key + " alone sends " + key_rate_text(k, limits);
      }
    }
    if (l.peak_offered_records_per_sec > static_cast<double>(limits.records_per_sec)) {
      return line + "offered writes peaked at " + rate_text(l.peak_offered_records_per_sec) +
             " records/s (a shard takes " + with_thousands(limits.records_per_sec) + ")";
    }
    return line + "writes peaked at " + bytes_rate_text(l.shard->peak_bytes_per_sec) +
           " accepted (a shard takes " + limits_text(limits) + ", bursts included)";
  }
  const uint64_t lost = t.failed() + t.rejected_too_large + t.lost;
  if (lost > 0) {
    return with_thousands(lost) +
           " records were lost: " + with_thousands(t.failed_attempts_exhausted) +
           " failed after their attempts, " + with_thousands(t.failed_buffer_full) +
           " on a full buffer, " + with_thousands(t.failed_expired) + " expired, " +
           with_thousands(t.rejected_too_large) + " rejected as too large, " +
           with_thousands(t.lost) + " rotated away unread";
  }
  if (std::optional<std::string> read = consumer_headline(r)) return *read;
  double busiest = 0;
  for (const ShardLoad& l : hot) busiest = std::max(busiest, l.utilization);
  return "no throttling: the busiest shard peaked at " + percent_text(busiest) +
         " of its write limit";
}

}  // namespace kinesim::models
