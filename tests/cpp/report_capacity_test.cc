// Capacity over time in the text reports (the summary's header and timeline lines, the sizing
// sentence), on Results built by hand with capacity segments, a timeline and throttling series.
#include "models/report/report_capacity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/cost/cost.h"
#include "models/report/report.h"
#include "models/report/report_stats.h"
#include "models/report/sizing.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

Time at_minute(double minutes) {
  return Time::zero() + Duration::nanos(std::llround(minutes * 60e9));
}

// A run of `minutes` at 60 s resolution of stream "orders" whose open shards follow `stretches`
// ({first minute, open shards}, all in `mode`), written by producer "web" at `mean_rps` on
// average and `peak_rps` in its busiest minute (100-byte records), with throttled entries
// added by throttle().
struct TimedRun {
  Result result;
  std::shared_ptr<sim::MetricRecorder> metrics;
  sim::SeriesId throttled{};

  // `entries` throttled writes in the minute starting at `minute`.
  void throttle(int minute, uint64_t entries) {
    metrics->add(throttled, at_minute(minute), static_cast<double>(entries));
    result.producers[0].counts.throttled_entries += entries;
    result.shards.front().totals.throttled_records += entries;  // the stream's books
  }
};

TimedRun run_of(int minutes, const std::vector<std::pair<double, uint32_t>>& stretches,
                double mean_rps = 500, double peak_rps = 1500,
                CapacityMode mode = CapacityMode::kProvisioned) {
  TimedRun run;
  Result& r = run.result;
  r.scenario_name = "over-time";
  r.seed = 1;
  r.duration = Duration::minutes(minutes);
  r.resolution = Duration::seconds(60);
  r.stream.name = "orders";
  r.stream.mode = mode;
  r.stream.shards = stretches.front().second;
  r.initial_shards = stretches.front().second;
  r.final_open_shards = stretches.back().second;
  for (std::size_t i = 0; i < stretches.size(); ++i) {
    CapacitySegment s;
    s.from = at_minute(stretches[i].first);
    s.to = i + 1 < stretches.size() ? at_minute(stretches[i + 1].first) : at_minute(minutes);
    s.mode = mode;
    s.open_shards = stretches[i].second;
    r.shard_hours += (s.to - s.from).to_seconds() / 3600.0 * s.open_shards;
    r.capacity_segments.push_back(s);
  }
  run.metrics = std::make_shared<sim::MetricRecorder>(r.duration, std::vector{r.resolution});
  run.throttled = run.metrics->add_counter("orders/WriteProvisionedThroughputExceeded");
  r.metrics = run.metrics;
  ProducerResult p;
  p.name = "web";
  p.type = "sdk";
  const auto records = static_cast<uint64_t>(mean_rps * minutes * 60);
  p.counts.produced = p.counts.accepted = p.counts.accepted_entries = records;
  p.counts.user_record_attempts = records;
  p.counts.produced_bytes = p.counts.accepted_bytes = records * 100;
  p.offered_peak_records_per_sec = peak_rps;
  p.offered_peak_bytes_per_sec = peak_rps * 100;
  r.producers.push_back(std::move(p));
  ShardResult shard;
  shard.shard_id = "shardId-000000000000";
  shard.totals.accepted_records = records;
  shard.totals.accepted_bytes = records * 100;
  r.shards.push_back(shard);
  return run;
}

void log(Result& r, double minute, std::string action, std::string outcome) {
  r.timeline.push_back({at_minute(minute), std::move(action), std::move(outcome), "detail"});
}

// A day like scenarios/autoscaler-diurnal.json: 2 shards, 4 from 12h54m, 2 again from 21h28m.
TimedRun autoscaled_day() {
  TimedRun run = run_of(24 * 60, {{0, 2}, {774, 4}, {1288, 2}});
  Result& r = run.result;
  log(r, 48, "autoscale", "skipped");
  log(r, 773, "autoscale", "scale_up");
  log(r, 773, "update_shard_count", "started");
  log(r, 774, "update_shard_count", "completed");
  log(r, 1287, "autoscale", "scale_down");
  log(r, 1287, "update_shard_count", "started");
  log(r, 1288, "update_shard_count", "completed");
  log(r, 1300, "expire", "completed");
  return run;
}

