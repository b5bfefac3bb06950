// The KCL consumer in closed forms: checkpoints after every batch and no failure make no
// duplicates; a crashed worker's shards are replayed from their checkpoints (about the records of
// half a checkpoint interval each) once failoverTimeMillis and a lease-taking pass have gone by;
// 2.x steals towards ceil(leases / workers), 3.x rebalances by load with graceful hand-offs and no
// duplicates; children after their parents; conservation in every run and the same seed, the
// same result.
#include "models/consumer/kcl_consumer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/world/world.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using testing::consumer_named;
using testing::detail;
using testing::expect_conserved;
using testing::OneProducer;

constexpr double kRecordsPerShardPerSec = 100;

// `shards` shards at a constant 100 records/s each (SDK, no aggregation: one user record per
// Kinesis record) and one KCL consumer "app" with `workers` workers polling every 200 ms.
Scenario kcl_scenario(uint32_t shards, uint32_t workers, KclConfig::Version version,
                      Duration duration = Duration::minutes(3)) {
  OneProducer o;
  o.shards = shards;
  o.records_per_sec = kRecordsPerShardPerSec * shards;
  o.profile = RateConfig::Profile::kConstant;
  o.duration = duration;
  Scenario s = testing::one_producer_scenario(o);
  s.producers[0].keys.count = 10'000;  // enough keys to spread evenly over the shards
  ConsumerConfig c;
  c.name = "app";
  c.type = ConsumerConfig::Type::kKcl;
  c.read_latency = sim::Distribution{};
  c.read_latency.value = 0.020;
  c.kcl.version = version;
  c.kcl.workers = workers;
  c.kcl.retrieval = KclConfig::Retrieval::kPolling;
  c.kcl.idle_time_between_reads_millis = 200;
  s.consumers.push_back(c);
  return s;
}

TimelineAction kcl_action(TimelineAction::Kind kind, Duration at, uint32_t worker = 0) {
  TimelineAction a;
  a.kind = kind;
  a.at = at;
  a.consumer = "app";
  a.worker = worker;
  return a;
}

uint64_t per_worker(const ConsumerResult& c, uint32_t w) {
  return static_cast<uint64_t>(detail(c, "worker_" + std::to_string(w) + "_leases"));
}

TEST(KclConsumer, CheckpointsAfterEveryBatchWithoutFailuresMakeNoDuplicates) {
  for (const auto version : {KclConfig::Version::k2x, KclConfig::Version::k3x}) {
    const Result r = run_scenario(kcl_scenario(4, 3, version));
    const ConsumerResult& c = consumer_named(r, "app");
    expect_conserved(c);
    EXPECT_EQ(c.counts.duplicates, 0u);
    EXPECT_EQ(detail(c, "duplicates"), 0);
    // All but the last ~0.25 s of writes are processed (LATEST: from the start, 400/s).
    EXPECT_GT(c.counts.processed, c.counts.in_scope - 400);
    EXPECT_EQ(c.unit, "user records");
    // Every lease is held at the end, by 3 workers: 2, 1, 1 in some order (ceil(4 / 3) = 2).
    uint64_t held = 0, most = 0;
    for (uint32_t w = 0; w < 3; ++w) {
      held += per_worker(c, w);
      most = std::max(most, per_worker(c, w));
    }
    EXPECT_EQ(held, 4u);
    EXPECT_EQ(most, 2u);
  }
}

// Killing one of two workers (2 shards each) at 16 points spread evenly over a checkpoint
// interval T = 10 s: each held shard replays what was processed since its last checkpoint, on
// average half a checkpoint cycle (T + about half a 220 ms poll period, the checkpoint waiting for
// the first batch end after T) less the time since the last batch (half a period), so about
// rate x T/2 per shard. Tolerance 12 %: the 16 crash points sample the cycle at T/16, which bounds
// the error of their mean age to T/32 (6 %), plus the batch granularity (0.22 s of 5 s, 4 %).
TEST(KclConsumer, AWorkerKilledWithCheckpointsEveryTReplaysAboutHalfTOfRecordsPerShard) {
  constexpr int kRuns = 16;
  const Duration t = Duration::seconds(10);
  double duplicates = 0;
  for (int i = 0; i < kRuns; ++i) {
    Scenario s = kcl_scenario(4, 2, KclConfig::Version::k2x);
    s.consumers[0].kcl.checkpoint_every = t;
    s.output.resolution = Duration::seconds(1);
    const Duration crash = Duration::seconds(70) + t / kRuns * i;
    s.timeline.push_back(kcl_action(TimelineAction::Kind::kKclWorkerFailure, crash, 0));
    const Result r = run_scenario(s);
    const ConsumerResult& c = consumer_named(r, "app");
    expect_conserved(c);
    // Balanced 2/2 by then (the second worker stole twice, 20 s apart); worker 1 ends with all.
    EXPECT_EQ(detail(c, "leases_expired"), 2) << i;
    EXPECT_EQ(per_worker(c, 1), 4u);
    EXPECT_EQ(detail(c, "workers_alive"), 1);
    // Those of the crash only (the steals before it replayed some too), by the second.
    const std::vector<double> dups = testing::counter(r, "app/Duplicates");
    const auto crash_s = static_cast<std::size_t>(crash.to_seconds());
    for (std::size_t b = crash_s; b < dups.size(); ++b) duplicates += dups[b];
    // The two leases are taken when they have expired (failover after the last renewal, at most
    // one renewal interval before the crash) at the survivor's next lease-taking pass (at most
    // one taker interval later).
    const std::vector<double> taken = testing::counter(r, "app/LeasesTaken");
    double early = 0, in_window = 0;
    const KclConfig k;
    const auto from = static_cast<std::size_t>(
        (crash + k.failover_time() - k.lease_renewal_interval()).to_seconds());
    const auto to = static_cast<std::size_t>(
        std::ceil((crash + k.failover_time() + k.lease_taker_interval()).to_seconds()));
    for (std::size_t b = crash_s; b < taken.size(); ++b) {
      (b < from ? early : (b <= to ? in_window : early)) += taken[b];
    }
    EXPECT_EQ(early, 0) << i;
    EXPECT_EQ(in_window, 2) << i;
  }
  const double expected = kRuns * 2 * kRecordsPerShardPerSec * t.to_seconds() / 2;
  EXPECT_NEAR(duplicates, expected, 0.12 * expected);
}

