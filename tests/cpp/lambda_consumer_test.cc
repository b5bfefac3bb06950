// The Lambda event source mapping (standard polling) in closed forms: invocations are records /
// BatchSize for a steady writer, the batching window cuts batches at rate x window, a poison record
// with the defaults blocks its shard (IteratorAge growing 1 s a second) until retention takes it,
// MaximumRetryAttempts 2 discards its batch after exactly 3 invocations, bisection discards only
// the poison record, ParallelizationFactor multiplies a slow function's throughput, the
// concurrency limit caps concurrent executions; books conserved everywhere, same seed same
// results. Counts are Kinesis records.
#include "models/consumer/lambda_consumer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/report/report.h"
#include "models/world/world.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;
using testing::consumer_named;
using testing::detail;
using testing::expect_conserved;
using testing::OneProducer;

// A Lambda mapping from LATEST with a fixed function duration and GetRecords latency 20 ms.
ConsumerConfig lambda_consumer(std::string name, Duration duration = Duration::millis(10)) {
  ConsumerConfig c;
  c.name = std::move(name);
  c.type = ConsumerConfig::Type::kLambda;
  c.read_latency = sim::Distribution{};
  c.read_latency.value = 0.020;
  c.lambda.duration = sim::Distribution{};
  c.lambda.duration.value = duration.to_seconds();
  return c;
}

Scenario steady(double records_per_sec, Duration duration, uint32_t shards = 1) {
  OneProducer o;
  o.records_per_sec = records_per_sec;
  o.profile = RateConfig::Profile::kConstant;
  o.duration = duration;
  o.shards = shards;
  return testing::one_producer_scenario(o);
}

// Every record in scope ends processed, pending, lost to retention or discarded; in Kinesis
// records.
void expect_books(const ConsumerResult& c) {
  expect_conserved(c);
  EXPECT_EQ(c.unit, "Kinesis records");
}

TEST(LambdaConsumer, ASteadyWriterGivesRecordsOverBatchSizeInvocations) {
  Scenario s = steady(1000, Duration::minutes(3));
  s.consumers.push_back(lambda_consumer("fn"));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "fn");
  expect_books(c);
  ASSERT_GT(c.counts.processed, 170'000u);
  const double invocations = detail(c, "Invocations");
  // Each poll reads about 1,000 records: full batches of 100, and with no batching window the
  // rest of the poll goes at once, so at most one partial batch per GetRecords call.
  const double full = static_cast<double>(c.counts.processed) / 100.0;
  const double calls = static_cast<double>(c.counts.get_records_calls);
  EXPECT_GE(invocations, full);
  EXPECT_LE(invocations, full + calls);
  EXPECT_GT(detail(c, "MeanBatchRecords"), 1000.0 / 11.0 - 1.0);
  EXPECT_EQ(detail(c, "Errors"), 0.0);
  EXPECT_EQ(c.counts.discarded, 0u);
  // One GetRecords a second per shard while it keeps up.
  EXPECT_NEAR(static_cast<double>(c.counts.get_records_calls), 180.0, 4.0);
}

TEST(LambdaConsumer, TheBatchingWindowCutsBatchesAtRateTimesWindowForASlowWriter) {
  Scenario s = steady(10, Duration::minutes(10));
  ConsumerConfig windowed = lambda_consumer("windowed");
  windowed.lambda.batch_size = 1000;
  windowed.lambda.maximum_batching_window_seconds = 5;
  ConsumerConfig eager = lambda_consumer("eager");
  eager.lambda.batch_size = 1000;
  s.consumers = {windowed, eager};
  const Result r = run_scenario(s);
  // 10 records/s x 5 s = 50 records a batch; without a window each poll's 10 records go at once.
  EXPECT_NEAR(detail(consumer_named(r, "windowed"), "MeanBatchRecords"), 50.0, 5.0);
  EXPECT_NEAR(detail(consumer_named(r, "eager"), "MeanBatchRecords"), 10.0, 1.0);
  EXPECT_NEAR(detail(consumer_named(r, "windowed"), "Invocations"), 600.0 / 5.0, 3.0);
  expect_books(consumer_named(r, "windowed"));
  expect_books(consumer_named(r, "eager"));
}

