// The KPL producer model: its limiter, aggregation sizes, the backoff-free retrier with RecordTtl
// expiry, FailIfThrottled, wrong-shard puts after a reshard, conservation and determinism.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "models/scenario/loader.h"
#include "models/world/world.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using testing::counter;
using testing::detail;
using testing::expect_conserved;

Scenario kpl_scenario(uint32_t shards, double rps, Duration duration, uint32_t instances = 1) {
  return testing::one_producer_scenario({.type = ProducerConfig::Type::kKpl,
                                         .shards = shards,
                                         .records_per_sec = rps,
                                         .duration = duration,
                                         .instances = instances,
                                         .seed = 11,
                                         .scenario_name = "kpl-test",
                                         .producer_name = "kpl"});
}

TEST(KplProducer, LimiterKeepsOneInstanceUnderRateLimitPerShard) {
  // 3,000 records/s on one shard, RateLimit 100: the limiter passes the shard's 1,000/s and
  // the stream throttles next to nothing (requests land a latency later than the limiter
  // released them, so a few find the shard's bucket short); the backlog waits in the limiter
  // and expires at RecordTtl. With the default RateLimit 150 a third of the attempts fail.
  Scenario s = kpl_scenario(1, 3000, Duration::minutes(2));
  s.producers[0].kpl.aggregation_enabled = false;
  Scenario loose = s;
  s.producers[0].kpl.rate_limit = 100;
  const Result r = run_scenario(s);
  const ProducerCounts c = r.producers[0].counts;
  EXPECT_LT(static_cast<double>(c.throttled_entries), 0.005 * static_cast<double>(c.accepted));
  const ProducerCounts cl = run_scenario(loose).producers[0].counts;
  EXPECT_NEAR(static_cast<double>(cl.throttled_entries) /
                  static_cast<double>(cl.throttled_entries + cl.accepted),
              1.0 / 3, 0.05);
  EXPECT_NEAR(static_cast<double>(c.accepted) / 120.0, 1000.0, 1000.0 * 0.03);
  EXPECT_GT(c.failed_expired, 0u);
  expect_conserved(c);
}

