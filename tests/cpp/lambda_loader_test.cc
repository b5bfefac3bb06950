// The scenario format's Lambda event source mapping ("type": "lambda"): every setting read in
// CreateEventSourceMapping's names with its default kept when absent, and every bad value reported
// with its JSON path, the value and what was expected (enhanced fan-out included: this build
// models the standard mapping).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loader_test_helpers.h"
#include "models/scenario/loader.h"

namespace kinesim::models {
namespace {

using testing::issues_of;

using sim::Duration;

nlohmann::json with_lambda(nlohmann::json consumers) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "name": "l", "duration": "10m", "stream": {"shards": 2},
    "producers": [{"name": "web", "rate": {"records_per_sec": 10}, "record_size": "1KiB"}]
  })");
  doc["consumers"] = std::move(consumers);
  return doc;
}

TEST(LambdaLoader, ReadsEverySettingAndKeepsTheDefaultsOfTheRest) {
  const Scenario s = load_scenario(with_lambda(nlohmann::json::parse(R"([
    {"name": "fn", "type": "lambda",
     "lambda": {"StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "2m",
                "EnhancedFanOut": false, "BatchSize": 500, "MaximumBatchingWindowInSeconds": 20,
                "ParallelizationFactor": 4, "MaximumRetryAttempts": 2,
                "MaximumRecordAgeInSeconds": 3600, "BisectBatchOnFunctionError": true,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:1:dlq"}},
                "duration": {"dist": "uniform", "min": "100ms", "max": "300ms"},
                "duration_per_record": "2ms", "concurrency": 3, "error_rate": 0.05,
                "poison_records": [{"at": "5m"}, {"at": "6m", "shard": "shardId-000000000001"}]}},
    {"name": "plain", "type": "lambda"}
  ])")));
  ASSERT_EQ(s.consumers.size(), 2u);
  const LambdaConfig& fn = s.consumers[0].lambda;
  EXPECT_EQ(s.consumers[0].type, ConsumerConfig::Type::kLambda);
  EXPECT_EQ(fn.reader.initial_position, InitialPosition::kAtTimestamp);
  EXPECT_EQ(fn.reader.timestamp, sim::Time::zero() + Duration::minutes(2));
  EXPECT_EQ(fn.batch_size, 500u);
  EXPECT_EQ(fn.maximum_batching_window_seconds, 20u);
  EXPECT_EQ(fn.parallelization_factor, 4u);
  EXPECT_EQ(fn.maximum_retry_attempts, 2);
  EXPECT_EQ(fn.maximum_record_age_seconds, 3600);
  EXPECT_TRUE(fn.bisect_batch_on_function_error);
  EXPECT_TRUE(fn.report_batch_item_failures);
  EXPECT_TRUE(fn.on_failure);
  EXPECT_EQ(fn.duration.kind, sim::Distribution::Kind::kUniform);
  EXPECT_DOUBLE_EQ(fn.duration.max, 0.3);
  EXPECT_DOUBLE_EQ(fn.duration_per_record.value, 0.002);
  EXPECT_EQ(fn.concurrency, 3u);
  EXPECT_DOUBLE_EQ(fn.error_rate, 0.05);
  ASSERT_EQ(fn.poison_records.size(), 2u);
  EXPECT_EQ(fn.poison_records[0].at, sim::Time::zero() + Duration::minutes(5));
  EXPECT_FALSE(fn.poison_records[0].shard.has_value());
  EXPECT_EQ(fn.poison_records[1].shard, 1u);
  // The defaults: AWS's, and kinesim's assumed function duration.
  const LambdaConfig& plain = s.consumers[1].lambda;
  EXPECT_EQ(plain.reader.initial_position, InitialPosition::kLatest);
  EXPECT_EQ(plain.reader.poll_interval, Duration::seconds(1));
  EXPECT_TRUE(plain.reader.fetch_while_behind);
  EXPECT_EQ(plain.reader.retrieval, Retrieval::kPolling);  // the standard ESM
  EXPECT_EQ(plain.reader.limit, 10'000u);
  EXPECT_EQ(plain.batch_size, 100u);
  EXPECT_EQ(plain.maximum_batching_window_seconds, 0u);
  EXPECT_EQ(plain.parallelization_factor, 1u);
  EXPECT_EQ(plain.maximum_retry_attempts, -1);
  EXPECT_EQ(plain.maximum_record_age_seconds, -1);
  EXPECT_FALSE(plain.bisect_batch_on_function_error);
  EXPECT_FALSE(plain.report_batch_item_failures);
  EXPECT_FALSE(plain.on_failure);
  EXPECT_EQ(plain.payload_limit_bytes, 6'291'456u);
  EXPECT_DOUBLE_EQ(plain.duration.value, 0.050);
  EXPECT_EQ(plain.concurrency, 0u);
  EXPECT_DOUBLE_EQ(plain.error_rate, 0.0);
  EXPECT_TRUE(plain.poison_records.empty());
}

// A poison record in a shard the stream never has would never fire: the run would look healthy.
// The shards that will exist are known before the run on a provisioned stream: the initial ones
// and the children of its resharding actions.
TEST(LambdaLoader, APoisonRecordMustNameAShardTheStreamWillHave) {
  const auto poison_in = [](const std::string& shard) {
    return nlohmann::json::parse(R"([{"name": "fn", "type": "lambda",
        "lambda": {"poison_records": [{"at": "1m", "shard": ")" +
                                 shard + R"("}]}}])");
  };
  EXPECT_NO_THROW(load_scenario(with_lambda(poison_in("shardId-000000000001"))));
  EXPECT_EQ(issues_of(with_lambda(poison_in("shardId-000000000002"))),
            std::vector<std::string>{
                "$.consumers[0].lambda.poison_records[0].shard: got \"shardId-000000000002\", "
                "expected a shard the stream will have: shardId-000000000000 .. "
                "shardId-000000000001"});
  // A split at 2m makes shardId-000000000002 and -3.
  nlohmann::json split = with_lambda(poison_in("shardId-000000000003"));
  split["timeline"] = nlohmann::json::parse(
      R"([{"at": "2m", "action": "split", "shard": "shardId-000000000000"}])");
  EXPECT_NO_THROW(load_scenario(split));
  // On-demand splits shards its own way: ids are not known before the run.
  nlohmann::json on_demand = with_lambda(poison_in("shardId-000000000009"));
  on_demand["stream"] = nlohmann::json::parse(R"({"mode": "ON_DEMAND"})");
  EXPECT_NO_THROW(load_scenario(on_demand));
}