TEST(ReportClock, ReadsTimesIntoTheRunLikeAClock) {
  EXPECT_EQ(clock_text(Duration::seconds(0)), "0s");
  EXPECT_EQ(clock_text(Duration::minutes(36)), "36m");
  EXPECT_EQ(clock_text(Duration::hours(2)), "2h");
  EXPECT_EQ(clock_text(Duration::seconds(46380)), "12h53m");
  EXPECT_EQ(clock_text(Duration::seconds(1530)), "25m30s");
  EXPECT_EQ(clock_text(Duration::millis(62'500)), "1m2.5s");
  EXPECT_EQ(clock_text(Time::zero() + Duration::seconds(3601)), "1h1s");
}

TEST(ReportCapacity, AFixedCountIsOneNumberWithoutAMean) {
  const CapacityProfile p = capacity_profile(run_of(60, {{0, 4}}).result);
  EXPECT_FALSE(p.varied());
  EXPECT_DOUBLE_EQ(p.mean_shards, 4);
  EXPECT_EQ(capacity_text(p), "provisioned, 4 shards");
  EXPECT_EQ(capacity_text(capacity_profile(run_of(60, {{0, 1}}).result)), "provisioned, 1 shard");
}

TEST(ReportCapacity, NamesTheAutoscalerAndTheTimeWeightedMeanWhenTheCountChanged) {
  const CapacityProfile p = capacity_profile(autoscaled_day().result);
  EXPECT_TRUE(p.varied());
  EXPECT_EQ(p.min_shards, 2u);
  EXPECT_EQ(p.max_shards, 4u);
  EXPECT_NEAR(p.shard_hours, 3908.0 / 60, 1e-9);
  EXPECT_TRUE(p.by_autoscaler);
  EXPECT_FALSE(p.by_timeline);
  EXPECT_EQ(p.autoscaler_skips, 1u);
  EXPECT_EQ(capacity_text(p), "provisioned, 2 -> 4 -> 2 shards by the autoscaler, mean 2.7");
}

TEST(ReportCapacity, LeavesOnDemandUnnamedOnAnOnDemandStreamAndElidesLongPaths) {
  TimedRun run = run_of(60, {{0, 4}, {10, 6}, {20, 8}, {30, 12}, {40, 16}, {50, 12}}, 500, 1500,
                        CapacityMode::kOnDemand);
  for (double m : {9.5, 19.5, 29.5, 39.5, 49.5}) {
    log(run.result, m, "split", "started");
    log(run.result, m + 0.5, "split", "completed");
  }
  const CapacityProfile p = capacity_profile(run.result);
  EXPECT_TRUE(p.by_on_demand);
  EXPECT_EQ(capacity_text(p),
            "on-demand Standard, 4 -> ... -> 12 shards (4 to 16 over 5 changes), mean 9.7");
  EXPECT_EQ(timeline_text(p, 2),
            "9m30s split 4 -> 6 shards; 19m30s split 6 -> 8 shards; ... 3 more");
}

TEST(ReportCapacity, AModeSwitchShowsBothModesTheShardsAndWhoAskedForIt) {
  TimedRun run = run_of(60, {{0, 4}, {30, 8}}, 500, 1500, CapacityMode::kOnDemand);
  run.result.capacity_segments[1].mode = CapacityMode::kProvisioned;
  log(run.result, 29.5, "switch_mode", "started");
  log(run.result, 30, "switch_mode", "completed");
  const CapacityProfile p = capacity_profile(run.result);
  EXPECT_EQ(capacity_text(p),
            "on-demand Standard -> provisioned, 4 -> 8 shards by the timeline, mean 6");
  EXPECT_EQ(timeline_text(p, 4),
            "29m30s switch_mode on-demand Standard -> provisioned, 4 -> 8 shards");
}

TEST(ReportTimeline, ShowsWhatChangedFirstAndCountsTheSkippedAutoscalerChecks) {
  const TimedRun run = autoscaled_day();
  EXPECT_EQ(timeline_text(capacity_profile(run.result), 4),
            "12h53m update_shard_count 2 -> 4 shards (autoscaler); 21h27m update_shard_count "
            "4 -> 2 shards (autoscaler); 1 autoscaler check skipped (see timeline.csv)");
}

TEST(ReportTimeline, ListsFailedCallsAndAReshardStillRunningAtTheEnd) {
  TimedRun run = run_of(60, {{0, 2}, {10.5, 4}});
  Result& r = run.result;
  log(r, 0, "capacity", "completed");  // initial sizing: not a change
  log(r, 10, "update_shard_count", "started");
  log(r, 10 + 1.0 / 6, "update_shard_count", "ResourceInUseException");
  log(r, 10.5, "update_shard_count", "completed");
  log(r, 59.9, "split", "started");
  const CapacityProfile p = capacity_profile(r);
  EXPECT_TRUE(p.by_timeline);
  EXPECT_EQ(timeline_text(p, 4),
            "10m update_shard_count 2 -> 4 shards; 10m10s update_shard_count failed: "
            "ResourceInUseException; 59m54s split started, still UPDATING at the end");
  EXPECT_EQ(capacity_text(p), "provisioned, 2 -> 4 shards by the timeline, mean 3.6");
}

TEST(ReportTimeline, NamesTheAutoscalerBehindACallThatFailed) {
  TimedRun run = run_of(60, {{0, 2}});
  log(run.result, 30, "autoscale", "scale_up");
  log(run.result, 30, "update_shard_count", "LimitExceededException");
  const CapacityProfile p = capacity_profile(run.result);
  EXPECT_FALSE(p.by_autoscaler);  // nothing changed
  EXPECT_EQ(timeline_text(p, 4),
            "30m update_shard_count failed: LimitExceededException (autoscaler)");
  EXPECT_EQ(capacity_text(p), "provisioned, 2 shards");
}

TEST(ReportTimeline, SaysNoCapacityChangedWhenTheAutoscalerOnlySkipped) {
  TimedRun run = run_of(60, {{0, 2}});
  for (double m : {10, 20, 30}) log(run.result, m, "autoscale", "skipped");
  EXPECT_EQ(timeline_text(capacity_profile(run.result), 4),
            "no capacity change; 3 autoscaler checks skipped (see timeline.csv)");
  EXPECT_EQ(timeline_text(capacity_profile(run_of(60, {{0, 2}}).result), 4), "");
}

TEST(ReportCapacity, CountsThrottlingInTheMinutesTheStreamWasNarrowerThanAGivenCount) {
  TimedRun run = run_of(60, {{0, 2}, {25.5, 4}});
  run.throttle(20, 100);
  run.throttle(25, 50);  // 2 shards for the first half of this minute
  run.throttle(40, 10);
  const ThrottledBelow below = throttled_below(run.result, 4);
  EXPECT_EQ(below.below, 150u);
  EXPECT_EQ(below.total, 160u);
  EXPECT_EQ(throttled_below(run.result, 2).below, 0u);
}

TEST(ReportHumanSummary, HeaderAndTimelineTellTheCapacityOverTime) {
  const std::string text = human_summary(autoscaled_day().result);
  EXPECT_NE(text.find("\nscenario over-time: 24h simulated, seed 1; stream orders (provisioned, "
                      "2 -> 4 -> 2 shards by the autoscaler, mean 2.7)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\ntimeline: 12h53m update_shard_count 2 -> 4 shards (autoscaler); "),
            std::string::npos)
      << text;
}

TEST(SizingOverTime, GivesTheRangeAnAutoscalerRanAndDoesNotClaimAFixedCountWouldDo) {
  EXPECT_EQ(size(autoscaled_day().result).comparison,
            "the formula asks for 2 shards at peak (1 on the mean load); with 2 to 4 shards over "
            "the run (autoscaler; mean 2.7, 65.1 shard-hours) the simulation throttled nothing; a "
            "fixed 2 shards (48 shard-hours) was not simulated.");
}

TEST(SizingOverTime, PutsThrottlingInTheMinutesTheStreamHadFewerShardsThanTheFormula) {
  TimedRun run = run_of(60, {{0, 2}, {25.5, 4}}, 2500, 3400);
  log(run.result, 25, "update_shard_count", "started");
  log(run.result, 25.5, "update_shard_count", "completed");
  run.throttle(20, 60'000);
  run.throttle(24, 40'000);
  EXPECT_EQ(size(run.result).comparison,
            "the formula asks for 4 shards at peak (3 on the mean load); with 2 to 4 shards over "
            "the run (timeline; mean 3.1, 3.1 shard-hours) the simulation throttled 1.1 % of "
            "writes, all of it in the minutes when the stream had fewer than the formula's 4 "
            "shards; a fixed 4 shards (4 shard-hours) was not simulated.");
  run.throttle(40, 25'000);
  EXPECT_EQ(size(run.result).comparison,
            "the formula asks for 4 shards at peak (3 on the mean load); with 2 to 4 shards over "
            "the run (timeline; mean 3.1, 3.1 shard-hours) the simulation throttled 1.4 % of "
            "writes, 80 % of it in the minutes when the stream had fewer than the formula's 4 "
            "shards and the rest from uneven load (bursts, key skew), which the formula ignores; "
            "a fixed 4 shards (4 shard-hours) was not simulated.");
}

TEST(SizingOverTime, OnDemandThrottlingIsItsAdmissionLimitCatchingUp) {
  TimedRun run = run_of(120, {{0, 10}, {36.5, 11}, {55.5, 20}, {95.5, 40}}, 2200, 15'500,
                        CapacityMode::kOnDemand);
  for (int m = 80; m < 97; ++m) run.throttle(m, 10'000);
  EXPECT_EQ(size(run.result).comparison,
            "the formula asks for 16 shards at peak (3 on the mean load); with 10 to 40 shards "
            "over the run (on-demand Standard; mean 19.6) the simulation throttled 1.1 % of "
            "writes from 1h20m to 1h37m, while on-demand's admission limit caught up with the "
            "traffic; a fixed provisioned 16 shards was not simulated.");
  EXPECT_EQ(headline(run.result),
            "on-demand throttled 1.1 % of writes from 1h20m to 1h37m: traffic rose past twice the "
            "previous peak faster than on-demand scales");
}

}  // namespace
}  // namespace kinesim::models
