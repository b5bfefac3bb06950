// Consumers on the shared read path, in closed forms: the 5 GetRecords calls/s a shard shares
// among its polling consumers, propagation delay from poll intervals and call latency, catching
// up at the read limit, losing to retention exactly what was trimmed unread, parents read before
// their children, Firehose's buffering hints; and conservation of every consumer's records.
#include "models/consumer/consumer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "models/consumer/firehose_consumer.h"
#include "models/consumer/polling_consumer.h"
#include "models/core/limits.h"
#include "models/world/world.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using core::kMiB;
using sim::Duration;
using sim::Time;
using testing::consumer_named;
using testing::detail;
using testing::expect_conserved;
using testing::firehose_consumer;
using testing::OneProducer;
using testing::polling_consumer;

Scenario with_pollers(uint32_t n, Duration interval = Duration::seconds(1)) {
  OneProducer o;
  o.records_per_sec = 100;
  o.duration = Duration::minutes(10);
  Scenario s = testing::one_producer_scenario(o);
  for (uint32_t i = 0; i < n; ++i) {
    s.consumers.push_back(polling_consumer("app-" + std::to_string(i), interval));
  }
  return s;
}

double throttled_fraction(const Result& r) {
  uint64_t calls = 0, throttled = 0;
  for (const ConsumerResult& c : r.consumers) {
    calls += c.counts.get_records_calls;
    throttled += c.counts.throttled_calls;
  }
  return static_cast<double>(throttled) / static_cast<double>(calls);
}

TEST(PollingConsumers, UpToFiveAtOneCallASecondShareAShardWithoutThrottling) {
  for (uint32_t n = 1; n <= 5; ++n) {
    const Result r = run_scenario(with_pollers(n));
    ASSERT_EQ(r.consumers.size(), n);
    for (const ConsumerResult& c : r.consumers) {
      EXPECT_EQ(c.counts.throttled_calls, 0u) << n << " consumers, " << c.name;
      EXPECT_GE(c.counts.get_records_calls, 595u);
      EXPECT_GT(c.counts.processed, 0u);
      expect_conserved(c);
    }
  }
}

TEST(PollingConsumers, BeyondFiveAboutNMinusFiveOverNOfTheirCallsAreThrottled) {
  for (const uint32_t n : {6u, 8u, 10u}) {
    const Result r = run_scenario(with_pollers(n));
    const double expected = static_cast<double>(n - 5) / n;
    EXPECT_NEAR(throttled_fraction(r), expected, 0.02) << n << " consumers";
    for (const ConsumerResult& c : r.consumers) expect_conserved(c);
    // The stream's CloudWatch series count the same refusals.
    uint64_t throttled = 0;
    for (const ConsumerResult& c : r.consumers) throttled += c.counts.throttled_calls;
    const std::vector<double> series =
        testing::counter(r, r.stream.name + "/ReadProvisionedThroughputExceeded");
    double total = 0;
    for (const double v : series) total += v;
    EXPECT_EQ(total, static_cast<double>(throttled));
  }
}

TEST(PollingConsumers, PropagationDelayIsHalfThePollIntervalPlusTheCallLatency) {
  // One consumer polling every 200 ms with 20 ms calls: 100 + 20 ms on average.
  Scenario one = with_pollers(1, Duration::millis(200));
  one.producers[0].rate.records_per_sec = 200;
  const Result r1 = run_scenario(one);
  const ConsumerResult& c = r1.consumers[0];
  EXPECT_EQ(c.counts.throttled_calls, 0u);
  EXPECT_NEAR(c.propagation_us.mean() / 1000.0, 120.0, 10.0);
  expect_conserved(c);

  // Five sharing the shard's 5 calls/s at 1 s: 500 + 20 ms, and nobody throttled.
  const Result r5 = run_scenario(with_pollers(5));
  for (const ConsumerResult& f : r5.consumers) {
    EXPECT_EQ(f.counts.throttled_calls, 0u);
    EXPECT_NEAR(f.propagation_us.mean() / 1000.0, 520.0, 40.0) << f.name;
  }
}