TEST(LambdaLoader, EveryBadSettingIsReportedWithItsPathValueAndExpectation) {
  const std::vector<std::string> issues = issues_of(with_lambda(nlohmann::json::parse(R"([
    {"name": "a", "type": "lambda",
     "lambda": {"StartingPosition": "EARLIEST", "BatchSize": 0, "MaximumBatchingWindowInSeconds": 301,
                "ParallelizationFactor": 11, "MaximumRetryAttempts": -2,
                "MaximumRecordAgeInSeconds": 59, "BisectBatchOnFunctionError": "yes",
                "FunctionResponseTypes": ["ReportBatchItemFailure"],
                "DestinationConfig": {"OnFailure": {"Destination": ""}},
                "duration": "fast", "concurrency": 0, "error_rate": 1.5,
                "poison_records": [{"at": "20m"}, {"at": "1m", "shard": "shard-1"}, {"shard": "shardId-000000000000"}]}},
    {"name": "b", "type": "lambda",
     "lambda": {"EnhancedFanOut": "yes", "BatchSize": 10001, "MaximumRetryAttempts": 10001,
                "MaximumRecordAgeInSeconds": 604801, "StartingPositionTimestamp": "1m",
                "DestinationConfig": {"OnSuccess": {}}, "Batchsize": 5}},
    {"name": "c", "type": "lambda", "lambda": {"StartingPosition": "AT_TIMESTAMP",
     "MaximumRetryAttempts": 1.5}},
    {"name": "d", "type": "polling", "lambda": {}}
  ])")));
  const std::vector<std::string> expected = {
      "$.consumers[0].lambda.StartingPosition: got \"EARLIEST\", expected one of \"LATEST\", "
      "\"TRIM_HORIZON\", \"AT_TIMESTAMP\"",
      "$.consumers[0].lambda.BatchSize: got 0, expected an integer 1..10000",
      "$.consumers[0].lambda.MaximumBatchingWindowInSeconds: got 301, expected an integer 0..300",
      "$.consumers[0].lambda.ParallelizationFactor: got 11, expected an integer 1..10",
      "$.consumers[0].lambda.MaximumRetryAttempts: got -2, expected -1 (retry until the records "
      "expire) or a whole number 0..10000",
      "$.consumers[0].lambda.MaximumRecordAgeInSeconds: got 59, expected -1 (no maximum age: the "
      "stream's retention applies) or a whole number of seconds 60..604800",
      "$.consumers[0].lambda.BisectBatchOnFunctionError: got \"yes\", expected true or false",
      "$.consumers[0].lambda.FunctionResponseTypes[0]: got \"ReportBatchItemFailure\", expected "
      "one of \"ReportBatchItemFailures\"; did you mean \"ReportBatchItemFailures\"?",
      "$.consumers[0].lambda.DestinationConfig.OnFailure.Destination: got \"\", expected the ARN "
      "of an SQS queue, SNS topic or S3 bucket",
      "$.consumers[0].lambda.duration: got \"fast\", expected a duration with a unit like "
      "\"250ms\", \"30s\", \"1h\"",
      "$.consumers[0].lambda.concurrency: got 0, expected an integer 1..100000",
      "$.consumers[0].lambda.error_rate: got 1.5, expected a fraction of invocations from 0 to 1",
      "$.consumers[0].lambda.poison_records[0].at: got \"20m\", expected a time into the run "
      "before its end (10m)",
      "$.consumers[0].lambda.poison_records[1].shard: got \"shard-1\", expected a shard id like "
      "\"shardId-000000000003\"",
      "$.consumers[0].lambda.poison_records[2].at: missing, expected a time into the run before "
      "its end (10m)",
      "$.consumers[1].lambda.Batchsize: unknown key \"Batchsize\"; did you mean \"BatchSize\"?",
      "$.consumers[1].lambda.StartingPositionTimestamp: key \"StartingPositionTimestamp\" applies "
      "only with StartingPosition \"AT_TIMESTAMP\" (it is \"LATEST\")",
      "$.consumers[1].lambda.EnhancedFanOut: got \"yes\", expected true or false",
      "$.consumers[1].lambda.BatchSize: got 10001, expected an integer 1..10000",
      "$.consumers[1].lambda.MaximumRetryAttempts: got 10001, expected -1 (retry until the records "
      "expire) or a whole number 0..10000",
      "$.consumers[1].lambda.MaximumRecordAgeInSeconds: got 604801, expected -1 (no maximum age: "
      "the stream's retention applies) or a whole number of seconds 60..604800",
      "$.consumers[1].lambda.DestinationConfig.OnSuccess: unknown key \"OnSuccess\"; expected one "
      "of \"OnFailure\"",
      "$.consumers[1].lambda.DestinationConfig.OnFailure: missing, expected an object",
      "$.consumers[2].lambda.StartingPositionTimestamp: missing, expected a time into the run "
      "before its end (10m)",
      "$.consumers[2].lambda.MaximumRetryAttempts: got 1.5, expected -1 (retry until the records "
      "expire) or a whole number 0..10000",
      "$.consumers[3].lambda: key \"lambda\" does not apply to type \"polling\"; it takes "
      "\"name\", \"type\", \"start\", \"read_latency\", \"polling\"",
  };
  EXPECT_EQ(issues, expected);
}

}  // namespace
}  // namespace kinesim::models