TEST(KclConsumer, TwoXStealsOneLeaseAPassFromTheMostLoadedUntilBalanced) {
  Scenario s = kcl_scenario(8, 2, KclConfig::Version::k2x, Duration::minutes(5));
  s.timeline.push_back(kcl_action(TimelineAction::Kind::kKclWorkerAdded, Duration::seconds(120)));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "app");
  expect_conserved(c);
  // ceil(8 / 3) = 3: the new worker ends with 3, or the others 3 and 3 and it 2.
  EXPECT_EQ(detail(c, "workers"), 3);
  uint64_t most = 0, least = 8, total = 0;
  for (uint32_t w = 0; w < 3; ++w) {
    most = std::max(most, per_worker(c, w));
    least = std::min(least, per_worker(c, w));
    total += per_worker(c, w);
  }
  EXPECT_EQ(total, 8u);
  EXPECT_EQ(most, 3u);
  EXPECT_EQ(least, 2u);
  EXPECT_GE(detail(c, "leases_stolen"), 2);  // it stole at least 2 (maxLeasesToStealAtOneTime 1)
  EXPECT_EQ(detail(c, "leases_lost"), detail(c, "leases_stolen"));
  // With a checkpoint after every batch, a steal replays nothing.
  EXPECT_EQ(c.counts.duplicates, 0u);
}

TEST(KclConsumer, ThreeXRebalancesAnAddedWorkerByLoadWithoutDuplicates) {
  Scenario s = kcl_scenario(8, 2, KclConfig::Version::k3x, Duration::minutes(6));
  // Checkpoints every 10 s: a steal would replay, a graceful hand-off does not.
  s.consumers[0].kcl.checkpoint_every = Duration::seconds(10);
  s.consumers[0].kcl.processing_per_record.value = 0.001;  // 1 ms a record: 10 % busy per shard
  s.timeline.push_back(kcl_action(TimelineAction::Kind::kKclWorkerAdded, Duration::seconds(60)));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "app");
  expect_conserved(c);
  EXPECT_GE(detail(c, "leases_handed_off"), 2);
  EXPECT_EQ(c.counts.duplicates, 0u);
  EXPECT_GE(per_worker(c, 2), 2u);  // the new worker got a share
  EXPECT_EQ(per_worker(c, 0) + per_worker(c, 1) + per_worker(c, 2), 8u);
}

TEST(KclConsumer, ThreeXReassignsACrashedWorkersLeasesAfterTheyExpire) {
  Scenario s = kcl_scenario(4, 2, KclConfig::Version::k3x);
  s.consumers[0].kcl.checkpoint_every = Duration::seconds(10);
  // Worker 1 is not the leader (worker 0 is): its leases go at the leader's next run.
  s.timeline.push_back(
      kcl_action(TimelineAction::Kind::kKclWorkerFailure, Duration::seconds(63), 1));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "app");
  expect_conserved(c);
  EXPECT_EQ(detail(c, "leases_expired"), 2);
  EXPECT_EQ(per_worker(c, 0), 4u);
  EXPECT_GT(c.counts.duplicates, 0u);
}

