// The scenario format's stream.read: the quota page's records/s read limit (off unless given)
// and enhanced fan-out's limits, their defaults, every mistake reported with its path; and that
// the records/s limit, once on, throttles readers that ask for more.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loader_test_helpers.h"
#include "models/scenario/loader.h"
#include "models/world/world.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using testing::issues_of;

nlohmann::json with_read(const nlohmann::json& read) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "name": "r", "duration": "10m", "stream": {"shards": 1},
    "producers": [{"name": "web", "rate": {"records_per_sec": 10}, "record_size": "1KiB"}]
  })");
  doc["stream"]["read"] = read;
  return doc;
}

TEST(StreamReadLoader, TheRecordsPerSecondLimitIsOffUnlessGiven) {
  nlohmann::json doc = with_read(nlohmann::json::object());
  EXPECT_FALSE(load_scenario(doc).stream.read.enforce_records_per_sec);
  doc["stream"].erase("read");
  EXPECT_FALSE(load_scenario(doc).stream.read.enforce_records_per_sec);
  EXPECT_FALSE(
      load_scenario(with_read(nlohmann::json::parse(R"({"records_per_second_limit": null})")))
          .stream.read.enforce_records_per_sec);
  const ReadConfig on =
      load_scenario(with_read(nlohmann::json::parse(R"({"records_per_second_limit": 2000})")))
          .stream.read;
  EXPECT_TRUE(on.enforce_records_per_sec);
  EXPECT_EQ(on.polling.records_per_sec, 2000u);
  EXPECT_EQ(on.polling.burst_records, 2000u);
  EXPECT_EQ(on.polling.debt_records, 8000u);  // one 10,000-record call from a full bucket
}

TEST(StreamReadLoader, ReadsEnhancedFanOutsLimitsAndKeepsTheirDefaults) {
  const ReadConfig defaults = load_scenario(with_read(nlohmann::json::object())).stream.read;
  EXPECT_EQ(defaults.efo.propagation_ms, 70u);
  EXPECT_EQ(defaults.efo.max_consumers, 20u);
  EXPECT_EQ(defaults.efo.max_consumers_advantage, 50u);
  const ReadConfig set = load_scenario(with_read(nlohmann::json::parse(R"({
    "efo": {"propagation_ms": 100, "max_consumers": 5, "max_consumers_advantage": 60}})")))
                             .stream.read;
  EXPECT_EQ(set.efo.propagation_ms, 100u);
  EXPECT_EQ(set.efo.max_consumers, 5u);
  EXPECT_EQ(set.efo.max_consumers_advantage, 60u);
}

TEST(StreamReadLoader, EveryMistakeIsReportedWithItsPathValueAndExpectation) {
  const std::vector<std::string> issues = issues_of(with_read(nlohmann::json::parse(R"({
    "records_per_second_limit": 0, "get_records_latency": "20ms",
    "efo": {"propagation_ms": -1, "max_consumers": 0, "max_consumers_advantage": "50"}})")));
  const std::vector<std::string> expected = {
      "$.stream.read.get_records_latency: unknown key \"get_records_latency\"; expected one of "
      "\"records_per_second_limit\", \"efo\"",
      "$.stream.read.records_per_second_limit: got 0, expected an integer 1..4294967295",
      "$.stream.read.efo.propagation_ms: got -1, expected an integer 0..60000",
      "$.stream.read.efo.max_consumers: got 0, expected an integer 1..10000",
      "$.stream.read.efo.max_consumers_advantage: got \"50\", expected an integer 1..10000",
  };
  EXPECT_EQ(issues, expected);
}

// Three applications each reading a shard's 1,000 records/s want 3,000 records/s of it.
Scenario three_readers(bool limit_on) {
  testing::OneProducer o;
  o.records_per_sec = 1000;
  o.profile = RateConfig::Profile::kConstant;
  o.duration = sim::Duration::minutes(5);
  Scenario s = testing::one_producer_scenario(o);
  s.stream.read.enforce_records_per_sec = limit_on;
  for (const char* name : {"a", "b", "c"}) s.consumers.push_back(testing::polling_consumer(name));
  return s;
}

TEST(StreamRead, TheRecordsPerSecondLimitWhenOnHoldsReadersToTwoThousandRecordsASecond) {
  const Result off = run_scenario(three_readers(false));
  const Result on = run_scenario(three_readers(true));
  uint64_t read_off = 0, read_on = 0, throttled_off = 0, throttled_on = 0;
  for (const ConsumerResult& c : off.consumers) {
    read_off += c.counts.records_read;
    throttled_off += c.counts.throttled_calls;
  }
  for (const ConsumerResult& c : on.consumers) {
    read_on += c.counts.records_read;
    throttled_on += c.counts.throttled_calls;
    testing::expect_conserved(c);
  }
  EXPECT_EQ(throttled_off, 0u);
  EXPECT_NEAR(static_cast<double>(read_off) / 300.0, 3000.0, 60.0);
  EXPECT_GT(throttled_on, 0u);
  // At most 2,000 records/s plus the bucket (2,000) and the debt one call may run up (8,000).
  EXPECT_LE(static_cast<double>(read_on), 2000.0 * 300.0 + 10'000.0);
  EXPECT_GE(static_cast<double>(read_on) / 300.0, 1900.0);
}

}  // namespace
}  // namespace kinesim::models
