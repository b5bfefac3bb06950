// What the model tests share: a one-producer scenario builder, consumers to add to it, the
// conservation checks (producers and consumers), and readers of a Result's details and metric
// series. One header, so a fix to a helper reaches every test that uses it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/scenario/scenario.h"
#include "models/world/result.h"

namespace kinesim::models::testing {

// One stream of `shards` shards and one producer of `type` (named "sdk", "kpl" or "agent" by
// default) sending `records_per_sec` records of 100 B over 1,000 uniform keys.
struct OneProducer {
  ProducerConfig::Type type = ProducerConfig::Type::kSdk;
  uint32_t shards = 1;
  double records_per_sec = 1000;
  sim::Duration duration = sim::Duration::minutes(1);
  uint32_t instances = 1;
  uint64_t seed = 7;
  RateConfig::Profile profile = RateConfig::Profile::kPoisson;
  std::string scenario_name = "test";
  std::string producer_name = "p";
};

inline Scenario one_producer_scenario(const OneProducer& o) {
  Scenario s;
  s.name = o.scenario_name;
  s.duration = o.duration;
  s.seed = o.seed;
  s.stream.shards = o.shards;
  ProducerConfig p;
  p.name = o.producer_name;
  p.type = o.type;
  p.instances = o.instances;
  p.rate.profile = o.profile;
  p.rate.records_per_sec = o.records_per_sec;
  p.record_size.kind = sim::Distribution::Kind::kFixed;
  p.record_size.value = 100;
  p.keys.dist = KeysConfig::Dist::kUniform;
  p.keys.count = 1000;
  s.producers.push_back(p);
  return s;
}

// Every user record produced ends in exactly one fate.
inline void expect_conserved(const ProducerCounts& c) {
  EXPECT_EQ(c.produced, c.accepted + c.failed_attempts_exhausted + c.failed_buffer_full +
                            c.failed_expired + c.rejected_too_large + c.lost + c.pending);
  EXPECT_TRUE(c.conserved());
}
inline void expect_conserved(const Result& r) { expect_conserved(r.totals()); }

// A time `ms` milliseconds into the run.
// An UpdateShardCount to `target` shards at `at`, for a scenario's timeline.
inline TimelineAction update_shard_count(sim::Duration at, uint32_t target) {
  TimelineAction a;
  a.at = at;
  a.kind = TimelineAction::Kind::kUpdateShardCount;
  a.target = target;
  return a;
}

inline sim::Time at_ms(int64_t ms) { return sim::Time::zero() + sim::Duration::millis(ms); }

// A producer's type-specific figure (ProducerResult::details) by name.
inline double detail(const ProducerResult& p, const std::string& name) {
  for (const auto& [n, v] : p.details) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no detail " << name;
  return -1;
}

// A counter's total over every bucket at the first resolution, or -1 if it was never registered.
inline double counter_total(const sim::MetricRecorder& metrics, const std::string& name) {
  const auto& names = metrics.counter_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return -1;
  return metrics.counter_sums(0).row(it - names.begin()).sum();
}

// A counter's buckets at the first resolution, by its full series name.
inline std::vector<double> counter(const Result& r, const std::string& name) {
  const auto& names = r.metrics->counter_names();
  const auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  if (it == names.end()) return {};
  const auto row = static_cast<Eigen::Index>(it - names.begin());
  const auto sums = r.metrics->counter_sums(0);
  std::vector<double> out;
  for (Eigen::Index b = 0; b < sums.cols(); ++b) out.push_back(sums(row, b));
  return out;
}

// A polling consumer calling every `interval` from LATEST, GetRecords' latency fixed at `latency`.
inline ConsumerConfig polling_consumer(std::string name,
                                       sim::Duration interval = sim::Duration::seconds(1),
                                       sim::Duration latency = sim::Duration::millis(20)) {
  ConsumerConfig c;
  c.name = std::move(name);
  c.type = ConsumerConfig::Type::kPolling;
  c.polling.reader.poll_interval = interval;
  c.read_latency = sim::Distribution{};
  c.read_latency.value = latency.to_seconds();
  return c;
}

// A Firehose delivery stream with the given buffering hints; delivery in a fixed 1 s.
inline ConsumerConfig firehose_consumer(std::string name, uint64_t size_in_mbs,
                                        uint32_t interval_in_seconds) {
  ConsumerConfig c;
  c.name = std::move(name);
  c.type = ConsumerConfig::Type::kFirehose;
  c.firehose.size_in_mbs = size_in_mbs;
  c.firehose.interval_in_seconds = interval_in_seconds;
  return c;
}

// Every record in a consumer's scope ends processed, pending, lost to retention or discarded.
inline void expect_conserved(const ConsumerResult& c) {
  EXPECT_EQ(c.counts.in_scope,
            c.counts.processed + c.counts.pending + c.counts.lost_to_retention + c.counts.discarded)
      << c.name;
  EXPECT_TRUE(c.counts.conserved()) << c.name;
}

inline const ConsumerResult& consumer_named(const Result& r, const std::string& name) {
  for (const ConsumerResult& c : r.consumers) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no consumer " << name;
  static const ConsumerResult kNone;
  return kNone;
}

// A consumer's type-specific figure (ConsumerResult::details) by name.
inline double detail(const ConsumerResult& c, const std::string& name) {
  for (const auto& [n, v] : c.details) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no detail " << name;
  return -1;
}

// A gauge's largest value per bucket at the first resolution (NaN where unset).
inline std::vector<double> gauge_max(const Result& r, const std::string& name) {
  const auto& names = r.metrics->gauge_names();
  const auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  if (it == names.end()) return {};
  const auto row = static_cast<Eigen::Index>(it - names.begin());
  const auto max = r.metrics->gauge_max(0);
  std::vector<double> out;
  for (Eigen::Index b = 0; b < max.cols(); ++b) out.push_back(max(row, b));
  return out;
}

// The first bucket from `from` on whose value is below `limit` (0 if none): when a lagging reader
// caught up, from its MillisBehindLatest series.
inline std::size_t first_bucket_below(const std::vector<double>& series, std::size_t from,
                                      double limit) {
  for (std::size_t b = from; b < series.size(); ++b) {
    if (!std::isnan(series[b]) && series[b] < limit) return b;
  }
  return 0;
}

// The sum of buckets [from, to) of a counter series.
inline double sum_buckets(const std::vector<double>& series, std::size_t from, std::size_t to) {
  double sum = 0;
  for (std::size_t b = from; b < to && b < series.size(); ++b) sum += series[b];
  return sum;
}

}  // namespace kinesim::models::testing
