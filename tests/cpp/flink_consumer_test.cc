// Apache Flink's two Kinesis sources on the shared read path, in closed forms: the legacy
// FlinkKinesisConsumer's fixed 200 ms poll takes a shard's 5 GetRecords calls/s by itself, so a
// second polling application makes the shard refuse 1 call in 6; KinesisStreamsSource polls an
// idle shard every 250 ms plus the call's latency and refetches at once while behind, catching up
// at the shard's 2 MiB/s; propagation is half the legacy interval plus the latency. Every run
// conserves its records and repeats itself under the same seed.
#include "models/consumer/flink_consumer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/core/limits.h"
#include "models/world/world.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using core::kMiB;
using sim::Duration;
using testing::consumer_named;
using testing::expect_conserved;
using testing::OneProducer;
using testing::polling_consumer;

constexpr double kLatencySeconds = 0.020;

// A Flink job on `source`, GetRecords' latency fixed at 20 ms.
ConsumerConfig flink_consumer(std::string name, FlinkConfig::Source source) {
  ConsumerConfig c;
  c.name = std::move(name);
  c.type = ConsumerConfig::Type::kFlink;
  c.flink.source = source;
  c.read_latency = sim::Distribution{};
  c.read_latency.value = kLatencySeconds;
  return c;
}

Scenario ten_minutes(double records_per_sec) {
  OneProducer o;
  o.records_per_sec = records_per_sec;
  o.duration = Duration::minutes(10);
  return testing::one_producer_scenario(o);
}

double throttled_fraction(const Result& r) {
  uint64_t calls = 0, throttled = 0;
  for (const ConsumerResult& c : r.consumers) {
    calls += c.counts.get_records_calls;
    throttled += c.counts.throttled_calls;
  }
  return static_cast<double>(throttled) / static_cast<double>(calls);
}

