// The scenario format's consumers[]: what each type reads, its defaults, and every mistake
// reported with its JSON path, the value and what was expected.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loader_test_helpers.h"
#include "models/scenario/loader.h"

namespace kinesim::models {
namespace {

using testing::issues_of;
using testing::with_consumers;

using sim::Duration;

TEST(ConsumerLoader, ReadsEachTypesSettingsAndKeepsTheDefaultsOfTheRest) {
  const Scenario s = load_scenario(with_consumers(nlohmann::json::parse(R"([
    {"name": "app", "type": "polling", "start": "1m",
     "polling": {"initial_position": "AT_TIMESTAMP", "timestamp": "30s", "poll_interval": "250ms",
                 "Limit": 500, "processing_time_per_record": "1ms", "deaggregate": true}},
    {"name": "archive", "type": "firehose", "read_latency": "5ms",
     "firehose": {"SizeInMBs": 64, "IntervalInSeconds": 0}},
    {"name": "plain", "type": "polling"}
  ])")));
  ASSERT_EQ(s.consumers.size(), 3u);
  const ConsumerConfig& app = s.consumers[0];
  EXPECT_EQ(app.type, ConsumerConfig::Type::kPolling);
  EXPECT_EQ(app.start, Duration::minutes(1));
  EXPECT_EQ(app.polling.reader.initial_position, InitialPosition::kAtTimestamp);
  EXPECT_EQ(app.polling.reader.timestamp, sim::Time::zero() + Duration::seconds(30));
  EXPECT_EQ(app.polling.reader.poll_interval, Duration::millis(250));
  EXPECT_EQ(app.polling.reader.limit, 500u);
  EXPECT_DOUBLE_EQ(app.polling.processing_per_record.value, 0.001);
  EXPECT_TRUE(app.polling.deaggregate);
  const ConsumerConfig& archive = s.consumers[1];
  EXPECT_EQ(archive.type, ConsumerConfig::Type::kFirehose);
  EXPECT_EQ(archive.firehose.size_in_mbs, 64u);
  EXPECT_EQ(archive.firehose.interval_in_seconds, 0u);
  EXPECT_EQ(archive.read_latency.kind, sim::Distribution::Kind::kFixed);
  const ConsumerConfig& plain = s.consumers[2];
  EXPECT_EQ(plain.polling.reader.initial_position, InitialPosition::kLatest);
  EXPECT_EQ(plain.polling.reader.poll_interval, Duration::seconds(1));
  EXPECT_EQ(plain.polling.reader.limit, 10'000u);
  EXPECT_EQ(plain.read_latency.kind, sim::Distribution::Kind::kLognormal);
  EXPECT_DOUBLE_EQ(plain.read_latency.mean, 0.020);
  EXPECT_FALSE(plain.polling.deaggregate);
}

TEST(ConsumerLoader, AScenarioWithoutConsumersHasNone) {
  nlohmann::json doc = with_consumers(nlohmann::json::array());
  EXPECT_TRUE(load_scenario(doc).consumers.empty());
  doc.erase("consumers");
  EXPECT_TRUE(load_scenario(doc).consumers.empty());
}

TEST(ConsumerLoader, EveryMistakeIsReportedWithItsPathValueAndExpectation) {
  const std::vector<std::string> issues = issues_of(with_consumers(nlohmann::json::parse(R"([
    {"name": "web", "type": "polling", "polling": {"poll_intervall": "200ms", "Limit": 20000}},
    {"name": "archive", "type": "firehose", "polling": {"Limit": 100},
     "firehose": {"SizeInMBs": 200, "IntervalInSeconds": 901}},
    {"name": "replay", "type": "polling", "polling": {"initial_position": "AT_TIMESTAMP"}},
    {"name": "flink", "type": "flinky"},
    {"name": "late", "type": "polling", "start": "10m", "polling": {"timestamp": "1m"}}
  ])")));
  const std::vector<std::string> expected = {
      "$.consumers[0].polling.poll_intervall: unknown key \"poll_intervall\"; did you mean "
      "\"poll_interval\"?",
      "$.consumers[0].polling.Limit: got 20000, expected an integer 1..10000",
      "$.consumers[0].name: got \"web\", expected a name no producer or other consumer has (names "
      "key the RNG streams, the metric series and the outputs)",
      "$.consumers[1].polling: key \"polling\" does not apply to type \"firehose\"; it takes "
      "\"name\", \"type\", \"start\", \"read_latency\", \"firehose\"",
      "$.consumers[1].firehose.SizeInMBs: got 200, expected an integer 1..128",
      "$.consumers[1].firehose.IntervalInSeconds: got 901, expected an integer 0..900",
      "$.consumers[2].polling.timestamp: missing, expected a time into the run before its end "
      "(10m)",
      "$.consumers[3].type: got \"flinky\", expected one of \"polling\", \"firehose\", \"flink\", "
      "\"kcl\", \"lambda\"; did you mean \"flink\"?",
      "$.consumers[4].start: got \"10m\", expected a time before the end of the scenario (10m)",
      "$.consumers[4].polling.timestamp: key \"timestamp\" applies only with initial_position "
      "\"AT_TIMESTAMP\" (it is \"LATEST\")",
  };
  EXPECT_EQ(issues, expected);
}

}  // namespace
}  // namespace kinesim::models
