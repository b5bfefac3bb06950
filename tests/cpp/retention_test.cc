// RetentionLog as pure state: fine runs at the tip and coarse runs behind, bounded memory,
// positions by sequence number and timestamp, even interpolation inside a run, reads that
// conserve what was appended, and records lost to retention counted exactly.
#include "models/stream/retention.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "test_helpers.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

using testing::at_ms;

// 24 h retention, one-minute coarse runs, the default fine runs (50 ms within 60 s).
RetentionLog day_log() { return RetentionLog(Duration::hours(24), Duration::minutes(1)); }

// Appends one request every `every_ms` from `from_ms` to `to_ms` (exclusive): `records` records
// of `bytes` bytes each, `users` user records each, created `delay_ms` before arrival.
void write(RetentionLog& log, int64_t from_ms, int64_t to_ms, int64_t every_ms, uint64_t records,
           uint64_t bytes, uint64_t users = 1, int64_t delay_ms = 0) {
  for (int64_t t = from_ms; t < to_ms; t += every_ms) {
    log.append(at_ms(t), log.tip().sequence, records * bytes, records, records * users,
               Duration::millis(delay_ms) * static_cast<int64_t>(records * users));
  }
}

TEST(RetentionLog, RecentRecordsKeepFiftyMillisecondRunsAndOlderOnesMinuteRuns) {
  RetentionLog log = day_log();
  write(log, 0, 300'000, 10, 1, 100);  // 5 minutes, a request every 10 ms
  // The last minute in 50 ms runs (+1 for the run straddling the window's edge), the four
  // minutes before in one-minute runs.
  EXPECT_LE(log.fine_run_count(), 1'201u);
  EXPECT_GE(log.fine_run_count(), 1'199u);
  EXPECT_EQ(log.run_count() - log.fine_run_count(), 4u);
  EXPECT_EQ(log.retained_records(), 30'000u);
  EXPECT_EQ(log.run(0).records, 6'000u);  // a whole minute
  EXPECT_EQ(log.run(log.run_count() - 1).records, 5u);
}

TEST(RetentionLog, RunsStayBoundedWhateverTheDuration) {
  RetentionLog log = day_log();
  write(log, 0, 30 * 3'600'000, 100, 1, 100);  // 30 hours, a request every 100 ms
  log.trim(at_ms(30 * 3'600'000));
  // window / fine + retention / coarse, each +1 for a run at the edge.
  EXPECT_LE(log.run_count(), 1'201u + 1'441u);
  EXPECT_EQ(log.retained_records() + log.expired_records(), 30u * 36'000);
}

TEST(RetentionLog, AShardNoLongerWrittenCoalescesItsFineRunsOnTrim) {
  RetentionLog log = day_log();
  write(log, 0, 10'000, 10, 1, 100);
  EXPECT_EQ(log.fine_run_count(), 200u);
  log.trim(at_ms(80'000));
  EXPECT_EQ(log.fine_run_count(), 0u);
  EXPECT_EQ(log.run_count(), 1u);
  EXPECT_EQ(log.retained_bytes(), 100'000u);
}

TEST(RetentionLog, ReadingAPositionInsideARunSpreadsItsRecordsEvenly) {
  RetentionLog log = day_log();
  // One run: 10 records at 0 ms (30 bytes each, 2 users each), 10 at 40 ms (10 bytes, 4 users).
  log.append(at_ms(0), 0, 300, 10, 20, Duration::millis(100) * 20);
  log.append(at_ms(40), 10, 100, 10, 40, Duration::millis(10) * 40);
  ASSERT_EQ(log.run_count(), 1u);
  // Even spread: 20 bytes and 3 users per record, arrivals every 40/19 ms.
  const ShardPosition p = log.position_of(5);
  EXPECT_EQ(p.bytes_before, 100u);
  EXPECT_EQ(p.user_records_before, 15u);
  EXPECT_EQ(log.arrival_of(19), at_ms(40));
  EXPECT_EQ(log.arrival_of(0), at_ms(0));
  EXPECT_EQ(log.arrival_of(1), Time::zero() + Duration::nanos(40'000'000 / 19));
  std::vector<RecordSlice> slices;
  const LogRead r = log.read(p, 5, UINT64_MAX, &slices);
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(r.records, 5u);
  EXPECT_EQ(r.bytes, 100u);
  EXPECT_EQ(r.user_records, 15u);
  EXPECT_EQ(r.next.sequence, 10u);
  // Without limits, the rest of the run.
  EXPECT_EQ(log.read(r.next, UINT64_MAX, UINT64_MAX, nullptr).records, 10u);
  // Mean write delay of the run: (20 x 100 ms + 40 x 10 ms) / 60 users = 40 ms.
  EXPECT_EQ(slices[0].mean_write_delay(), Duration::millis(40));
}

TEST(RetentionLog, ReadingEverythingInPiecesSumsExactlyToWhatWasAppended) {
  RetentionLog log = day_log();
  uint64_t bytes = 0;
  uint64_t users = 0;
  for (int64_t t = 0; t < 120'000; t += 7) {
    const uint64_t n = 1 + static_cast<uint64_t>(t) % 13;
    const uint64_t b = n * (50 + static_cast<uint64_t>(t) % 977);
    const uint64_t u = n * (1 + static_cast<uint64_t>(t) % 5);
    log.append(at_ms(t), log.tip().sequence, b, n, u);
    bytes += b;
    users += u;
  }
  ShardPosition pos = log.oldest();
  uint64_t read_bytes = 0;
  uint64_t read_users = 0;
  uint64_t read_records = 0;
  while (pos.sequence < log.tip().sequence) {
    const LogRead r = log.read(pos, 777, 123'456, nullptr);
    ASSERT_GT(r.records, 0u);
    ASSERT_LE(r.bytes, 123'456u);
    read_bytes += r.bytes;
    read_users += r.user_records;
    read_records += r.records;
    pos = r.next;
  }
  EXPECT_EQ(read_records, log.tip().sequence);
  EXPECT_EQ(read_bytes, bytes);
  EXPECT_EQ(read_users, users);
  EXPECT_EQ(pos, log.tip());
}

TEST(RetentionLog, AReaderAtTheTipReadsExactlyWhatArrivesEvenInsideAGrowingRun) {
  RetentionLog log = day_log();
  ShardPosition pos = log.tip();
  uint64_t read = 0;
  uint64_t written = 0;
  for (int64_t t = 0; t < 10'000; t += 3) {  // appends every 3 ms merge into 50 ms runs
    const uint64_t b = 1'000 + static_cast<uint64_t>(t) % 4'000;
    log.append(at_ms(t), log.tip().sequence, b, 1, 1);
    written += b;
    const LogRead r = log.read(pos, 10'000, 10'000'000, nullptr);
    read += r.bytes;
    pos = r.next;
  }
  EXPECT_EQ(read, written);
}

TEST(RetentionLog, ATimestampFindsTheFirstRecordArrivingAtOrAfterIt) {
  RetentionLog log = day_log();
  write(log, 0, 1'000, 100, 1, 10);  // one record every 100 ms: sequence k at k x 100 ms
  EXPECT_EQ(log.position_at(at_ms(0)).sequence, 0u);
  EXPECT_EQ(log.position_at(at_ms(250)).sequence, 3u);
  EXPECT_EQ(log.position_at(at_ms(300)).sequence, 3u);
  EXPECT_EQ(log.position_at(at_ms(5'000)).sequence, log.tip().sequence);
  // Inside a run: 10 records spread evenly over 0..45 ms (5 ms apart), so record 4 arrived at
  // 20 ms and record 5 at 25 ms.
  RetentionLog one = day_log();
  one.append(at_ms(0), 0, 10, 1, 1);
  one.append(at_ms(45), 1, 90, 9, 9);
  one.append(at_ms(50), 10, 10, 1, 1);  // starts a new run at 50 ms
  ASSERT_EQ(one.run_count(), 2u);
  EXPECT_EQ(one.position_at(at_ms(20)).sequence, 4u);
  EXPECT_EQ(one.position_at(at_ms(21)).sequence, 5u);
  EXPECT_EQ(one.position_at(at_ms(46)).sequence, 10u);
}

TEST(RetentionLog, APositionTrimmedByRetentionReportsExactlyTheRecordsItLost) {
  RetentionLog log(Duration::hours(24), Duration::minutes(1));
  // 1,000 aggregates of 3 user records at 0 s; 10 aggregates of 7 at 12 h.
  log.append(at_ms(0), 0, 100'000, 1'000, 3'000);
  log.append(Time::zero() + Duration::hours(12), 1'000, 1'000, 10, 70);
  const LogRead first = log.read(log.oldest(), 365, UINT64_MAX, nullptr);
  EXPECT_EQ(first.next.user_records_before, 1'095u);
  log.trim(Time::zero() + Duration::hours(24) + Duration::minutes(1));
  EXPECT_EQ(log.expired_records(), 1'000u);
  const LogRead r = log.read(first.next, 10'000, UINT64_MAX, nullptr);
  EXPECT_EQ(r.trimmed_records, 635u);
  EXPECT_EQ(r.trimmed_user_records, 1'905u);
  EXPECT_EQ(r.records, 10u);
  EXPECT_EQ(r.user_records, 70u);
}

TEST(RetentionLog, AppendsMustFollowTheLastSequenceNumber) {
  RetentionLog log = day_log();
  log.append(at_ms(0), 5, 10, 2, 2);
  EXPECT_THROW(log.append(at_ms(1), 8, 10, 1, 1), std::logic_error);
}

}  // namespace
}  // namespace kinesim::models
