#include "models/report/report_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace kinesim::models {

double duration_seconds(const Result& result) { return result.duration.to_seconds(); }

double alive_seconds(const Result& result, const ProducerResult& producer) {
  return duration_seconds(result) - producer.start.to_seconds();
}

namespace {
double share(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}
}  // namespace

double StreamWrites::throttled_fraction() const { return share(throttled, offered()); }

StreamWrites stream_writes(const Result& result) {
  StreamWrites w;
  for (const ShardResult& s : result.shards) {
    w.accepted += s.totals.accepted_records;
    w.accepted_bytes += s.totals.accepted_bytes;
    w.throttled += s.totals.throttled_records;
    w.internal_failures += s.totals.internal_failures;
  }
  return w;
}

double throttled_fraction(const ProducerCounts& c) {
  return share(c.throttled_entries, c.entry_attempts());
}

double user_record_throttled_fraction(const ProducerCounts& c) {
  return share(c.throttled_user_records, c.user_record_attempts);
}

uint64_t user_record_acceptances(const ProducerCounts& c) { return c.accepted + c.duplicates; }

double user_records_per_entry(const ProducerCounts& c) {
  return c.accepted_entries == 0 ? 1.0 : share(user_record_acceptances(c), c.accepted_entries);
}

bool user_records_differ_from_entries(const ProducerCounts& c) {
  return c.user_record_attempts != c.entry_attempts() ||
         c.throttled_user_records != c.throttled_entries;
}

std::vector<KeyLoad> key_loads(const Result& result) {
  std::map<std::string, KeyLoad> by_name;
  std::map<std::string, bool> every_producer_aggregates;
  for (const ProducerResult& p : result.producers) {
    // A KPL with aggregation on: fewer Kinesis records accepted than user records.
    const bool aggregates =
        p.counts.accepted_entries > 0 && p.counts.accepted_entries < p.counts.accepted;
    std::map<std::string, const KeyResult*> own;  // a key may be both hottest and named hot
    for (const KeyResult& k : p.hottest_keys) own.emplace(k.key, &k);
    for (const KeyResult& k : p.hot_keys) own.emplace(k.key, &k);
    const double alive = alive_seconds(result, p);
    for (const auto& [name, k] : own) {
      KeyLoad& load = by_name[name];
      load.key = name;
      load.shard_id = k->shard_id;
      load.offered += k->counts.offered;
      load.offered_bytes += k->counts.offered_bytes;
      if (alive > 0) {
        load.records_per_sec += static_cast<double>(k->counts.offered) / alive;
        load.bytes_per_sec += static_cast<double>(k->counts.offered_bytes) / alive;
      }
      load.accepted += k->counts.accepted;
      load.throttled += k->counts.throttled;
      const auto [it, first] = every_producer_aggregates.emplace(name, aggregates);
      if (!first) it->second = it->second && aggregates;
    }
  }
  std::vector<KeyLoad> out;
  out.reserve(by_name.size());
  for (auto& [name, load] : by_name) {
    load.aggregated = every_producer_aggregates[name];
    out.push_back(std::move(load));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const KeyLoad& a, const KeyLoad& b) { return a.offered > b.offered; });
  return out;
}

bool exceeds_shard(const KeyLoad& key, const core::ShardWriteLimits& limits) {
  const bool by_records =
      !key.aggregated && key.records_per_sec > static_cast<double>(limits.records_per_sec);
  return by_records || key.bytes_per_sec > static_cast<double>(limits.bytes_per_sec);
}

int64_t counter_row(const sim::MetricRecorder& metrics, const std::string& name) {
  const auto& names = metrics.counter_names();
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int64_t>(it - names.begin());
}

std::pair<sim::Time, sim::Time> shard_lifetime(const Result& result, const ShardResult& s) {
  sim::Time created = s.created_at;
  sim::Time closed = s.closed_at;
  const bool guess_created = s.parent.has_value() && created == sim::Time::zero();
  const bool guess_closed = !s.open && closed == sim::Time::max();
  if ((!guess_created && !guess_closed) || !result.metrics) return {created, closed};
  const auto sums = result.metrics->counter_sums(0);
  Eigen::Index first = -1, last = -1;
  for (Eigen::Index c = 0; c < sums.cols(); ++c) {
    const bool data = (s.series_records < sums.rows() && sums(s.series_records, c) != 0) ||
                      (s.series_throttled < sums.rows() && sums(s.series_throttled, c) != 0);
    if (!data) continue;
    if (first < 0) first = c;
    last = c;
  }
  const int64_t res = result.resolution.count_nanos();
  if (first >= 0 && guess_created) created = sim::Time::from_nanos(first * res);
  if (last >= 0 && guess_closed) closed = sim::Time::from_nanos((last + 1) * res);
  return {created, closed};
}

