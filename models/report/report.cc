#include "models/report/report.h"

#include <algorithm>

#include "models/cost/cost.h"
#include "models/report/report_capacity.h"
#include "models/report/report_consumers.h"
#include "models/report/report_stats.h"
#include "models/report/sizing.h"

namespace kinesim::models {
namespace {

constexpr std::size_t kListed = 3;          // shards and keys shown
constexpr std::size_t kTimelineListed = 4;  // capacity changes and failed calls shown
constexpr std::size_t kFindingsListed = 6;  // findings shown after the headline
// A key earns a line of its own when it carries at least this share of all records produced,
// or alone offers at least this share of one shard's write limit (records or bytes, mean over
// the run): below both, a spread-out key space is summed up in one line. Throttling by shard
// is on the "hottest shards" line; a key over a shard's limit is also a finding.
constexpr double kKeyShareListed = 0.01;
constexpr double kKeyShardShareListed = 0.25;

std::string ms_text(uint64_t micros) {
  const double ms = static_cast<double>(micros) / 1000.0;
  return ms >= 1000 ? rate_text(ms / 1000.0) + " s" : rate_text(ms) + " ms";
}

// A share of records or attempts: "4.3 %", "0.79 %", "under 0.01 %".
std::string share_text(double fraction) {
  return fraction > 0 && fraction < 0.0001 ? "under 0.01 %" : percent_text(fraction);
}

// The hottest keys that carry signal, or one line saying none does (see kKeyShareListed).
std::string keys_line(const Result& r) {
  const ProducerCounts t = r.totals();
  const core::ShardWriteLimits& limits = r.stream.write;
  uint64_t distinct = 0;
  std::size_t named = 0;
  std::string random;  // producers whose every record has its own key
  for (const ProducerResult& p : r.producers) {
    if (p.random_keys) {
      random += (random.empty() ? "" : ", ") + p.name;
    } else {
      distinct += p.distinct_keys;
      ++named;
    }
  }
  // Producers may share keys: with several, the sum is an upper bound.
  const std::string count = named == 0 || distinct == 0 ? std::string()
                            : named > 1 ? "up to " + with_thousands(distinct) + " distinct"
                                        : with_thousands(distinct) + " distinct";
  const std::string random_text =
      random.empty() ? std::string() : "a random key per record from " + random;

  const auto share = [&](const KeyLoad& k) {
    return t.produced == 0 ? 0.0 : static_cast<double>(k.offered) / static_cast<double>(t.produced);
  };
  const auto of_shard = [&](const KeyLoad& k) {
    const double by_records = limits.records_per_sec > 0
                                  ? k.records_per_sec / static_cast<double>(limits.records_per_sec)
                                  : 0.0;
    const double by_bytes = limits.bytes_per_sec > 0
                                ? k.bytes_per_sec / static_cast<double>(limits.bytes_per_sec)
                                : 0.0;
    return std::max(by_records, by_bytes);
  };
  const std::vector<KeyLoad> loads = key_loads(r);
  std::string listed;
  std::size_t shown = 0;
  for (const KeyLoad& k : loads) {
    if (shown == kListed) break;
    if (share(k) < kKeyShareListed && of_shard(k) < kKeyShardShareListed) continue;
    ++shown;
    const uint64_t attempts = k.accepted + k.throttled;
    listed +=
        std::string(listed.empty() ? "" : "; ") + k.key + " -> " + k.shard_id + " " +
        rate_text(k.records_per_sec) + " records/s (" + share_text(share(k)) + " of records" +
        (k.throttled > 0 && attempts > 0
             ? ", " + share_text(static_cast<double>(k.throttled) / static_cast<double>(attempts)) +
                   " throttled"
             : std::string()) +
        ")";
  }
  if (!listed.empty()) {
    std::string about = count;
    if (!random_text.empty()) about += (about.empty() ? "" : "; ") + random_text;
    return "hottest keys" + (about.empty() ? std::string() : " (" + about + ")") + ": " + listed +
           "\n";
  }
  if (count.empty() && random_text.empty()) return "";
  std::string line = "keys: " + count;
  if (!loads.empty()) {
    line += ", none with " + percent_text(kKeyShareListed) + " of records or more (the busiest, " +
            loads.front().key + ", has " + share_text(share(loads.front())) + ")";
  }
  if (!random_text.empty()) line += (count.empty() ? "" : "; ") + random_text;
  return line + "\n";
}

}  // namespace

std::string human_summary(const Result& r) {
  const ProducerCounts t = r.totals();
  std::string out = headline(r) + "\n";

  const CapacityProfile capacity = capacity_profile(r);
  out += "scenario " + r.scenario_name + ": " + clock_text(r.duration) + " simulated, seed " +
         std::to_string(r.seed) + "; stream " + r.stream.name + " (" + capacity_text(capacity) +
         ")\n";
  if (r.fidelity == "fast") {
    // Which producers ran fast, and why the others did not.
    out += "fidelity: fast asked;";
    for (const ProducerResult& p : r.producers) {
      out += " " + p.name + " " + p.fidelity +
             (p.fidelity_note.empty() ? "" : " (" + p.fidelity_note + ")") + ";";
    }
    out.back() = '\n';
  }

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

  // Entries (Kinesis records) are what a shard's limit counts; where a KPL packs many user
  // records into one, the user records' view follows.
  // The entries as the stream judged them (its shards' books); the user records as the
  // producers counted them at the replies.
  const StreamWrites writes = stream_writes(r);
  out += "throttling: " + with_thousands(writes.throttled) + " of " +
         with_thousands(writes.offered()) + " entries (Kinesis records) (" +
         percent_text(writes.throttled_fraction()) + ")";
  if (user_records_differ_from_entries(t)) {
    out += "; user records: " + with_thousands(t.throttled_user_records) + " of " +
           with_thousands(t.user_record_attempts) + " attempts (" +
           percent_text(user_record_throttled_fraction(t)) + "), " +
           rate_text(user_records_per_entry(t)) + " to a Kinesis record";
  }
  out += "; " + with_thousands(t.retried_entries) + " user records retried, " +
         with_thousands(writes.internal_failures) + " internal failures\n";

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
    // The utilization names the limit it is of: the records or, with large records, the bytes.
    shards += std::string(shards.empty() ? "" : "; ") + l.shard->shard_id + " " +
              percent_text(l.throttled_fraction) + " throttled, peak " +
              rate_text(l.shard->peak_records_per_sec) + " records/s" +
              (l.bytes_bound ? ", " + rate_text(l.shard->peak_bytes_per_sec / 1024) + " KiB/s"
                             : std::string()) +
              " (" + percent_text(l.utilization) + " of the " +
              (l.bytes_bound ? "bytes" : "records") + " limit)";
  }
  if (!shards.empty()) out += "hottest shards: " + shards + "\n";