TEST(PollingConsumers, AReaderAtTwoMiBPerSecondCatchesUpOnAOneMiBPerSecondWriterAtTheDifference) {
  OneProducer o;
  o.records_per_sec = 500;
  o.profile = RateConfig::Profile::kConstant;
  o.duration = Duration::minutes(3);
  Scenario s = testing::one_producer_scenario(o);
  s.producers[0].record_size.value = 2'000;  // ~0.96 MiB/s with the keys
  s.output.resolution = Duration::seconds(1);
  ConsumerConfig late = polling_consumer("late", Duration::millis(200));
  late.start = Duration::seconds(60);
  late.polling.reader.initial_position = InitialPosition::kTrimHorizon;
  s.consumers.push_back(late);
  const Result r = run_scenario(s);
  ASSERT_EQ(r.producers[0].counts.throttled_entries, 0u);
  const double write = static_cast<double>(r.shards[0].totals.accepted_bytes) / 180.0;
  // From 60 s it is 60 s of writes behind; the first call takes 10 MiB (2 MiB of bucket and
  // 8 MiB of debt), then 2 MiB/s against `write`.
  const double expected = (60.0 * write - 10.0 * kMiB) / (2.0 * kMiB - write);
  const std::vector<double> behind = testing::gauge_max(r, "late/MillisBehindLatest");
  const std::size_t caught_up = testing::first_bucket_below(behind, 61, 1'000);
  ASSERT_GT(caught_up, 0u);
  EXPECT_NEAR(static_cast<double>(caught_up) - 60.0, expected, 5.0);
  // Meanwhile it reads at the shard's 2 MiB/s.
  const std::vector<double> bytes = testing::counter(r, "late/BytesRead");
  const double read = testing::sum_buckets(bytes, 70, 100);
  EXPECT_NEAR(read / 30.0 / kMiB, 2.0, 0.3);
  expect_conserved(consumer_named(r, "late"));
}

TEST(PollingConsumers, AConsumerStalledPastRetentionLosesExactlyWhatWasTrimmedUnread) {
  OneProducer o;
  o.records_per_sec = 2;
  o.profile = RateConfig::Profile::kConstant;
  o.duration = Duration::hours(25) + Duration::seconds(90);
  Scenario s = testing::one_producer_scenario(o);
  ConsumerConfig slow = polling_consumer("slow");
  slow.start = Duration::minutes(1);
  slow.polling.reader.initial_position = InitialPosition::kTrimHorizon;
  slow.polling.reader.limit = 100;
  // It reads 100 records, then processes them for 25 h: its next read is past retention.
  slow.polling.processing_per_batch.value = Duration::hours(25).to_seconds();
  s.consumers.push_back(slow);
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "slow");
  const uint64_t expired = r.shards[0].sequence_numbers - r.shards[0].retained_records;
  ASSERT_GT(expired, 100u);
  EXPECT_EQ(c.counts.processed, 100u);
  EXPECT_EQ(c.counts.lost_to_retention, expired - 100);
  ASSERT_EQ(c.lost_by_shard.size(), 1u);
  EXPECT_EQ(c.lost_by_shard[0].shard_id, "shardId-000000000000");
  EXPECT_EQ(c.lost_by_shard[0].records, expired - 100);
  EXPECT_EQ(c.counts.expired_iterators, 1u);
  EXPECT_GT(c.millis_behind_ms.max(), 24u * 3'600'000u / 2);
  expect_conserved(c);
}

// A consumer that logs when it processes each shard's records and takes a second per batch, so
// that it lags the writer and a split finds its parent unfinished.
class ProbeConsumer final : public Consumer {
 public:
  static constexpr ConsumerKind kKind = {"probe",
                                         false,
                                         "RecordsRead",
                                         "BytesRead",
                                         "RecordsProcessed",
                                         "ThrottledCalls",
                                         "MillisBehindLatest"};
  ProbeConsumer(const ConsumerConfig& c, Stream& stream, sim::Engine& engine,
                sim::MetricRecorder& metrics)
      : Consumer(c, c.polling.reader, kKind, stream, engine, metrics, 1) {}

  struct Processed {
    core::ShardIndex shard;
    Time at;
  };
  std::vector<Processed> log;

 protected:
  Time on_batch(ShardReader& reader, Time now, const ReadBatch& batch) override {
    processed(now, batch.slices);
    log.push_back({reader.shard(), now});
    return now + Duration::seconds(1);
  }
};

