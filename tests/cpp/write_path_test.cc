// Closed-form checks of the simulated write path: token-bucket throughput, hot keys, the
// key -> shard assignment, the retry policy, conservation and determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "models/core/hash_key.h"
#include "models/core/shard_map.h"
#include "models/scenario/loader.h"
#include "models/world/world.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using testing::expect_conserved;

Scenario one_producer(uint32_t shards, double rps, Duration duration) {
  return testing::one_producer_scenario(
      {.shards = shards, .records_per_sec = rps, .duration = duration});
}

// The closed forms hold in both fidelities (docs/design.md, "Fast mode").
RunOptions in(Fidelity f) {
  RunOptions o;
  o.fidelity = f;
  return o;
}
std::string name(Fidelity f) { return f == Fidelity::kFast ? "fast" : "exact"; }

TEST(WritePath, OneShardAboveCapacityAcceptsItsRateAndThrottlesTheRest) {
  // Poisson 2,000 records/s of 100 B on one shard, no retries: the records bucket admits
  // 1,000/s in the long run, so half the attempts are throttled.
  Scenario s = one_producer(1, 2000, Duration::minutes(30));
  s.producers[0].sdk.max_attempts = 1;
  s.producers[0].sdk.max_in_flight = 64;
  for (const Fidelity f : {Fidelity::kExact, Fidelity::kFast}) {
    const Result r = run_scenario(s, in(f));
    ASSERT_EQ(r.producers[0].fidelity, name(f));
    const ProducerCounts c = r.producers[0].counts;
    const double seconds = s.duration.to_seconds();
    EXPECT_NEAR(static_cast<double>(c.accepted) / seconds, 1000.0, 1000.0 * 0.02) << name(f);
    const double throttled = static_cast<double>(c.throttled_entries) /
                             static_cast<double>(c.accepted + c.throttled_entries);
    EXPECT_NEAR(throttled, 0.5, 0.5 * 0.02) << name(f);
    EXPECT_EQ(c.failed_attempts_exhausted, c.throttled_entries)
        << "no retries: every throttle fails";
    expect_conserved(r);
  }
}

TEST(WritePath, OneShardBelowCapacityThrottlesNothing) {
  const Result r = run_scenario(one_producer(1, 500, Duration::minutes(10)));
  EXPECT_EQ(r.producers[0].counts.throttled_entries, 0u);
  EXPECT_NEAR(static_cast<double>(r.producers[0].counts.accepted) / 600.0, 500.0, 500.0 * 0.03);
  expect_conserved(r);
}

TEST(WritePath, ASingleKeyAboveOneThousandRecordsPerSecondIsThrottledWhateverTheShardCount) {
  for (const Fidelity f : {Fidelity::kExact, Fidelity::kFast}) {
    for (const uint32_t shards : {1u, 8u, 64u}) {
      Scenario s = one_producer(shards, 1500, Duration::minutes(10));
      s.producers[0].keys.count = 1;
      s.producers[0].sdk.max_attempts = 1;
      s.producers[0].sdk.max_in_flight = 64;
      const Result r = run_scenario(s, in(f));
      const double accepted_rate = static_cast<double>(r.producers[0].counts.accepted) / 600.0;
      EXPECT_NEAR(accepted_rate, 1000.0, 20.0) << shards << " shards, " << name(f);
      EXPECT_GT(r.producers[0].counts.throttled_entries, 0u);
      // The key is individual in fast mode too: its tallies are all the producer's.
      ASSERT_EQ(r.producers[0].hottest_keys.size(), 1u);
      EXPECT_EQ(r.producers[0].hottest_keys[0].counts.accepted, r.producers[0].counts.accepted);
    }
  }
}

