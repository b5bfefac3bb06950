// The stream's polling read path (SPEC §4): GetShardIterator and GetRecords against a shard's
// shared limits, with writes put straight into the stream at chosen virtual times (the engine
// runs only to land a split and to trim retention).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "models/core/limits.h"
#include "models/stream/stream.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/rng.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using core::kMiB;
using sim::Duration;
using sim::Time;

using testing::at_ms;

struct Bench {
  explicit Bench(StreamConfig c = {}, Duration horizon = Duration::minutes(10),
                 Duration resolution = Duration::seconds(1))
      : metrics(horizon, {resolution}), stream(c, engine, metrics, sim::RngStream(7)) {}

  // One PutRecords request at `at` of `records` records of `bytes` bytes to `shard`, created
  // `delay` before arrival. Returns how many were accepted.
  uint64_t write(Time at, core::ShardIndex shard, uint64_t records, uint64_t bytes,
                 Duration delay = Duration(), uint32_t users = 1) {
    uint64_t accepted = 0;
    for (uint64_t i = 0; i < records; ++i) {
      accepted += stream.put(at, shard, bytes, at - delay, users) == PutOutcome::kAccepted;
    }
    stream.end_request(at, PutApi::kPutRecords, records, records * bytes);
    return accepted;
  }
  ShardIterator iterator(Time at, core::ShardIndex shard, StartingPosition p) {
    const GetShardIteratorReply r = stream.get_shard_iterator(at, shard, p);
    EXPECT_EQ(r.outcome, ReadOutcome::kOk);
    return r.iterator;
  }
  bool has_counter(const std::string& name) const {
    const auto& n = metrics.counter_names();
    return std::find(n.begin(), n.end(), name) != n.end();
  }
  double counter_total(const std::string& name) const {
    return testing::counter_total(metrics, name);
  }

  sim::Engine engine;
  sim::MetricRecorder metrics;
  Stream stream;
};