struct SplitBench {
  SplitBench()
      : metrics(Duration::minutes(20), {Duration::seconds(1)}),
        stream(StreamConfig{}, engine, metrics, sim::RngStream(7)),
        rng(11) {}

  // 5 records of 100 B every 100 ms on random hash keys until `until`; the split lands at 20 s
  // plus the reshard duration.
  void write_until(Time until) {
    const Time now = engine.now();
    for (int i = 0; i < 5; ++i) {
      const core::uint128 hash = (core::uint128{rng.next_u64()} << 64) | rng.next_u64();
      stream.put(now, stream.route(hash), 100, now);
    }
    stream.end_request(now, PutApi::kPutRecords, 5, 500);
    if (now + Duration::millis(100) < until) {
      engine.schedule(now + Duration::millis(100), [this, until] { write_until(until); });
    }
  }
  void run(std::vector<ProbeConsumer*> consumers) {
    engine.schedule(Time::zero(), [this] { write_until(Time::zero() + Duration::seconds(120)); });
    engine.schedule(Time::zero() + Duration::seconds(20), [this] {
      TimelineAction split;
      split.kind = TimelineAction::Kind::kSplit;
      split.shard = core::ShardMap::shard_id(0);
      stream.apply(split);
    });
    for (ProbeConsumer* c : consumers) c->start();
    const Time end = Time::zero() + Duration::minutes(15);
    engine.run_until(end);
    for (ProbeConsumer* c : consumers) c->finish(end);
  }

  sim::Engine engine;
  sim::MetricRecorder metrics;
  Stream stream;
  sim::RngStream rng;
};

void expect_parents_first(const ProbeConsumer& c) {
  Time parent_last = Time::zero();
  Time child_first = Time::max();
  uint64_t children = 0;
  for (const ProbeConsumer::Processed& p : c.log) {
    if (p.shard == 0) parent_last = std::max(parent_last, p.at);
    if (p.shard != 0) {
      child_first = std::min(child_first, p.at);
      ++children;
    }
  }
  EXPECT_GT(children, 0u) << c.name();
  EXPECT_LE(parent_last, child_first) << c.name();
  EXPECT_EQ(c.counts().pending, 0u) << c.name();
  expect_conserved(c.result());
}

TEST(Consumers, AfterASplitNoChildRecordIsProcessedBeforeItsParentsLast) {
  SplitBench bench;
  ConsumerConfig c = polling_consumer("from-start");
  c.polling.reader.limit = 20;  // 20 records a call, one call per 1 s batch: it lags 50 written
  ProbeConsumer from_start(c, bench.stream, bench.engine, bench.metrics);
  // A second one starts after the split has landed, from TRIM_HORIZON: the closed parent first.
  ConsumerConfig late = c;
  late.name = "late";
  late.start = Duration::seconds(90);
  late.polling.reader.initial_position = InitialPosition::kTrimHorizon;
  ProbeConsumer after(late, bench.stream, bench.engine, bench.metrics);
  bench.run({&from_start, &after});
  ASSERT_EQ(bench.stream.map().open_count(), 2u);
  expect_parents_first(from_start);
  expect_parents_first(after);
  // LATEST at 0 s comes after the first 5 records; TRIM_HORIZON at 90 s finds them all retained.
  const uint64_t written =
      bench.stream.next_sequence(0) + bench.stream.next_sequence(1) + bench.stream.next_sequence(2);
  EXPECT_EQ(from_start.counts().in_scope, written - 5);
  EXPECT_EQ(after.counts().in_scope, written);
}

Scenario firehose_scenario(double records_per_sec, uint64_t record_bytes, uint64_t size_in_mbs,
                           uint32_t interval_in_seconds) {
  OneProducer o;
  o.records_per_sec = records_per_sec;
  o.profile = RateConfig::Profile::kConstant;
  o.duration = Duration::minutes(10);
  Scenario s = testing::one_producer_scenario(o);
  s.producers[0].record_size.value = static_cast<double>(record_bytes);
  s.consumers.push_back(firehose_consumer("archive", size_in_mbs, interval_in_seconds));
  return s;
}

