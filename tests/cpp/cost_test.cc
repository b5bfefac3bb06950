// Cost and sizing against hand computation from SPEC §6 and §10, on Results built by hand.
#include "models/cost/cost.h"

#include <gtest/gtest.h>

#include <string>

#include "models/report/sizing.h"

namespace kinesim::models {
namespace {

using sim::Duration;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// A one-hour provisioned run with `shards` shards and nothing written.
Result run_of(uint32_t shards, Duration duration = Duration::hours(1)) {
  Result r;
  r.scenario_name = "cost";
  r.duration = duration;
  r.resolution = Duration::seconds(60);
  r.stream.shards = shards;
  r.initial_shards = shards;
  r.final_open_shards = shards;
  r.shard_hours = shards * duration.to_seconds() / 3600.0;
  return r;
}

// Adds one shard holding `bytes` accepted in `records` records, and a producer that made them.
void accept(Result& r, uint64_t records, uint64_t bytes) {
  ShardResult s;
  s.shard_id = "shardId-000000000000";
  s.totals.accepted_records = records;
  s.totals.accepted_bytes = bytes;
  r.shards.push_back(s);
  ProducerResult p;
  p.name = "p";
  p.counts.produced = p.counts.accepted = p.counts.accepted_entries = records;
  p.counts.user_record_attempts = records;
  p.counts.produced_bytes = p.counts.accepted_bytes = bytes;
  r.producers.push_back(std::move(p));
}

const ModeCost& mode(const CostReport& c, CapacityMode m) {
  for (const ModeCost& x : c.modes) {
    if (x.mode == m) return x;
  }
  throw std::runtime_error("mode missing");
}

const CostComponent& component(const ModeCost& m, const std::string& name) {
  for (const CostComponent& c : m.components) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("component missing: " + name);
}

TEST(Cost, TenShardsForOneHourCostFifteenCentsProvisioned) {
  const CostReport c = price(run_of(10));
  const CostComponent& shard_hours = component(mode(c, CapacityMode::kProvisioned), "shard hours");
  EXPECT_DOUBLE_EQ(shard_hours.quantity, 10);
  EXPECT_EQ(shard_hours.unit, "shard-hour");
  EXPECT_DOUBLE_EQ(shard_hours.unit_price, 0.015);
  EXPECT_DOUBLE_EQ(shard_hours.run_cost, 0.15);
  EXPECT_DOUBLE_EQ(shard_hours.per_hour, 0.15);
  EXPECT_DOUBLE_EQ(shard_hours.per_month, 0.15 * 730);
}

TEST(Cost, AMillionOneKiBRecordsAreAMillionPutPayloadUnitsAtFourteenTenthsOfACent) {
  Result r = run_of(1);
  accept(r, 1'000'000, 1'000'000 * 1024);
  r.put_payload_units = 1'000'000 * core::put_payload_units(1024);
  const CostReport c = price(r);
  const ModeCost& p = mode(c, CapacityMode::kProvisioned);
  const CostComponent& units = component(p, "PUT payload units");
  EXPECT_DOUBLE_EQ(units.quantity, 1.0);
  EXPECT_DOUBLE_EQ(units.run_cost, 0.014);
  EXPECT_DOUBLE_EQ(p.run_cost, 0.015 + 0.014);
  EXPECT_DOUBLE_EQ(p.per_month, (0.015 + 0.014) * 730);
}

TEST(Cost, OnDemandStandardBillsTheStreamHourAndKiBRoundedGigabytes) {
  Result r = run_of(4);
  // 2^20 records of 100 bytes: each billed as 1 KiB, so exactly 1 GiB billed.
  accept(r, 1u << 20, (1u << 20) * 100);
  r.on_demand_billed_bytes = (uint64_t{1} << 20) * core::on_demand_billed_bytes(100);
  const CostReport c = price(r);
  const ModeCost& od = mode(c, CapacityMode::kOnDemand);
  EXPECT_DOUBLE_EQ(component(od, "stream hours").run_cost, 0.04);
  EXPECT_DOUBLE_EQ(component(od, "data ingested").quantity, 1.0);
  EXPECT_DOUBLE_EQ(component(od, "data ingested").run_cost, 0.08);
  EXPECT_DOUBLE_EQ(od.run_cost, 0.12);
  EXPECT_DOUBLE_EQ(od.per_month, 0.12 * 730);
}

TEST(Cost, AdvantageChargesTheProratedMinimumWhenUsageIsBelowItAndSaysSo) {
  Result r = run_of(4);
  accept(r, 1u << 20, uint64_t{1} << 30);
  r.on_demand_billed_bytes = uint64_t{1} << 30;
  const CostReport c = price(r);
  const ModeCost& adv = mode(c, CapacityMode::kOnDemandAdvantage);
  EXPECT_DOUBLE_EQ(component(adv, "stream hours").run_cost, 0.0);
  EXPECT_DOUBLE_EQ(component(adv, "data ingested").run_cost, 0.032);
  const CostComponent& top_up = component(adv, "committed minimum (top-up)");
  EXPECT_NEAR(top_up.run_cost, 100.0 / 24 - 0.032, 1e-12);
  EXPECT_NE(top_up.note.find("below the committed minimum"), std::string::npos);
  EXPECT_NEAR(adv.run_cost, 100.0 / 24, 1e-12);
  EXPECT_NEAR(adv.per_month, 100.0 / 24 * 730, 1e-9);
  ASSERT_FALSE(adv.notes.empty());
  EXPECT_NE(adv.notes[0].find("max(usage, committed minimum"), std::string::npos);
}

TEST(Cost, AdvantageAddsNothingWhenUsageCoversTheMinimum) {
  Result r = run_of(4);
  // 200 GiB in one hour: $6.40 of ingest, above $100/24 = $4.17.
  accept(r, 200u << 20, uint64_t{200} << 30);
  r.on_demand_billed_bytes = uint64_t{200} << 30;
  const CostReport c = price(r);
  const ModeCost& adv = mode(c, CapacityMode::kOnDemandAdvantage);
  EXPECT_DOUBLE_EQ(component(adv, "committed minimum (top-up)").run_cost, 0.0);
  EXPECT_NEAR(adv.run_cost, 6.4, 1e-12);
}

TEST(Cost, ProvisionedExtendedRetentionBillsEveryShardHourAboveTwentyFourHours) {
  Result r = run_of(10);
  r.stream.retention_hours = 48;
  const CostReport c = price(r);
  const ModeCost& p = mode(c, CapacityMode::kProvisioned);
  EXPECT_DOUBLE_EQ(component(p, "extended retention (24 h - 7 d)").run_cost, 0.2);
  EXPECT_DOUBLE_EQ(component(p, "long-term retention (> 7 d)").run_cost, 0.0);
  r.stream.retention_hours = 24;
  EXPECT_DOUBLE_EQ(
      component(mode(price(r), CapacityMode::kProvisioned), "extended retention (24 h - 7 d)")
          .run_cost,
      0.0);
}

TEST(Cost, LongTermRetentionIsTheSteadyStateStockPerGigabyteMonth) {
  Result r = run_of(1);
  r.stream.retention_hours = 720;          // 30 days: 552 h beyond 7 days
  accept(r, 1u << 20, uint64_t{1} << 30);  // 1 GiB per hour
  const CostReport c = price(r);
  const CostComponent& lt =
      component(mode(c, CapacityMode::kProvisioned), "long-term retention (> 7 d)");
  EXPECT_NEAR(lt.per_month, 552 * 0.023, 1e-9);
  EXPECT_NEAR(lt.run_cost, 552 * 0.023 / 730, 1e-12);
  EXPECT_NE(lt.note.find("552 GB held"), std::string::npos);
  // On-demand Standard holds 144 h (24 h - 7 d) at $0.10 and the rest at $0.023.
  const ModeCost& od = mode(c, CapacityMode::kOnDemand);
  EXPECT_NEAR(component(od, "extended retention (24 h - 7 d)").per_month, 144 * 0.10, 1e-9);
  EXPECT_NEAR(component(od, "long-term retention (> 7 d)").per_month, 552 * 0.023, 1e-9);
}

TEST(Cost, AWriteOnlyRunListsItsConsumerComponentsAsZeroWithANote) {
  const CostReport c = price(run_of(2));
  for (const ModeCost& m : c.modes) {
    const CostComponent& efo = component(m, "enhanced fan-out data");
    EXPECT_EQ(efo.run_cost, 0.0);
    EXPECT_EQ(efo.note, "no consumers in the scenario");
    EXPECT_EQ(component(m, "retrieval (shared throughput)").run_cost, 0.0);
  }
}

TEST(Cost, ReportsThreeModesSideBySideAndTheCheapestWithThePriceTableVersion) {
  Result r = run_of(2, Duration::hours(2));
  r.stream.mode = CapacityMode::kOnDemand;
  const CostReport c = price(r);
  ASSERT_EQ(c.modes.size(), 3u);
  EXPECT_EQ(c.modes[0].name, "provisioned");
  EXPECT_EQ(c.modes[1].name, "on-demand Standard");
  EXPECT_EQ(c.modes[2].name, "On-demand Advantage");
  EXPECT_FALSE(c.modes[0].simulated);
  EXPECT_TRUE(c.modes[1].simulated);
  // 2 shards: $0.03/h provisioned against $0.04/h on-demand and the Advantage minimum.
  EXPECT_EQ(c.cheapest, 0u);
  EXPECT_DOUBLE_EQ(c.modes[0].per_hour, 0.03);
  EXPECT_DOUBLE_EQ(c.simulated_hours, 2.0);
  EXPECT_EQ(c.region, "us-east-1");
  EXPECT_EQ(c.price_date, core::kUsEast1Prices.version.date);
  EXPECT_FALSE(c.price_source.empty());
}

TEST(Cost, PricesComeFromTheGivenTable) {
  core::PriceTable table = core::kUsEast1Prices;
  table.provisioned.shard_hour = 0.1;
  table.hours_per_month = 720;
  const CostReport c = price(run_of(3), table);
  const CostComponent& sh = component(mode(c, CapacityMode::kProvisioned), "shard hours");
  EXPECT_DOUBLE_EQ(sh.run_cost, 0.3);
  EXPECT_DOUBLE_EQ(sh.per_month, 0.3 * 720);
}

TEST(Cost, AsSimulatedEqualsTheSimulatedModeWhenTheRunNeverSwitched) {
  Result r = run_of(10);
  r.put_payload_units = 2'000'000;
  const CostReport c = price(r);
  EXPECT_TRUE(c.as_simulated.simulated);
  EXPECT_DOUBLE_EQ(c.as_simulated.run_cost, mode(c, CapacityMode::kProvisioned).run_cost);
  EXPECT_DOUBLE_EQ(component(c.as_simulated, "provisioned: shard hours").quantity, 10);
}

TEST(Cost, AsSimulatedPricesEachSegmentInTheModeItRanIn) {
  Result r = run_of(2, Duration::hours(2));
  const sim::Time t0 = sim::Time::zero();
  // One hour provisioned on 2 shards, then one hour on-demand Standard with 1 GiB billed.
  r.capacity_segments = {{t0, t0 + Duration::hours(1), CapacityMode::kProvisioned, 2, 1'000'000, 0},
                         {t0 + Duration::hours(1), t0 + Duration::hours(2), CapacityMode::kOnDemand,
                          8, 0, uint64_t{1} << 30}};
  const CostReport c = price(r);
  const ModeCost& run = c.as_simulated;
  EXPECT_DOUBLE_EQ(component(run, "provisioned: shard hours").run_cost, 2 * 0.015);
  EXPECT_DOUBLE_EQ(component(run, "provisioned: PUT payload units").run_cost, 0.014);
  EXPECT_DOUBLE_EQ(component(run, "on-demand Standard: stream hours").run_cost, 0.04);
  EXPECT_DOUBLE_EQ(component(run, "on-demand Standard: data ingested").run_cost, 0.08);
  EXPECT_NEAR(run.run_cost, 0.03 + 0.014 + 0.04 + 0.08, 1e-12);
  EXPECT_NEAR(run.per_hour, run.run_cost / 2, 1e-12);
  EXPECT_EQ(c.modes.size(), 3u);
}

TEST(Sizing, FormulaTakesTheLargestOfWriteReadAndRecordShards) {
  const SizingEstimate e = sizing_estimate(4000, 2.0 * 1024 * 1024, 0);
  EXPECT_DOUBLE_EQ(e.write_kib_per_sec, 2048);
  EXPECT_EQ(e.shards_for_write, 2u);
  EXPECT_EQ(e.shards_for_read, 0u);
  EXPECT_EQ(e.shards_for_records, 4u);
  EXPECT_EQ(e.shards, 4u);
  // Three polling consumers read 3 × 5 MiB/s = 15 MiB/s: 8 shards at 2 MiB/s each.
  const SizingEstimate read = sizing_estimate(100, 5.0 * 1024 * 1024, 3);
  EXPECT_EQ(read.shards_for_write, 5u);
  EXPECT_EQ(read.shards_for_read, 8u);
  EXPECT_EQ(read.shards, 8u);
}

TEST(Sizing, ExactMultiplesAreNotRoundedUpAndAnIdleStreamNeedsOneShard) {
  EXPECT_EQ(sizing_estimate(1000, 0, 0).shards, 1u);
  EXPECT_EQ(sizing_estimate(1001, 0, 0).shards, 2u);
  EXPECT_EQ(sizing_estimate(0, 1024.0 * 1024 + 1, 0).shards, 2u);
  EXPECT_EQ(sizing_estimate(0, 0, 0).shards, 1u);
}

TEST(Sizing, ComputesMeanAndPeakAndExplainsAHotKey) {
  Result r = run_of(4);
  accept(r, 3'600'000, 3'600'000 * 100);  // 1,000 records/s of 100 bytes on average
  ProducerResult& p = r.producers[0];
  p.counts.throttled_entries = 400'000;
  r.shards[0].totals.throttled_records = 400'000;  // the stream's books
  p.offered_peak_records_per_sec = 2500;
  p.offered_peak_bytes_per_sec = 250'000;
  KeyResult hot;
  hot.key = "user-17";
  hot.shard_id = "shardId-000000000003";
  hot.counts.offered = 1400 * 3600;
  hot.counts.offered_bytes = 140'000 * 3600;
  p.hot_keys.push_back(hot);
  const SizingReport s = size(r);
  EXPECT_EQ(s.mean.shards, 1u);
  EXPECT_DOUBLE_EQ(s.mean.records_per_sec, 1000);
  EXPECT_EQ(s.peak.shards, 3u);
  EXPECT_EQ(s.simulated_initial_shards, 4u);
  EXPECT_DOUBLE_EQ(s.throttled_fraction, 0.1);
  EXPECT_EQ(s.comparison,
            "the formula asks for 3 shards at peak (1 on the mean load); with 4 shards (1 more "
            "than the formula asks) the simulation throttled 10 % of writes because key user-17 "
            "alone exceeds one shard (1,400 records/s, 136.7 KiB/s), whatever the shard count.");
}

TEST(Sizing, SaysWhenNothingWasThrottledAndShardsCouldGo) {
  Result r = run_of(8);
  accept(r, 360'000, 36'000'000);
  r.producers[0].offered_peak_records_per_sec = 150;
  r.producers[0].offered_peak_bytes_per_sec = 15'000;
  EXPECT_EQ(size(r).comparison,
            "the formula asks for 1 shard at peak (1 on the mean load); with 8 shards (7 more "
            "than the formula asks) the simulation throttled nothing, so the formula's 1 may do "
            "(check bursts before removing shards).");
}

TEST(Sizing, SaysTheFormulasCountLeftNoHeadroomWhenTheBusiestShardBurstPastItsLimit) {
  Result r = run_of(2);
  accept(r, 3'600'000, 360'000'000);
  r.shards[0].peak_records_per_sec = 1010;
  r.producers[0].offered_peak_records_per_sec = 1500;
  r.producers[0].offered_peak_bytes_per_sec = 150'000;
  EXPECT_EQ(size(r).comparison,
            "the formula asks for 2 shards at peak (1 on the mean load); with 2 shards (as many "
            "as the formula asks) the simulation throttled nothing; the busiest shard peaked at "
            "101 % of its write limit (bursts absorbed it): no headroom.");
}

TEST(Sizing, CountsTheKinesisRecordsAShardsLimitSeesAndStatesUserRecordsBeside) {
  Result r = run_of(2);
  accept(r, 1'200'000, 360'000'000);  // Kinesis records at the shard
  ProducerResult& p = r.producers[0];
  p.type = "kpl";
  p.counts.produced = p.counts.accepted = 3'600'000;  // user records, 3 to an aggregate
  p.counts.user_record_attempts = 3'600'000;
  p.offered_peak_records_per_sec = 3000;
  p.offered_peak_bytes_per_sec = 100'000;
  const SizingReport s = size(r);
  EXPECT_DOUBLE_EQ(s.peak.records_per_sec, 1000);  // 3,000 user records/s, 3 to a record
  EXPECT_DOUBLE_EQ(s.peak.user_records_per_sec, 3000);
  EXPECT_NEAR(s.mean.records_per_sec, 1000.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(s.mean.user_records_per_sec, 1000);
  EXPECT_EQ(s.peak.shards, 1u);
  EXPECT_EQ(s.comparison,
            "the formula asks for 1 shard at peak (1 on the mean load), counting Kinesis "
            "records (1,000/s at peak for 3,000 user records/s, 3 to a Kinesis record); with 2 "
            "shards (1 more than the formula asks) the simulation throttled nothing, so the "
            "formula's 1 may do (check bursts before removing shards).");
}

TEST(Sizing, CallsThrottlingBelowTheFormulasCountWhatTheFormulaPredicts) {
  Result r = run_of(4);
  accept(r, 3'600'000, 360'000'000);
  r.producers[0].counts.throttled_entries = 3'600'000;
  r.shards[0].totals.throttled_records = 3'600'000;  // the stream's books
  r.producers[0].offered_peak_records_per_sec = 8000;
  r.producers[0].offered_peak_bytes_per_sec = 800'000;
  EXPECT_EQ(size(r).comparison,
            "the formula asks for 8 shards at peak (1 on the mean load); with 4 shards (4 fewer "
            "than the formula asks) the simulation throttled 50 % of writes, as the formula "
            "predicts.");
}

TEST(Sizing, WarnsAgainstRemovingShardsWhenTheBusiestIsNearItsLimit) {
  Result r = run_of(4);
  accept(r, 3'600'000, 360'000'000);
  r.shards[0].peak_records_per_sec = 950;  // key skew: one shard does most of the work
  r.producers[0].offered_peak_records_per_sec = 1200;
  r.producers[0].offered_peak_bytes_per_sec = 120'000;
  EXPECT_EQ(size(r).comparison,
            "the formula asks for 2 shards at peak (1 on the mean load); with 4 shards (2 more "
            "than the formula asks) the simulation throttled nothing, but the busiest shard "
            "peaked at 95 % of its write limit: fewer shards risk throttling.");
}

}  // namespace
}  // namespace kinesim::models
