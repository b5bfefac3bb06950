// The world's run loop: progress reported in slices of events as well as of simulated time, so
// a caller can stop a slow run promptly, and results that do not depend on the slicing.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "models/world/world.h"

namespace kinesim::models {
namespace {

using sim::Duration;

// 30 simulated seconds of one SDK producer: well within one progress_every (a minute).
Scenario half_a_minute() {
  Scenario s;
  s.name = "world";
  s.duration = Duration::seconds(30);
  s.seed = 3;
  s.stream.shards = 2;
  ProducerConfig p;
  p.name = "p";
  p.rate.records_per_sec = 2000;
  p.record_size.kind = Distribution::Kind::kFixed;
  p.record_size.value = 100;
  p.keys.dist = KeysConfig::Dist::kUniform;
  p.keys.count = 100;
  s.producers.push_back(p);
  return s;
}

TEST(RunScenario, ReportsProgressEverySliceOfEventsWithinOneSimulatedMinute) {
  RunOptions options;
  options.progress_every_events = 100;
  std::vector<double> seen;
  options.progress = [&seen](double done) { seen.push_back(done); };
  const Result r = run_scenario(half_a_minute(), options);
  ASSERT_GT(r.events_run, 1000u);
  EXPECT_GE(seen.size(), r.events_run / 100);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_GT(seen.front(), 0.0);
  EXPECT_LT(seen.front(), 0.5);
  EXPECT_EQ(seen.back(), 1.0);
}

TEST(RunScenario, StopsWhenProgressThrowsWithoutRunningTheRest) {
  RunOptions options;
  options.progress_every_events = 100;
  int calls = 0;
  options.progress = [&calls](double) {
    if (++calls == 3) throw std::runtime_error("interrupted");
  };
  EXPECT_THROW(run_scenario(half_a_minute(), options), std::runtime_error);
  EXPECT_EQ(calls, 3);
}

TEST(RunScenario, GivesTheSameResultHoweverTheRunIsSliced) {
  RunOptions coarse;
  RunOptions fine;
  fine.progress_every_events = 7;
  fine.progress = [](double) {};
  const Result a = run_scenario(half_a_minute(), coarse);
  const Result b = run_scenario(half_a_minute(), fine);
  EXPECT_EQ(a.events_run, b.events_run);
  EXPECT_EQ(a.totals().accepted, b.totals().accepted);
  EXPECT_EQ(a.totals().throttled_entries, b.totals().throttled_entries);
  EXPECT_EQ(a.totals().produced_bytes, b.totals().produced_bytes);
}

}  // namespace
}  // namespace kinesim::models
