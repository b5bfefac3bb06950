// The scenario format's "kcl" consumer and its timeline actions: every setting read, its
// defaults, and every mistake reported with its JSON path, the value and what was expected.
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

nlohmann::json doc_with(nlohmann::json consumers,
                        nlohmann::json timeline = nlohmann::json::array()) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "name": "k", "duration": "10m",
    "producers": [{"name": "web", "rate": {"records_per_sec": 10}, "record_size": "1KiB"}]
  })");
  doc["consumers"] = std::move(consumers);
  doc["timeline"] = std::move(timeline);
  return doc;
}

TEST(KclLoader, ReadsEverySettingAndKeepsKclsDefaults) {
  const Scenario s = load_scenario(doc_with(nlohmann::json::parse(R"([
    {"name": "app", "type": "kcl",
     "kcl": {"version": "2.x", "workers": 3, "retrieval": "polling",
             "initialPositionInStream": "AT_TIMESTAMP", "timestamp": "1m", "maxRecords": 500,
             "idleTimeBetweenReadsInMillis": 100, "failoverTimeMillis": 20000,
             "maxLeasesToStealAtOneTime": 2,
             "checkpoint": {"everyRecords": 1000, "everySeconds": 30},
             "processing_time_per_batch": "5ms", "processing_time_per_record": "1ms",
             "processingErrorRate": 0.01}},
    {"name": "plain", "type": "kcl"}
  ])")));
  const KclConfig& k = s.consumers[0].kcl;
  EXPECT_EQ(s.consumers[0].type, ConsumerConfig::Type::kKcl);
  EXPECT_EQ(k.version, KclConfig::Version::k2x);
  EXPECT_EQ(k.workers, 3u);
  EXPECT_EQ(k.initial_position, InitialPosition::kAtTimestamp);
  EXPECT_EQ(k.timestamp, sim::Time::zero() + Duration::minutes(1));
  EXPECT_EQ(k.max_records, 500u);
  EXPECT_EQ(k.idle_time_between_reads_millis, 100);
  EXPECT_EQ(k.idle_time(), Duration::millis(200));  // KCL's floor
  EXPECT_EQ(k.failover_time_millis, 20'000);
  EXPECT_EQ(k.lease_renewal_interval(), Duration::millis(6'641));
  EXPECT_EQ(k.lease_taker_interval(), Duration::millis(40'050));
  EXPECT_EQ(k.max_leases_to_steal_at_one_time, 2u);
  EXPECT_EQ(k.checkpoint_every_records, 1000u);
  EXPECT_EQ(k.checkpoint_every, Duration::seconds(30));
  EXPECT_DOUBLE_EQ(k.processing_per_batch.value, 0.005);
  EXPECT_DOUBLE_EQ(k.processing_per_record.value, 0.001);
  EXPECT_DOUBLE_EQ(k.processing_error_rate, 0.01);
  const KclConfig& d = s.consumers[1].kcl;
  EXPECT_EQ(d.version, KclConfig::Version::k3x);
  EXPECT_EQ(d.workers, 1u);
  EXPECT_EQ(d.retrieval, KclConfig::Retrieval::kFanout);  // KCL's default
  EXPECT_EQ(d.initial_position, InitialPosition::kLatest);
  EXPECT_EQ(d.max_records, 10'000u);
  EXPECT_EQ(d.idle_time(), Duration::millis(1'500));
  EXPECT_EQ(d.failover_time_millis, 10'000);
  EXPECT_EQ(d.lease_renewal_interval(), Duration::millis(3'308));  // SPEC §8
  EXPECT_EQ(d.lease_taker_interval(), Duration::millis(20'050));
  EXPECT_EQ(d.lease_assignment_interval(), Duration::seconds(20));
  EXPECT_EQ(d.max_leases_to_steal_at_one_time, 1u);
  EXPECT_EQ(d.checkpoint_every_records, 0u);
  EXPECT_EQ(d.checkpoint_every, Duration());
  EXPECT_DOUBLE_EQ(d.processing_error_rate, 0);
}

TEST(KclLoader, EveryBadSettingIsReportedWithItsPathValueAndExpectation) {
  const auto issues = issues_of(doc_with(nlohmann::json::parse(R"([
    {"name": "a", "type": "kcl",
     "kcl": {"version": "1.x", "workers": 0, "retrieval": "efo",
             "initialPositionInStream": "OLDEST", "maxRecords": 10001,
             "idleTimeBetweenReadsInMillis": -1, "failoverTimeMillis": 50,
             "maxLeasesToStealAtOneTime": 0, "checkpoint": {"everyRecords": 0, "everySeconds": 0,
             "everyBatch": true}, "processingErrorRate": 1.5, "failover": 1}},
    {"name": "b", "type": "kcl", "kcl": {"timestamp": "1m"}},
    {"name": "c", "type": "kcl", "kcl": {"initialPositionInStream": "AT_TIMESTAMP"}},
    {"name": "d", "type": "polling", "kcl": {}},
    {"name": "e", "type": "kcl", "kcl": {"maxRecords": 100, "idleTimeBetweenReadsInMillis": 500}},
    {"name": "f", "type": "kcl", "kcl": {"retrieval": "fanout", "maxRecords": 100}}
  ])")));
  const std::vector<std::string> expected = {
      "$.consumers[0].kcl.failover: unknown key \"failover\"; did you mean "
      "\"failoverTimeMillis\"?",
      "$.consumers[0].kcl.version: got \"1.x\", expected one of \"2.x\", \"3.x\"; did you "
      "mean \"2.x\"?",
      "$.consumers[0].kcl.workers: got 0, expected an integer 1..1000",
      "$.consumers[0].kcl.retrieval: got \"efo\", expected one of \"fanout\", \"polling\"",
      "$.consumers[0].kcl.initialPositionInStream: got \"OLDEST\", expected one of \"LATEST\", "
      "\"TRIM_HORIZON\", \"AT_TIMESTAMP\"",
      "$.consumers[0].kcl.maxRecords: got 10001, expected an integer 1..10000",
      "$.consumers[0].kcl.idleTimeBetweenReadsInMillis: got -1, expected an integer 0..3600000",
      "$.consumers[0].kcl.failoverTimeMillis: got 50, expected an integer 100..86400000",
      "$.consumers[0].kcl.maxLeasesToStealAtOneTime: got 0, expected an integer 1..100000",
      "$.consumers[0].kcl.checkpoint.everyBatch: unknown key \"everyBatch\"; expected one of "
      "\"everyRecords\", \"everySeconds\"",
      "$.consumers[0].kcl.checkpoint.everyRecords: got 0, expected an integer 1..9007199254740992",
      "$.consumers[0].kcl.checkpoint.everySeconds: got 0, expected a number of seconds > 0 and "
      "<= 86400",
      "$.consumers[0].kcl.processingErrorRate: got 1.5, expected a fraction 0..1",
      "$.consumers[1].kcl.timestamp: key \"timestamp\" applies only with "
      "initialPositionInStream \"AT_TIMESTAMP\"",
      "$.consumers[2].kcl.timestamp: missing, expected a time into the run before its end (10m)",
      "$.consumers[3].kcl: key \"kcl\" does not apply to type \"polling\"; it takes \"name\", "
      "\"type\", \"start\", \"read_latency\", \"polling\"",
      "$.consumers[4].kcl.maxRecords: key \"maxRecords\" applies only with retrieval "
      "\"polling\" (it is \"fanout\")",
      "$.consumers[4].kcl.idleTimeBetweenReadsInMillis: key \"idleTimeBetweenReadsInMillis\" "
      "applies only with retrieval \"polling\" (it is \"fanout\")",
      "$.consumers[5].kcl.maxRecords: key \"maxRecords\" applies only with retrieval "
      "\"polling\" (it is \"fanout\")",
  };
  EXPECT_EQ(issues, expected);
}

TEST(KclLoader, ReadsTheKclTimelineActions) {
  const Scenario s = load_scenario(doc_with(nlohmann::json::parse(R"([
    {"name": "app", "type": "kcl", "kcl": {"workers": 2}}])"),
                                            nlohmann::json::parse(R"([
    {"at": "1m", "action": "kcl_worker_failure", "consumer": "app", "worker": 1},
    {"at": "2m", "action": "kcl_worker_restart", "consumer": "app", "worker": 0, "downtime": "5s"},
    {"at": "3m", "action": "kcl_deploy", "consumer": "app", "downtime": "20s"},
    {"at": "4m", "action": "kcl_worker_added", "consumer": "app"},
    {"at": "5m", "action": "kcl_worker_failure", "consumer": "app", "worker": 2},
    {"at": "6m", "action": "kcl_worker_removed", "consumer": "app"}])")));
  ASSERT_EQ(s.timeline.size(), 6u);
  EXPECT_EQ(s.timeline[0].kind, TimelineAction::Kind::kKclWorkerFailure);
  EXPECT_EQ(s.timeline[0].client(), "app");
  EXPECT_EQ(s.timeline[0].worker, 1u);
  EXPECT_EQ(s.timeline[1].downtime, Duration::seconds(5));
  EXPECT_EQ(s.timeline[2].kind, TimelineAction::Kind::kKclDeploy);
  EXPECT_EQ(s.timeline[2].downtime, Duration::seconds(20));
  EXPECT_EQ(s.timeline[3].kind, TimelineAction::Kind::kKclWorkerAdded);
  EXPECT_EQ(s.timeline[4].worker, 2u);  // the one added at 4m
  EXPECT_EQ(s.timeline[5].kind, TimelineAction::Kind::kKclWorkerRemoved);
  EXPECT_TRUE(s.timeline[5].targets_client());
}

TEST(KclLoader, BadKclTimelineActionsAreReported) {
  const auto issues = issues_of(doc_with(nlohmann::json::parse(R"([
    {"name": "app", "type": "kcl", "kcl": {"workers": 2}},
    {"name": "poller", "type": "polling"}])"),
                                         nlohmann::json::parse(R"([
    {"at": "1m", "action": "kcl_worker_failure", "consumer": "app", "worker": 2},
    {"at": "2m", "action": "kcl_worker_failure", "consumer": "poller", "worker": 0},
    {"at": "3m", "action": "kcl_deploy", "consumer": "app", "worker": 0},
    {"at": "4m", "action": "kcl_worker_restart", "consumer": "app"}])")));
  const std::vector<std::string> expected = {
      "$.timeline[2].worker: key \"worker\" does not apply to action \"kcl_deploy\"; it takes "
      "\"at\", \"action\", \"consumer\", \"downtime\"",
      "$.timeline[3].worker: missing, expected an integer 0..999",
      "$.timeline[1].consumer: got \"poller\", expected the name of a kcl consumer (kcl "
      "consumers: \"app\")",
  };
  // Which workers a consumer has by then waits for valid actions (kcl_worker_added counts in
  // time order); whom an action names does not.
  EXPECT_EQ(issues, expected);
  const auto later = issues_of(doc_with(nlohmann::json::parse(R"([
    {"name": "app", "type": "kcl", "kcl": {"workers": 2}},
    {"name": "poller", "type": "polling"}])"),
                                        nlohmann::json::parse(R"([
    {"at": "1m", "action": "kcl_worker_failure", "consumer": "app", "worker": 2},
    {"at": "2m", "action": "kcl_worker_failure", "consumer": "poller", "worker": 0}])")));
  const std::vector<std::string> expected_later = {
      "$.timeline[0].worker: got 2, expected a worker of \"app\" by then: 0..1",
      "$.timeline[1].consumer: got \"poller\", expected the name of a kcl consumer (kcl "
      "consumers: \"app\")",
  };
  EXPECT_EQ(later, expected_later);
}

}  // namespace
}  // namespace kinesim::models