TEST(Firehose, DeliversWhenItsBufferReachesSizeInMBsIfThatComesFirst) {
  // ~0.96 MiB/s into a 5 MiB buffer: full after about 5 reads, long before 300 s.
  const Result r = run_scenario(firehose_scenario(500, 2'000, 5, 300));
  const ConsumerResult& c = consumer_named(r, "archive");
  EXPECT_GT(detail(c, "Deliveries"), 90);  // a 5 s buffer, then 1 s to the next read
  EXPECT_EQ(detail(c, "DeliveriesByInterval"), 0);
  EXPECT_EQ(detail(c, "DeliveriesBySize"), detail(c, "Deliveries"));
  EXPECT_GE(detail(c, "MeanDeliveryBytes"), 5.0 * kMiB);
  EXPECT_LT(detail(c, "MeanDeliveryBytes"), 6.1 * kMiB);
  EXPECT_NEAR(detail(c, "MeanBufferSeconds"), 5.0, 0.6);
  EXPECT_EQ(c.unit, "user records");
  expect_conserved(c);
}

TEST(Firehose, DeliversEveryIntervalInSecondsWhenTheBufferFillsSlower) {
  const Result r = run_scenario(firehose_scenario(10, 1'000, 5, 60));
  const ConsumerResult& c = consumer_named(r, "archive");
  EXPECT_EQ(detail(c, "DeliveriesBySize"), 0);
  EXPECT_EQ(detail(c, "MeanBufferSeconds"), 60);
  EXPECT_GE(detail(c, "Deliveries"), 9);
  EXPECT_LE(detail(c, "Deliveries"), 10);
  // A record waits for the rest of its buffer's minute, its read and the 1 s delivery.
  EXPECT_NEAR(c.end_to_end_us.mean() / 1e6, 31.0, 2.0);
  EXPECT_LE(c.end_to_end_us.max(), 63'000'000u);
  EXPECT_EQ(c.counts.throttled_calls, 0u);
  expect_conserved(c);
}

auto producer_figures(const ProducerResult& p) {
  const ProducerCounts& c = p.counts;
  return std::make_tuple(c.produced, c.accepted, c.throttled_entries, c.requests, c.pending,
                         c.accepted_bytes, p.record_latency_us.count(),
                         p.record_latency_us.quantile(0.99), p.record_latency_us.max());
}

auto consumer_figures(const ConsumerResult& c) {
  const ConsumerCounts& k = c.counts;
  return std::make_tuple(k.in_scope, k.processed, k.pending, k.lost_to_retention, k.records_read,
                         k.bytes_read, k.get_records_calls, k.throttled_calls,
                         c.end_to_end_us.quantile(0.99), c.end_to_end_us.max(),
                         c.millis_behind_ms.quantile(0.5), c.details);
}

TEST(Consumers, AddingConsumersChangesNothingTheProducersDo) {
  Scenario alone = with_pollers(0);
  Scenario read = with_pollers(7);
  read.consumers.push_back(firehose_consumer("archive", 1, 60));
  const Result a = run_scenario(alone);
  const Result b = run_scenario(read);
  ASSERT_EQ(b.consumers.size(), 8u);
  EXPECT_EQ(producer_figures(a.producers[0]), producer_figures(b.producers[0]));
  EXPECT_EQ(a.shards[0].totals.accepted_records, b.shards[0].totals.accepted_records);
}

TEST(Consumers, TheSameSeedGivesTheSameConsumerResults) {
  Scenario s = with_pollers(7);
  s.consumers.push_back(firehose_consumer("archive", 1, 60));
  const Result a = run_scenario(s);
  const Result b = run_scenario(s);
  for (std::size_t i = 0; i < a.consumers.size(); ++i) {
    EXPECT_EQ(consumer_figures(a.consumers[i]), consumer_figures(b.consumers[i]));
  }
  RunOptions other;
  other.seed = 8;
  const Result c = run_scenario(s, other);
  EXPECT_NE(consumer_figures(a.consumers[0]), consumer_figures(c.consumers[0]));
}

TEST(Consumers, AWriteOnlyRunRegistersNoReadSeries) {
  const Result r = run_scenario(with_pollers(0));
  for (const std::string& name : r.metrics->counter_names()) {
    EXPECT_EQ(name.find("GetRecords"), std::string::npos) << name;
    EXPECT_EQ(name.find("Outgoing"), std::string::npos) << name;
  }
  EXPECT_TRUE(r.consumers.empty());
}

}  // namespace
}  // namespace kinesim::models