TEST(WritePath, PerShardLoadMatchesTheKeyToShardAssignment) {
  // 50 uniform keys over 7 shards, far below capacity: each shard receives the share of keys
  // that hash into its range.
  Scenario s = one_producer(7, 700, Duration::minutes(20));
  s.producers[0].keys.count = 50;
  const Result r = run_scenario(s);
  const core::ShardMap map = core::ShardMap::uniform(7);
  std::map<std::string, double> expected_share;
  for (int k = 0; k < 50; ++k) {
    expected_share[core::ShardMap::shard_id(
        map.route(core::hash_key("key-" + std::to_string(k))))] += 1.0 / 50;
  }
  const double total = static_cast<double>(r.producers[0].counts.accepted);
  ASSERT_GT(total, 0);
  for (const ShardResult& sh : r.shards) {
    const double share = static_cast<double>(sh.totals.accepted_records) / total;
    const double expected = expected_share[sh.shard_id];
    // Binomial standard error of the share, 5 sigma.
    const double sigma = std::sqrt(expected * (1 - expected) / total) + 1e-9;
    EXPECT_NEAR(share, expected, 5 * sigma + 0.002) << sh.shard_id;
  }
}

TEST(WritePath, FirstRetryDelaysAreUniformUpToTheBackoffBase) {
  // Everything above one shard's capacity, two attempts: every retry waits U(0, base).
  Scenario s = one_producer(1, 3000, Duration::minutes(10));
  s.producers[0].sdk.max_attempts = 2;
  s.producers[0].sdk.max_in_flight = 64;
  s.producers[0].sdk.backoff_base = Duration::millis(100);
  const Result r = run_scenario(s);
  const sim::LogHistogram& b = r.producers[0].backoff_us;
  ASSERT_GT(b.count(), 1000u);
  EXPECT_LE(b.max(), 100'000u);
  EXPECT_NEAR(b.mean(), 50'000.0, 50'000.0 * 0.05);
  EXPECT_NEAR(static_cast<double>(b.quantile(0.25)), 25'000.0, 25'000.0 * 0.1);
  const ProducerCounts c = r.producers[0].counts;
  EXPECT_GT(c.retried_entries, 0u);
  EXPECT_EQ(c.accepted, r.producers[0].attempts.at(1) + r.producers[0].attempts.at(2));
  expect_conserved(r);
}

TEST(WritePath, BackoffCeilingDoublesPerAttemptUpToTheCap) {
  Scenario s = one_producer(1, 5000, Duration::minutes(5));
  auto& sdk = s.producers[0].sdk;
  sdk.max_attempts = 6;
  sdk.max_in_flight = 64;
  sdk.backoff_base = Duration::millis(100);
  sdk.backoff_cap = Duration::millis(400);
  const Result r = run_scenario(s);
  EXPECT_LE(r.producers[0].backoff_us.max(), 400'000u);
  EXPECT_GT(r.producers[0].backoff_us.max(), 300'000u) << "ceilings 100, 200, 400, 400 ms";
  expect_conserved(r);
}

TEST(WritePath, RecordsLargerThanTheLimitAreRejectedAndCounted) {
  Scenario s = one_producer(2, 100, Duration::minutes(2));
  s.producers[0].record_size.kind = Distribution::Kind::kHistogram;
  s.producers[0].record_size.points = {{100, 1}, {2 * 1024 * 1024, 1}};
  const Result r = run_scenario(s);
  const ProducerCounts c = r.producers[0].counts;
  EXPECT_GT(c.rejected_too_large, 0u);
  EXPECT_NEAR(static_cast<double>(c.rejected_too_large) / static_cast<double>(c.produced), 0.5,
              0.05);
  expect_conserved(r);
}

TEST(WritePath, AFullBufferFailsTheRecordsBeyondItAndSendsTheRest) {
  // 1,000 records/s in batches closed by the 100 ms linger (about 100 records each), a buffer of
  // 50 records: each batch sends the earliest records that fit beside those still in flight and
  // fails the later ones, so about half go out; the producer never stops sending.
  Scenario s = one_producer(4, 1000, Duration::seconds(30));
  s.producers[0].sdk.max_buffered_records = 50;
  for (const Fidelity f : {Fidelity::kExact, Fidelity::kFast}) {
    const Result r = run_scenario(s, in(f));
    const ProducerCounts c = r.producers[0].counts;
    EXPECT_GT(c.requests, 250u) << name(f);  // one a batch: about 300 in 30 s
    const double sent = static_cast<double>(c.accepted) / static_cast<double>(c.produced);
    EXPECT_GT(sent, 0.4) << name(f);
    EXPECT_LT(sent, 0.6) << name(f);
    EXPECT_EQ(c.accepted + c.failed_buffer_full + c.pending, c.produced) << name(f);
    expect_conserved(r);
  }
}

TEST(WritePath, SplitMidRunAddsShardsAndClosesTheParent) {
  Scenario s = one_producer(2, 1000, Duration::minutes(10));
  s.timeline.push_back(testing::update_shard_count(Duration::minutes(5), 4));
  const Result r = run_scenario(s);
  EXPECT_EQ(r.final_open_shards, 4u);
  ASSERT_GE(r.timeline.size(), 2u);
  EXPECT_EQ(r.timeline[0].outcome, "started");
  EXPECT_EQ(r.timeline[1].outcome, "completed");
  EXPECT_FALSE(r.shards[0].open);
  EXPECT_GT(r.shards[0].totals.accepted_records, 0u) << "the parent took writes before";
  EXPECT_GT(r.shards.back().totals.accepted_records, 0u) << "the children take writes after";
  // 2 shards for 5.5 min (UPDATING lasts 30 s), then 4 for 4.5 min.
  EXPECT_NEAR(r.shard_hours, (2 * 5.5 + 4 * 4.5) / 60.0, 1e-9);
  expect_conserved(r);
}

TEST(WritePath, UpdateShardCountClosesItsIntermediateShardsAndOpensTheirChildrenWhenItLands) {
  // 3 -> 2 goes through intermediate shards, open for no time: every closed shard has a close
  // time, and each shard the update made opens when it lands, not at the end of time.
  Scenario s = one_producer(3, 2600, Duration::minutes(4));
  s.timeline.push_back(testing::update_shard_count(Duration::seconds(30), 2));
  const Result r = run_scenario(s);
  ASSERT_EQ(r.final_open_shards, 2u);
  const sim::Time landed = sim::Time::zero() + Duration::seconds(60);  // UPDATING for 30 s
  for (const ShardResult& shard : r.shards) {
    if (!shard.open) {
      EXPECT_LE(shard.closed_at, landed) << shard.shard_id;
    }
    EXPECT_LE(shard.created_at, landed) << shard.shard_id;
    if (shard.open) {
      EXPECT_EQ(shard.created_at, landed) << shard.shard_id;
      EXPECT_GT(shard.totals.accepted_records, 0u) << shard.shard_id;
      EXPECT_GT(shard.peak_records_per_sec, 0.0) << shard.shard_id;
    }
  }
  expect_conserved(r);
}

TEST(WritePath, UpdateShardCountAfterASwitchToProvisionedCountsFromTheSwitchsShards) {
  // 3 shards, on-demand, back to PROVISIONED with 5: a target of 8 is within 2x of 5.
  const Scenario s = load_scenario_text(R"({
    "name": "switch-then-update", "duration": "10m", "seed": 3, "stream": {"shards": 3},
    "producers": [{"name": "p", "rate": {"records_per_sec": 500}, "record_size": "1000B"}],
    "timeline": [{"at": "2m", "action": "switch_mode", "mode": "ON_DEMAND"},
                 {"at": "4m", "action": "switch_mode", "mode": "PROVISIONED", "shards": 5},
                 {"at": "8m", "action": "update_shard_count", "target": 8}]})");
  EXPECT_NO_THROW(check_scenario(s));
  const Result r = run_scenario(s);
  EXPECT_EQ(r.final_open_shards, 8u);
  expect_conserved(r);
}

TEST(WritePath, ActionsWhileUpdatingAreRejectedWithResourceInUse) {
  Scenario s = one_producer(2, 10, Duration::minutes(5));
  TimelineAction a;
  a.at = Duration::minutes(1);
  a.kind = TimelineAction::Kind::kSplit;
  a.shard = "shardId-000000000000";
  TimelineAction b = a;
  b.at = Duration::minutes(1) + Duration::seconds(10);
  b.shard = "shardId-000000000001";
  s.timeline = {a, b};
  const Result r = run_scenario(s);
  ASSERT_EQ(r.timeline.size(), 3u);
  EXPECT_EQ(r.timeline[1].outcome, "ResourceInUseException");
  EXPECT_EQ(r.final_open_shards, 3u);
}

TEST(WritePath, AnInvalidTimelineIsAScenarioErrorBeforeRunning) {
  Scenario s = one_producer(4, 10, Duration::minutes(5));
  TimelineAction a;
  a.at = Duration::minutes(1);
  a.kind = TimelineAction::Kind::kMerge;
  a.shard = "shardId-000000000000";
  a.adjacent_shard = "shardId-000000000002";
  s.timeline.push_back(a);
  EXPECT_THROW(run_scenario(s), ScenarioError);
}

TEST(WritePath, SameSeedGivesIdenticalResults) {
  Scenario s = one_producer(3, 2500, Duration::minutes(5));
  s.producers[0].keys.dist = KeysConfig::Dist::kZipf;
  s.producers[0].keys.s = 1.2;
  const Result a = run_scenario(s);
  const Result b = run_scenario(s);
  EXPECT_EQ(a.producers[0].counts.accepted, b.producers[0].counts.accepted);
  EXPECT_EQ(a.producers[0].counts.throttled_entries, b.producers[0].counts.throttled_entries);
  EXPECT_EQ(a.producers[0].record_latency_us.quantile(0.99),
            b.producers[0].record_latency_us.quantile(0.99));
  EXPECT_EQ(a.events_run, b.events_run);
  RunOptions other_seed;
  other_seed.seed = 8;
  const Result c = run_scenario(s, other_seed);
  EXPECT_NE(a.producers[0].counts.produced, c.producers[0].counts.produced);
}

TEST(WritePath, AnotherProducerDoesNotChangeWhatThisOneGenerates) {
  Scenario s = one_producer(4, 800, Duration::minutes(5));
  const Result alone = run_scenario(s);
  ProducerConfig other = s.producers[0];
  other.name = "other";
  other.rate.records_per_sec = 5000;
  s.producers.insert(s.producers.begin(), other);
  const Result together = run_scenario(s);
  const ProducerResult& a = alone.producers[0];
  const ProducerResult& b = together.producers[1];
  ASSERT_EQ(b.name, "p");
  EXPECT_EQ(a.counts.produced, b.counts.produced);
  EXPECT_EQ(a.counts.produced_bytes, b.counts.produced_bytes);
  ASSERT_EQ(a.hottest_keys.size(), b.hottest_keys.size());
  for (std::size_t i = 0; i < a.hottest_keys.size(); ++i) {
    EXPECT_EQ(a.hottest_keys[i].key, b.hottest_keys[i].key);
    EXPECT_EQ(a.hottest_keys[i].counts.offered, b.hottest_keys[i].counts.offered);
  }
}

TEST(WritePath, PutRecordSendsOneRecordPerRequest) {
  Scenario s = one_producer(2, 50, Duration::minutes(2));
  s.producers[0].sdk.api = SdkConfig::Api::kPutRecord;
  const Result r = run_scenario(s);
  EXPECT_EQ(r.producers[0].counts.requests, r.producers[0].counts.accepted);
  expect_conserved(r);
}

TEST(WritePath, RetentionRunsStayBoundedWhateverTheDuration) {
  Scenario s = one_producer(1, 200, Duration::hours(3));
  s.stream.retention_hours = 24;
  // With no consumer, only runs of a minute (retention / 1440): 180 minutes of data, the first
  // and the last partly. The records, bytes and user records retained are what was accepted.
  const Result r = run_scenario(s);
  EXPECT_LE(r.shards[0].retention_runs, 181u);
  EXPECT_GE(r.shards[0].retention_runs, 180u);
  EXPECT_EQ(r.shards[0].retained_records, r.shards[0].totals.accepted_records);
  EXPECT_EQ(r.shards[0].retained_bytes, r.shards[0].totals.accepted_bytes);
  // A consumer reads at the tip: fine runs (at most one per 50 ms) of the last minute
  // (retention.h) too, hundreds of them here, and the same records retained, as the records the
  // producer draws do not depend on a consumer.
  s.consumers.push_back(ConsumerConfig{});
  s.consumers.back().name = "reader";
  const Result read = run_scenario(s);
  EXPECT_GT(read.shards[0].retention_runs, 181u + 500u);
  EXPECT_LE(read.shards[0].retention_runs, 181u + 1'201u);
  EXPECT_EQ(read.shards[0].retained_records, r.shards[0].retained_records);
  EXPECT_EQ(read.shards[0].retained_bytes, r.shards[0].retained_bytes);
}

}  // namespace
}  // namespace kinesim::models