  out += keys_line(r);

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
  out += consumers_text(r);

  const std::string timeline = timeline_text(capacity, kTimelineListed);
  if (!timeline.empty()) out += "timeline: " + timeline + "\n";

  const CostReport cost = price(r);
  std::string costs;
  for (std::size_t i = 0; i < cost.modes.size(); ++i) {
    const ModeCost& m = cost.modes[i];
    costs += std::string(costs.empty() ? "" : ", ") + m.name + " " + money_text(m.per_month);
    // Provisioned is priced at the shards the run had: on-demand's own choice where it ran,
    // not a count sized for provisioned (the sizing line gives the formula's).
    if (m.mode == CapacityMode::kProvisioned && capacity.on_demand) {
      costs += capacity.min_shards == capacity.max_shards
                   ? " at the " + shards_text(capacity.max_shards) + " on-demand used"
                   : " at the shards on-demand used (" + with_thousands(capacity.min_shards) +
                         " to " + with_thousands(capacity.max_shards) + ", mean " +
                         rate_text(capacity.mean_shards) + ")";
    }
    if (i == cost.cheapest) costs += " (cheapest)";
  }
  out += "cost per month (" + cost.region + " prices of " + cost.price_date + "): " + costs + "\n";
  out += "sizing: " + size(r).comparison + "\n";

  // Every error is printed; warnings and info fill what is left of kFindingsListed, in order.
  const std::vector<Finding> found = findings(r);
  const auto errors = static_cast<std::size_t>(std::count_if(
      found.begin(), found.end(), [](const Finding& f) { return f.severity == Severity::kError; }));
  std::size_t others_left = errors >= kFindingsListed ? 0 : kFindingsListed - errors;
  std::size_t cut = 0;
  for (const Finding& f : found) {
    if (f.severity != Severity::kError) {
      if (others_left == 0) {
        ++cut;
        continue;
      }
      --others_left;
    }
    out += std::string("[") + to_string(f.severity) + "] " + f.message + "\n";
  }
  if (cut > 0) {
    out += "... and " + with_thousands(cut) + (cut == 1 ? " more finding" : " more findings") +
           " (warnings and info) in summary.json, which lists all " + with_thousands(found.size()) +
           "\n";
  }
  return out;
}

}  // namespace kinesim::models
