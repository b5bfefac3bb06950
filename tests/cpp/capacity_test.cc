// Capacity modes on the simulated stream: on-demand admission (2x the previous peak, the
// 15-minute surge window, backing shards, hot-shard splits, hot keys), On-demand Advantage,
// the provisioned autoscaler, mode switches, and the capacity segments cost is priced from.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "models/cost/cost.h"
#include "models/report/sizing.h"
#include "models/world/world.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

// One SDK producer without retries (offered = generated) over 10,000 uniform keys, with a
// piecewise-constant Poisson rate: steps of (minute, records/s).
Scenario stepped(CapacityMode mode, std::vector<std::pair<int64_t, double>> steps,
                 Duration duration, double record_bytes = 100) {
  Scenario s;
  s.name = "capacity";
  s.duration = duration;
  s.seed = 11;
  s.stream.mode = mode;
  s.stream.shards = mode == CapacityMode::kProvisioned ? 1 : 4;
  ProducerConfig p;
  p.name = "p";
  p.rate.profile = RateConfig::Profile::kSchedule;
  for (const auto& [minute, rps] : steps) p.rate.steps.push_back({Duration::minutes(minute), rps});
  p.record_size.kind = Distribution::Kind::kFixed;
  p.record_size.value = record_bytes;
  p.keys.dist = KeysConfig::Dist::kUniform;
  p.keys.count = 10'000;
  p.sdk.max_attempts = 1;
  p.sdk.max_in_flight = 64;
  s.producers.push_back(p);
  return s;
}

// Per-minute values of a stream counter.
std::vector<double> per_minute(const Result& r, const std::string& counter) {
  const auto& names = r.metrics->counter_names();
  const auto it = std::find(names.begin(), names.end(), r.stream.name + "/" + counter);
  if (it == names.end()) return {};
  const auto row = static_cast<Eigen::Index>(it - names.begin());
  const auto sums = r.metrics->counter_sums(0);
  std::vector<double> out;
  for (Eigen::Index c = 0; c < sums.cols(); ++c) out.push_back(sums(row, c));
  return out;
}