TEST(LambdaConsumer, APayloadOverSixMBIsCutToFitBase64Encoded) {
  // 500 records of 20 KB a second: a 10,000-record batch would be 10 MB; 4,718,592 record bytes
  // (6,291,456 base64-encoded) hold 229 records of 20,600 B (key bytes included).
  OneProducer o;
  o.records_per_sec = 40;
  o.profile = RateConfig::Profile::kConstant;
  o.duration = Duration::minutes(2);
  Scenario s = testing::one_producer_scenario(o);
  s.producers[0].record_size.value = 20'000;
  ConsumerConfig c = lambda_consumer("big");
  c.lambda.batch_size = 10'000;
  c.lambda.maximum_batching_window_seconds = 30;
  s.consumers.push_back(c);
  const Result r = run_scenario(s);
  const ConsumerResult& big = consumer_named(r, "big");
  expect_books(big);
  const double record_bytes =
      static_cast<double>(big.counts.bytes_read) / static_cast<double>(big.counts.records_read);
  const double fit = std::floor(6'291'456.0 / 4 * 3 / record_bytes);
  // 40 records/s for 30 s would be 1,200: every full batch is cut at the payload quota.
  EXPECT_LE(detail(big, "MeanBatchRecords"), fit + 1);
  EXPECT_GT(detail(big, "MeanBatchRecords"), 0.8 * fit);
}

// One shard, 10 records/s, retention 1 h (shorter than the loader allows, for a short run), a
// poison record at 10 min.
Scenario poisoned(Duration duration = Duration::hours(2)) {
  Scenario s = steady(10, duration);
  s.stream.retention_hours = 1;
  return s;
}

ConsumerConfig with_poison(ConsumerConfig c, Duration at) {
  PoisonRecord p;
  p.at = Time::zero() + at;
  c.lambda.poison_records.push_back(p);
  return c;
}