std::vector<ShardLoad> shard_loads(const Result& result) {
  const double secs = duration_seconds(result);
  const double res = result.resolution.to_seconds();
  const core::ShardWriteLimits& limits = result.stream.write;
  const sim::Time end = sim::Time::zero() + result.duration;
  std::vector<ShardLoad> out;
  out.reserve(result.shards.size());
  for (const ShardResult& s : result.shards) {
    ShardLoad l;
    l.shard = &s;
    const ShardTotals& t = s.totals;
    l.attempts = t.accepted_records + t.throttled_records + t.internal_failures;
    if (l.attempts > 0) {
      l.throttled_fraction =
          static_cast<double>(t.throttled_records) / static_cast<double>(l.attempts);
    }
    const auto [created, closed_at] = shard_lifetime(result, s);
    l.created = created;
    l.closed = closed_at;
    const sim::Time closed = std::min(closed_at, end);
    l.lifetime_seconds = closed > created ? (closed - created).to_seconds() : 0.0;
    const double span = l.lifetime_seconds > 0 ? l.lifetime_seconds : secs;
    if (span > 0) {
      l.mean_records_per_sec = static_cast<double>(t.accepted_records) / span;
      l.mean_bytes_per_sec = static_cast<double>(t.accepted_bytes) / span;
    }
    l.peak_offered_records_per_sec = s.peak_records_per_sec;
    const Eigen::Index rows = result.metrics ? result.metrics->counter_sums(0).rows() : 0;
    if (res > 0 && static_cast<Eigen::Index>(s.series_records) < rows &&
        static_cast<Eigen::Index>(s.series_throttled) < rows) {
      // Per second of each bucket the shard was open in during the run (see peak_per_second).
      const sim::SeriesId offered[] = {{sim::MetricKind::kCounter, s.series_records},
                                       {sim::MetricKind::kCounter, s.series_throttled}};
      l.peak_offered_records_per_sec = result.metrics->peak_per_second(offered, 0, created, closed);
    }
    const double by_records =
        limits.records_per_sec > 0
            ? s.peak_records_per_sec / static_cast<double>(limits.records_per_sec)
            : 0.0;
    const double by_bytes = limits.bytes_per_sec > 0
                                ? s.peak_bytes_per_sec / static_cast<double>(limits.bytes_per_sec)
                                : 0.0;
    l.utilization = std::max(by_records, by_bytes);
    l.bytes_bound = by_bytes > by_records;
    out.push_back(l);
  }
  return out;
}

Eigen::Index bucket_count(const Result& r) {
  if (!r.metrics) return 0;
  const int64_t res = r.resolution.count_nanos();
  const int64_t span = r.duration.count_nanos();
  const Eigen::Index whole = res > 0 ? static_cast<Eigen::Index>((span + res - 1) / res) : 0;
  return std::max(whole, r.metrics->buckets(0));
}

std::vector<double> open_shard_counts(const Result& r) {
  std::vector<double> out(static_cast<std::size_t>(bucket_count(r)));
  double open = r.initial_shards;
  Eigen::Index row = -1;
  if (r.metrics) {
    const auto& names = r.metrics->gauge_names();
    const auto it = std::find(names.begin(), names.end(), r.stream.name + "/OpenShardCount");
    if (it != names.end()) row = it - names.begin();
  }
  for (std::size_t b = 0; b < out.size(); ++b) {
    if (row >= 0) {
      const auto last = r.metrics->gauge_last(0);
      const auto col = static_cast<Eigen::Index>(b);
      if (col < last.cols() && !std::isnan(last(row, col))) open = last(row, col);
    }
    out[b] = open;
  }
  return out;
}

uint32_t max_open_shards(const Result& result) {
  uint32_t best = std::max(result.initial_shards, result.final_open_shards);
  if (!result.metrics) return best;
  const auto& names = result.metrics->gauge_names();
  const auto it = std::find(names.begin(), names.end(), result.stream.name + "/OpenShardCount");
  if (it == names.end()) return best;
  const auto row = static_cast<Eigen::Index>(it - names.begin());
  const auto mx = result.metrics->gauge_max(0);
  for (Eigen::Index c = 0; c < mx.cols(); ++c) {
    const double v = mx(row, c);
    if (!std::isnan(v) && v > static_cast<double>(best)) best = static_cast<uint32_t>(v);
  }
  return best;
}

}  // namespace kinesim::models
