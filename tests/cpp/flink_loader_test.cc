// The scenario format's "flink" consumers: each source's configuration keys, their defaults, and
// every mistake (a key of the other source, EFO, values out of bounds) reported with its path.
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

TEST(FlinkLoader, ReadsEachSourcesKeysAndDefaultsToKinesisStreamsSource) {
  const Scenario s = load_scenario(with_consumers(nlohmann::json::parse(R"([
    {"name": "legacy", "type": "flink",
     "flink": {"source": "FlinkKinesisConsumer", "flink.stream.recordpublisher": "POLLING",
               "flink.stream.initpos": "AT_TIMESTAMP", "flink.stream.initpos.timestamp": "30s",
               "flink.shard.getrecords.intervalmillis": 500,
               "flink.shard.getrecords.maxrecordcount": 2000,
               "processing_time_per_record": "1ms"}},
    {"name": "source", "type": "flink",
     "flink": {"source.reader.type": "POLLING", "source.init.position": "TRIM_HORIZON",
               "source.shard.get-records.interval": "10ms",
               "source.shard.get-records.idle-source-interval": "1s",
               "source.shard.get-records.max-record-count": 500}},
    {"name": "plain", "type": "flink"},
    {"name": "legacy-efo", "type": "flink",
     "flink": {"source": "FlinkKinesisConsumer", "flink.stream.recordpublisher": "EFO"}},
    {"name": "source-efo", "type": "flink", "flink": {"source.reader.type": "EFO"}}
  ])")));
  ASSERT_EQ(s.consumers.size(), 5u);
  EXPECT_EQ(s.consumers[0].flink.reader().retrieval, Retrieval::kPolling);
  EXPECT_EQ(s.consumers[2].flink.reader().retrieval, Retrieval::kPolling);
  EXPECT_EQ(s.consumers[3].flink.reader().retrieval, Retrieval::kFanOut);
  EXPECT_EQ(s.consumers[4].flink.reader().retrieval, Retrieval::kFanOut);
  const FlinkConfig& legacy = s.consumers[0].flink;
  EXPECT_EQ(s.consumers[0].type, ConsumerConfig::Type::kFlink);
  EXPECT_EQ(legacy.source, FlinkConfig::Source::kFlinkKinesisConsumer);
  EXPECT_EQ(legacy.initial_position, InitialPosition::kAtTimestamp);
  EXPECT_EQ(legacy.timestamp, sim::Time::zero() + Duration::seconds(30));
  EXPECT_EQ(legacy.getrecords_interval, Duration::millis(500));
  EXPECT_EQ(legacy.max_record_count, 2000u);
  EXPECT_DOUBLE_EQ(legacy.processing_per_record.value, 0.001);
  const ReaderConfig lr = legacy.reader();
  EXPECT_FALSE(lr.paced_by_reply);
  EXPECT_EQ(lr.poll_interval, Duration::millis(500));
  EXPECT_EQ(lr.limit, 2000u);

  const FlinkConfig& source = s.consumers[1].flink;
  EXPECT_EQ(source.source, FlinkConfig::Source::kKinesisStreamsSource);
  EXPECT_EQ(source.initial_position, InitialPosition::kTrimHorizon);
  EXPECT_EQ(source.get_records_interval, Duration::millis(10));
  EXPECT_EQ(source.idle_source_interval, Duration::seconds(1));
  EXPECT_EQ(source.max_record_count, 500u);
  const ReaderConfig sr = source.reader();
  EXPECT_TRUE(sr.paced_by_reply);
  EXPECT_EQ(sr.after_records_wait, Duration::millis(10));
  EXPECT_EQ(sr.after_empty_wait, Duration::seconds(1));

  const FlinkConfig& plain = s.consumers[2].flink;
  EXPECT_EQ(plain.source, FlinkConfig::Source::kKinesisStreamsSource);
  EXPECT_EQ(plain.initial_position, InitialPosition::kLatest);
  EXPECT_EQ(plain.get_records_interval, Duration());
  EXPECT_EQ(plain.idle_source_interval, Duration::millis(250));
  EXPECT_EQ(plain.getrecords_interval, Duration::millis(200));
  EXPECT_EQ(plain.max_record_count, 10'000u);
}

TEST(FlinkLoader, EveryMistakeIsReportedWithItsPathValueAndExpectation) {
  const std::vector<std::string> issues = issues_of(with_consumers(nlohmann::json::parse(R"([
    {"name": "a", "type": "flink", "flink": {"source": "FlinkKinesisConsumer",
     "source.init.position": "LATEST", "flink.shard.getrecords.intervalmillis": 0,
     "flink.shard.getrecords.maxrecordcount": 10001}},
    {"name": "b", "type": "flink", "flink": {"flink.stream.initpos": "LATEST",
     "source.shard.get-records.idle-source-interval": "0s",
     "source.shard.get-records.interval": "6m"}},
    {"name": "c", "type": "flink", "flink": {"source.reader.type": "EFS"}},
    {"name": "d", "type": "flink", "flink": {"source": "FlinkKinesisConsumer",
     "flink.stream.recordpublisher": "EFO", "flink.stream.initpos": "AT_TIMESTAMP"}},
    {"name": "e", "type": "flink", "flink": {"source": "Kinesis", "source.init.timestamp": "1m",
     "processing_time_per_record": "-1ms"}}
  ])")));
  const std::vector<std::string> expected = {
      "$.consumers[0].flink[\"source.init.position\"]: key \"source.init.position\" is a setting "
      "of "
      "\"KinesisStreamsSource\", not of source \"FlinkKinesisConsumer\"",
      "$.consumers[0].flink[\"flink.shard.getrecords.intervalmillis\"]: got 0, expected an integer "
      "1..300000",
      "$.consumers[0].flink[\"flink.shard.getrecords.maxrecordcount\"]: got 10001, expected an "
      "integer 1..10000",
      "$.consumers[1].flink[\"flink.stream.initpos\"]: key \"flink.stream.initpos\" is a setting "
      "of "
      "\"FlinkKinesisConsumer\", not of source \"KinesisStreamsSource\"",
      "$.consumers[1].flink[\"source.shard.get-records.interval\"]: got \"6m\", expected a "
      "duration "
      "of 0..5m",
      "$.consumers[1].flink[\"source.shard.get-records.idle-source-interval\"]: got \"0s\", "
      "expected "
      "a duration of 1ms..5m",
      "$.consumers[2].flink[\"source.reader.type\"]: got \"EFS\", expected one of \"POLLING\", "
      "\"EFO\"; did you mean \"EFO\"?",
      "$.consumers[3].flink[\"flink.stream.initpos.timestamp\"]: missing, expected a time into the "
      "run before its end (10m)",
      "$.consumers[4].flink.source: got \"Kinesis\", expected one of \"FlinkKinesisConsumer\", "
      "\"KinesisStreamsSource\"; did you mean \"KinesisStreamsSource\"?",
      "$.consumers[4].flink[\"source.init.timestamp\"]: key \"source.init.timestamp\" applies only "
      "with \"source.init.position\" \"AT_TIMESTAMP\" (it is \"LATEST\")",
  };
  // The negative duration's wording belongs to the distribution reader: check only its path.
  ASSERT_EQ(issues.size(), expected.size() + 1);
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(issues[i], expected[i]);
  EXPECT_EQ(issues.back().rfind("$.consumers[4].flink.processing_time_per_record", 0), 0u)
      << issues.back();
}

// Enhanced fan-out pushes: the GetRecords settings of the job's source are refused, as the
// polling consumer's and KCL's are.
TEST(FlinkLoader, GetRecordsSettingsAreRefusedUnderEnhancedFanOut) {
  const std::vector<std::string> issues = issues_of(with_consumers(nlohmann::json::parse(R"([
    {"name": "a", "type": "flink", "flink": {"source.reader.type": "EFO",
     "source.shard.get-records.interval": "1s", "source.shard.get-records.max-record-count": 5}},
    {"name": "b", "type": "flink", "flink": {"source": "FlinkKinesisConsumer",
     "flink.stream.recordpublisher": "EFO", "flink.shard.getrecords.intervalmillis": 500}}
  ])")));
  const std::vector<std::string> expected = {
      "$.consumers[0].flink[\"source.shard.get-records.interval\"]: key "
      "\"source.shard.get-records.interval\" applies only with \"source.reader.type\" "
      "\"POLLING\" (it is \"EFO\")",
      "$.consumers[0].flink[\"source.shard.get-records.max-record-count\"]: key "
      "\"source.shard.get-records.max-record-count\" applies only with \"source.reader.type\" "
      "\"POLLING\" (it is \"EFO\")",
      "$.consumers[1].flink[\"flink.shard.getrecords.intervalmillis\"]: key "
      "\"flink.shard.getrecords.intervalmillis\" applies only with "
      "\"flink.stream.recordpublisher\" \"POLLING\" (it is \"EFO\")",
  };
  EXPECT_EQ(issues, expected);
}

}  // namespace
}  // namespace kinesim::models
