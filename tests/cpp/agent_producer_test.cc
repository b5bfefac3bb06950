// The Kinesis Agent producer: rotation, buffering, backoff, checkpoints and restarts, partition
// keys, conservation and determinism, on whole runs of the world.
#include "models/producer/agent_producer.h"

#include <gtest/gtest.h>

#include <string>

#include "models/world.h"

namespace kinesim::models {
namespace {

using sim::Duration;

Scenario agent_scenario(double rps, Duration duration, uint32_t shards = 4) {
  Scenario s;
  s.name = "agent-test";
  s.duration = duration;
  s.seed = 11;
  s.stream.shards = shards;
  ProducerConfig p;
  p.name = "agent";
  p.type = ProducerConfig::Type::kAgent;
  p.rate.profile = RateConfig::Profile::kConstant;
  p.rate.records_per_sec = rps;
  p.record_size.kind = Distribution::Kind::kFixed;
  p.record_size.value = 100;
  p.keys.dist = KeysConfig::Dist::kUniform;
  p.keys.count = 1000;
  s.producers.push_back(p);
  return s;
}

TimelineAction restart_at(Duration at, Duration downtime) {
  TimelineAction a;
  a.at = at;
  a.kind = TimelineAction::Kind::kAgentRestart;
  a.producer = "agent";
  a.downtime = downtime;
  return a;
}

double detail(const ProducerResult& p, const std::string& name) {
  for (const auto& [n, v] : p.details) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no detail " << name;
  return -1;
}

void expect_conserved(const ProducerCounts& c) {
  EXPECT_EQ(c.produced, c.accepted + c.failed_attempts_exhausted + c.failed_buffer_full +
                            c.failed_expired + c.rejected_too_large + c.lost + c.pending);
  EXPECT_TRUE(c.conserved());
}

TEST(AgentProducer, RotationKeepsWorkingWithoutLossWhileTheAgentKeepsUp) {
  // Rotation every 30 s and no rotated file kept: an agent that keeps up reads every line
  // before its file goes away.
  Scenario s = agent_scenario(200, Duration::minutes(10));
  s.producers[0].agent.rotation_interval = Duration::seconds(30);
  s.producers[0].agent.rotated_files_tracked = 0;
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  EXPECT_EQ(p.type, "agent");
  EXPECT_EQ(p.counts.produced, 120'000u);
  EXPECT_EQ(p.counts.lost, 0u);
  EXPECT_EQ(p.counts.duplicates, 0u);
  EXPECT_EQ(p.counts.throttled_entries, 0u);
  EXPECT_EQ(detail(p, "rotations"), 20.0);
  EXPECT_LE(p.counts.pending, 500u) << "at most the last buffer is still open";
  EXPECT_EQ(p.counts.accepted + p.counts.pending, p.counts.produced);
  expect_conserved(p.counts);
}

TEST(AgentProducer, BuffersFlushAtFiveHundredRecords) {
  Scenario s = agent_scenario(1000, Duration::minutes(2), 8);
  const Result r = run_scenario(s);
  const ProducerCounts& c = r.producers[0].counts;
  ASSERT_EQ(c.throttled_entries, 0u);
  // Lines every 1 ms: a buffer fills every 0.5 s; the last one (closed at 120 s) is in flight
  // at the end.
  EXPECT_EQ(c.produced, 120'000u);
  EXPECT_EQ(c.requests, 240u);
  EXPECT_EQ(c.accepted, 239u * 500) << "every request is a full buffer of 500 records";
  EXPECT_EQ(c.pending, 500u);
  // Events per request (close, arrival, reply) and per checkpoint, not per line.
  EXPECT_LT(r.events_run, 1000u);
  expect_conserved(c);
}

TEST(AgentProducer, BuffersFlushAtFiveMebibytes) {
  // 100 KiB lines + a 32-byte deterministic key: 51 of them fit in 5 MiB, 52 do not.
  Scenario s = agent_scenario(50, Duration::minutes(2), 32);
  s.producers[0].record_size.value = 100 * 1024;
  s.producers[0].agent.partition_key_option = AgentConfig::PartitionKeyOption::kDeterministic;
  const Result r = run_scenario(s);
  const ProducerCounts& c = r.producers[0].counts;
  ASSERT_EQ(c.throttled_entries, 0u);
  ASSERT_GT(c.requests, 0u);
  EXPECT_EQ(c.accepted, 51 * c.requests);
  EXPECT_EQ(c.accepted_bytes, c.accepted * (100 * 1024 + kAgentDeterministicKeyBytes));
  expect_conserved(c);
}

TEST(AgentProducer, BuffersFlushAtSixtySecondsOfAge) {
  // One line a second: a buffer opened by a line at t closes at t + 60 s holding 61 lines.
  Scenario s = agent_scenario(1, Duration::minutes(10));
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  EXPECT_EQ(p.counts.requests, 9u);
  EXPECT_EQ(p.counts.accepted, 9u * 61);
  // The oldest line of a buffer waits 60 s plus the request latency.
  EXPECT_GE(p.record_latency_us.max(), 60'000'000u);
  EXPECT_LE(p.record_latency_us.max(), 61'000'000u);
  expect_conserved(p.counts);
}

TEST(AgentProducer, BackoffDelaysDoubleFromOneHundredMillisecondsToTenSecondsWithinThirtyPercent) {
  // Every entry fails: the first buffer is retried forever (the agent never gives up), after
  // 100, 200, 400, ... ms, capped at 10 s, each +/- 30 %; nothing else is sent meanwhile.
  Scenario s = agent_scenario(10, Duration::minutes(2));
  s.stream.internal_failure_rate = 1.0;
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  const sim::LogHistogram& b = p.backoff_us;
  ASSERT_GE(b.count(), 14u);
  const auto n = static_cast<double>(b.count());
  // The k-th smallest delay lies in band k: 0.7 ... 1.3 x 100 ms * 2^(k-1) (bands are disjoint
  // up to 3.2 s); quantile() reports a bucket's upper bound, within 1.6 %.
  double base_ms = 100;
  for (int k = 1; k <= 6; ++k, base_ms *= 2) {
    const auto v = static_cast<double>(b.quantile((k - 0.25) / n)) / 1000.0;
    EXPECT_GE(v, 0.7 * base_ms) << "delay " << k;
    EXPECT_LE(v, 1.3 * base_ms * 1.02) << "delay " << k;
  }
  EXPECT_GE(b.min(), 70'000u);
  EXPECT_LE(b.max(), 13'000'000u);
  EXPECT_GE(b.max(), 7'000'000u) << "the cap is reached";
  EXPECT_EQ(p.counts.failed_attempts_exhausted, 0u);
  EXPECT_EQ(p.counts.accepted, 0u);
  // One delay per failed reply; the last retry may still be waiting at the end.
  EXPECT_GE(p.counts.requests, b.count());
  EXPECT_LE(p.counts.requests, b.count() + 1);
  // The first buffer (full at 500 lines, at 50 s) is the only one ever sent.
  EXPECT_EQ(p.counts.retried_entries, 500u * b.count());
  EXPECT_EQ(p.counts.pending, p.counts.produced);
  expect_conserved(p.counts);
}

TEST(AgentProducer, ARestartLosesNothingAndCountsTheRecordsSinceTheCheckpointAsDuplicates) {
  // 200 lines/s, checkpoints every 60 s; the agent stops at 310 s for 30 s. It resumes from the
  // 300 s checkpoint: what was accepted between it and the stop is sent again.
  Scenario s = agent_scenario(200, Duration::minutes(10));
  s.timeline.push_back(restart_at(Duration::seconds(310), Duration::seconds(30)));
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  const ProducerCounts& c = p.counts;
  EXPECT_EQ(c.produced, 120'000u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_LE(c.pending, 500u);
  EXPECT_EQ(c.accepted + c.pending, c.produced) << "nothing lost";
  // About 10 s of lines (2,000) were accepted between the checkpoint and the stop, in whole
  // buffers of 500.
  EXPECT_GE(c.duplicates, 1500u);
  EXPECT_LE(c.duplicates, 2500u);
  EXPECT_EQ(c.duplicates % 500, 0u);
  EXPECT_EQ(c.duplicates, 2000u);
  EXPECT_EQ(detail(p, "restarts"), 1.0);
  EXPECT_EQ(detail(p, "duplicates"), static_cast<double>(c.duplicates));
  // Lines re-read: from the checkpoint to the furthest line read before the stop.
  EXPECT_GE(detail(p, "lines_reread"), static_cast<double>(c.duplicates));
  // 30 s down at 200 lines/s plus the re-read lines were waiting at the restart.
  EXPECT_GE(detail(p, "max_backlog_lines"), 6000.0);
  expect_conserved(c);
}

TEST(AgentProducer, ARestartWithoutAcceptedRecordsSinceTheCheckpointHasNoDuplicates) {
  // Buffers close every 2.5 s (the one of 150 s is acknowledged at ~150.025 s); checkpoints
  // every 100 ms; the stop at 151.05 s comes after a checkpoint that saved everything accepted.
  Scenario s = agent_scenario(200, Duration::minutes(5));
  s.producers[0].agent.checkpoint_interval = Duration::millis(100);
  s.timeline.push_back(
      restart_at(Duration::seconds(151) + Duration::millis(50), Duration::seconds(20)));
  const Result r = run_scenario(s);
  const ProducerCounts& c = r.producers[0].counts;
  EXPECT_EQ(c.duplicates, 0u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.accepted + c.pending, c.produced);
  expect_conserved(c);
}

TEST(AgentProducer, LinesRotatedAwayDuringALongDowntimeAreLost) {
  // Rotation every 10 s, two rotated files kept, the agent down from 65 s to 125 s: when it
  // comes back only the files of the last ~25 s are left; the lines written from the last
  // acknowledged buffer (~62.5 s) to ~100 s are gone.
  Scenario s = agent_scenario(200, Duration::minutes(4));
  s.producers[0].agent.rotation_interval = Duration::seconds(10);
  s.producers[0].agent.rotated_files_tracked = 2;
  s.timeline.push_back(restart_at(Duration::seconds(65), Duration::seconds(60)));
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  const ProducerCounts& c = p.counts;
  EXPECT_GE(c.lost, 7000u);
  EXPECT_LE(c.lost, 8000u);
  // Exactly: lines every 5 ms in (62.5 s, 100 s), the files deleted by the rotations at 90 ...
  // 120 s, minus none accepted (the last acknowledged buffer ended at 62.5 s).
  EXPECT_EQ(c.lost, 7499u);
  EXPECT_EQ(detail(p, "lines_lost"), static_cast<double>(c.lost));
  EXPECT_EQ(c.duplicates, 0u) << "the checkpoint's file was deleted: nothing re-sent";
  EXPECT_EQ(c.accepted + c.lost + c.pending, c.produced);
  expect_conserved(c);

  // The same downtime with enough rotated files kept loses nothing.
  s.producers[0].agent.rotated_files_tracked = 10;
  const Result kept = run_scenario(s);
  EXPECT_EQ(kept.producers[0].counts.lost, 0u);
  // Checkpoint at 60 s: lines up to 57.5 s; accepted before the stop: up to 62.5 s.
  EXPECT_EQ(kept.producers[0].counts.duplicates, 1000u);
  expect_conserved(kept.producers[0].counts);
}

TEST(AgentProducer, DeterministicKeysFollowTheWorkloadKeyAndRandomKeysSpreadOverShards) {
  Scenario s = agent_scenario(100, Duration::minutes(2), 4);
  s.producers[0].keys.count = 1;
  s.producers[0].agent.partition_key_option = AgentConfig::PartitionKeyOption::kDeterministic;
  const Result det = run_scenario(s);
  int shards_with_records = 0;
  for (const ShardResult& sh : det.shards) shards_with_records += sh.totals.accepted_records > 0;
  EXPECT_EQ(shards_with_records, 1);
  EXPECT_FALSE(det.producers[0].random_keys);
  ASSERT_FALSE(det.producers[0].hottest_keys.empty());
  EXPECT_EQ(det.producers[0].hottest_keys[0].key, "key-0");

  s.producers[0].agent.partition_key_option = AgentConfig::PartitionKeyOption::kRandom;
  const Result rnd = run_scenario(s);
  for (const ShardResult& sh : rnd.shards) EXPECT_GT(sh.totals.accepted_records, 1000u);
  EXPECT_TRUE(rnd.producers[0].random_keys);
}

Scenario stress_scenario() {
  // Throttling (one shard, 1,500 lines/s over two hosts), lines over 1 MiB, fast rotation with
  // one rotated file kept, and two restarts.
  Scenario s = agent_scenario(1500, Duration::minutes(6), 1);
  ProducerConfig& p = s.producers[0];
  p.instances = 2;
  p.rate.profile = RateConfig::Profile::kPoisson;
  p.record_size.kind = Distribution::Kind::kHistogram;
  p.record_size.points = {{200, 1000}, {2 * 1024 * 1024, 1}};
  p.keys.dist = KeysConfig::Dist::kZipf;
  p.keys.s = 1.1;
  p.agent.rotation_interval = Duration::seconds(15);
  p.agent.rotated_files_tracked = 1;
  p.agent.max_in_flight = 2;
  s.timeline.push_back(restart_at(Duration::seconds(100), Duration::seconds(45)));
  s.timeline.push_back(restart_at(Duration::seconds(250), Duration::seconds(5)));
  return s;
}

TEST(AgentProducer, EveryLineIsAcceptedRejectedLostOrPending) {
  const Result r = run_scenario(stress_scenario());
  const ProducerResult& p = r.producers[0];
  const ProducerCounts& c = p.counts;
  EXPECT_GT(c.throttled_entries, 0u);
  EXPECT_GT(c.rejected_too_large, 0u);
  EXPECT_GT(c.lost, 0u);
  EXPECT_GT(c.pending, 0u);
  EXPECT_EQ(detail(p, "restarts"), 4.0) << "two restarts of two hosts";
  expect_conserved(c);
  // The stream saw every accepted record once, plus the duplicates.
  uint64_t stream_records = 0;
  for (const ShardResult& sh : r.shards) stream_records += sh.totals.accepted_records;
  EXPECT_EQ(stream_records, c.accepted + c.duplicates);
}

TEST(AgentProducer, SameSeedGivesIdenticalResults) {
  const Result a = run_scenario(stress_scenario());
  const Result b = run_scenario(stress_scenario());
  const ProducerCounts& ca = a.producers[0].counts;
  const ProducerCounts& cb = b.producers[0].counts;
  EXPECT_EQ(ca.produced, cb.produced);
  EXPECT_EQ(ca.accepted, cb.accepted);
  EXPECT_EQ(ca.lost, cb.lost);
  EXPECT_EQ(ca.duplicates, cb.duplicates);
  EXPECT_EQ(ca.pending, cb.pending);
  EXPECT_EQ(ca.throttled_entries, cb.throttled_entries);
  EXPECT_EQ(ca.requests, cb.requests);
  EXPECT_EQ(a.producers[0].details, b.producers[0].details);
  EXPECT_EQ(a.producers[0].backoff_us.mean(), b.producers[0].backoff_us.mean());
  EXPECT_EQ(a.events_run, b.events_run);

  Scenario other = stress_scenario();
  other.seed = 12;
  EXPECT_NE(run_scenario(other).producers[0].counts.accepted, ca.accepted);
}

}  // namespace
}  // namespace kinesim::models