TEST(KplProducer, SeveralInstancesTogetherStillThrottleEachUnderItsOwnLimiter) {
  Scenario s = kpl_scenario(1, 3000, Duration::minutes(2), 3);
  s.producers[0].kpl.aggregation_enabled = false;
  s.producers[0].kpl.rate_limit = 100;
  const Result r = run_scenario(s);
  const ProducerCounts c = r.producers[0].counts;
  EXPECT_GT(c.throttled_entries, 10'000u);
  EXPECT_NEAR(static_cast<double>(c.accepted) / 120.0, 1000.0, 1000.0 * 0.05);
  EXPECT_GT(detail(r.producers[0], "ErrorsByCode.ProvisionedThroughputExceededException"), 0);
  expect_conserved(c);
}

TEST(KplProducer, AggregationTurnsAThousandRecordsOf512BytesIntoAboutTenKinesisRecordsOf50KB) {
  Scenario s = kpl_scenario(1, 1000, Duration::minutes(2));
  s.producers[0].rate.profile = RateConfig::Profile::kConstant;
  s.producers[0].record_size.value = 512;
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  const double kinesis_per_sec = detail(p, "KinesisRecordsPut") / 120.0;
  EXPECT_NEAR(kinesis_per_sec, 10.0, 1.0);
  const double mean_bytes = detail(p, "KinesisRecordBytesMean");
  EXPECT_GT(mean_bytes, 45'000.0);
  EXPECT_LE(mean_bytes, 51'200.0 + 1);
  EXPECT_NEAR(detail(p, "UserRecordsPerKinesisRecord"), 97.0, 5.0);
  // The stream sees the aggregates, not the user records.
  uint64_t shard_records = 0;
  for (const ShardResult& sh : r.shards) shard_records += sh.totals.accepted_records;
  EXPECT_EQ(static_cast<double>(shard_records), detail(p, "KinesisRecordsPut"));
  // Retention keeps how many user records each aggregate carries, for deaggregating readers.
  uint64_t retained = 0;
  uint64_t retained_users = 0;
  for (const ShardResult& sh : r.shards) {
    retained += sh.retained_records;
    retained_users += sh.retained_user_records;
  }
  EXPECT_EQ(retained, shard_records);
  EXPECT_EQ(retained_users, p.counts.accepted);
  EXPECT_GT(retained_users, 50 * retained);
  EXPECT_EQ(p.counts.throttled_entries, 0u);
  expect_conserved(p.counts);
}

TEST(KplProducer, AThrottledRecordIsRetriedWithoutBackoffUntilRecordTtlAndThenExpires) {
  // A shard that admits nothing: every attempt is throttled.
  Scenario s = kpl_scenario(1, 1, Duration::seconds(60));
  s.stream.write.records_per_sec = 0;
  s.stream.write.burst_records = 0;
  s.producers[0].rate.profile = RateConfig::Profile::kSchedule;
  s.producers[0].rate.poisson = false;
  s.producers[0].rate.steps = {{Duration::seconds(0), 1.0}, {Duration::seconds(10), 0.0}};
  s.output.resolution = Duration::seconds(1);
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  const ProducerCounts c = p.counts;
  ASSERT_GE(c.produced, 9u);
  EXPECT_EQ(c.failed_expired, c.produced);
  EXPECT_EQ(c.accepted, 0u);
  EXPECT_EQ(c.pending, 0u);
  EXPECT_TRUE(p.backoff_us.count() == 0) << "no backoff";
  // Retries every RecordMaxBufferedTime/2 (50 ms) plus the wait for the limiter's drain
  // (<= 25 ms) and the request latency (~25 ms): 75-100 ms apart over 30 s.
  const double retries = detail(p, "RetriesPerRecord");
  const double spacing_ms = 30'000.0 / (retries + 1);
  EXPECT_GT(spacing_ms, 50.0);
  EXPECT_LT(spacing_ms, 120.0);
  // RetriedEntries counts sends after the first: a record requeued that expires before it goes
  // again is not sent again (it was counted as retried once per requeue).
  EXPECT_NEAR(static_cast<double>(c.retried_entries), retries * static_cast<double>(c.produced),
              1e-6 * static_cast<double>(c.retried_entries));
  // Records retried together are aggregated together: at least one error per attempt.
  const double errors = detail(p, "ErrorsByCode.ProvisionedThroughputExceededException");
  EXPECT_GE(errors, retries + 1);
  EXPECT_LE(errors, static_cast<double>(c.produced) * (retries + 1));
  // Expiry at RecordTtl: records created in [0 s, 10 s) expire in [30 s, 40.2 s).
  const std::vector<double> expired = counter(r, "kpl/UserRecordsExpired");
  double before = 0;
  double during = 0;
  for (std::size_t b = 0; b < expired.size(); ++b) (b < 30 ? before : during) += expired[b];
  EXPECT_EQ(before, 0.0);
  EXPECT_EQ(during, static_cast<double>(c.produced));
  EXPECT_EQ(detail(p, "UserRecordsExpired"), static_cast<double>(c.produced));
  expect_conserved(c);
}

TEST(KplProducer, FailIfThrottledFailsAThrottledRecordAtOnce) {
  Scenario s = kpl_scenario(1, 20, Duration::seconds(30));
  s.stream.write.records_per_sec = 0;
  s.stream.write.burst_records = 0;
  s.producers[0].kpl.fail_if_throttled = true;
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  const ProducerCounts c = p.counts;
  EXPECT_GT(c.produced, 400u);
  EXPECT_EQ(c.failed_expired, 0u);
  EXPECT_EQ(c.retried_entries, 0u);
  EXPECT_EQ(detail(p, "FailedThrottled"), static_cast<double>(c.failed_attempts_exhausted));
  EXPECT_EQ(c.failed_attempts_exhausted + c.pending, c.produced);
  EXPECT_EQ(detail(p, "RetriesPerRecord"), 0.0);
  expect_conserved(c);
}

TEST(KplProducer, AggregationDisabledGivesOneKinesisRecordPerUserRecord) {
  Scenario s = kpl_scenario(4, 500, Duration::minutes(1));
  s.producers[0].kpl.aggregation_enabled = false;
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  EXPECT_EQ(detail(p, "KinesisRecordsPut"), static_cast<double>(p.counts.accepted));
  EXPECT_EQ(detail(p, "UserRecordsPerKinesisRecord"), 1.0);
  uint64_t shard_records = 0;
  for (const ShardResult& sh : r.shards) shard_records += sh.totals.accepted_records;
  EXPECT_EQ(shard_records, p.counts.accepted);
  // Records wait for RecordMaxBufferedTime in the collector (no 256 KiB shard at this rate).
  EXPECT_GT(detail(p, "BufferingTimeMeanMs"), 50.0);
  EXPECT_LT(detail(p, "BufferingTimeMeanMs"), 130.0);
  expect_conserved(p.counts);
}

TEST(KplProducer, AfterASplitStaleShardPredictionsArePutAsWrongShardAndRetried) {
  Scenario s = kpl_scenario(2, 800, Duration::minutes(3), 2);
  TimelineAction split;
  split.at = Duration::seconds(60);
  split.kind = TimelineAction::Kind::kSplit;
  split.shard = "shardId-000000000000";
  s.timeline.push_back(split);
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  EXPECT_GT(detail(p, "WrongShardPuts"), 0.0);
  EXPECT_GE(detail(p, "ShardMapRefreshes"), 2.0);  // one per instance
  EXPECT_GT(p.counts.duplicates, 0u);
  EXPECT_EQ(p.counts.failed(), 0u);
  expect_conserved(p.counts);
}

TEST(KplProducer, CountsAreConservedUnderOverloadFailuresTimeoutsAndResharding) {
  Scenario s = kpl_scenario(3, 9000, Duration::minutes(2), 4);
  s.stream.internal_failure_rate = 0.01;
  s.producers[0].keys.dist = KeysConfig::Dist::kZipf;
  s.producers[0].keys.s = 1.2;
  s.producers[0].record_size.kind = Distribution::Kind::kHistogram;
  s.producers[0].record_size.points = {{100, 10}, {60'000, 1}, {2 * 1024 * 1024, 0.01}};
  s.producers[0].kpl.request_timeout = Duration::millis(40);
  s.producers[0].kpl.record_ttl = Duration::seconds(5);
  TimelineAction split;
  split.at = Duration::seconds(30);
  split.kind = TimelineAction::Kind::kSplit;
  split.shard = "shardId-000000000001";
  s.timeline.push_back(split);
  const Result r = run_scenario(s);
  const ProducerResult& p = r.producers[0];
  EXPECT_GT(p.counts.failed_expired, 0u);
  EXPECT_GT(p.counts.rejected_too_large, 0u);
  EXPECT_GT(p.counts.internal_failure_entries, 0u);
  EXPECT_GT(detail(p, "ErrorsByCode.RequestTimeout"), 0.0);
  EXPECT_GT(p.counts.pending, 0u);
  expect_conserved(p.counts);
}

// Every request takes `latency` (fixed) against a RequestTimeout of 100 ms.
Result timing_out(double latency_seconds) {
  Scenario s = kpl_scenario(2, 200, Duration::seconds(20));
  s.stream.put_latency = Distribution{};
  s.stream.put_latency.value = latency_seconds;
  s.producers[0].kpl.request_timeout = Duration::millis(100);
  s.producers[0].kpl.record_ttl = Duration::seconds(2);
  return run_scenario(s);
}

uint64_t stream_accepted(const Result& r) {
  uint64_t n = 0;
  for (const ShardResult& shard : r.shards) n += shard.totals.accepted_records;
  return n;
}

TEST(KplProducer, ATimedOutRequestThatReachedTheStreamLandsAndItsRetryIsADuplicate) {
  // 150 ms: the request reaches the stream at 75 ms, within the 100 ms timeout, and is
  // accepted there; the KPL gives up at 100 ms and sends it again, and again, until RecordTtl.
  const Result r = timing_out(0.150);
  const ProducerResult& p = r.producers[0];
  EXPECT_EQ(p.counts.accepted, 0u);  // no reply ever came
  EXPECT_GT(p.counts.failed_expired, 0u);
  EXPECT_GT(stream_accepted(r), 0u);
  // Every one landed, unanswered; the stream's count also has those whose timeout had not come
  // by the end (the last 100 ms of requests: a few entries).
  EXPECT_LE(p.counts.accepted_entries, stream_accepted(r));
  EXPECT_GE(p.counts.accepted_entries + 4, stream_accepted(r));
  EXPECT_GT(p.counts.duplicates, 0u);
  // Each send is an attempt: a record goes out again after each 100 ms timeout and the retrier's
  // wait, several times within its 2 s RecordTtl (about 9 here).
  EXPECT_GT(p.counts.user_record_attempts, 5 * p.counts.produced);
  EXPECT_EQ(detail(p, "ErrorsByCode.RequestTimeout"),
            static_cast<double>(p.counts.accepted_entries));
  expect_conserved(p.counts);
}

TEST(KplProducer, ATimedOutRequestStillOnItsWayNeverReachesTheStream) {
  // 250 ms: the request would reach the stream at 125 ms, after the 100 ms timeout.
  const Result r = timing_out(0.250);
  const ProducerResult& p = r.producers[0];
  EXPECT_EQ(stream_accepted(r), 0u);
  EXPECT_EQ(p.counts.duplicates, 0u);
  EXPECT_GT(p.counts.failed_expired, 0u);
  EXPECT_GT(detail(p, "ErrorsByCode.RequestTimeout"), 0.0);
  expect_conserved(p.counts);
}

TEST(KplProducer, TheSameSeedGivesTheSameCounts) {
  Scenario s = kpl_scenario(4, 5000, Duration::minutes(1), 2);
  s.producers[0].keys.dist = KeysConfig::Dist::kZipf;
  const Result a = run_scenario(s);
  const Result b = run_scenario(s);
  const ProducerCounts& ca = a.producers[0].counts;
  const ProducerCounts& cb = b.producers[0].counts;
  EXPECT_EQ(ca.produced, cb.produced);
  EXPECT_EQ(ca.accepted, cb.accepted);
  EXPECT_EQ(ca.throttled_entries, cb.throttled_entries);
  EXPECT_EQ(ca.failed_expired, cb.failed_expired);
  EXPECT_EQ(ca.requests, cb.requests);
  EXPECT_EQ(a.producers[0].details, b.producers[0].details);
  EXPECT_EQ(a.events_run, b.events_run);
}

}  // namespace
}  // namespace kinesim::models

namespace kinesim::models {
namespace {

// A KPL replaying a trace: rows reach the instances by key (one key's rows stay in order on one
// instance), every row is produced once, and per-key tallies grow with the keys the trace names.
TEST(KplProducer, ReplaysATraceRowByRowAcrossInstances) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("kinesim-kpl-trace-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "trace.csv";
  {
    std::ofstream out(file);
    out << "timestamp,partition_key,size\n";
    // 20 s of 500 rows/s; key k-0 carries every fifth row, the rest spread over the 160 keys
    // k-(1 + i % 200) with i % 5 != 0.
    for (int i = 0; i < 10'000; ++i) {
      const std::string key = i % 5 == 0 ? "k-0" : "k-" + std::to_string(1 + i % 200);
      out << i * 0.002 << "," << key << "," << 100 + i % 7 << "\n";
    }
  }
  Scenario s = kpl_scenario(4, 0, Duration::seconds(40), 3);
  ProducerConfig& p = s.producers[0];
  p.rate = RateConfig{};
  p.rate.profile = RateConfig::Profile::kTrace;
  p.rate.trace_path = file.string();
  p.keys = KeysConfig{};
  p.record_size = Distribution{};
  const Result r = run_scenario(s);
  std::filesystem::remove_all(dir);
  const ProducerResult& pr = r.producers[0];
  EXPECT_EQ(pr.counts.produced, 10'000u);
  EXPECT_EQ(pr.counts.accepted, 10'000u) << "well under every limit: all accepted";
  expect_conserved(pr.counts);
  EXPECT_EQ(pr.distinct_keys, 161u);
  ASSERT_FALSE(pr.hottest_keys.empty());
  EXPECT_EQ(pr.hottest_keys[0].key, "k-0");
  EXPECT_EQ(pr.hottest_keys[0].counts.offered, 2'000u);
  EXPECT_EQ(pr.hottest_keys[0].counts.accepted, 2'000u);
  EXPECT_GT(detail(pr, "UserRecordsPerKinesisRecord"), 1.0) << "aggregated";
}

// An idle KPL instance sleeps to the tick that takes its next record instead of ticking every
// 25 ms with nothing held: 1,000 instances sharing 20 records/s (one record per instance every
// 50 s) cost a few events per record, not 40 ticks a second each (48 million in 20 minutes).
// The results are those of ticking, byte for byte: the same 25 ms grid, and a reshard wakes
// sleepers at the grid tick after it (the shipped goldens hold, and so does this scenario's
// summary from before the change).
TEST(KplProducer, IdleInstancesSleepBetweenRecordsAndWakeForAReshard) {
  Scenario s = kpl_scenario(2, 20, Duration::minutes(20), 1000);
  s.timeline.push_back(testing::update_shard_count(Duration::minutes(5), 4));
  const Result r = run_scenario(s);
  const ProducerCounts c = r.producers[0].counts;
  expect_conserved(c);
  EXPECT_NEAR(static_cast<double>(c.produced), 20.0 * 1200, 20.0 * 1200 * 0.05);
  // Per record: the tick that takes it, the grid ticks while it is held (RecordMaxBufferedTime
  // 100 ms and the request's latency), its request's arrival and reply.
  EXPECT_LT(r.events_run, 20 * c.produced);
  // Woken by the reshard (or told by a wrong-shard reply), every instance refreshed its map.
  EXPECT_GE(detail(r.producers[0], "ShardMapRefreshes"), 1000.0);
}

}  // namespace
}  // namespace kinesim::models