TEST(FlinkConsumer, OnEnhancedFanOutASecondLegacyJobLeavesTheFirstItsFiveCalls) {
  Scenario s = ten_minutes(100);
  s.consumers.push_back(flink_consumer("legacy", FlinkConfig::Source::kFlinkKinesisConsumer));
  ConsumerConfig efo = flink_consumer("legacy-efo", FlinkConfig::Source::kFlinkKinesisConsumer);
  efo.flink.retrieval = Retrieval::kFanOut;
  s.consumers.push_back(efo);
  ConsumerConfig source_efo =
      flink_consumer("source-efo", FlinkConfig::Source::kKinesisStreamsSource);
  source_efo.flink.retrieval = Retrieval::kFanOut;
  s.consumers.push_back(source_efo);
  const Result r = run_scenario(s);
  EXPECT_EQ(consumer_named(r, "legacy").counts.throttled_calls, 0u);
  for (const char* name : {"legacy-efo", "source-efo"}) {
    const ConsumerResult& c = consumer_named(r, name);
    EXPECT_EQ(c.retrieval, "fanout");
    EXPECT_EQ(c.counts.get_records_calls, 0u);
    EXPECT_GT(c.counts.events, 0u);
    // ACTIVE 5 s after it registered: everything after is processed but the last push or two.
    EXPECT_NEAR(static_cast<double>(c.counts.in_scope), 100.0 * 595, 600.0);
    EXPECT_LE(c.counts.pending, 20u);
    EXPECT_LT(c.propagation_us.quantile(0.5), 125'000u);
    expect_conserved(c);
  }
}

TEST(FlinkConsumer, TheLegacyConsumerAloneMakesFiveCallsASecondAndIsNeverThrottled) {
  Scenario s = ten_minutes(100);
  s.consumers.push_back(flink_consumer("legacy", FlinkConfig::Source::kFlinkKinesisConsumer));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "legacy");
  EXPECT_EQ(c.type, "flink");
  EXPECT_EQ(c.counts.throttled_calls, 0u);
  // 600 s at one call per 200 ms, less the start phase (< 200 ms) and the iterator call.
  EXPECT_GE(c.counts.get_records_calls, 2'998u);
  EXPECT_LE(c.counts.get_records_calls, 3'000u);
  EXPECT_DOUBLE_EQ(c.calls_per_sec_per_shard, 5.0);
  EXPECT_GT(c.counts.processed, 0u);
  expect_conserved(c);
}

TEST(FlinkConsumer, BesideTheLegacyConsumerAnAppAtOneCallASecondGetsTheOneCallInSixRefused) {
  Scenario s = ten_minutes(100);
  s.consumers.push_back(flink_consumer("legacy", FlinkConfig::Source::kFlinkKinesisConsumer));
  s.consumers.push_back(polling_consumer("app"));
  const Result r = run_scenario(s);
  // 6 calls/s wanted of a shard that serves 5: 1 in 6 refused. A refused reader retries about
  // one of its intervals later, so the calls it makes per second stay as wanted.
  EXPECT_NEAR(throttled_fraction(r), 1.0 / 6.0, 0.02);
  const ConsumerResult& app = consumer_named(r, "app");
  const ConsumerResult& legacy = consumer_named(r, "legacy");
  // Which calls are refused follows from the legacy consumer's fixed 200 ms grid: it takes each
  // token as it accrues, so once the bucket's initial 5 calls are spent every call of the app
  // finds less than one token. All refusals fall on the app, which starves.
  EXPECT_EQ(legacy.counts.throttled_calls, 0u);
  EXPECT_GE(static_cast<double>(app.counts.throttled_calls),
            0.98 * static_cast<double>(app.counts.get_records_calls));
  EXPECT_GT(app.counts.pending, 100 * app.counts.processed);
  for (const ConsumerResult& c : r.consumers) expect_conserved(c);
}

TEST(FlinkConsumer, TheNewSourcePollsAnIdleShardEvery250msPlusTheCallLatency) {
  Scenario s = ten_minutes(0.01);  // about 6 records in 10 minutes: nearly every call is empty
  s.consumers.push_back(flink_consumer("source", FlinkConfig::Source::kKinesisStreamsSource));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "source");
  // An empty call is followed by the next 250 ms after its 20 ms reply, a call with records
  // (one of the few records) by the next at once: together they fill the 600 s, less the start
  // phase (< 250 ms) and the iterator call.
  const uint64_t with_records = c.counts.get_records_calls - c.counts.empty_calls;
  EXPECT_LE(with_records, 10u);
  const double filled = static_cast<double>(c.counts.empty_calls) * (0.250 + kLatencySeconds) +
                        static_cast<double>(with_records) * kLatencySeconds;
  EXPECT_NEAR(filled, 600.0, 0.3);
  EXPECT_NEAR(static_cast<double>(c.counts.get_records_calls), 600.0 / 0.270, 10.0);  // 2,222
  // The rate it offers an idle shard says the same: one call per 250 ms + the call's latency.
  EXPECT_DOUBLE_EQ(c.calls_per_sec_per_shard, 1.0 / (0.250 + kLatencySeconds));
  EXPECT_EQ(c.counts.throttled_calls, 0u);
  expect_conserved(c);
}

TEST(FlinkConsumer, TheNewSourceRefetchesAtOnceWhileBehindAndCatchesUpAtTwoMiBPerSecond) {
  OneProducer o;
  o.records_per_sec = 500;
  o.profile = RateConfig::Profile::kConstant;
  o.duration = Duration::minutes(3);
  Scenario s = testing::one_producer_scenario(o);
  s.producers[0].record_size.value = 2'000;  // ~0.96 MiB/s with the keys
  s.output.resolution = Duration::seconds(1);
  ConsumerConfig late = flink_consumer("late", FlinkConfig::Source::kKinesisStreamsSource);
  late.start = Duration::seconds(60);
  late.flink.initial_position = InitialPosition::kTrimHorizon;
  s.consumers.push_back(late);
  const Result r = run_scenario(s);
  const double write = static_cast<double>(r.shards[0].totals.accepted_bytes) / 180.0;
  // 60 s of writes behind at 60 s; the first call takes 10 MiB (2 MiB of bucket and 8 MiB of
  // debt), then the shard's 2 MiB/s against `write`.
  const double expected = (60.0 * write - 10.0 * kMiB) / (2.0 * kMiB - write);
  const std::vector<double> behind = testing::gauge_max(r, "late/millisBehindLatest");
  const std::size_t caught_up = testing::first_bucket_below(behind, 61, 1'000);
  ASSERT_GT(caught_up, 0u);
  EXPECT_NEAR(static_cast<double>(caught_up) - 60.0, expected, 5.0);
  const std::vector<double> bytes = testing::counter(r, "late/numBytesIn");
  const double read = testing::sum_buckets(bytes, 70, 100);
  EXPECT_NEAR(read / 30.0 / kMiB, 2.0, 0.3);
  // Refetching at once runs into the shard's limits: the calls it made while behind were
  // refused until the byte bucket left its debt.
  const ConsumerResult& c = consumer_named(r, "late");
  EXPECT_GT(c.counts.throttled_calls, 0u);
  expect_conserved(c);
}

TEST(FlinkConsumer, TheLegacyPropagationDelayIsHalfItsIntervalPlusTheCallLatency) {
  Scenario s = ten_minutes(200);
  s.consumers.push_back(flink_consumer("legacy", FlinkConfig::Source::kFlinkKinesisConsumer));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "legacy");
  EXPECT_NEAR(c.propagation_us.mean() / 1000.0, 100.0 + 1000.0 * kLatencySeconds, 10.0);
  expect_conserved(c);
}

TEST(FlinkConsumer, CountsUserRecordsAndProcessesThemAtItsPerRecordCost) {
  Scenario s = ten_minutes(100);
  s.producers[0].type = ProducerConfig::Type::kKpl;  // aggregated: several user records a record
  ConsumerConfig c = flink_consumer("job", FlinkConfig::Source::kKinesisStreamsSource);
  c.flink.processing_per_record.value = 0.001;  // 1 ms a user record
  s.consumers.push_back(c);
  const Result r = run_scenario(s);
  const ConsumerResult& job = consumer_named(r, "job");
  EXPECT_EQ(job.unit, "user records");
  EXPECT_GT(job.counts.user_records_read, job.counts.records_read);
  EXPECT_GT(job.counts.processed, 0u);
  expect_conserved(job);
  const double batches = testing::detail(job, "Batches");
  ASSERT_GT(batches, 0);
  // Mean batch time = 1 ms x user records per batch.
  EXPECT_NEAR(testing::detail(job, "MeanBatchProcessingSeconds"),
              0.001 * static_cast<double>(job.counts.user_records_read) / batches, 1e-6);
}

TEST(FlinkConsumer, TheSameSeedGivesTheSameResults) {
  Scenario s = ten_minutes(300);
  s.consumers.push_back(flink_consumer("legacy", FlinkConfig::Source::kFlinkKinesisConsumer));
  s.consumers.push_back(flink_consumer("source", FlinkConfig::Source::kKinesisStreamsSource));
  s.consumers.back().read_latency = sim::Distribution{};
  s.consumers.back().read_latency.kind = sim::Distribution::Kind::kLognormal;
  s.consumers.back().read_latency.mean = 0.02;
  s.consumers.back().read_latency.sigma = 0.5;
  const Result a = run_scenario(s);
  const Result b = run_scenario(s);
  ASSERT_EQ(a.consumers.size(), b.consumers.size());
  for (std::size_t i = 0; i < a.consumers.size(); ++i) {
    const ConsumerCounts& x = a.consumers[i].counts;
    const ConsumerCounts& y = b.consumers[i].counts;
    EXPECT_EQ(x.processed, y.processed);
    EXPECT_EQ(x.get_records_calls, y.get_records_calls);
    EXPECT_EQ(x.throttled_calls, y.throttled_calls);
    EXPECT_EQ(a.consumers[i].propagation_us.mean(), b.consumers[i].propagation_us.mean());
    expect_conserved(a.consumers[i]);
  }
}

}  // namespace
}  // namespace kinesim::models