TEST(ReadPath, AReaderAtTheTipIsZeroMillisBehindLatest) {
  Bench b;
  ShardIterator it = b.iterator(Time::zero(), 0, StartingPosition::latest());
  for (int64_t ms = 0; ms < 10'000; ms += 200) {
    b.write(at_ms(ms), 0, 10, 1'000);
    const GetRecordsReply r = b.stream.get_records(at_ms(ms), it);
    ASSERT_EQ(r.outcome, ReadOutcome::kOk);
    EXPECT_EQ(r.batch.records, 10u);
    EXPECT_EQ(r.batch.behind_latest, Duration());
    ASSERT_TRUE(r.next_iterator);
    it = *r.next_iterator;
  }
}

TEST(ReadPath, MillisBehindLatestIsHowLongTheNextUnreadRecordHasWaited) {
  Bench b;
  b.write(at_ms(0), 0, 1, 1'000);
  b.write(at_ms(1'000), 0, 1, 1'000);
  b.write(at_ms(2'000), 0, 1, 1'000);
  const ShardIterator it = b.iterator(at_ms(3'000), 0, StartingPosition::trim_horizon());
  const GetRecordsReply r = b.stream.get_records(at_ms(3'000), it, 1);
  EXPECT_EQ(r.batch.records, 1u);
  EXPECT_EQ(r.batch.behind_latest, Duration::seconds(2));  // record 1 arrived at 1 s
  EXPECT_EQ(r.batch.iterator_age, Duration::seconds(3));   // record 0, returned, arrived at 0
}

TEST(ReadPath, AReaderAtTwoMiBPerSecondBehindAOneMiBPerSecondWriterCatchesUpAtOneMiBPerSecond) {
  Bench b(StreamConfig{}, Duration::minutes(5));
  const uint64_t record = kMiB / 10;  // 10 records every 100 ms: 1 MiB/s
  for (int64_t ms = 0; ms < 60'000; ms += 100) ASSERT_EQ(b.write(at_ms(ms), 0, 1, record), 1u);
  // From 60 s the reader starts at the oldest record, 60 s behind, polling 5 times a second.
  ShardIterator it = b.iterator(at_ms(60'000), 0, StartingPosition::trim_horizon());
  Time caught_up = Time::max();
  uint64_t read_70_to_100 = 0;
  for (int64_t ms = 60'000; ms < 200'000; ms += 100) {
    ASSERT_EQ(b.write(at_ms(ms), 0, 1, record), 1u);
    if (ms % 200 != 0) continue;
    const GetRecordsReply r = b.stream.get_records(at_ms(ms), it);
    if (r.outcome == ReadOutcome::kThrottled) continue;
    ASSERT_EQ(r.outcome, ReadOutcome::kOk);
    if (ms >= 70'000 && ms < 100'000) read_70_to_100 += r.batch.bytes;
    if (caught_up == Time::max() && r.batch.behind_latest < Duration::seconds(1)) {
      caught_up = at_ms(ms);
    }
    it = *r.next_iterator;
  }
  // 2 MiB/s out (8 MiB every 4 s once the bucket is in debt), 1 MiB/s in.
  EXPECT_NEAR(static_cast<double>(read_70_to_100) / 30.0 / kMiB, 2.0, 0.3);
  // The 60 MiB backlog, less the first call's 10 MiB, shrinks at 1 MiB/s net: 50 s, to within
  // one 4 s throttle.
  const double took = (caught_up - at_ms(60'000)).to_seconds();
  EXPECT_GE(took, 50.0);
  EXPECT_LE(took, 54.0);
}

TEST(ReadPath, ReadingPastTheEndOfASplitParentGivesShardEndAndBothChildren) {
  Bench b;
  b.write(Time::zero(), 0, 5, 100);
  TimelineAction split;
  split.kind = TimelineAction::Kind::kSplit;
  split.shard = core::ShardMap::shard_id(0);
  b.stream.apply(split);
  b.engine.run_until(at_ms(60'000));
  ASSERT_EQ(b.stream.map().open_count(), 2u);
  const ShardIterator it = b.iterator(at_ms(60'000), 0, StartingPosition::trim_horizon());
  GetRecordsReply r = b.stream.get_records(at_ms(60'000), it, 3);
  EXPECT_FALSE(r.batch.shard_end);
  ASSERT_TRUE(r.next_iterator);
  r = b.stream.get_records(at_ms(60'200), *r.next_iterator);
  EXPECT_EQ(r.batch.records, 2u);
  EXPECT_TRUE(r.batch.shard_end);
  EXPECT_FALSE(r.next_iterator);
  EXPECT_EQ(r.batch.child_shards, (std::vector<core::ShardIndex>{1, 2}));
  // An open shard read to its end is only caught up.
  const ShardIterator child = b.iterator(at_ms(60'200), 1, StartingPosition::trim_horizon());
  const GetRecordsReply c = b.stream.get_records(at_ms(60'200), child);
  EXPECT_FALSE(c.batch.shard_end);
  EXPECT_TRUE(c.next_iterator);
}

TEST(ReadPath, APositionTrimmedByRetentionReportsTheRecordsSkipped) {
  Bench b(StreamConfig{}, Duration::hours(25), Duration::minutes(1));
  b.stream.start_housekeeping(Duration::minutes(1));
  b.write(Time::zero(), 0, 500, 100, Duration(), 3);  // 500 aggregates of 3 user records
  // A slow reader: one record every 4 minutes keeps its iterator fresh but falls behind.
  ShardIterator it = b.iterator(Time::zero(), 0, StartingPosition::trim_horizon());
  uint64_t read = 0;
  const Time day = Time::zero() + Duration::hours(24);
  for (Time t = Time::zero() + Duration::minutes(4); t <= day; t += Duration::minutes(4)) {
    b.engine.run_until(t);
    if (t == Time::zero() + Duration::hours(12)) b.write(t, 0, 10, 100, Duration(), 7);
    const GetRecordsReply r = b.stream.get_records(t, it, 1);
    ASSERT_EQ(r.outcome, ReadOutcome::kOk);
    read += r.batch.records;
    it = *r.next_iterator;
  }
  ASSERT_EQ(read, 360u);
  const Time trimmed = day + Duration::minutes(2);  // the first run left retention at 24 h 1 min
  b.engine.run_until(trimmed);
  ASSERT_EQ(b.stream.retention(0).expired_records(), 500u);
  const GetRecordsReply r = b.stream.get_records(trimmed, it);
  ASSERT_EQ(r.outcome, ReadOutcome::kOk);
  EXPECT_EQ(r.batch.trimmed_records, 500u - read);
  EXPECT_EQ(r.batch.trimmed_user_records, 3 * (500u - read));
  EXPECT_EQ(r.batch.records, 10u);
  EXPECT_EQ(r.batch.user_records, 70u);
}

TEST(ReadPath, AnIteratorExpiresFiveMinutesAfterItWasIssued) {
  Bench b;
  const ShardIterator it = b.iterator(Time::zero(), 0, StartingPosition::trim_horizon());
  const Time edge = Time::zero() + Duration::minutes(5);
  EXPECT_EQ(b.stream.get_records(edge - Duration::nanos(1), it).outcome, ReadOutcome::kOk);
  EXPECT_EQ(b.stream.get_records(edge, it).outcome, ReadOutcome::kExpiredIterator);
}

TEST(ReadPath, TheSixthGetShardIteratorCallWithinASecondIsThrottled) {
  Bench b;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(b.stream.get_shard_iterator(at_ms(10 * i), 0, StartingPosition::latest()).outcome,
              ReadOutcome::kOk);
  }
  EXPECT_EQ(b.stream.get_shard_iterator(at_ms(50), 0, StartingPosition::latest()).outcome,
            ReadOutcome::kThrottled);
  EXPECT_EQ(b.stream.get_shard_iterator(at_ms(1'000), 0, StartingPosition::latest()).outcome,
            ReadOutcome::kOk);
}

TEST(ReadPath, IteratorsStartWhereTheirTypeSays) {
  Bench b;
  for (int64_t s = 0; s < 10; ++s) b.write(at_ms(1'000 * s), 0, 1, 100);
  const Time now = at_ms(10'000);
  const auto start = [&](StartingPosition p) {
    return b.stream.get_shard_iterator(now, 0, p).iterator.position.sequence;
  };
  EXPECT_EQ(start(StartingPosition::trim_horizon()), 0u);
  EXPECT_EQ(start(StartingPosition::latest()), 10u);
  EXPECT_EQ(start(StartingPosition::at_sequence(4)), 4u);
  EXPECT_EQ(start(StartingPosition::after_sequence(4)), 5u);
  EXPECT_EQ(start(StartingPosition::at_timestamp(at_ms(6'500))), 7u);
  const GetShardIteratorReply bad =
      b.stream.get_shard_iterator(at_ms(12'000), 0, StartingPosition::at_sequence(10));
  EXPECT_EQ(bad.outcome, ReadOutcome::kInvalidArgument);
}

TEST(ReadPath, ReadsCarryTheWriteDelayOfTheirRecords) {
  Bench b;
  b.write(at_ms(1'000), 0, 4, 100, Duration::millis(250));
  b.write(at_ms(1'010), 0, 4, 100, Duration::millis(50));  // the same 50 ms run
  const ShardIterator it = b.iterator(at_ms(2'000), 0, StartingPosition::trim_horizon());
  const GetRecordsReply r = b.stream.get_records(at_ms(2'000), it);
  ASSERT_EQ(r.batch.slices.size(), 1u);
  EXPECT_EQ(r.batch.slices[0].records, 8u);
  EXPECT_EQ(r.batch.slices[0].mean_write_delay(), Duration::millis(150));
  EXPECT_EQ(r.batch.slices[0].first_arrival, at_ms(1'000));
  EXPECT_EQ(r.batch.slices[0].last_arrival, at_ms(1'010));
}

TEST(ReadPath, ThrottledAndServedCallsLandInTheirCloudWatchSeries) {
  Bench b;
  b.write(Time::zero(), 0, 10, 1'000);
  const ShardIterator it = b.iterator(Time::zero(), 0, StartingPosition::trim_horizon());
  for (int i = 0; i < 7; ++i) b.stream.get_records(Time::zero(), it);  // 5 served, 2 throttled
  const std::string s = b.stream.config().name + "/";
  EXPECT_EQ(b.counter_total(s + "GetRecords.Success"), 5);
  EXPECT_EQ(b.counter_total(s + "GetRecords.Records"), 50);
  EXPECT_EQ(b.counter_total(s + "GetRecords.Bytes"), 50'000);
  EXPECT_EQ(b.counter_total(s + "ReadProvisionedThroughputExceeded"), 2);
  EXPECT_EQ(b.counter_total("shardId-000000000000/OutgoingRecords"), 50);
  EXPECT_EQ(b.counter_total("shardId-000000000000/ReadProvisionedThroughputExceeded"), 2);
}

TEST(ReadPath, AStreamWithoutReadersHasOnlyItsWriteSeries) {
  Bench b;
  b.write(Time::zero(), 0, 10, 1'000);
  EXPECT_TRUE(b.has_counter("shardId-000000000000/IncomingBytes"));
  for (const std::string& name : b.metrics.counter_names()) {
    EXPECT_EQ(name.find("GetRecords"), std::string::npos) << name;
    EXPECT_EQ(name.find("Outgoing"), std::string::npos) << name;
    EXPECT_EQ(name.find("Read"), std::string::npos) << name;
  }
  EXPECT_TRUE(b.metrics.gauge_names().size() == 1u);  // OpenShardCount
}

TEST(ReadPath, TheOptionalRecordsLimitIsOffByDefault) {
  EXPECT_FALSE(StreamConfig{}.read.enforce_records_per_sec);
  Bench b;
  b.write(Time::zero(), 0, 1'000, 10);
  b.write(at_ms(1'000), 0, 1'000, 10);
  b.write(at_ms(2'000), 0, 1'000, 10);
  const ShardIterator it = b.iterator(at_ms(3'000), 0, StartingPosition::trim_horizon());
  EXPECT_EQ(b.stream.get_records(at_ms(3'000), it).batch.records, 3'000u);
  StreamConfig on;
  on.read.enforce_records_per_sec = true;
  on.read.polling.debt_records = 0;
  Bench limited(on);
  limited.write(Time::zero(), 0, 1'000, 10);
  limited.write(at_ms(1'000), 0, 1'000, 10);
  limited.write(at_ms(2'000), 0, 1'000, 10);
  const ShardIterator lit = limited.iterator(at_ms(3'000), 0, StartingPosition::trim_horizon());
  EXPECT_EQ(limited.stream.get_records(at_ms(3'000), lit).batch.records, 2'000u);
}

}  // namespace
}  // namespace kinesim::models
