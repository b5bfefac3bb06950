// What the model tests share: a one-producer scenario builder, the conservation check, and
// readers of a Result's producer details and counter series. One header, so a fix to a helper
// reaches every test that uses it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
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

}  // namespace kinesim::models::testing
