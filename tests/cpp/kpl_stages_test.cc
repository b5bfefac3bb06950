// The KPL's stages on their own, without an engine: the aggregator's reducers, the limiter's
// buckets, the collector's packing and the retrier's verdicts, each fed `now` by the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "models/core/aggregation.h"
#include "models/producer/kpl/aggregator.h"
#include "models/producer/kpl/collector.h"
#include "models/producer/kpl/limiter.h"
#include "models/producer/kpl/records.h"
#include "models/producer/kpl/retrier.h"
#include "models/producer/pool.h"
#include "test_helpers.h"

namespace kinesim::models::kpl {
namespace {

using sim::Duration;
using sim::Time;

using testing::at_ms;

// A fresh user record of key `key` created at `created_ms`, due RecordMaxBufferedTime later.
HeldUserRecord user(uint64_t key, int64_t created_ms, uint32_t data_bytes = 100,
                    const KplConfig& k = KplConfig{}) {
  HeldUserRecord r;
  r.key = key;
  r.created = at_ms(created_ms);
  r.deadline = r.created + k.record_max_buffered_time;
  r.data_bytes = data_bytes;
  r.pk_bytes = 8;
  return r;
}

// The bytes the real codec puts for these records as one aggregate: its data and key "a".
uint64_t encoded_put_bytes(const std::vector<HeldUserRecord>& users) {
  std::vector<core::UserRecord> records;
  for (const HeldUserRecord& u : users) {
    std::string key = "key" + std::to_string(u.key);
    key.resize(u.pk_bytes, '_');
    records.push_back({key, std::nullopt, std::string(u.data_bytes, 'x')});
  }
  const std::vector<core::KinesisRecord> out = core::aggregate(records);
  EXPECT_EQ(out.size(), 1u);
  return out.front().data.size() + out.front().partition_key.size();
}

struct Emitted {
  std::vector<PutEntry*> entries;
  auto sink() {
    return [this](PutEntry* e) { entries.push_back(e); };
  }
};

// ---- Aggregator ------------------------------------------------------------------------------

TEST(KplAggregator, FlushesAReducerWhenItsOldestRecordReachesItsDeadline) {
  const KplConfig k;
  Pool<PutEntry> pool;
  Aggregator agg(k, pool);
  Emitted out;
  EXPECT_EQ(agg.add(user(1, 0), 0, at_ms(0), out.sink()), at_ms(100));
  EXPECT_EQ(agg.add(user(2, 30), 0, at_ms(30), out.sink()), kNever);  // the earlier one stands
  EXPECT_TRUE(out.entries.empty());
  ASSERT_EQ(agg.next_deadline(), at_ms(100));
  agg.flush_next_due(out.sink());
  ASSERT_EQ(out.entries.size(), 1u);
  const PutEntry& e = *out.entries.front();
  EXPECT_EQ(e.users.size(), 2u);
  EXPECT_EQ(e.ready, at_ms(100));
  EXPECT_EQ(e.oldest, at_ms(0));
  EXPECT_EQ(e.deadline, at_ms(100));
  EXPECT_EQ(e.wire_bytes, encoded_put_bytes(e.users));
  EXPECT_EQ(agg.next_deadline(), kNever);
}

TEST(KplAggregator, SendsAOneRecordAggregateRawWithItsOwnKey) {
  const KplConfig k;
  Pool<PutEntry> pool;
  Aggregator agg(k, pool);
  Emitted out;
  agg.add(user(7, 0, 300), 4, at_ms(0), out.sink());
  ASSERT_EQ(agg.next_deadline(), at_ms(100));
  agg.flush_next_due(out.sink());
  ASSERT_EQ(out.entries.size(), 1u);
  EXPECT_EQ(out.entries.front()->wire_bytes, 300u + 8u);
  EXPECT_EQ(out.entries.front()->predicted, 4u);
}

TEST(KplAggregator, FlushesAtOnceOnAggregationMaxCount) {
  KplConfig k;
  k.aggregation_max_count = 3;
  Pool<PutEntry> pool;
  Aggregator agg(k, pool);
  Emitted out;
  agg.add(user(1, 0), 0, at_ms(0), out.sink());
  agg.add(user(2, 1), 0, at_ms(1), out.sink());
  EXPECT_TRUE(out.entries.empty());
  agg.add(user(3, 2), 0, at_ms(2), out.sink());
  ASSERT_EQ(out.entries.size(), 1u);
  EXPECT_EQ(out.entries.front()->users.size(), 3u);
  EXPECT_EQ(out.entries.front()->ready, at_ms(2));
  EXPECT_EQ(agg.buffered(0), 0u);
  EXPECT_EQ(agg.next_deadline(), kNever);  // the flushed reducer's deadline went with it
}

TEST(KplAggregator, StartsANewAggregateWhenTheNextRecordWouldPassAggregationMaxSize) {
  KplConfig k;
  k.aggregation_max_size = 1000;
  Pool<PutEntry> pool;
  Aggregator agg(k, pool);
  Emitted out;
  for (uint64_t i = 0; i < 10; ++i) agg.add(user(i, 0, 200), 0, at_ms(0), out.sink());
  ASSERT_FALSE(out.entries.empty());
  for (const PutEntry* e : out.entries) {
    EXPECT_LE(e->wire_bytes - 1, k.aggregation_max_size);  // the encoding, without key "a"
    EXPECT_EQ(e->wire_bytes, encoded_put_bytes(e->users));
    // One more record would not have fitted.
    std::vector<HeldUserRecord> more = e->users;
    more.push_back(user(99, 0, 200));
    EXPECT_GT(encoded_put_bytes(more) - 1, k.aggregation_max_size);
  }
  uint64_t users = agg.buffered(0);
  for (const PutEntry* e : out.entries) users += e->users.size();
  EXPECT_EQ(users, 10u);
}

TEST(KplAggregator, KeepsOneReducerPerPredictedShard) {
  const KplConfig k;
  Pool<PutEntry> pool;
  Aggregator agg(k, pool);
  Emitted out;
  agg.add(user(1, 10), 3, at_ms(10), out.sink());
  agg.add(user(2, 20), 0, at_ms(20), out.sink());
  agg.add(user(3, 30), 3, at_ms(30), out.sink());
  EXPECT_EQ(agg.buffered(3), 2u);
  EXPECT_EQ(agg.buffered(0), 1u);
  ASSERT_EQ(agg.next_deadline(), at_ms(110));
  agg.flush_next_due(out.sink());
  ASSERT_EQ(agg.next_deadline(), at_ms(120));
  agg.flush_next_due(out.sink());
  ASSERT_EQ(out.entries.size(), 2u);
  EXPECT_EQ(out.entries[0]->predicted, 3u);
  EXPECT_EQ(out.entries[0]->users.size(), 2u);
  EXPECT_EQ(out.entries[1]->predicted, 0u);
}

TEST(KplAggregator, ARetriedRecordBringsItsReducersDeadlineForward) {
  const KplConfig k;
  Pool<PutEntry> pool;
  Aggregator agg(k, pool);
  Emitted out;
  agg.add(user(1, 0), 0, at_ms(0), out.sink());  // due at 100 ms
  HeldUserRecord retried = user(2, 0);
  retried.attempts = 1;
  retried.deadline = at_ms(70);  // a reply at 20 ms: 20 + 100 / 2
  EXPECT_EQ(agg.add(retried, 0, at_ms(20), out.sink()), at_ms(70));
  ASSERT_EQ(agg.next_deadline(), at_ms(70));
  agg.flush_next_due(out.sink());
  ASSERT_EQ(out.entries.size(), 1u);
  EXPECT_EQ(out.entries.front()->users.size(), 2u);
  EXPECT_EQ(out.entries.front()->ready, at_ms(70));
  EXPECT_EQ(agg.next_deadline(), kNever);  // the 100 ms entry is stale now
}

TEST(KplAggregator, WithAggregationOffEveryRecordTravelsAloneAtOnce) {
  KplConfig k;
  k.aggregation_enabled = false;
  Pool<PutEntry> pool;
  Aggregator agg(k, pool);
  Emitted out;
  EXPECT_EQ(agg.add(user(1, 5, 50), 2, at_ms(5), out.sink()), kNever);
  EXPECT_EQ(agg.add(user(1, 6, 60), 2, at_ms(6), out.sink()), kNever);
  ASSERT_EQ(out.entries.size(), 2u);
  EXPECT_EQ(out.entries[0]->wire_bytes, 58u);
  EXPECT_EQ(out.entries[1]->wire_bytes, 68u);
  EXPECT_EQ(out.entries[1]->ready, at_ms(6));
  EXPECT_EQ(agg.next_deadline(), kNever);
}

// ---- Limiter ---------------------------------------------------------------------------------

// `n` raw entries of `bytes` for `shard`, ready and created at `ms`.
std::vector<PutEntry> entries(std::size_t n, core::ShardIndex shard, uint64_t bytes,
                              int64_t ms = 0) {
  std::vector<PutEntry> out(n);
  for (PutEntry& e : out) {
    e.add(user(0, ms));
    e.predicted = shard;
    e.wire_bytes = bytes;
    e.ready = at_ms(ms);
  }
  return out;
}

struct Drained {
  std::vector<PutEntry*> released;
  std::vector<PutEntry*> expired;
  void drain(Limiter& l, Time now) {
    l.drain(
        now, [this](PutEntry* e) { released.push_back(e); },
        [this](PutEntry* e) { expired.push_back(e); });
  }
};

TEST(KplLimiter, HoldsRecordsOverRateLimitUntilTokensReturn) {
  KplConfig k;
  k.rate_limit = 100;  // 1,000 records/s, depth 1,000
  Limiter l(k);
  std::vector<PutEntry> es = entries(1'002, 0, 10);
  for (PutEntry& e : es) l.enqueue(&e);
  Drained d;
  d.drain(l, at_ms(0));
  EXPECT_EQ(d.released.size(), 1'000u);
  d.drain(l, at_ms(0));
  EXPECT_EQ(d.released.size(), 1'000u);
  EXPECT_EQ(l.waiting(0), 2u);
  d.drain(l, at_ms(3));  // about three tokens back
  EXPECT_EQ(d.released.size(), 1'002u);
  EXPECT_TRUE(d.expired.empty());
  for (std::size_t i = 0; i < d.released.size(); ++i) EXPECT_EQ(d.released[i], &es[i]);
}

TEST(KplLimiter, AllowsRateLimitPercentOfTheShardsPublishedBytes) {
  KplConfig k;
  k.rate_limit = 50;  // 512 KiB/s, depth 10 MiB
  Limiter l(k);
  std::vector<PutEntry> es = entries(200, 0, 64 * 1024);
  for (PutEntry& e : es) l.enqueue(&e);
  Drained d;
  d.drain(l, at_ms(0));
  EXPECT_EQ(d.released.size(), 160u);  // 10 MiB of 64 KiB records
  d.drain(l, at_ms(1'010));
  EXPECT_EQ(d.released.size(), 168u);  // 512 KiB a second more
}

TEST(KplLimiter, ShardsDrawFromTheirOwnBuckets) {
  KplConfig k;
  k.rate_limit = 100;
  Limiter l(k);
  std::vector<PutEntry> a = entries(1'000, 0, 10);
  std::vector<PutEntry> b = entries(1'000, 5, 10);
  for (std::size_t i = 0; i < a.size(); ++i) {
    l.enqueue(&a[i]);
    l.enqueue(&b[i]);
  }
  Drained d;
  d.drain(l, at_ms(0));
  EXPECT_EQ(d.released.size(), 2'000u);
  EXPECT_EQ(d.released.front(), &a.front());  // shard 0 became busy first
  EXPECT_EQ(d.released[1'000], &b.front());
}

TEST(KplLimiter, ExpiresARecordThatWaitedPastRecordTtl) {
  KplConfig k;
  k.rate_limit = 100;
  k.record_ttl = Duration::seconds(1);
  Limiter l(k);
  std::vector<PutEntry> es = entries(1'001, 0, 10);
  for (PutEntry& e : es) l.enqueue(&e);
  Drained d;
  d.drain(l, at_ms(0));
  EXPECT_EQ(d.released.size(), 1'000u);
  d.drain(l, at_ms(999));
  EXPECT_EQ(d.released.size(), 1'001u);  // in time
  std::vector<PutEntry> late = entries(2, 0, 10);
  for (PutEntry& e : late) l.enqueue(&e);  // created at 0, still queued at 1 s
  d.drain(l, at_ms(1'000));
  EXPECT_EQ(d.expired.size(), 2u);
  EXPECT_EQ(l.waiting(0), 0u);
}

TEST(KplLimiter, LeavesARecordInItsQueueUntilItIsReady) {
  const KplConfig k;
  Limiter l(k);
  std::vector<PutEntry> es = entries(1, 0, 10, 50);
  l.enqueue(&es[0]);
  Drained d;
  d.drain(l, at_ms(25));
  EXPECT_TRUE(d.released.empty());
  d.drain(l, at_ms(50));
  EXPECT_EQ(d.released.size(), 1u);
}

// ---- Collector -------------------------------------------------------------------------------

TEST(KplCollector, PacksAtMostCollectionMaxCountEntriesPerRequest) {
  KplConfig k;
  k.collection_max_count = 3;
  Pool<PutRecordsRequest> pool;
  Collector c(k, pool);
  std::vector<PutEntry> es = entries(7, 0, 10);
  for (PutEntry& e : es) c.collect(&e);
  EXPECT_EQ(c.packed(), 2u);
  EXPECT_FALSE(c.due(at_ms(0)));  // one entry, its deadline ahead
  PutRecordsRequest* first = c.take_packed();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->entries.size(), 3u);
  EXPECT_EQ(first->entries.front(), &es[0]);
  EXPECT_EQ(first->bytes, 30u);
  EXPECT_EQ(c.take_packed()->entries.front(), &es[3]);
  EXPECT_EQ(c.take_packed(), nullptr);
  EXPECT_EQ(c.packing()->entries.size(), 1u);
}

TEST(KplCollector, PacksAtMostCollectionMaxSizeBytesPerRequest) {
  KplConfig k;
  k.collection_max_size = 250;
  Pool<PutRecordsRequest> pool;
  Collector c(k, pool);
  std::vector<PutEntry> es = entries(5, 0, 100);
  for (PutEntry& e : es) c.collect(&e);
  ASSERT_EQ(c.packed(), 2u);
  EXPECT_EQ(c.take_packed()->bytes, 200u);
  EXPECT_EQ(c.take_packed()->bytes, 200u);
  EXPECT_EQ(c.packing()->bytes, 100u);
}

TEST(KplCollector, IsDueEarlyWhenOneShardHas256KiBWaiting) {
  const KplConfig k;
  Pool<PutRecordsRequest> pool;
  Collector c(k, pool);
  std::vector<PutEntry> small = entries(1, 1, 200 * 1024);
  std::vector<PutEntry> es = entries(2, 0, 128 * 1024);
  c.collect(&small[0]);
  c.collect(&es[0]);
  EXPECT_FALSE(c.due(at_ms(0)));  // 328 KiB in all, but no shard has 256 KiB
  c.collect(&es[1]);
  EXPECT_TRUE(c.due(at_ms(0)));
  c.flush();
  // A new request counts its shards afresh.
  std::vector<PutEntry> more = entries(1, 0, 128 * 1024);
  c.collect(&more[0]);
  EXPECT_FALSE(c.due(at_ms(0)));
}

TEST(KplCollector, IsDueWhenItsEarliestDeadlinePasses) {
  const KplConfig k;
  Pool<PutRecordsRequest> pool;
  Collector c(k, pool);
  EXPECT_FALSE(c.due(at_ms(1'000)));  // nothing packed
  std::vector<PutEntry> es = entries(2, 0, 10);
  es[0].deadline = at_ms(80);
  es[1].deadline = at_ms(60);
  c.collect(&es[0]);
  c.collect(&es[1]);
  EXPECT_FALSE(c.due(at_ms(59)));
  EXPECT_TRUE(c.due(at_ms(60)));
}

// ---- Retrier ---------------------------------------------------------------------------------

TEST(KplRetrier, JudgesARecordAcceptedOnAnotherShardAsAWrongShardPut) {
  const Retrier r{KplConfig{}};
  PutEntry e;
  e.predicted = 1;
  e.actual = 1;
  EXPECT_EQ(r.judge(e, false), Retrier::Verdict::kSucceeded);
  e.actual = 2;
  EXPECT_EQ(r.judge(e, false), Retrier::Verdict::kWrongShard);
  EXPECT_EQ(r.judge(e, true), Retrier::Verdict::kTimedOut);  // a timeout never reached it
  e.outcome = PutOutcome::kInternalFailure;
  EXPECT_EQ(r.judge(e, false), Retrier::Verdict::kInternalFailure);
}

TEST(KplRetrier, FailsAThrottledRecordAtOnceOnlyWithFailIfThrottled) {
  KplConfig k;
  PutEntry e;
  e.outcome = PutOutcome::kThrottled;
  EXPECT_EQ(Retrier(k).judge(e, false), Retrier::Verdict::kThrottled);
  k.fail_if_throttled = true;
  EXPECT_EQ(Retrier(k).judge(e, false), Retrier::Verdict::kFailedThrottled);
}

TEST(KplRetrier, RequeuesWithoutBackoffDueHalfRecordMaxBufferedTimeLater) {
  KplConfig k;
  k.record_max_buffered_time = Duration::millis(300);
  const Retrier r(k);
  PutEntry e;
  e.add(user(1, 0));
  e.add(user(2, 10));
  for (HeldUserRecord& u : e.users) u.attempts = 1;
  std::vector<HeldUserRecord> requeued;
  const Retrier::Retried got =
      r.retry(e, at_ms(500), [&](const HeldUserRecord& u) { requeued.push_back(u); });
  EXPECT_EQ(got.requeued, 2u);
  EXPECT_EQ(got.expired, 0u);
  ASSERT_EQ(requeued.size(), 2u);
  EXPECT_EQ(requeued[0].key, 1u);
  EXPECT_EQ(requeued[1].key, 2u);
  EXPECT_EQ(requeued[0].deadline, at_ms(650));
  EXPECT_EQ(requeued[1].created, at_ms(10));  // its age still counts from its put
}

TEST(KplRetrier, ExpiresUserRecordsPastRecordTtlAndRequeuesTheRest) {
  KplConfig k;
  k.record_ttl = Duration::seconds(30);
  const Retrier r(k);
  PutEntry e;
  e.add(user(1, 0, 100));
  e.add(user(2, 5'000, 100));
  e.users[0].attempts = 4;
  e.users[1].attempts = 2;
  std::vector<HeldUserRecord> requeued;
  const Retrier::Retried got =
      r.retry(e, at_ms(30'000), [&](const HeldUserRecord& u) { requeued.push_back(u); });
  EXPECT_EQ(got.expired, 1u);
  EXPECT_EQ(got.expired_bytes, 108u);
  EXPECT_EQ(got.expired_retries, 3u);
  EXPECT_EQ(got.requeued, 1u);
  ASSERT_EQ(requeued.size(), 1u);
  EXPECT_EQ(requeued[0].key, 2u);
}

}  // namespace
}  // namespace kinesim::models::kpl