TEST(KclConsumer, ARollingDeployAndARestartKeepTheBooks) {
  Scenario s = kcl_scenario(4, 3, KclConfig::Version::k2x, Duration::minutes(4));
  s.consumers[0].kcl.checkpoint_every = Duration::seconds(5);
  TimelineAction deploy = kcl_action(TimelineAction::Kind::kKclDeploy, Duration::seconds(60));
  deploy.downtime = Duration::seconds(15);
  s.timeline.push_back(deploy);
  TimelineAction restart =
      kcl_action(TimelineAction::Kind::kKclWorkerRestart, Duration::seconds(150), 2);
  restart.downtime = Duration::seconds(5);
  s.timeline.push_back(restart);
  s.timeline.push_back(kcl_action(TimelineAction::Kind::kKclWorkerRemoved, Duration::seconds(180)));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "app");
  expect_conserved(c);
  EXPECT_EQ(detail(c, "workers_alive"), 2);
  EXPECT_EQ(per_worker(c, 0) + per_worker(c, 1), 4u);
  EXPECT_EQ(per_worker(c, 2), 0u);
  // The restart (5 s, under failoverTimeMillis) resumed worker 2's leases from their checkpoints.
  EXPECT_GT(c.counts.duplicates, 0u);
  EXPECT_GT(c.counts.processed, c.counts.in_scope - 2'000);
  // The timeline shows each action.
  int kcl_events = 0;
  for (const TimelineEvent& e : r.timeline) kcl_events += e.action.starts_with("kcl_") ? 1 : 0;
  EXPECT_EQ(kcl_events, 3);
}

TEST(KclConsumer, ByEnhancedFanOutADeployAndACrashKeepTheBooksWithoutGetRecords) {
  for (const auto version : {KclConfig::Version::k2x, KclConfig::Version::k3x}) {
    Scenario s = kcl_scenario(4, 3, version, Duration::minutes(4));
    s.consumers[0].kcl.retrieval = KclConfig::Retrieval::kFanout;  // KCL's default
    s.consumers[0].kcl.checkpoint_every = Duration::seconds(5);
    TimelineAction deploy = kcl_action(TimelineAction::Kind::kKclDeploy, Duration::seconds(60));
    deploy.downtime = Duration::seconds(15);
    s.timeline.push_back(deploy);
    s.timeline.push_back(
        kcl_action(TimelineAction::Kind::kKclWorkerFailure, Duration::seconds(150), 1));
    const Result r = run_scenario(s);
    const ConsumerResult& c = consumer_named(r, "app");
    expect_conserved(c);
    EXPECT_EQ(c.retrieval, "fanout");
    EXPECT_EQ(c.counts.get_records_calls, 0u);
    EXPECT_EQ(c.counts.throttled_calls, 0u);
    // One subscription per shard at the start, then one each time a lease moves.
    EXPECT_GT(c.counts.subscribe_calls, 4u);
    EXPECT_GT(c.counts.events, 0u);
    EXPECT_EQ(c.counts.lost_to_retention, 0u);
    // The crashed worker's leases resume from their checkpoints: records since are replayed.
    EXPECT_GT(c.counts.duplicates, 0u);
    EXPECT_GT(c.counts.processed, c.counts.in_scope - 2'000);
    EXPECT_EQ(detail(c, "workers_alive"), 2);
  }
}

TEST(KclConsumer, ProcessingErrorsSkipTheirBatchesAndTheBooksStillBalance) {
  Scenario s = kcl_scenario(2, 1, KclConfig::Version::k3x);
  s.consumers[0].kcl.processing_error_rate = 0.25;
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "app");
  expect_conserved(c);
  const double batches = detail(c, "batches");
  EXPECT_NEAR(detail(c, "batches_failed") / batches, 0.25, 0.03);
  EXPECT_GT(detail(c, "records_skipped"), 0);
  EXPECT_EQ(c.counts.duplicates, 0u);
}

TEST(KclConsumer, ChildrenAreLeasedOnlyAfterTheirParentsReachShardEnd) {
  for (const auto version : {KclConfig::Version::k2x, KclConfig::Version::k3x}) {
    Scenario s = kcl_scenario(2, 2, version);
    TimelineAction split;
    split.kind = TimelineAction::Kind::kSplit;
    split.at = Duration::seconds(60);
    split.shard = "shardId-000000000000";
    s.timeline.push_back(split);
    const Result r = run_scenario(s);
    const ConsumerResult& c = consumer_named(r, "app");
    expect_conserved(c);
    // The parent ended and its two children were leased: 3 open leases at the end.
    EXPECT_EQ(per_worker(c, 0) + per_worker(c, 1), 3u);
    EXPECT_GT(c.counts.processed, c.counts.in_scope - 1'000);
  }
}

TEST(KclConsumer, TheSameSeedGivesTheSameResult) {
  Scenario s = kcl_scenario(4, 3, KclConfig::Version::k2x);
  s.consumers[0].kcl.checkpoint_every = Duration::seconds(10);
  s.timeline.push_back(
      kcl_action(TimelineAction::Kind::kKclWorkerFailure, Duration::seconds(70), 1));
  const Result a = run_scenario(s);
  const Result b = run_scenario(s);
  const ConsumerResult& ca = consumer_named(a, "app");
  const ConsumerResult& cb = consumer_named(b, "app");
  EXPECT_EQ(ca.counts.processed, cb.counts.processed);
  EXPECT_EQ(ca.counts.duplicates, cb.counts.duplicates);
  EXPECT_EQ(ca.counts.get_records_calls, cb.counts.get_records_calls);
  EXPECT_EQ(ca.details, cb.details);
}

}  // namespace
}  // namespace kinesim::models