TEST(LambdaConsumer, WithTheDefaultsAPoisonRecordBlocksItsShardUntilRetentionTakesIt) {
  Scenario s = poisoned();
  s.output.resolution = Duration::seconds(60);
  s.consumers.push_back(
      with_poison(lambda_consumer("fn", Duration::millis(100)), Duration::minutes(10)));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "fn");
  expect_books(c);
  // IteratorAge grows a second per second while every retry fails: compare two minutes 20 min
  // apart (bucket maxima, in ms).
  const std::vector<double> age = testing::gauge_max(r, "fn/shardId-000000000000/IteratorAge");
  ASSERT_GT(age.size(), 60u);
  EXPECT_NEAR(age[50] - age[30], 20.0 * 60'000.0, 2'000.0);
  // Bucket 30 is [30 min, 31 min): its largest age is 21 min after the poison record.
  EXPECT_NEAR(age[30], 21.0 * 60'000.0, 2'000.0);
  // Blocked for the retention period: from the first failure until its batch's oldest record
  // (at most a poll before the poison record) leaves retention.
  ASSERT_EQ(c.blocked_shards.size(), 1u);
  EXPECT_EQ(c.blocked_shards[0].shard_id, "shardId-000000000000");
  EXPECT_TRUE(c.blocked_shards[0].until_retention);
  EXPECT_NEAR(c.blocked_shards[0].longest.to_seconds(), 3600.0, 2.0);
  EXPECT_EQ(detail(c, "BatchesExpired"), 1.0);
  // The shard did not advance meanwhile; the batch went to retention (what one poll read, about
  // 10 records), and the records after it, a poll younger, were read at once as it moved on.
  EXPECT_GE(c.counts.lost_to_retention, 1u);
  EXPECT_LE(c.counts.lost_to_retention, 20u);
  EXPECT_EQ(c.counts.discarded, 0u);
  // Every retry failed: one error per invocation of the blocked batch (100 ms each).
  EXPECT_NEAR(detail(c, "Errors"), 36'000.0, 100.0);
  // Then it moved on and caught up: the last minutes' ages are small again.
  EXPECT_LT(age[age.size() - 2], 5'000.0);
}

TEST(LambdaConsumer, MaximumRetryAttemptsTwoDiscardsThePoisonBatchAfterThreeInvocations) {
  Scenario s = poisoned(Duration::minutes(20));
  ConsumerConfig c = with_poison(lambda_consumer("fn"), Duration::minutes(10));
  c.lambda.maximum_retry_attempts = 2;
  ConsumerConfig dest = c;
  dest.name = "with-destination";
  dest.lambda.on_failure = true;
  s.consumers = {c, dest};
  const Result r = run_scenario(s);
  for (const char* name : {"fn", "with-destination"}) {
    const ConsumerResult& k = consumer_named(r, name);
    expect_books(k);
    EXPECT_EQ(detail(k, "Errors"), 3.0) << name;
    EXPECT_EQ(detail(k, "Retries"), 2.0) << name;
    // The batch holding the poison record: what one poll read, 10 records.
    EXPECT_GE(k.counts.discarded, 1u) << name;
    EXPECT_LE(k.counts.discarded, 11u) << name;
    EXPECT_EQ(detail(k, "RecordsDiscarded"), static_cast<double>(k.counts.discarded)) << name;
    EXPECT_EQ(k.counts.lost_to_retention, 0u) << name;
  }
  const ConsumerResult& dropped = consumer_named(r, "fn");
  EXPECT_EQ(detail(dropped, "RecordsDropped"), static_cast<double>(dropped.counts.discarded));
  EXPECT_EQ(detail(dropped, "RecordsSentToOnFailure"), 0.0);
  const ConsumerResult& sent = consumer_named(r, "with-destination");
  EXPECT_EQ(detail(sent, "RecordsSentToOnFailure"), static_cast<double>(sent.counts.discarded));
  EXPECT_EQ(detail(sent, "BatchesSentToOnFailure"), 1.0);
  EXPECT_EQ(detail(sent, "RecordsDropped"), 0.0);
}

TEST(LambdaConsumer, BisectingDiscardsOnlyThePoisonRecordAndCountsTheExtraInvocations) {
  Scenario s = poisoned(Duration::minutes(20));
  ConsumerConfig c = with_poison(lambda_consumer("fn"), Duration::minutes(10));
  c.lambda.maximum_retry_attempts = 2;
  c.lambda.bisect_batch_on_function_error = true;
  // A 30 s window gathers 300 records a batch, so that bisection has work to do.
  c.lambda.batch_size = 1000;
  c.lambda.maximum_batching_window_seconds = 30;
  s.consumers.push_back(c);
  const Result r = run_scenario(s);
  const ConsumerResult& k = consumer_named(r, "fn");
  expect_books(k);
  EXPECT_EQ(k.counts.discarded, 1u);
  const double bisected = detail(k, "BatchesBisected");
  // 300 records halve to one in ceil(log2 300) = 9 splits, give or take the batch's exact size.
  EXPECT_GE(bisected, 8.0);
  EXPECT_LE(bisected, 9.0);
  // Each split follows a failed invocation; the lone record then fails 3 times. Every half is a
  // retry of records that failed (two a split), and the lone record is retried twice more.
  EXPECT_EQ(detail(k, "Errors"), bisected + 3.0);
  EXPECT_EQ(detail(k, "Retries"), 2.0 * bisected + 2.0);
}

TEST(LambdaConsumer, OnEnhancedFanOutAPoisonRecordStillHoldsItsShardAndBisectionStillFreesIt) {
  // The same poison record, the mapping on a registered stream consumer (pushes, no GetRecords).
  Scenario s = poisoned();
  s.output.resolution = Duration::seconds(60);
  ConsumerConfig held =
      with_poison(lambda_consumer("held", Duration::millis(100)), Duration::minutes(10));
  held.lambda.reader.retrieval = Retrieval::kFanOut;
  ConsumerConfig bisect = with_poison(lambda_consumer("bisect"), Duration::minutes(10));
  bisect.lambda.reader.retrieval = Retrieval::kFanOut;
  bisect.lambda.maximum_retry_attempts = 2;
  bisect.lambda.bisect_batch_on_function_error = true;
  s.consumers = {held, bisect};
  const Result r = run_scenario(s);
  const ConsumerResult& h = consumer_named(r, "held");
  expect_books(h);
  EXPECT_EQ(h.retrieval, "fanout");
  EXPECT_EQ(h.counts.get_records_calls, 0u);
  EXPECT_GT(h.counts.events, 0u);
  // Held for the retention period as with polling, IteratorAge growing a second per second.
  const std::vector<double> age = testing::gauge_max(r, "held/shardId-000000000000/IteratorAge");
  ASSERT_GT(age.size(), 60u);
  EXPECT_NEAR(age[50] - age[30], 20.0 * 60'000.0, 2'000.0);
  ASSERT_EQ(h.blocked_shards.size(), 1u);
  EXPECT_TRUE(h.blocked_shards[0].until_retention);
  EXPECT_NEAR(h.blocked_shards[0].longest.to_seconds(), 3600.0, 2.0);
  EXPECT_LE(h.counts.lost_to_retention, 20u);
  // Then it moved on: pushes parked while held were delivered in order, nothing else lost.
  EXPECT_LT(age[age.size() - 2], 5'000.0);
  EXPECT_LE(h.counts.pending, 20u);
  const ConsumerResult& b = consumer_named(r, "bisect");
  expect_books(b);
  EXPECT_EQ(b.counts.discarded, 1u);
  EXPECT_EQ(b.counts.lost_to_retention, 0u);
  EXPECT_LE(b.counts.pending, 20u);
}

TEST(LambdaConsumer, ReportBatchItemFailuresProcessesTheRecordsBeforeThePoisonOne) {
  Scenario s = poisoned(Duration::minutes(20));
  ConsumerConfig c = with_poison(lambda_consumer("fn"), Duration::minutes(10));
  c.lambda.maximum_retry_attempts = 0;
  c.lambda.report_batch_item_failures = true;
  c.lambda.batch_size = 1000;
  c.lambda.maximum_batching_window_seconds = 30;
  s.consumers.push_back(c);
  const Result r = run_scenario(s);
  const ConsumerResult& k = consumer_named(r, "fn");
  expect_books(k);
  // The batch is retried from the poison record (no retries allowed: discarded from it on),
  // so what is discarded is the poison record and the records after it in its batch.
  EXPECT_EQ(detail(k, "Errors"), 1.0);
  EXPECT_GE(k.counts.discarded, 1u);
  EXPECT_LE(k.counts.discarded, 300u);
}

TEST(LambdaConsumer, ParallelizationFactorMultipliesASlowFunctionsThroughput) {
  Scenario s = steady(1000, Duration::minutes(5));
  ConsumerConfig one = lambda_consumer("pf1", Duration::seconds(1));
  ConsumerConfig four = lambda_consumer("pf4", Duration::seconds(1));
  four.lambda.parallelization_factor = 4;
  s.consumers = {one, four};
  const Result r = run_scenario(s);
  const ConsumerResult& a = consumer_named(r, "pf1");
  const ConsumerResult& b = consumer_named(r, "pf4");
  expect_books(a);
  expect_books(b);
  // 100 records a second-long invocation: 100 records/s, and four at once 400.
  EXPECT_NEAR(static_cast<double>(a.counts.processed) / 300.0, 100.0, 3.0);
  EXPECT_NEAR(static_cast<double>(b.counts.processed) / static_cast<double>(a.counts.processed),
              4.0, 0.15);
  EXPECT_EQ(detail(a, "ConcurrentExecutionsMax"), 1.0);
  EXPECT_EQ(detail(b, "ConcurrentExecutionsMax"), 4.0);
  EXPECT_NEAR(detail(b, "ConcurrentExecutionsMean"), 4.0, 0.1);
}

TEST(LambdaConsumer, TheConcurrencyLimitCapsConcurrentExecutionsAndCountsThrottles) {
  Scenario s = steady(4000, Duration::minutes(3), 4);
  ConsumerConfig open = lambda_consumer("open", Duration::seconds(1));
  open.lambda.parallelization_factor = 2;
  ConsumerConfig capped = open;
  capped.name = "capped";
  capped.lambda.concurrency = 3;
  s.consumers = {open, capped};
  const Result r = run_scenario(s);
  const ConsumerResult& a = consumer_named(r, "open");
  const ConsumerResult& b = consumer_named(r, "capped");
  expect_books(a);
  expect_books(b);
  // Unreserved: shards x ParallelizationFactor = 8 at once.
  EXPECT_EQ(detail(a, "ConcurrentExecutionsMax"), 8.0);
  EXPECT_EQ(detail(a, "Throttles"), 0.0);
  EXPECT_EQ(detail(b, "ConcurrentExecutionsMax"), 3.0);
  EXPECT_GT(detail(b, "Throttles"), 0.0);
  EXPECT_NEAR(detail(b, "ConcurrentExecutionsMean"), 3.0, 0.1);
  EXPECT_NEAR(static_cast<double>(b.counts.processed) / static_cast<double>(a.counts.processed),
              3.0 / 8.0, 0.05);
}

TEST(LambdaConsumer, RandomErrorsAreRetriedUntilTheyPassWithTheDefaults) {
  Scenario s = steady(200, Duration::minutes(5));
  ConsumerConfig c = lambda_consumer("flaky");
  c.lambda.error_rate = 0.2;
  s.consumers.push_back(c);
  const Result r = run_scenario(s);
  const ConsumerResult& k = consumer_named(r, "flaky");
  expect_books(k);
  const double invocations = detail(k, "Invocations");
  EXPECT_NEAR(detail(k, "Errors") / invocations, 0.2, 0.03);
  EXPECT_EQ(detail(k, "Retries"), detail(k, "Errors"));
  EXPECT_EQ(k.counts.discarded, 0u);
  EXPECT_EQ(k.counts.lost_to_retention, 0u);
}

TEST(LambdaReport, ABlockedShardIsAnErrorNamingTheShardAndTheHoursAndDiscardsAreCounted) {
  Scenario s = poisoned(Duration::minutes(90));
  s.consumers.push_back(
      with_poison(lambda_consumer("blocked", Duration::millis(200)), Duration::minutes(10)));
  ConsumerConfig bounded = with_poison(lambda_consumer("bounded"), Duration::minutes(10));
  bounded.lambda.maximum_retry_attempts = 2;
  s.consumers.push_back(bounded);
  const Result r = run_scenario(s);
  const std::vector<Finding> all = findings(r);
  const auto blocked = std::find_if(all.begin(), all.end(),
                                    [](const Finding& f) { return f.code == "blocked_shard"; });
  ASSERT_NE(blocked, all.end());
  EXPECT_EQ(blocked->severity, Severity::kError);
  EXPECT_NE(blocked->message.find("consumer blocked"), std::string::npos) << blocked->message;
  EXPECT_NE(blocked->message.find("shardId-000000000000 for 1 h"), std::string::npos)
      << blocked->message;
  EXPECT_NE(blocked->message.find("until retention"), std::string::npos) << blocked->message;
  const auto discarded = std::find_if(
      all.begin(), all.end(), [](const Finding& f) { return f.code == "records_discarded"; });
  ASSERT_NE(discarded, all.end());
  EXPECT_NE(discarded->message.find("consumer bounded discarded"), std::string::npos);
  EXPECT_NE(discarded->message.find("0 sent to its OnFailure destination"), std::string::npos)
      << discarded->message;
  const auto json = summary_json(r);
  const auto& b = json["consumers"][1];
  EXPECT_EQ(b["records"]["discarded"].get<uint64_t>(),
            consumer_named(r, "bounded").counts.discarded);
  EXPECT_TRUE(b["records"]["conserved"].get<bool>());
  EXPECT_EQ(json["consumers"][0]["blocked_shards"][0]["shard_id"], "shardId-000000000000");
  EXPECT_TRUE(json["consumers"][0]["blocked_shards"][0]["until_retention"].get<bool>());
}

TEST(LambdaConsumer, TheSameSeedGivesTheSameResults) {
  Scenario s = poisoned(Duration::minutes(20));
  ConsumerConfig c = with_poison(lambda_consumer("fn"), Duration::minutes(10));
  c.lambda.error_rate = 0.1;
  c.lambda.parallelization_factor = 3;
  c.lambda.maximum_retry_attempts = 1;
  c.lambda.bisect_batch_on_function_error = true;
  s.consumers.push_back(c);
  const Result a = run_scenario(s);
  const Result b = run_scenario(s);
  const ConsumerResult& x = consumer_named(a, "fn");
  const ConsumerResult& y = consumer_named(b, "fn");
  expect_books(x);
  EXPECT_EQ(x.details, y.details);
  EXPECT_EQ(x.counts.processed, y.counts.processed);
  EXPECT_EQ(x.counts.discarded, y.counts.discarded);
  EXPECT_EQ(x.counts.get_records_calls, y.counts.get_records_calls);
}

}  // namespace
}  // namespace kinesim::models