std::vector<TimelineEvent> events(const Result& r, const std::string& action,
                                  const std::string& outcome = "") {
  std::vector<TimelineEvent> out;
  for (const TimelineEvent& e : r.timeline) {
    if (e.action == action && (outcome.empty() || e.outcome == outcome)) out.push_back(e);
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Previous peak 2,000 records/s (and 110 bytes a record, key included, as bytes/s).
void set_previous_peak(Scenario& s, double records_per_sec) {
  s.stream.on_demand.previous_peak_records_per_sec = static_cast<uint64_t>(records_per_sec);
  s.stream.on_demand.previous_peak_bytes_per_sec = static_cast<uint64_t>(records_per_sec * 110);
}

// A new on-demand stream starts at 4 MiB/s and 4,000 records/s write (SPEC §5): 6,000
// records/s from the start are throttled by a third until the peak it served counts (15 min).
TEST(OnDemand, ANewStreamStartsAtFourThousandRecordsPerSecond) {
  Scenario s = stepped(CapacityMode::kOnDemand, {{0, 6'000}}, Duration::minutes(5));
  s.producers[0].rate.poisson = false;
  const Result r = run_scenario(s);
  const std::vector<TimelineEvent> created = events(r, "capacity");
  ASSERT_FALSE(created.empty());
  EXPECT_TRUE(contains(created[0].detail, "admission limit of 4194304 B/s and 4000 records/s"))
      << created[0].detail;
  const double offered = static_cast<double>(r.producers[0].counts.produced);
  const double throttled = static_cast<double>(r.producers[0].counts.throttled_entries);
  EXPECT_NEAR(throttled / offered, 1.0 / 3.0, 0.01);
}

TEST(OnDemand, AbsorbsARampToOnePointNineTimesThePreviousPeakWithoutThrottling) {
  // 20 min at the previous peak, a 15-minute ramp to 1.9x, then 20 min there.
  std::vector<std::pair<int64_t, double>> steps{{0, 2000}};
  for (int m = 1; m <= 15; ++m) steps.emplace_back(20 + m, 2000 + 1800.0 * m / 15);
  Scenario s = stepped(CapacityMode::kOnDemand, steps, Duration::minutes(55));
  set_previous_peak(s, 2000);
  const Result r = run_scenario(s);
  EXPECT_EQ(r.producers[0].counts.throttled_entries, 0u);
  EXPECT_GT(r.producers[0].offered_peak_records_per_sec, 1.85 * 2000);
  // 2 x 2,000 records/s with 25 % headroom: 5 shards from the start.
  EXPECT_EQ(r.initial_shards, 5u);
}

TEST(OnDemand, ThrottlesOnAJumpToFourTimesWithinFifteenMinutesAndAbsorbsItLater) {
  Scenario s = stepped(CapacityMode::kOnDemand, {{0, 2000}, {10, 8000}}, Duration::minutes(60));
  set_previous_peak(s, 2000);
  const Result r = run_scenario(s);
  const std::vector<double> throttled = per_minute(r, "WriteProvisionedThroughputExceeded");
  const std::vector<double> incoming = per_minute(r, "IncomingRecords");
  ASSERT_GE(throttled.size(), 60u);
  for (std::size_t m = 0; m < 10; ++m) EXPECT_EQ(throttled[m], 0) << "minute " << m;
  // Within the 15-minute surge window only 2 x the previous peak (4,000 records/s) is served.
  for (std::size_t m = 10; m < 25; ++m) {
    EXPECT_GT(throttled[m], 0.4 * 8000 * 60) << "minute " << m;
    EXPECT_NEAR(incoming[m] / 60, 4000, 4000 * 0.03) << "minute " << m;
  }
  // The surge becomes the previous peak: capacity doubles twice, and then all of it is served.
  for (std::size_t m = 45; m < 60; ++m) EXPECT_EQ(throttled[m], 0) << "minute " << m;
  const std::vector<TimelineEvent> splits = events(r, "split", "started");
  // The surge's first minute (10-11) joins the previous peak 15 minutes later.
  const auto after = std::find_if(splits.begin(), splits.end(), [](const TimelineEvent& e) {
    return e.at >= Time::zero() + Duration::minutes(26);
  });
  ASSERT_NE(after, splits.end());
  EXPECT_EQ(after->at, Time::zero() + Duration::minutes(26));
  EXPECT_TRUE(contains(after->detail, "previous peak")) << after->detail;
  EXPECT_GE(r.final_open_shards, 20u);
}

TEST(OnDemand, SplitsAShardAboveTheTriggerAfterTheDelayAndSaysWhy) {
  // One key at 60 records/s of 10,000 bytes: ~600 KB/s on one shard, above 500,000 B/s.
  Scenario s = stepped(CapacityMode::kOnDemand, {{0, 60}}, Duration::minutes(20), 10'000);
  s.producers[0].keys.count = 1;
  const Result r = run_scenario(s);
  const std::vector<TimelineEvent> splits = events(r, "split", "started");
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0].at, Time::zero() + Duration::minutes(15));
  EXPECT_TRUE(contains(splits[0].detail, "above the 500000 B/s trigger since 0s"))
      << splits[0].detail;
  EXPECT_TRUE(contains(splits[0].detail, "pure split at the middle"));
  EXPECT_EQ(events(r, "split", "completed").size(), 1u);
  EXPECT_EQ(r.final_open_shards, r.initial_shards + 1);
}

TEST(OnDemand, AHotKeyIsStillCappedAtOneThousandRecordsPerSecond) {
  Scenario s = stepped(CapacityMode::kOnDemand, {{0, 1500}}, Duration::minutes(10));
  s.producers[0].keys.count = 1;
  const Result r = run_scenario(s);
  const double accepted = static_cast<double>(r.producers[0].counts.accepted) / 600.0;
  EXPECT_NEAR(accepted, 1000.0, 20.0);
  EXPECT_GT(r.producers[0].counts.throttled_entries, 0u);
}

TEST(OnDemand, AdvantageServesItsCommittedTwentyFiveMiBPerSecondAtOnceWhereStandardThrottles) {
  // 97 % of 25 MiB/s in records of 50,000 bytes from the first second.
  const double rps = 0.97 * 25 * 1024 * 1024 / 50'000;
  Scenario s = stepped(CapacityMode::kOnDemandAdvantage, {{0, rps}}, Duration::minutes(5), 50'000);
  const Result adv = run_scenario(s);
  EXPECT_EQ(adv.producers[0].counts.throttled_entries, 0u);
  EXPECT_EQ(adv.initial_shards, 32u) << "25 MiB/s with 25 % headroom";
  s.stream.mode = CapacityMode::kOnDemand;
  const Result standard = run_scenario(s);
  const ProducerCounts c = standard.producers[0].counts;
  EXPECT_GT(static_cast<double>(c.throttled_entries),
            0.5 * static_cast<double>(c.accepted + c.throttled_entries))
      << "Standard serves 2 x 4 MiB/s at first";
}

TEST(OnDemand, AdvantageWarmThroughputIsAvailableAtOnce) {
  const double rps = 0.9 * 40 * 1024 * 1024 / 50'000;  // 36 MiB/s
  Scenario s = stepped(CapacityMode::kOnDemandAdvantage, {{0, rps}}, Duration::minutes(3), 50'000);
  s.stream.on_demand.warm_throughput_bytes_per_sec = 40 * core::kMiB;
  EXPECT_EQ(run_scenario(s).producers[0].counts.throttled_entries, 0u);
}

// Provisioned with an autoscaler; utilisation is in records (100-byte records).
Scenario autoscaled(uint32_t shards, std::vector<std::pair<int64_t, double>> steps,
                    Duration duration, double record_bytes = 100) {
  Scenario s = stepped(CapacityMode::kProvisioned, std::move(steps), duration, record_bytes);
  s.stream.shards = shards;
  AutoscalerConfig& a = s.stream.autoscaler;
  a.enabled = true;
  a.scale_up_threshold_pct = 75;
  a.scale_up_after = Duration::minutes(5);
  a.scale_up_pct = 100;
  a.scale_down_threshold_pct = 25;
  a.scale_down_after = Duration::minutes(10);
  a.scale_down_pct = 50;
  a.min_shards = 1;
  a.max_shards = 8;
  a.cooldown = Duration::minutes(5);
  return s;
}

TEST(Autoscaler, ScalesUpAfterNMinutesAboveAndDownAfterMMinutesBelowWithinItsBounds) {
  // 90 % of 2 shards for 20 minutes, then 5 %.
  const Result r = run_scenario(autoscaled(2, {{0, 1800}, {20, 100}}, Duration::minutes(55)));
  const std::vector<TimelineEvent> d = events(r, "autoscale");
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].outcome, "scale_up");
  EXPECT_EQ(d[0].at, Time::zero() + Duration::minutes(5));
  EXPECT_TRUE(contains(d[0].detail, "above 75.0 % for 5 min: UpdateShardCount 2 -> 4"))
      << d[0].detail;
  EXPECT_EQ(d[1].outcome, "scale_down");
  EXPECT_EQ(d[1].at, Time::zero() + Duration::minutes(30));
  EXPECT_TRUE(contains(d[1].detail, "below 25.0 % for 10 min: UpdateShardCount 4 -> 2"))
      << d[1].detail;
  EXPECT_EQ(d[2].outcome, "scale_down");
  EXPECT_EQ(d[2].at, Time::zero() + Duration::minutes(40));
  EXPECT_TRUE(contains(d[2].detail, "2 -> 1"));
  EXPECT_EQ(d[3].outcome, "skipped");
  EXPECT_EQ(d[3].at, Time::zero() + Duration::minutes(50));
  EXPECT_TRUE(contains(d[3].detail, "already at the minimum of 1 shards")) << d[3].detail;
  EXPECT_EQ(events(r, "update_shard_count", "completed").size(), 3u);
  EXPECT_EQ(r.final_open_shards, 1u);
}

TEST(Autoscaler, GrowsAtMostTwofoldAndWaitsForItsCooldown) {
  // 3,500 records/s: above 75 % of 1, 2 and 4 shards.
  Scenario s = autoscaled(1, {{0, 3500}}, Duration::minutes(25));
  s.stream.autoscaler.scale_up_after = Duration::minutes(1);
  s.stream.autoscaler.scale_up_pct = 300;
  s.stream.autoscaler.cooldown = Duration::minutes(10);
  s.stream.autoscaler.max_shards = 100;
  const Result r = run_scenario(s);
  const std::vector<TimelineEvent> up = events(r, "autoscale", "scale_up");
  ASSERT_EQ(up.size(), 3u);
  EXPECT_TRUE(contains(up[0].detail, "1 -> 2")) << "bounded by 2n: " << up[0].detail;
  // Each call completes 30 s later; the next waits 10 minutes after that.
  EXPECT_EQ(up[0].at, Time::zero() + Duration::minutes(1));
  EXPECT_EQ(up[1].at, Time::zero() + Duration::minutes(12));
  EXPECT_EQ(up[2].at, Time::zero() + Duration::minutes(23));
  EXPECT_TRUE(contains(up[1].detail, "2 -> 4"));
  const std::vector<TimelineEvent> skipped = events(r, "autoscale", "skipped");
  ASSERT_FALSE(skipped.empty());
  EXPECT_TRUE(contains(skipped[0].detail, "cooling down until 690s")) << skipped[0].detail;
  EXPECT_EQ(skipped.size(), 2u) << "a lasting obstacle is logged once per wait";
}

TEST(Autoscaler, StopsAtTenUpdateShardCountCallsPerDay) {
  // 40 MiB/s in 100 KB records against 10 shards growing by 10 % a minute.
  Scenario s = autoscaled(10, {{0, 400}}, Duration::minutes(14), 100'000);
  s.producers[0].keys.count = 1000;
  s.stream.autoscaler.scale_up_after = Duration::minutes(1);
  s.stream.autoscaler.scale_up_pct = 10;
  s.stream.autoscaler.cooldown = Duration();
  s.stream.autoscaler.max_shards = 1000;
  const Result r = run_scenario(s);
  const std::vector<TimelineEvent> up = events(r, "autoscale", "scale_up");
  ASSERT_EQ(up.size(), 10u);
  EXPECT_TRUE(contains(up[0].detail, "10 -> 11")) << up[0].detail;
  const std::vector<TimelineEvent> skipped = events(r, "autoscale", "skipped");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_TRUE(contains(skipped[0].detail, "LimitExceededException")) << skipped[0].detail;
  EXPECT_EQ(skipped[0].at, Time::zero() + Duration::minutes(11));
}

TEST(Autoscaler, OffMeansTheStreamKeepsItsShardsAndLogsNothing) {
  Scenario s = autoscaled(2, {{0, 1800}}, Duration::minutes(10));
  s.stream.autoscaler.enabled = false;
  const Result r = run_scenario(s);
  EXPECT_TRUE(r.timeline.empty());
  ASSERT_EQ(r.capacity_segments.size(), 1u);
  EXPECT_EQ(r.capacity_segments[0].open_shards, 2u);
}

TimelineAction switch_to(int64_t minute, CapacityMode mode) {
  TimelineAction a;
  a.at = Duration::minutes(minute);
  a.kind = TimelineAction::Kind::kSwitchMode;
  a.mode = mode;
  return a;
}

TEST(Capacity, AThirdModeSwitchWithin24HoursIsALimitExceededException) {
  Scenario s = stepped(CapacityMode::kProvisioned, {{0, 200}}, Duration::minutes(40));
  s.stream.shards = 4;
  s.timeline = {switch_to(10, CapacityMode::kOnDemand), switch_to(20, CapacityMode::kProvisioned),
                switch_to(30, CapacityMode::kOnDemand)};
  const Result r = run_scenario(s);
  const std::vector<TimelineEvent> sw = events(r, "switch_mode");
  ASSERT_EQ(sw.size(), 5u);
  EXPECT_EQ(sw[0].outcome, "started");
  EXPECT_EQ(sw[1].outcome, "completed");
  EXPECT_TRUE(contains(sw[1].detail, "ON_DEMAND")) << sw[1].detail;
  EXPECT_EQ(sw[3].outcome, "completed");
  EXPECT_EQ(sw[4].outcome, "LimitExceededException");
  EXPECT_TRUE(contains(sw[4].detail, "2 capacity mode switches in 24 h")) << sw[4].detail;
  EXPECT_EQ(r.producers[0].counts.throttled_entries, 0u);
}

// Four provisioned shards carry 3,800 records/s; on-demand admits twice the previous peak,
// 8,000/s, and the four shards still take their 4,000/s while the shards on-demand wants are on
// their way. The switch used to cap admission at the shards' rate less on-demand's 25 %
// headroom, 3,200/s, and throttled a sixth of the traffic for a minute.
TEST(Capacity, ASwitchToOnDemandKeepsWhatTheShardsCarried) {
  Scenario s = stepped(CapacityMode::kProvisioned, {{0, 3'800}}, Duration::minutes(15));
  s.stream.shards = 4;
  s.producers[0].rate.poisson = false;  // evenly spaced: no burst above 4,000/s
  s.timeline = {switch_to(5, CapacityMode::kOnDemand)};
  const Result r = run_scenario(s);
  const std::vector<TimelineEvent> done = events(r, "switch_mode", "completed");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(contains(done[0].detail, "admission limit 4194304 B/s and 4000 records/s"))
      << done[0].detail;
  EXPECT_EQ(r.producers[0].counts.throttled_entries, 0u);
  EXPECT_GT(r.producers[0].counts.accepted, 3'400'000u);
}

TEST(Capacity, CostSegmentsSumToTheRunAndPriceEachModesPart) {
  Scenario s = stepped(CapacityMode::kProvisioned, {{0, 200}}, Duration::minutes(40));
  s.stream.shards = 4;
  s.timeline = {switch_to(10, CapacityMode::kOnDemand), switch_to(20, CapacityMode::kProvisioned)};
  const Result r = run_scenario(s);
  const std::vector<CapacitySegment>& segs = r.capacity_segments;
  ASSERT_FALSE(segs.empty());
  EXPECT_EQ(segs.front().from, Time::zero());
  EXPECT_EQ(segs.back().to, Time::zero() + s.duration);
  Duration covered;
  double provisioned_shard_hours = 0;
  double on_demand_hours = 0;
  uint64_t units = 0;
  uint64_t billed = 0;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (i > 0) {
      EXPECT_EQ(segs[i].from, segs[i - 1].to);
    }
    covered += segs[i].to - segs[i].from;
    const double h = (segs[i].to - segs[i].from).to_seconds() / 3600;
    if (segs[i].mode == CapacityMode::kProvisioned) {
      provisioned_shard_hours += h * segs[i].open_shards;
      units += segs[i].put_payload_units;
    } else {
      on_demand_hours += h;
      billed += segs[i].on_demand_billed_bytes;
    }
  }
  EXPECT_EQ(covered, s.duration);
  // The switches land after 30 s of UPDATING: on-demand from 10:30 to 20:30.
  EXPECT_NEAR(on_demand_hours, 10.0 / 60, 1e-12);
  EXPECT_EQ(segs[0].mode, CapacityMode::kProvisioned);
  EXPECT_EQ(segs[0].open_shards, 4u);
  EXPECT_EQ(segs[0].to, Time::zero() + Duration::minutes(10) + Duration::seconds(30));
  EXPECT_GT(units, 0u);
  EXPECT_GT(billed, 0u);
  EXPECT_GE(events(r, "split", "completed").size(), 1u) << "on-demand backs its limit";

  const CostReport c = price(r);
  const ModeCost& run = c.as_simulated;
  EXPECT_TRUE(run.simulated);
  double sum = 0;
  double shard_hours = -1;
  double stream_hours = -1;
  double ingested_gb = -1;
  for (const CostComponent& x : run.components) {
    sum += x.run_cost;
    if (x.name == "provisioned: shard hours") shard_hours = x.quantity;
    if (x.name == "on-demand Standard: stream hours") stream_hours = x.quantity;
    if (x.name == "on-demand Standard: data ingested") ingested_gb = x.quantity;
    EXPECT_TRUE(x.name.rfind("On-demand Advantage", 0) != 0) << "Advantage never ran";
  }
  EXPECT_NEAR(shard_hours, provisioned_shard_hours, 1e-12);
  EXPECT_NEAR(stream_hours, on_demand_hours, 1e-12);
  EXPECT_NEAR(ingested_gb, static_cast<double>(billed) / (1024.0 * 1024 * 1024), 1e-15);
  EXPECT_NEAR(run.run_cost, sum, 1e-12);
  EXPECT_EQ(c.modes.size(), 3u) << "the what-if columns stay";
}

}  // namespace
}  // namespace kinesim::models
