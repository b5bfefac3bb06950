#include "models/report/report_consumers.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include "models/core/limits.h"
#include "models/core/pricing.h"
#include "models/report/report_stats.h"

namespace kinesim::models {
namespace {

constexpr double kReadThrottlingThreshold = 0.01;  // warn above 1 % of GetRecords calls
constexpr double kRetentionWarning = 0.5;          // AWS warns at half the retention period
// A shard held this long by a failing batch is worth an error (shorter stretches are retries).
constexpr sim::Duration kBlockedShardFinding = sim::Duration::minutes(15);

// "120 ms", "4.2 s", "5m1s": a latency as people read it.
std::string latency_text(uint64_t micros) {
  const double ms = static_cast<double>(micros) / 1000.0;
  if (ms < 1000) return rate_text(ms) + " ms";
  if (ms < 60'000) return rate_text(ms / 1000.0) + " s";
  return clock_text(sim::Duration::seconds(static_cast<int64_t>(std::llround(ms / 1000.0))));
}

double fraction(uint64_t a, uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

// The fewest polling consumers to move to enhanced fan-out so that the rest fit in a shard's
// 5 GetRecords calls/s (the most frequent callers first), and what they would cost a month in
// provisioned mode: a consumer-shard-hour per shard plus their data per GB.
struct EfoAlternative {
  std::vector<const ConsumerResult*> moved;
  double per_month = 0;
  double gb_per_month = 0;  // what the stream accepts, pushed to each moved consumer
};

// The GetRecords calls a polling consumer made per second per shard: its calls over the
// seconds each shard was open while the consumer ran. Unlike calls_per_sec_per_shard (the rate
// of its calls on an idle shard) this counts the calls it made at once after a full reply, and
// its retries.
double calls_made_per_sec_per_shard(const Result& r, const ConsumerResult& c) {
  const sim::Time start = sim::Time::zero() + c.start;
  const sim::Time end = sim::Time::zero() + r.duration;
  double shard_seconds = 0;
  for (const ShardResult& s : r.shards) {
    const sim::Time from = std::max(s.created_at, start);
    const sim::Time to = std::min(s.closed_at, end);
    if (to > from) shard_seconds += (to - from).to_seconds();
  }
  return shard_seconds > 0 ? static_cast<double>(c.counts.get_records_calls) / shard_seconds : 0;
}

double polling_calls_made_per_sec_per_shard(const Result& r) {
  double calls = 0;
  for (const ConsumerResult& c : r.consumers) {
    if (c.polling) calls += calls_made_per_sec_per_shard(r, c);
  }
  return calls;
}

// Each consumer's calls are counted at its idle rate, what it calls at without throttling (a
// throttled consumer's retries would go with the throttling). A consumer that fetches again at
// once after records (Flink's KinesisStreamsSource) may make more than 5 calls/s on its own
// while its idle rate is lower: then the one that made the most calls moves, alone.
EfoAlternative efo_alternative(const Result& r) {
  std::vector<std::pair<double, const ConsumerResult*>> polling;
  for (const ConsumerResult& c : r.consumers) {
    if (c.polling) polling.emplace_back(c.calls_per_sec_per_shard, &c);
  }
  std::stable_sort(polling.begin(), polling.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  double calls = polling_calls_per_sec_per_shard(r);
  const double limit = core::ShardReadLimits{}.get_records_calls_per_sec;
  if (calls <= limit + 1e-9 && polling_calls_made_per_sec_per_shard(r) > limit + 1e-9) {
    const auto busiest =
        std::max_element(polling.begin(), polling.end(), [&](const auto& a, const auto& b) {
          return calls_made_per_sec_per_shard(r, *a.second) <
                 calls_made_per_sec_per_shard(r, *b.second);
        });
    polling = {{1.0, busiest->second}};
    calls = limit + 1;  // over the limit by exactly that consumer
  }
  EfoAlternative alt;
  const core::PriceTable& prices = core::kUsEast1Prices;
  const double secs = duration_seconds(r);
  const double month_secs = prices.hours_per_month * 3600.0;
  // A consumer on enhanced fan-out is pushed every record the stream accepts, however little it
  // managed to read by polling (a throttled poller reads less than it would be sent).
  uint64_t accepted_bytes = 0;
  for (const ShardResult& s : r.shards) accepted_bytes += s.totals.accepted_bytes;
  alt.gb_per_month = secs > 0 ? static_cast<double>(accepted_bytes) / secs * month_secs /
                                    static_cast<double>(prices.billing_gb_bytes)
                              : 0.0;
  for (const auto& [made, c] : polling) {
    if (calls <= limit + 1e-9) break;
    calls -= made;
    alt.moved.push_back(c);
    alt.per_month += static_cast<double>(max_open_shards(r)) * prices.hours_per_month *
                         prices.provisioned.efo_consumer_shard_hour +
                     alt.gb_per_month * prices.provisioned.efo_per_gb;
  }
  return alt;
}

// Why polling calls were throttled: the 5 calls/s a shard takes, when its polling consumers
// made more (calls_made_per_sec_per_shard), or else its shared read throughput (2 MiB/s per
// shard: one call may return 10 MiB, 8 of them on credit, and the shard then refuses calls until
// the debt is repaid).
std::string read_throttling_cause(const Result& r) {
  const uint32_t n = polling_consumer_count(r);
  const double made = polling_calls_made_per_sec_per_shard(r);
  const std::string offer = with_thousands(n) + " polling consumer" + (n == 1 ? "" : "s") +
                            " made " + rate_text(made) + " GetRecords calls/s per shard (" +
                            rate_text(polling_calls_per_sec_per_shard(r)) + " on an idle shard)";
  if (made > core::ShardReadLimits{}.get_records_calls_per_sec + 1e-9) {
    return offer + ", more than the 5 a shard takes whatever the shard count";
  }
  return offer +
         ", within the 5 a shard takes: the calls were refused by the shard's shared read "
         "throughput (2 MiB/s; one call may return 10 MiB, 8 of them on credit, and the shard "
         "then refuses calls until the debt is repaid)";
}

}  // namespace

double polling_calls_per_sec_per_shard(const Result& r) {
  double calls = 0;
  for (const ConsumerResult& c : r.consumers) {
    if (c.polling) calls += c.calls_per_sec_per_shard;
  }
  return calls;
}

std::string consumers_text(const Result& r) {
  std::string out;
  for (const ConsumerResult& c : r.consumers) {
    const ConsumerCounts& k = c.counts;
    out += "consumer " + c.name + " (" + c.type + "): read " +
           with_thousands(c.unit == "user records" ? k.user_records_read : k.records_read) + " " +
           c.unit + ", processed " + with_thousands(k.processed) + " (" +
           with_thousands(k.pending) + " pending)";
    if (c.end_to_end_us.count() > 0) {
      out += ", p99 end-to-end " + latency_text(c.end_to_end_us.quantile(0.99));
    }
    if (c.polling) {
      out += ", " + with_thousands(k.throttled_calls) + " throttled calls";
    } else {
      out += ", enhanced fan-out: " + with_thousands(k.events) + " pushes, " +
             rate_text(c.consumer_shard_hours) + " consumer-shard-hours";
    }
    out += ", " + with_thousands(k.lost_to_retention) + " lost";
    if (k.discarded > 0) out += ", " + with_thousands(k.discarded) + " discarded";
    if (!k.conserved()) {
      out += "  [NOT CONSERVED: " + with_thousands(k.in_scope) + " in scope, the parts sum to " +
             with_thousands(k.accounted()) + "]";
    }
    out += "\n";
  }
  return out;
}

void add_consumer_findings(const Result& r, std::vector<Finding>& out) {
  if (r.consumers.empty()) return;
  // Calls throttled on the shared 5 calls/s: one finding for the stream, naming who suffered.
  uint64_t calls = 0, throttled = 0;
  std::string worst;
  for (const ConsumerResult& c : r.consumers) {
    if (!c.polling) continue;
    calls += c.counts.get_records_calls;
    throttled += c.counts.throttled_calls;
    const double f = fraction(c.counts.throttled_calls, c.counts.get_records_calls);
    if (f > kReadThrottlingThreshold) {
      worst += std::string(worst.empty() ? "" : ", ") + c.name + " " + percent_text(f);
    }
  }
  if (fraction(throttled, calls) > kReadThrottlingThreshold) {
    const EfoAlternative alt = efo_alternative(r);
    std::string text = with_thousands(throttled) + " of " + with_thousands(calls) +
                       " GetRecords calls (" + percent_text(fraction(throttled, calls)) +
                       ") were throttled (" + worst + "): " + read_throttling_cause(r);
    if (!alt.moved.empty()) {
      text += "; enhanced fan-out for " + with_thousands(alt.moved.size()) +
              (alt.moved.size() == 1 ? " of them (" : " of them (");
      for (std::size_t i = 0; i < alt.moved.size(); ++i) {
        text += std::string(i == 0 ? "" : ", ") + alt.moved[i]->name;
      }
      text += ") would give each its own 2 MiB/s per shard for about " + money_text(alt.per_month) +
              "/month in provisioned mode (" + shards_text(max_open_shards(r)) +
              " x $0.015/consumer-shard-hour + $0.013/GB of the " + rate_text(alt.gb_per_month) +
              " GB/month the stream takes, each)";
    }
    out.push_back({Severity::kWarning, "read_throttling", text});
  }
  const core::EfoLimits& efo = r.stream.read.efo;  // the scenario's, defaults SPEC §4's
  for (const ConsumerResult& c : r.consumers) {
    if (c.polling || c.counts.registration_refused == 0) continue;
    const bool never = c.registered_at == sim::Time::max();
    out.push_back(
        {never ? Severity::kError : Severity::kWarning, "fan_out_registration",
         "consumer " + c.name + ": RegisterStreamConsumer was refused " +
             with_thousands(c.counts.registration_refused) + " times" +
             (never
                  ? std::string(" and it never registered, so it read nothing")
                  : " before it registered at " + clock_text(c.registered_at - sim::Time::zero())) +
             " (a stream takes " + with_thousands(efo.max_consumers) +
             " enhanced fan-out consumers, " + with_thousands(efo.max_consumers_advantage) +
             " in On-demand Advantage, and at most " + with_thousands(efo.max_consumers_creating) +
             " CREATING at once)"});
  }
  const double retention_ms = static_cast<double>(r.stream.retention_hours) * 3'600'000.0;
  for (const ConsumerResult& c : r.consumers) {
    if (c.counts.lost_to_retention > 0) {
      std::string shards;
      for (std::size_t i = 0; i < c.lost_by_shard.size() && i < 3; ++i) {
        shards += std::string(i == 0 ? "" : ", ") + c.lost_by_shard[i].shard_id + " " +
                  with_thousands(c.lost_by_shard[i].records);
      }
      if (c.lost_by_shard.size() > 3) shards += ", ...";
      out.push_back({Severity::kError, "lost_to_retention",
                     "consumer " + c.name + " lost " + with_thousands(c.counts.lost_to_retention) +
                         " " + c.unit + " to retention (" + shards +
                         "): it fell more than the stream's " +
                         with_thousands(r.stream.retention_hours) + " h retention behind"});
    } else if (static_cast<double>(c.millis_behind_ms.max()) > kRetentionWarning * retention_ms) {
      out.push_back(
          {Severity::kWarning, "iterator_age",
           "consumer " + c.name + " fell up to " +
               clock_text(sim::Duration::millis(static_cast<int64_t>(c.millis_behind_ms.max()))) +
               " behind (MillisBehindLatest), past half the stream's " +
               with_thousands(r.stream.retention_hours) +
               " h retention: AWS warns here, and past retention it loses records"});
    }
  }
}

namespace {

// A consumer's type-specific figure, 0 when it has none.
double detail_or_zero(const ConsumerResult& c, std::string_view name) {
  for (const auto& [n, v] : c.details) {
    if (n == name) return v;
  }
  return 0;
}

}  // namespace

void add_lambda_findings(const Result& r, std::vector<Finding>& out) {
  for (const ConsumerResult& c : r.consumers) {
    // A failing batch holding its shard: Lambda retries it and reads nothing further there.
    for (const ShardBlock& b : c.blocked_shards) {
      if (b.longest < kBlockedShardFinding) continue;
      out.push_back(
          {Severity::kError, "blocked_shard",
           "consumer " + c.name + " stopped advancing in " + b.shard_id + " for " +
               rate_text(b.longest.to_seconds() / 3600.0) + " h while it retried a failing batch" +
               (b.until_retention
                    ? " until retention trimmed it (MaximumRetryAttempts and "
                      "MaximumRecordAgeInSeconds -1: a poison record blocks its shard until it "
                      "expires); set MaximumRetryAttempts, MaximumRecordAgeInSeconds or "
                      "BisectBatchOnFunctionError, with an OnFailure destination"
                    : "")});
    }
    if (c.counts.discarded > 0) {
      const double sent = detail_or_zero(c, "RecordsSentToOnFailure");
      const double dropped = detail_or_zero(c, "RecordsDropped");
      std::string text =
          "consumer " + c.name + " discarded " + with_thousands(c.counts.discarded) + " " + c.unit +
          " after their retries or age ran out: " + with_thousands(static_cast<uint64_t>(sent)) +
          " sent to its OnFailure destination, " + with_thousands(static_cast<uint64_t>(dropped)) +
          " dropped";
      if (dropped > 0) text += " (no OnFailure destination: they are gone)";
      out.push_back(
          {dropped > 0 ? Severity::kError : Severity::kWarning, "records_discarded", text});
    }
  }
}

std::optional<std::string> consumer_headline(const Result& r) {
  for (const ConsumerResult& c : r.consumers) {
    if (c.counts.lost_to_retention > 0) {
      return "consumer " + c.name + " lost " + with_thousands(c.counts.lost_to_retention) + " " +
             c.unit + " to retention: it fell more than " +
             with_thousands(r.stream.retention_hours) + " h behind";
    }
  }
  // Then the first read-side error: a shard a failing batch held, records dropped, a fan-out
  // consumer that never registered.
  std::vector<Finding> findings;
  add_consumer_findings(r, findings);
  add_lambda_findings(r, findings);
  for (const Finding& f : findings) {
    if (f.severity == Severity::kError) return f.message;
  }
  uint64_t calls = 0, throttled = 0;
  for (const ConsumerResult& c : r.consumers) {
    if (!c.polling) continue;
    calls += c.counts.get_records_calls;
    throttled += c.counts.throttled_calls;
  }
  if (fraction(throttled, calls) > kReadThrottlingThreshold) {
    return percent_text(fraction(throttled, calls)) +
           " of GetRecords calls were throttled: " + read_throttling_cause(r);
  }
  return std::nullopt;
}

std::string read_sizing_text(const Result& r) {
  const uint32_t n = polling_consumer_count(r);
  if (n == 0) return "";
  const double made = polling_calls_made_per_sec_per_shard(r);
  return "; its read term counts " + with_thousands(n) + " polling consumer" + (n == 1 ? "" : "s") +
         ", who made " + rate_text(made) + " GetRecords calls/s per shard (" +
         rate_text(polling_calls_per_sec_per_shard(r)) + " on an idle shard) of the 5 it takes" +
         (made > 5 + 1e-9 ? ", which no shard count relieves: past 5 only enhanced fan-out helps"
                          : "");
}

}  // namespace kinesim::models
