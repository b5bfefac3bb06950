// The Kinesis Agent producer: rotation, buffering, backoff, checkpoints and restarts, partition
// keys, over-size lines, trace replay, several flows, conservation and determinism, on whole runs
// of the world.
#include "models/producer/agent_producer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "models/stream/stream.h"
#include "models/world/world.h"
#include "sim/rng.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using testing::detail;
using testing::expect_conserved;

Scenario agent_scenario(double rps, Duration duration, uint32_t shards = 4) {
  return testing::one_producer_scenario({.type = ProducerConfig::Type::kAgent,
                                         .shards = shards,
                                         .records_per_sec = rps,
                                         .duration = duration,
                                         .seed = 11,
                                         .profile = RateConfig::Profile::kConstant,
                                         .scenario_name = "agent-test",
                                         .producer_name = "agent"});
}

TimelineAction restart_at(Duration at, Duration downtime) {
  TimelineAction a;
  a.at = at;
  a.kind = TimelineAction::Kind::kAgentRestart;
  a.producer = "agent";
  a.downtime = downtime;
  return a;
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
  // The restart is on the run's timeline, with the stream's own events.
  const auto restart =
      std::find_if(r.timeline.begin(), r.timeline.end(),
                   [](const TimelineEvent& e) { return e.action == "agent_restart"; });
  ASSERT_NE(restart, r.timeline.end());
  EXPECT_EQ(restart->at, sim::Time::zero() + Duration::seconds(310));
  EXPECT_EQ(restart->outcome, "agent down 30s");
  EXPECT_TRUE(
      std::is_sorted(r.timeline.begin(), r.timeline.end(),
                     [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; }));
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

TEST(AgentProducer, EveryLineIsAcceptedLostOrPending) {
  const Result r = run_scenario(stress_scenario());
  const ProducerResult& p = r.producers[0];
  const ProducerCounts& c = p.counts;
  EXPECT_GT(c.throttled_entries, 0u);
  EXPECT_EQ(c.rejected_too_large, 0u) << "lines over 1 MiB are truncated, not rejected";
  EXPECT_GT(detail(p, "records_truncated"), 0.0);
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

// ---- over-size lines ---------------------------------------------------------------------------

TEST(AgentProducer, OverSizeLinesAreTruncatedToExactlyTheRecordSizeLimitAndSent) {
  // One 3 MiB line a second with a 32-byte DETERMINISTIC key: each record is cut to 1 MiB, key
  // included, so five fill a 5 MiB buffer.
  Scenario s = agent_scenario(1, Duration::minutes(2), 8);
  s.producers[0].record_size.value = 3 * 1024 * 1024;
  s.producers[0].agent.partition_key_option = AgentConfig::PartitionKeyOption::kDeterministic;
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  const ProducerCounts& c = p.counts;
  const uint64_t mib = 1024 * 1024;
  EXPECT_EQ(c.produced, 120u);
  EXPECT_EQ(c.produced_bytes, 120u * (3 * mib + kAgentDeterministicKeyBytes));
  EXPECT_EQ(c.rejected_too_large, 0u);
  EXPECT_EQ(c.throttled_entries, 0u);
  // A buffer of five 1 MiB records every 5 s; the last one waits for its age at the end.
  EXPECT_EQ(c.requests, 23u);
  EXPECT_EQ(c.accepted, 115u);
  EXPECT_EQ(c.pending, 5u);
  EXPECT_EQ(c.accepted_bytes, c.accepted * mib) << "each record is exactly the limit";
  EXPECT_EQ(detail(p, "records_truncated"), 120.0);
  expect_conserved(c);

  // The stream's limit is the one: 2 MiB records, two to a buffer.
  s.stream.max_record_bytes = 2 * mib;
  const Result two = run_scenario(s);
  EXPECT_EQ(two.producers[0].counts.accepted_bytes, two.producers[0].counts.accepted * 2 * mib);
  EXPECT_EQ(two.producers[0].counts.requests, 59u);
  EXPECT_EQ(detail(two.producers[0], "records_truncated"), 120.0);

  // A RANDOM key is shorter: more data fits, the record is still exactly the limit.
  s.stream.max_record_bytes = mib;
  s.producers[0].agent.partition_key_option = AgentConfig::PartitionKeyOption::kRandom;
  const Result rnd = run_scenario(s);
  EXPECT_EQ(rnd.producers[0].counts.accepted, 115u);
  EXPECT_EQ(rnd.producers[0].counts.accepted_bytes, 115u * mib);
  expect_conserved(rnd.producers[0].counts);
}

TEST(AgentProducer, OnlyTruncatedLinesWrittenByTheEndCount) {
  // A buffer takes the coming lines ahead, up to its age: 10 lines/s of 2,000 B with a 1 s age
  // counted the lines of the second after the end as well (110 truncated of 100 written).
  Scenario s = agent_scenario(10, Duration::seconds(10), 1);
  s.stream.max_record_bytes = 1000;
  s.producers[0].record_size.value = 2000;
  s.producers[0].agent.max_buffer_age = Duration::seconds(1);
  s.producers[0].agent.partition_key_option = AgentConfig::PartitionKeyOption::kDeterministic;
  const Result r = run_scenario(s);
  EXPECT_EQ(r.producers[0].counts.produced, 100u);
  EXPECT_EQ(detail(r.producers[0], "records_truncated"), 100.0);
}

TEST(AgentProducer, LinesWithinTheLimitAreNotTruncated) {
  Scenario s = agent_scenario(10, Duration::minutes(1), 4);
  s.producers[0].record_size.value = 1024 * 1024 - kAgentRandomKeyBytes;  // exactly the limit
  const Result r = run_scenario(s);
  EXPECT_EQ(detail(r.producers[0], "records_truncated"), 0.0);
  EXPECT_EQ(r.producers[0].counts.accepted_bytes, r.producers[0].counts.accepted * 1024 * 1024);
}

TEST(AgentProducer, AKeyAsLongAsTheRecordSizeLimitLeavesTheLineTooLargeToSend) {
  // A 32-byte limit leaves no room for data beside a 32-byte key: nothing can be truncated to
  // fit, so the lines are rejected as too large (as each buffer closes, every second), and none
  // is counted as truncated.
  Scenario s = agent_scenario(10, Duration::minutes(1), 1);
  s.stream.max_record_bytes = kAgentDeterministicKeyBytes;
  s.producers[0].agent.max_buffer_age = Duration::seconds(1);
  s.producers[0].agent.partition_key_option = AgentConfig::PartitionKeyOption::kDeterministic;
  const Result r = run_scenario(s);
  const ProducerCounts& c = r.producers[0].counts;
  EXPECT_EQ(c.accepted, 0u);
  EXPECT_EQ(c.requests, 0u);
  EXPECT_EQ(c.rejected_too_large, 594u);
  EXPECT_EQ(c.pending, 6u);
  EXPECT_EQ(detail(r.producers[0], "records_truncated"), 0.0);
  expect_conserved(c);
}

// ---- trace replay ------------------------------------------------------------------------------

// A scratch directory for trace files, removed with the test.
class AgentTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kinesim_agent_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `rows` rows every `gap_ms`, key "user-<i % keys>", size 100 + i % 50, but row `big` (if any)
  // of 3,000,000 bytes. Returns the file's path.
  std::string write_trace(uint64_t rows, double gap_ms, uint64_t keys, uint64_t big = ~0ull) {
    const std::filesystem::path path = dir_ / "trace.csv";
    std::ofstream out(path);
    out << "timestamp,partition_key,size\n";
    for (uint64_t i = 0; i < rows; ++i) {
      const uint64_t size = i == big ? 3'000'000 : 100 + i % 50;
      out << static_cast<double>(i) * gap_ms / 1000.0 << ",user-" << i % keys << "," << size
          << "\n";
    }
    return path.string();
  }

  // One agent replaying `file`.
  static Scenario trace_scenario(const std::string& file, Duration duration, uint32_t shards) {
    Scenario s = agent_scenario(1, duration, shards);
    ProducerConfig& p = s.producers[0];
    p.rate = RateConfig{};
    p.rate.profile = RateConfig::Profile::kTrace;
    p.rate.trace_path = file;
    p.keys = KeysConfig{};
    p.record_size = Distribution{};
    return s;
  }

  std::filesystem::path dir_;
};

// The agent on its own (not through run_scenario), to read its AgentTotals.
struct DirectRun {
  ProducerCounts counts;
  AgentTotals totals;
};

DirectRun run_agent(const Scenario& s) {
  sim::Engine engine;
  sim::MetricRecorder metrics(s.duration, {Duration::seconds(60)});
  Stream stream(s.stream, engine, metrics,
                sim::RngStream::derive(s.seed, "stream/" + s.stream.name));
  AgentProducer agent(s.producers[0], s.base_dir, stream, engine, metrics, s.seed);
  for (const TimelineAction& a : s.timeline) {
    engine.schedule(
        sim::Time::zero() + a.at, [&agent, &a] { agent.restart(a.downtime); },
        sim::Priority::kHigh);
  }
  stream.start_housekeeping(Duration::seconds(60));
  agent.start();
  const sim::Time end = sim::Time::zero() + s.duration;
  engine.run_until(end);
  agent.finish(end);
  return {agent.counts(), agent.totals()};
}

TEST_F(AgentTrace, WritesOneLinePerRowAtItsTimeWithItsSizeAndDeterministicKey) {
  // 1,000 rows every 10 ms over 7 keys; row 600 is 3,000,000 bytes. Buffers fill at 500 lines
  // (at 4.99 s and 9.99 s).
  Scenario s = trace_scenario(write_trace(1000, 10, 7, 600), Duration::minutes(1), 4);
  s.producers[0].agent.partition_key_option = AgentConfig::PartitionKeyOption::kDeterministic;
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  const ProducerCounts& c = p.counts;
  uint64_t data = 0;
  for (uint64_t i = 0; i < 1000; ++i) data += i == 600 ? 3'000'000 : 100 + i % 50;
  EXPECT_EQ(c.produced, 1000u);
  EXPECT_EQ(c.produced_bytes, data + 1000 * kAgentDeterministicKeyBytes);
  EXPECT_EQ(c.accepted, 1000u);
  EXPECT_EQ(c.pending, 0u);
  EXPECT_EQ(c.requests, 2u);
  EXPECT_EQ(detail(p, "records_truncated"), 1.0);
  EXPECT_EQ(c.accepted_bytes, data - 3'000'000 + 1024 * 1024 + 999 * kAgentDeterministicKeyBytes);
  // The trace's keys stand for the line contents: row i's key is user-(i % 7), routed by it.
  EXPECT_FALSE(p.random_keys);
  ASSERT_EQ(p.hottest_keys.size(), 7u);
  EXPECT_EQ(p.hottest_keys[0].key, "user-0");
  EXPECT_EQ(p.hottest_keys[0].counts.offered, 143u);
  // The first line (t = 0) waits for its buffer to fill at 4.99 s, plus the request latency.
  EXPECT_GE(p.record_latency_us.max(), 4'990'000u);
  EXPECT_LE(p.record_latency_us.max(), 5'100'000u);
  expect_conserved(c);

  // RANDOM keys ignore the trace's: every shard gets lines.
  s.producers[0].agent.partition_key_option = AgentConfig::PartitionKeyOption::kRandom;
  const Result rnd = run_scenario(s);
  EXPECT_TRUE(rnd.producers[0].random_keys);
  EXPECT_EQ(rnd.producers[0].counts.accepted, 1000u);
  for (const ShardResult& sh : rnd.shards) EXPECT_GT(sh.totals.accepted_records, 150u);
}

TEST_F(AgentTrace, ARestartReReadsTheTraceRowsFromTheCheckpointWithBoundedMemory) {
  // 200 rows/s for 10 minutes (120,000 rows) over 1,000 keys, two hosts; the agents stop at
  // 310 s for 30 s and resume from the 300 s checkpoint.
  Scenario s = trace_scenario(write_trace(120'000, 5, 1000), Duration::minutes(10), 4);
  ProducerConfig& p = s.producers[0];
  p.instances = 2;
  p.agent.partition_key_option = AgentConfig::PartitionKeyOption::kDeterministic;
  s.timeline.push_back(restart_at(Duration::seconds(310), Duration::seconds(30)));
  const Result r = run_scenario(s);
  const ProducerResult& res = r.producers[0];
  const ProducerCounts& c = res.counts;
  EXPECT_EQ(c.produced, 120'000u);
  EXPECT_EQ(c.lost, 0u);
  // The backlog after the restart goes out faster than 4 shards take it.
  EXPECT_EQ(c.throttled_entries, 1357u);
  EXPECT_EQ(c.accepted + c.pending, c.produced) << "nothing lost";
  // Each host's rows are those of its keys (half of them): 100 lines/s, a buffer of 500 closing
  // at 4.99 s, 9.99 s, ... The 300 s checkpoint has what was acknowledged by then (to 295 s);
  // the buffers of 295-305 s were accepted after it and are sent again, and every line from
  // 295 s to the stop at 310 s is read again.
  EXPECT_EQ(c.duplicates, 2000u);
  EXPECT_EQ(detail(res, "restarts"), 2.0);
  EXPECT_EQ(detail(res, "lines_reread"), 3001.0);
  EXPECT_EQ(c.pending, 1000u);
  expect_conserved(c);

  // Only the rows from the checkpoint on are held, not the 60,000 of a host's whole trace: at
  // most a checkpoint interval, the downtime and a buffer's worth.
  const DirectRun direct = run_agent(s);
  EXPECT_EQ(direct.counts.duplicates, c.duplicates);
  EXPECT_EQ(direct.totals.lines_reread, 3001u);
  EXPECT_EQ(direct.totals.max_trace_rows, 7000u);
  EXPECT_LE(direct.totals.max_trace_rows, (60 + 30 + 5) * 100u);
}

TEST_F(AgentTrace, SameSeedGivesIdenticalResults) {
  Scenario s = trace_scenario(write_trace(30'000, 2, 50, 1234), Duration::minutes(2), 1);
  s.producers[0].instances = 3;
  s.producers[0].agent.rotation_interval = Duration::seconds(10);
  s.producers[0].agent.rotated_files_tracked = 0;
  s.timeline.push_back(restart_at(Duration::seconds(40), Duration::seconds(25)));
  const Result a = run_scenario(s);
  const Result b = run_scenario(s);
  const ProducerCounts& ca = a.producers[0].counts;
  EXPECT_EQ(ca.produced, 30'000u);
  EXPECT_GT(ca.lost, 0u) << "files rotated away while the agents were down";
  EXPECT_GT(ca.throttled_entries, 0u);
  EXPECT_EQ(ca.accepted, b.producers[0].counts.accepted);
  EXPECT_EQ(ca.lost, b.producers[0].counts.lost);
  EXPECT_EQ(ca.duplicates, b.producers[0].counts.duplicates);
  EXPECT_EQ(a.producers[0].details, b.producers[0].details);
  EXPECT_EQ(a.events_run, b.events_run);
  expect_conserved(ca);
}

// ---- several flows -----------------------------------------------------------------------------

AgentFlowConfig constant_flow(const std::string& pattern, double rps, double bytes) {
  AgentFlowConfig f;
  f.file_pattern = pattern;
  f.rate.profile = RateConfig::Profile::kConstant;
  f.rate.records_per_sec = rps;
  f.record_size.kind = Distribution::Kind::kFixed;
  f.record_size.value = bytes;
  return f;
}

TEST(AgentProducer, FlowsWriteTheirOwnFilesAndShareOneRestart) {
  // Two files on one host: 200 lines/s of 100 B rotated every 30 s, and 50 lines/s of 2 KiB
  // rotated every 20 s. One restart stops both; each resumes from its own checkpoint.
  Scenario s = agent_scenario(1, Duration::minutes(10));
  AgentConfig& a = s.producers[0].agent;
  a.flows = {constant_flow("/var/log/access.log*", 200, 100),
             constant_flow("/var/log/app.log*", 50, 2048)};
  a.flows[0].rotation_interval = Duration::seconds(30);
  a.flows[1].rotation_interval = Duration::seconds(20);
  a.flows[1].rotated_files_tracked = 0;
  s.timeline.push_back(restart_at(Duration::seconds(310), Duration::seconds(30)));
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  const ProducerCounts& c = p.counts;
  EXPECT_EQ(c.produced, 150'000u);
  EXPECT_EQ(c.produced_bytes,
            120'000u * (100 + kAgentRandomKeyBytes) + 30'000u * (2048 + kAgentRandomKeyBytes));
  EXPECT_EQ(detail(p, "rotations"), 20.0 + 30.0);
  EXPECT_EQ(detail(p, "restarts"), 1.0) << "one agent process";
  // The second file keeps no rotated file: its files of 300-320 s and 320-340 s were deleted
  // while the agent was down, and their lines with them (those accepted before the stop too, so
  // it sends nothing again); the first keeps two rotated files and loses nothing, but resends
  // the ~10 s accepted after its 300 s checkpoint.
  EXPECT_EQ(c.lost, 1999u);
  EXPECT_EQ(c.duplicates, 2000u);
  EXPECT_EQ(c.accepted + c.pending + c.lost, c.produced);
  expect_conserved(c);

  // The first flow draws what the single-flow agent draws: with sizes drawn per line, its
  // bytes are the single agent's to the byte.
  a.flows[0].record_size.kind = Distribution::Kind::kLognormal;
  a.flows[0].record_size.mean = 100;
  a.flows[0].record_size.sigma = 0.5;
  const uint64_t with_flows = run_scenario(s).producers[0].counts.produced_bytes;
  Scenario single = agent_scenario(1, Duration::minutes(10));
  single.producers[0].rate = a.flows[0].rate;
  single.producers[0].record_size = a.flows[0].record_size;
  single.producers[0].agent.rotation_interval = Duration::seconds(30);
  const uint64_t alone = run_scenario(single).producers[0].counts.produced_bytes;
  EXPECT_NE(alone, 120'000u * (100 + kAgentRandomKeyBytes));
  EXPECT_EQ(with_flows - 30'000u * (2048 + kAgentRandomKeyBytes), alone);
}

TEST(AgentProducer, FlowsShareTheAgentsRequestsInFlight) {
  // Two flows of 20,000 lines/s each fill a 500-line buffer every 25 ms, about a request's
  // latency: with one request in flight for the whole agent it falls behind, with two it keeps
  // up.
  Scenario s = agent_scenario(1, Duration::seconds(30), 64);
  AgentConfig& a = s.producers[0].agent;
  a.flows = {constant_flow("a.log", 20'000, 100), constant_flow("b.log", 20'000, 100)};
  a.max_in_flight = 1;
  const Result one = run_scenario(s);
  a.max_in_flight = 2;
  const Result two = run_scenario(s);
  const ProducerResult& p1 = one.producers[0];
  const ProducerResult& p2 = two.producers[0];
  EXPECT_EQ(p1.counts.produced, 1'200'000u);
  EXPECT_EQ(p1.counts.throttled_entries, 0u);
  EXPECT_EQ(p2.counts.throttled_entries, 0u);
  // One in flight: a flow falls 10,000 lines/s behind, less the 100 buffers its queue takes.
  EXPECT_EQ(detail(p1, "max_backlog_lines"), 248'500.0);
  EXPECT_EQ(detail(p2, "max_backlog_lines"), 0.0);
  EXPECT_GT(p1.counts.pending, 10 * p2.counts.pending);
  expect_conserved(p1.counts);
  expect_conserved(p2.counts);
}

// The flow's own agent.json settings, starting from the agent's (as the loader does).
AgentFlowSettings& own_settings(AgentFlowConfig& f, const AgentConfig& a) {
  f.settings = static_cast<const AgentFlowSettings&>(a);
  return *f.settings;
}

TEST(AgentProducer, AFlowsOwnBufferingOverridesTheAgentsAndItsFiguresAreReported) {
  // Two flows of 100 lines/s for a minute: the first with the agent's 500-line buffers (one
  // request per 5 s), the second with its own 50-line buffers (one per 0.5 s).
  Scenario s = agent_scenario(1, Duration::minutes(1));
  AgentConfig& a = s.producers[0].agent;
  a.max_buffer_age = Duration::seconds(10);
  a.flows = {constant_flow("a.log", 100, 100), constant_flow("b.log", 100, 100)};
  own_settings(a.flows[1], a).max_buffer_size_records = 50;
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  EXPECT_EQ(p.counts.produced, 12'000u);
  EXPECT_EQ(p.counts.requests, 131u);
  EXPECT_EQ(detail(p, "flow/a.log/lines_written"), 6'000.0);
  EXPECT_EQ(detail(p, "flow/a.log/records_accepted"), 5'500.0);
  EXPECT_EQ(detail(p, "flow/b.log/lines_written"), 6'000.0);
  EXPECT_EQ(detail(p, "flow/b.log/records_accepted"), 5'950.0);
  EXPECT_EQ(detail(p, "flow/b.log/duplicates"), 0.0);
  EXPECT_EQ(detail(p, "flow/b.log/lines_lost"), 0.0);
  EXPECT_EQ(detail(p, "flow/b.log/records_truncated"), 0.0);
  EXPECT_EQ(detail(p, "flow/a.log/records_accepted") + detail(p, "flow/b.log/records_accepted"),
            static_cast<double>(p.counts.accepted));
  expect_conserved(p.counts);
  // A single-flow agent reports no flow figures.
  const Result single = run_scenario(agent_scenario(100, Duration::minutes(1)));
  for (const auto& [name, value] : single.producers[0].details) {
    EXPECT_EQ(name.rfind("flow/", 0), std::string::npos) << name;
  }
}

TEST(AgentProducer, FlowsMayMixRandomAndDeterministicPartitionKeys) {
  // One flow hashes its lines (32-character keys over the producer's 1,000 keys), the other
  // draws random keys (18 characters): the key counts are the DETERMINISTIC flow's alone.
  Scenario s = agent_scenario(1, Duration::minutes(1));
  AgentConfig& a = s.producers[0].agent;
  a.max_buffer_age = Duration::seconds(1);
  a.flows = {constant_flow("det.log", 100, 100), constant_flow("rnd.log", 100, 100)};
  own_settings(a.flows[0], a).partition_key_option =
      AgentConfig::PartitionKeyOption::kDeterministic;
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  EXPECT_EQ(p.counts.produced_bytes,
            6'000u * (100 + kAgentDeterministicKeyBytes) + 6'000u * (100 + kAgentRandomKeyBytes));
  EXPECT_FALSE(p.random_keys);
  EXPECT_EQ(p.distinct_keys, 1000u);
  EXPECT_EQ(p.counts.accepted, 11'918u);
  expect_conserved(p.counts);
}

TEST(AgentProducer, ADeterministicAgentCannotMixTraceAndGeneratedFlows) {
  Scenario s = agent_scenario(1, Duration::minutes(1));
  AgentConfig& a = s.producers[0].agent;
  a.partition_key_option = AgentConfig::PartitionKeyOption::kDeterministic;
  a.flows = {constant_flow("a.log", 10, 100), constant_flow("b.log", 10, 100)};
  a.flows[1].rate.profile = RateConfig::Profile::kTrace;
  a.flows[1].rate.trace_path = "/nonexistent.csv";
  EXPECT_THROW(run_scenario(s), std::invalid_argument);
}

}  // namespace
}  // namespace kinesim::models
