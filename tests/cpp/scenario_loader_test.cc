#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "loader_test_helpers.h"
#include "models/scenario/json_reader.h"
#include "models/scenario/loader.h"
#include "models/workload/trace.h"

namespace kinesim::models {
namespace {

using testing::issues_of;
using testing::issues_of_text;

using sim::Duration;

// The smallest valid scenario, as a base that tests patch.
constexpr std::string_view kMinimal = R"({
  "name": "minimal",
  "producers": [{"name": "web", "rate": {"records_per_sec": 10}, "record_size": "1KiB"}]
})";

nlohmann::json minimal() { return nlohmann::json::parse(kMinimal); }

// The single issue of a document with one mistake.
std::string issue_of(const nlohmann::json& doc, const std::string& base_dir = "") {
  const std::vector<std::string> lines = issues_of(doc, base_dir);
  EXPECT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  return lines.empty() ? "" : lines.front();
}

// A scratch directory for trace files, removed with the test.
class ScenarioTraceFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kinesim_scenario_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  nlohmann::json trace_doc(const std::string& file) {
    nlohmann::json doc = minimal();
    doc["producers"][0].erase("record_size");
    doc["producers"][0]["rate"] = {{"profile", "trace"}, {"file", file}};
    return doc;
  }
  std::filesystem::path dir_;
};

// ---- a valid document ------------------------------------------------------------------------

TEST(ScenarioLoader, LoadsEveryFieldOfAFullScenarioIntoTheExpectedStructs) {
  const Scenario s = load_scenario_text(R"({
    "name": "full", "description": "every field", "duration": "2h", "seed": 18446744073709551615,
    "stream": {"name": "clicks", "mode": "PROVISIONED", "shards": 4, "retention_hours": 168,
               "shard_write_bytes_per_sec": "2MiB", "shard_write_records_per_sec": 2000,
               "shard_burst_bytes": "20MiB", "shard_burst_records": 3000,
               "max_record_size": "2MiB", "legacy_request_limit": true, "reshard_duration": "45s",
               "put_latency": {"dist": "uniform", "min": "10ms", "max": "30ms"},
               "internal_failure_rate": 0.001},
    "producers": [
      {"name": "web", "type": "sdk", "instances": 3, "start": "5m",
       "rate": {"profile": "diurnal", "mean_records_per_sec": 500, "peak_factor": 2,
                "peak_at": "18h", "period": "1d", "process": "constant"},
       "keys": {"dist": "hot", "hot": [{"key": "user-17", "share": 0.25}], "rest": "zipf",
                "count": 100, "s": 1.2, "prefix": "user-"},
       "record_size": {"dist": "histogram", "points": [{"bytes": "1KiB", "weight": 3},
                                                      {"bytes": 100}]},
       "sdk": {"api": "PutRecord", "max_batch_records": 100, "max_batch_bytes": "1MiB",
               "linger": "50ms", "max_in_flight": 8, "backoff_base": "50ms",
               "backoff_cap": "5s", "max_attempts": 5, "max_buffered_records": 5000}},
      {"name": "jobs", "rate": {"profile": "schedule", "process": "poisson",
                                "steps": [{"at": "0s", "records_per_sec": 10},
                                          {"at": "1h", "records_per_sec": 0}]},
       "keys": {"dist": "explicit_hash_keys", "partition_key": "k",
                "hash_keys": [{"hash_key": "340282366920938463463374607431768211455",
                               "weight": 2}]},
       "record_size": {"dist": "lognormal", "mean": "800B", "sigma": 0.5}}
    ],
    "timeline": [
      {"at": "1h", "action": "update_shard_count", "target": 8},
      {"at": "30m", "action": "split", "shard": "shardId-000000000000",
       "new_starting_hash_key": "1000"},
      {"at": "40m", "action": "merge", "shard": "shardId-000000000004",
       "adjacent_shard": "shardId-000000000005"}
    ],
    "output": {"resolution": "1s", "top_n": 5}
  })",
                                        "/data/scenarios");
  EXPECT_EQ(s.name, "full");
  EXPECT_EQ(s.description, "every field");
  EXPECT_EQ(s.duration, Duration::hours(2));
  EXPECT_EQ(s.seed, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(s.base_dir, "/data/scenarios");

  EXPECT_EQ(s.stream.name, "clicks");
  EXPECT_EQ(s.stream.mode, CapacityMode::kProvisioned);
  EXPECT_EQ(s.stream.shards, 4u);
  EXPECT_EQ(s.stream.retention_hours, 168u);
  EXPECT_EQ(s.stream.write.bytes_per_sec, 2 * core::kMiB);
  EXPECT_EQ(s.stream.write.records_per_sec, 2000u);
  EXPECT_EQ(s.stream.write.burst_bytes, 20 * core::kMiB);
  EXPECT_EQ(s.stream.write.burst_records, 3000u);
  EXPECT_EQ(s.stream.max_record_bytes, 2 * core::kMiB);
  EXPECT_EQ(s.stream.max_request_bytes, 5 * core::kMiB);
  EXPECT_EQ(s.stream.reshard_duration, Duration::seconds(45));
  EXPECT_EQ(s.stream.put_latency.kind, Distribution::Kind::kUniform);
  EXPECT_DOUBLE_EQ(s.stream.put_latency.min, 0.010);
  EXPECT_DOUBLE_EQ(s.stream.put_latency.max, 0.030);
  EXPECT_DOUBLE_EQ(s.stream.internal_failure_rate, 0.001);

  ASSERT_EQ(s.producers.size(), 2u);
  const ProducerConfig& web = s.producers[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.type, ProducerConfig::Type::kSdk);
  EXPECT_EQ(web.instances, 3u);
  EXPECT_EQ(web.start, Duration::minutes(5));
  EXPECT_EQ(web.rate.profile, RateConfig::Profile::kDiurnal);
  EXPECT_DOUBLE_EQ(web.rate.mean_records_per_sec, 500);
  EXPECT_DOUBLE_EQ(web.rate.peak_factor, 2);
  EXPECT_EQ(web.rate.peak_at, Duration::hours(18));
  EXPECT_EQ(web.rate.period, Duration::hours(24));
  EXPECT_FALSE(web.rate.poisson);
  EXPECT_EQ(web.keys.dist, KeysConfig::Dist::kHot);
  ASSERT_EQ(web.keys.hot.size(), 1u);
  EXPECT_EQ(web.keys.hot[0].key, "user-17");
  EXPECT_DOUBLE_EQ(web.keys.hot[0].share, 0.25);
  EXPECT_EQ(web.keys.rest, KeysConfig::Dist::kZipf);
  EXPECT_EQ(web.keys.count, 100u);
  EXPECT_DOUBLE_EQ(web.keys.s, 1.2);
  EXPECT_EQ(web.keys.prefix, "user-");
  EXPECT_EQ(web.record_size.kind, Distribution::Kind::kHistogram);
  const std::vector<std::pair<double, double>> points = {{1024, 3}, {100, 1}};
  EXPECT_EQ(web.record_size.points, points);
  EXPECT_EQ(web.sdk.api, SdkConfig::Api::kPutRecord);
  EXPECT_EQ(web.sdk.max_batch_records, 100u);
  EXPECT_EQ(web.sdk.max_batch_bytes, core::kMiB);
  EXPECT_EQ(web.sdk.linger, Duration::millis(50));
  EXPECT_EQ(web.sdk.max_in_flight, 8u);
  EXPECT_EQ(web.sdk.backoff_base, Duration::millis(50));
  EXPECT_EQ(web.sdk.backoff_cap, Duration::seconds(5));
  EXPECT_EQ(web.sdk.max_attempts, 5u);
  EXPECT_EQ(web.sdk.max_buffered_records, 5000u);

  const ProducerConfig& jobs = s.producers[1];
  EXPECT_EQ(jobs.rate.profile, RateConfig::Profile::kSchedule);
  EXPECT_TRUE(jobs.rate.poisson);
  ASSERT_EQ(jobs.rate.steps.size(), 2u);
  EXPECT_EQ(jobs.rate.steps[1].at, Duration::hours(1));
  EXPECT_DOUBLE_EQ(jobs.rate.steps[0].records_per_sec, 10);
  EXPECT_EQ(jobs.keys.dist, KeysConfig::Dist::kExplicitHashKeys);
  EXPECT_EQ(jobs.keys.explicit_partition_key, "k");
  ASSERT_EQ(jobs.keys.explicit_hash_keys.size(), 1u);
  EXPECT_TRUE(jobs.keys.explicit_hash_keys[0].hash_key == core::kMaxHashKey);
  EXPECT_DOUBLE_EQ(jobs.keys.explicit_hash_keys[0].weight, 2);
  EXPECT_EQ(jobs.record_size.kind, Distribution::Kind::kLognormal);
  EXPECT_DOUBLE_EQ(jobs.record_size.mean, 800);
  EXPECT_DOUBLE_EQ(jobs.record_size.sigma, 0.5);

  // The timeline comes out in time order.
  ASSERT_EQ(s.timeline.size(), 3u);
  EXPECT_EQ(s.timeline[0].kind, TimelineAction::Kind::kSplit);
  EXPECT_EQ(s.timeline[0].shard, "shardId-000000000000");
  ASSERT_TRUE(s.timeline[0].new_starting_hash_key.has_value());
  EXPECT_TRUE(*s.timeline[0].new_starting_hash_key == 1000);
  EXPECT_EQ(s.timeline[1].kind, TimelineAction::Kind::kMerge);
  EXPECT_EQ(s.timeline[1].adjacent_shard, "shardId-000000000005");
  EXPECT_EQ(s.timeline[2].kind, TimelineAction::Kind::kUpdateShardCount);
  EXPECT_EQ(s.timeline[2].target, 8u);
  EXPECT_EQ(s.output.resolution, Duration::seconds(1));
  EXPECT_EQ(s.output.top_n, 5u);
}

TEST(ScenarioLoader, FillsEveryOmittedFieldWithItsDocumentedDefault) {
  const Scenario s = load_scenario(minimal());
  const Scenario defaults;
  EXPECT_EQ(s.duration, Duration::hours(1));
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.stream.name, "stream");
  EXPECT_EQ(s.stream.mode, CapacityMode::kProvisioned);
  EXPECT_EQ(s.stream.shards, 1u);
  EXPECT_EQ(s.stream.retention_hours, 24u);
  EXPECT_EQ(s.stream.write.bytes_per_sec, core::kMiB);
  EXPECT_EQ(s.stream.write.records_per_sec, 1000u);
  EXPECT_EQ(s.stream.write.burst_bytes, 10 * core::kMiB);
  EXPECT_EQ(s.stream.write.burst_records, 1000u);
  EXPECT_EQ(s.stream.max_record_bytes, core::kMiB);
  EXPECT_EQ(s.stream.max_request_bytes, 10 * core::kMiB);
  EXPECT_EQ(s.stream.reshard_duration, Duration::seconds(30));
  EXPECT_EQ(s.stream.put_latency.kind, Distribution::Kind::kLognormal);
  EXPECT_DOUBLE_EQ(s.stream.put_latency.mean, 0.025);
  EXPECT_DOUBLE_EQ(s.stream.put_latency.sigma, 0.35);
  ASSERT_EQ(s.producers.size(), 1u);
  const ProducerConfig& p = s.producers[0];
  EXPECT_EQ(p.instances, 1u);
  EXPECT_EQ(p.start, Duration());
  EXPECT_EQ(p.rate.profile, RateConfig::Profile::kPoisson);
  EXPECT_TRUE(p.rate.poisson);
  EXPECT_DOUBLE_EQ(p.rate.records_per_sec, 10);
  EXPECT_EQ(p.keys.dist, KeysConfig::Dist::kUniform);
  EXPECT_EQ(p.keys.count, 1000u);
  EXPECT_EQ(p.keys.prefix, "key-");
  EXPECT_EQ(p.record_size.kind, Distribution::Kind::kFixed);
  EXPECT_DOUBLE_EQ(p.record_size.value, 1024);
  EXPECT_EQ(p.sdk.api, SdkConfig::Api::kPutRecords);
  EXPECT_EQ(p.sdk.max_batch_records, 500u);
  EXPECT_EQ(p.sdk.max_batch_bytes, 5 * core::kMiB);
  EXPECT_EQ(p.sdk.linger, Duration::millis(100));
  EXPECT_EQ(p.sdk.max_in_flight, 4u);
  EXPECT_EQ(p.sdk.backoff_base, Duration::millis(100));
  EXPECT_EQ(p.sdk.backoff_cap, Duration::seconds(20));
  EXPECT_EQ(p.sdk.max_attempts, 3u);
  EXPECT_TRUE(s.timeline.empty());
  EXPECT_EQ(s.output.resolution, Duration::seconds(60));
  EXPECT_EQ(s.output.top_n, 10u);
}

TEST(ScenarioLoader, StartsOnDemandStreamsWithFourShardsUnlessTold) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"mode", "ON_DEMAND"}};
  EXPECT_EQ(load_scenario(doc).stream.shards, 4u);
  doc["stream"]["shards"] = 2;
  EXPECT_EQ(load_scenario(doc).stream.shards, 2u);
  doc["stream"] = {{"mode", "ON_DEMAND_ADVANTAGE"}};
  EXPECT_EQ(load_scenario(doc).stream.mode, CapacityMode::kOnDemandAdvantage);
}

TEST(ScenarioLoader, RaisesTheDefaultBurstDepthToARaisedRecordSize) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"max_record_size", "10MiB"}};
  EXPECT_EQ(load_scenario(doc).stream.write.burst_bytes, 10 * core::kMiB);
  doc["stream"]["max_record_size"] = "10MiB";
  doc["stream"]["shard_burst_bytes"] = "1MiB";
  EXPECT_EQ(
      issue_of(doc),
      R"($.stream.shard_burst_bytes: got "1MiB", expected a size >= max_record_size (10MiB))");
}

TEST(ScenarioLoader, AcceptsSizesAsNumbersOfBytesAndDurationsInDistributions) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["record_size"] = 512;
  doc["stream"] = {{"put_latency", "20ms"}};
  const Scenario s = load_scenario(doc);
  EXPECT_DOUBLE_EQ(s.producers[0].record_size.value, 512);
  EXPECT_EQ(s.stream.put_latency.kind, Distribution::Kind::kFixed);
  EXPECT_DOUBLE_EQ(s.stream.put_latency.value, 0.020);
  doc["stream"]["put_latency"] = {
      {"dist", "histogram"}, {"points", {{{"value", "10ms"}}, {{"value", "1s"}, {"weight", 0.5}}}}};
  const Scenario h = load_scenario(doc);
  const std::vector<std::pair<double, double>> points = {{0.01, 1}, {1, 0.5}};
  EXPECT_EQ(h.stream.put_latency.points, points);
}

TEST(ScenarioLoader, ReadsAScenarioFileAndResolvesItsDirectory) {
  const auto dir = std::filesystem::temp_directory_path() / "kinesim_scenario_file_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.json") << kMinimal;
  EXPECT_EQ(load_scenario_file((dir / "s.json").string()).base_dir, dir.string());
  std::filesystem::remove_all(dir);
}

// ---- units -----------------------------------------------------------------------------------

TEST(ScenarioUnits, ParsesEveryDurationUnit) {
  EXPECT_EQ(parse_duration("10ns"), Duration::nanos(10));
  EXPECT_EQ(parse_duration("500us"), Duration::micros(500));
  EXPECT_EQ(parse_duration("500\xC2\xB5s"), Duration::micros(500));
  EXPECT_EQ(parse_duration("250ms"), Duration::millis(250));
  EXPECT_EQ(parse_duration("1.5s"), Duration::millis(1500));
  EXPECT_EQ(parse_duration("2m"), Duration::minutes(2));
  EXPECT_EQ(parse_duration("2min"), Duration::minutes(2));
  EXPECT_EQ(parse_duration("1h"), Duration::hours(1));
  EXPECT_EQ(parse_duration("1d"), Duration::hours(24));
  EXPECT_EQ(parse_duration("0s"), Duration());
  EXPECT_EQ(parse_duration("0.000000001s"), Duration::nanos(1));
  EXPECT_EQ(parse_duration("1.500000000000000000000000000000s"), Duration::millis(1500));
}

TEST(ScenarioUnits, AddsUpCompoundDurations) {
  EXPECT_EQ(parse_duration("1h30m"), Duration::minutes(90));
  EXPECT_EQ(parse_duration("1m30s500ms"), Duration::millis(90'500));
}

TEST(ScenarioUnits, RejectsDurationsWithoutUnitsSignsOrWholeNanoseconds) {
  for (const char* bad : {"", "10", "-1s", "+1s", "1.s", ".5s", "1 s", "1S", "1sec", "1hh", "s",
                          "0.5ns", "1e3s", "1h30", " 1s", "1s "}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(ScenarioUnits, RejectsDurationsBeyondInt64Nanoseconds) {
  EXPECT_EQ(parse_duration("9223372036854775807ns"), Duration::max());
  EXPECT_FALSE(parse_duration("9223372036854775808ns").has_value());
  EXPECT_FALSE(parse_duration("106752d").has_value());  // about 2^63 ns is 106751.99 days
  EXPECT_FALSE(parse_duration("9223372036854775807ns1ns").has_value());
  EXPECT_FALSE(parse_duration("99999999999999999999999999999999999999d").has_value());
}

TEST(ScenarioUnits, ParsesEverySizeUnit) {
  EXPECT_EQ(parse_size("100"), 100u);
  EXPECT_EQ(parse_size("100B"), 100u);
  EXPECT_EQ(parse_size("1.5KB"), 1500u);
  EXPECT_EQ(parse_size("512KiB"), 512u * 1024);
  EXPECT_EQ(parse_size("1.5KiB"), 1536u);
  EXPECT_EQ(parse_size("1MB"), 1'000'000u);
  EXPECT_EQ(parse_size("1MiB"), core::kMiB);
  EXPECT_EQ(parse_size("2GB"), 2'000'000'000u);
  EXPECT_EQ(parse_size("2GiB"), 2 * core::kGiB);
  EXPECT_EQ(parse_size("1TB"), 1'000'000'000'000u);
  EXPECT_EQ(parse_size("1TiB"), 1024 * core::kGiB);
  EXPECT_EQ(parse_size("0"), 0u);
}

TEST(ScenarioUnits, RejectsSizesThatAreNotWholeBytesOrOverflow) {
  for (const char* bad : {"", "1.5", "0.1B", "-1B", "1 KiB", "1kib", "1kB", "KiB", "1KiBs",
                          "18446744073709551616", "16777216TiB"}) {
    EXPECT_FALSE(parse_size(bad).has_value()) << bad;
  }
  EXPECT_EQ(parse_size("18446744073709551615"), std::numeric_limits<uint64_t>::max());
}

// ---- errors: one per class, with its exact message -------------------------------------------

TEST(ScenarioErrors, NameAValueOutsideItsRangeWithPathValueAndExpectation) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["rate"]["records_per_sec"] = -5;
  EXPECT_EQ(issue_of(doc), "$.producers[0].rate.records_per_sec: got -5, expected a number > 0");
  // Beyond 1e9 records/s the gaps round to nothing on a nanosecond clock: a run would not end.
  doc["producers"][0]["rate"]["records_per_sec"] = 1e308;
  EXPECT_EQ(issue_of(doc),
            "$.producers[0].rate.records_per_sec: got 1e+308, expected a number <= 1e9 (records "
            "per second)");
  doc["producers"][0]["rate"] = {{"profile", "schedule"},
                                 {"steps", {{{"at", "0s"}, {"records_per_sec", 2e9}}}}};
  EXPECT_EQ(issue_of(doc),
            "$.producers[0].rate.steps[0].records_per_sec: got 2000000000.0, expected a number <= "
            "1e9 (records per second)");
  doc["producers"][0]["rate"] = {{"profile", "diurnal"}, {"mean_records_per_sec", 1e10}};
  EXPECT_EQ(issue_of(doc),
            "$.producers[0].rate.mean_records_per_sec: got 10000000000.0, expected a number <= "
            "1e9 (records per second)");
  doc["producers"][0]["rate"] = {{"profile", "poisson"}, {"records_per_sec", 1e9}};
  EXPECT_NO_THROW(load_scenario(doc));
  doc = minimal();
  doc["stream"] = {{"shards", 0}};
  EXPECT_EQ(issue_of(doc), "$.stream.shards: got 0, expected an integer 1..10000");
  doc["stream"] = {{"retention_hours", 23}};
  EXPECT_EQ(issue_of(doc), "$.stream.retention_hours: got 23, expected an integer 24..8760");
  doc["stream"] = {{"internal_failure_rate", 1}};
  EXPECT_EQ(issue_of(doc),
            "$.stream.internal_failure_rate: got 1, expected a probability in [0, 1)");
  doc["stream"] = {{"max_record_size", "11MiB"}};
  EXPECT_EQ(issue_of(doc), R"($.stream.max_record_size: got "11MiB", expected a size 1B..10MiB)");
}

TEST(ScenarioErrors, SuggestTheNearestKeyForAnUnknownKey) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"shard", 4}};
  EXPECT_EQ(issue_of(doc), R"($.stream.shard: unknown key "shard"; did you mean "shards"?)");
  doc = minimal();
  doc["producers"][0]["sdk"] = {{"max_batch", 10}};  // a prefix of an allowed key
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].sdk.max_batch: unknown key "max_batch"; did you mean "max_batch_records"?)");
  doc = minimal();
  doc["producers"][0]["recrod_size"] = "1KiB";  // a transposition
  EXPECT_EQ(
      issues_of(doc).front(),
      R"($.producers[0].recrod_size: unknown key "recrod_size"; did you mean "record_size"?)");
}

TEST(ScenarioErrors, ListTheAllowedKeysWhenNoneIsClose) {
  nlohmann::json doc = minimal();
  doc["output"] = {{"format", "csv"}};
  EXPECT_EQ(issue_of(doc),
            R"($.output.format: unknown key "format"; expected one of "resolution", "top_n")");
}

TEST(ScenarioErrors, QuoteKeysThatAreNotIdentifiersInThePath) {
  nlohmann::json doc = minimal();
  doc["output"] = {{"top n", 3}};
  EXPECT_EQ(issue_of(doc), R"($.output["top n"]: unknown key "top n"; did you mean "top_n"?)");
}

TEST(ScenarioErrors, ReportMissingRequiredKeys) {
  nlohmann::json doc = minimal();
  doc.erase("name");
  EXPECT_EQ(issue_of(doc), "$.name: missing, expected a non-empty string");
  doc = minimal();
  doc["producers"][0].erase("rate");
  EXPECT_EQ(issue_of(doc), "$.producers[0].rate: missing, expected an object");
  doc = nlohmann::json{{"name", "x"}};
  EXPECT_EQ(issue_of(doc), "$.producers: missing, expected an array");
}

TEST(ScenarioErrors, ReportWrongTypes) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"shards", "8"}};
  EXPECT_EQ(issue_of(doc), R"($.stream.shards: got "8", expected an integer 1..10000)");
  doc["stream"] = {{"legacy_request_limit", 1}};
  EXPECT_EQ(issue_of(doc), "$.stream.legacy_request_limit: got 1, expected true or false");
  doc["stream"] = {{"shards", 1.5}};
  EXPECT_EQ(issue_of(doc), "$.stream.shards: got 1.5, expected an integer 1..10000");
  doc["stream"] = {{"shards", 2.0}};  // an integral float is an integer
  EXPECT_EQ(load_scenario(doc).stream.shards, 2u);
  // Beyond 2^64 - 1 a number is above every bound, stated or not: the largest is named.
  nlohmann::json seed = minimal();
  seed["seed"] = 18446744073709551616.0;
  EXPECT_EQ(issue_of(seed),
            "$.seed: got 1.8446744073709552e+19, expected an integer 0..18446744073709551615");
  seed["seed"] = -1;
  EXPECT_EQ(issue_of(seed), "$.seed: got -1, expected an integer >= 0");
  doc = minimal();
  doc["stream"] = nlohmann::json::array({1, 2});
  EXPECT_EQ(issue_of(doc), "$.stream: got [...], expected an object");
  EXPECT_EQ(issues_of_text("[1]"), std::vector<std::string>{"$: got [...], expected an object"});
}

TEST(ScenarioErrors, RejectDurationsAndSizesWithoutUnits) {
  nlohmann::json doc = minimal();
  doc["duration"] = "10";
  EXPECT_EQ(issue_of(doc),
            R"($.duration: got "10", expected a duration with a unit like "250ms", "30s", "1h")");
  doc["duration"] = 10;
  EXPECT_EQ(issue_of(doc),
            R"($.duration: got 10, expected a duration with a unit like "250ms", "30s", "1h")");
  doc["duration"] = "0s";
  EXPECT_EQ(issue_of(doc), R"($.duration: got "0s", expected a duration > 0)");
  doc = minimal();
  doc["producers"][0]["record_size"] = "1 KiB";
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size: got "1 KiB", expected a size like "512KiB", "1MiB", "100B" or a whole number of bytes)");
}

TEST(ScenarioErrors, SuggestTheNearestChoiceForAMisspeltEnumValue) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"mode", "PROVISONED"}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.stream.mode: got "PROVISONED", expected one of "PROVISIONED", "ON_DEMAND", "ON_DEMAND_ADVANTAGE"; did you mean "PROVISIONED"?)");
  doc = minimal();
  doc["producers"][0]["rate"]["profile"] = "square";
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].rate.profile: got "square", expected one of "constant", "poisson", "schedule", "diurnal", "trace")");
}

TEST(ScenarioErrors, RejectKeysThatDoNotApplyToTheChosenVariant) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["record_size"] = {{"dist", "fixed"}, {"bytes", 100}, {"sigma", 0.5}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size.sigma: key "sigma" does not apply to dist "fixed"; it takes "dist", "bytes")");
  doc = minimal();
  doc["producers"][0]["rate"]["peak_factor"] = 1.5;
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].rate.peak_factor: key "peak_factor" does not apply to profile "poisson"; it takes "profile", "records_per_sec")");
}

TEST(ScenarioErrors, CheckThatHotKeySharesLeaveRoomForTheRest) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["keys"] = {
      {"dist", "hot"}, {"hot", {{{"key", "a"}, {"share", 0.7}}, {{"key", "b"}, {"share", 0.4}}}}};
  EXPECT_EQ(issue_of(doc),
            "$.producers[0].keys.hot: got [...], expected shares that sum to at most 1 (they sum "
            "to 1.100000)");
  doc["producers"][0]["keys"]["hot"][1]["share"] = 0.2;
  doc["producers"][0]["keys"]["count"] = 0;
  EXPECT_EQ(issue_of(doc),
            "$.producers[0].keys.count: got 0, expected an integer >= 1: the hot keys leave "
            "0.100000 of the records to the other keys");
  doc["producers"][0]["keys"]["hot"][1]["share"] = 0.3;  // all records go to hot keys
  EXPECT_EQ(load_scenario(doc).producers[0].keys.hot.size(), 2u);
  doc["producers"][0]["keys"]["hot"][1]["key"] = "a";
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].keys.hot[1].key: got "a", expected a key not listed before in this list)");
}

TEST(ScenarioErrors, RequireUniqueProducerNames) {
  nlohmann::json doc = minimal();
  doc["producers"].push_back(doc["producers"][0]);
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[1].name: got "web", expected a name no other producer has (names key the RNG streams and the outputs))");
}

TEST(ScenarioErrors, RequireTimelineActionsWithinTheDuration) {
  nlohmann::json doc = minimal();
  doc["timeline"] = {{{"at", "2h"}, {"action", "update_shard_count"}, {"target", 2}}};
  EXPECT_EQ(issue_of(doc),
            R"($.timeline[0].at: got "2h", expected a time before the end of the scenario (1h))");
}

TEST(ScenarioErrors, ReplayTheTimelineOnTheShardMapInTimeOrder) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"shards", 2}};
  // Listed out of order: the split at 10m creates shard 2, which the merge at 20m then uses.
  doc["timeline"] = {{{"at", "20m"},
                      {"action", "merge"},
                      {"shard", "shardId-000000000002"},
                      {"adjacent_shard", "shardId-000000000003"}},
                     {{"at", "10m"}, {"action", "split"}, {"shard", "shardId-000000000000"}}};
  EXPECT_EQ(load_scenario(doc).timeline.size(), 2u);
  doc["timeline"][1]["shard"] = "shardId-000000000007";
  // Kinesis refuses the split and leaves the shards as they were: the merge then finds no
  // shard 2. Both are listed, in time order.
  const std::vector<std::string> issues = issues_of(doc);
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_TRUE(
      issues[0].starts_with("$.timeline[1]: the split at 10m cannot apply to the shards "
                            "as they are by then: ResourceNotFoundException"))
      << issues[0];
  EXPECT_TRUE(
      issues[1].starts_with("$.timeline[0]: the merge at 20m cannot apply to the shards "
                            "as they are by then: ResourceNotFoundException"))
      << issues[1];
  doc["timeline"] = {{{"at", "10m"}, {"action", "update_shard_count"}, {"target", 5}}};
  EXPECT_TRUE(issue_of(doc).starts_with(
      "$.timeline[0]: the update_shard_count at 10m cannot apply to the shards as they are by "
      "then: "));
  // An invalid action leaves the shards as they were for the actions after it.
  doc["stream"] = {{"shards", 4}};
  doc["timeline"] = {{{"at", "10m"},
                      {"action", "merge"},
                      {"shard", "shardId-000000000000"},
                      {"adjacent_shard", "shardId-000000000002"}},
                     {{"at", "20m"}, {"action", "update_shard_count"}, {"target", 20}},
                     {{"at", "30m"}, {"action", "update_shard_count"}, {"target", 8}}};
  const std::vector<std::string> later = issues_of(doc);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_TRUE(later[0].starts_with("$.timeline[0]: the merge at 10m")) << later[0];
  EXPECT_TRUE(later[1].starts_with("$.timeline[1]: the update_shard_count at 20m")) << later[1];
}

TEST(ScenarioErrors, CheckTheCapacitySectionsBesideAResharingError) {
  // The resharding error leaves the modes known (no switch_mode is wrong): the autoscaler on an
  // on-demand stream is reported too.
  nlohmann::json doc = minimal();
  doc["stream"] = {{"mode", "ON_DEMAND"}, {"autoscaler", {{"min_shards", 1}}}};
  doc["timeline"] = {{{"at", "5m"}, {"action", "update_shard_count"}, {"target", 8}}};
  const std::vector<std::string> issues = issues_of(doc);
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_TRUE(issues[0].starts_with("$.timeline: got 1 resharding actions")) << issues[0];
  EXPECT_TRUE(issues[1].starts_with(
      "$.stream.autoscaler: key \"autoscaler\" does not apply to mode \"ON_DEMAND\""))
      << issues[1];
}

TEST(ScenarioErrors, RejectResharingOnOnDemandStreams) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"mode", "ON_DEMAND"}};
  doc["timeline"] = {{{"at", "10m"}, {"action", "update_shard_count"}, {"target", 8}}};
  EXPECT_EQ(issue_of(doc),
            "$.timeline: got 1 resharding actions, expected none: split, merge and "
            "update_shard_count apply to PROVISIONED streams only");
}

TEST(ScenarioErrors, CheckShardIdsAndHashKeysInTimelineActions) {
  nlohmann::json doc = minimal();
  doc["timeline"] = {{{"at", "1m"},
                      {"action", "split"},
                      {"shard", "shard-1"},
                      {"new_starting_hash_key", "2e10"},
                      {"target", 3}}};
  EXPECT_EQ(
      issues_of(doc),
      (std::vector<std::string>{
          R"($.timeline[0].target: key "target" does not apply to action "split"; it takes "at", "action", "shard", "new_starting_hash_key")",
          R"($.timeline[0].shard: got "shard-1", expected a shard id like "shardId-000000000003")",
          R"($.timeline[0].new_starting_hash_key: got "2e10", expected a decimal string 0..2^128-1)"}));
}

TEST(ScenarioErrors, LimitBatchBytesToTheRequestLimit) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"legacy_request_limit", true}};
  doc["producers"][0]["sdk"] = {{"max_batch_bytes", "8MiB"}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].sdk.max_batch_bytes: got "8MiB", expected at most the PutRecords request limit 5MiB (stream.legacy_request_limit is true))");
  doc["stream"]["legacy_request_limit"] = false;
  EXPECT_EQ(load_scenario(doc).producers[0].sdk.max_batch_bytes, 8 * core::kMiB);
}

TEST(ScenarioErrors, RequireScheduleStepsInTimeOrder) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["rate"] = {
      {"profile", "schedule"},
      {"steps", {{{"at", "10m"}, {"records_per_sec", 5}}, {{"at", "5m"}, {"records_per_sec", 9}}}}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].rate.steps[1].at: got "5m", expected a time after the previous step's (10m): steps are listed in time order)");
}

TEST(ScenarioErrors, RequirePositiveHistogramWeightsAndOrderedUniformBounds) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["record_size"] = {{"dist", "histogram"},
                                        {"points", {{{"bytes", 10}, {"weight", 0}}}}};
  EXPECT_EQ(issue_of(doc),
            "$.producers[0].record_size.points[0].weight: got 0, expected a number > 0");
  doc["producers"][0]["record_size"] = {{"dist", "uniform"}, {"min", "2KiB"}, {"max", "1KiB"}};
  EXPECT_EQ(issue_of(doc),
            R"($.producers[0].record_size.max: got "1KiB", expected a value >= min ("2KiB"))");
}

TEST(ScenarioErrors, CountPartitionKeyCharactersAsKinesisDoes) {
  // UTF-16 code units: 200 emoji are 200 code points but 400 characters to Kinesis.
  std::string emoji;
  for (int i = 0; i < 200; ++i) emoji += "\xF0\x9F\x98\x80";  // U+1F600
  nlohmann::json doc = minimal();
  doc["producers"][0]["keys"] = {{"dist", "hot"}, {"hot", {{{"key", emoji}, {"share", 1.0}}}}};
  EXPECT_NE(issue_of(doc).find("$.producers[0].keys.hot[0].key: got "), std::string::npos);
  doc["producers"][0]["keys"] = {{"dist", "explicit_hash_keys"}, {"partition_key", emoji}};
  EXPECT_NE(issue_of(doc).find("$.producers[0].keys.partition_key: got "), std::string::npos);
  doc["producers"][0]["keys"] = {{"dist", "uniform"}, {"count", 10}, {"prefix", emoji}};
  EXPECT_NE(issue_of(doc).find("$.producers[0].keys.prefix: got "), std::string::npos);
  // 128 emoji are 256 characters: a valid key.
  doc["producers"][0]["keys"] = {{"dist", "hot"},
                                 {"hot", {{{"key", emoji.substr(0, 128 * 4)}, {"share", 1.0}}}}};
  EXPECT_NO_THROW(load_scenario(doc));
}

TEST(ScenarioErrors, ABadModeIsReportedAloneNotAlsoTheSectionsOfAModeGuessed) {
  // With the mode unreadable, whether "on_demand" applies is not known: one issue, the mode.
  nlohmann::json doc = minimal();
  doc["stream"]["mode"] = "bogus";
  doc["stream"]["on_demand"] = nlohmann::json::object();
  EXPECT_EQ(issue_of(doc).rfind("$.stream.mode: got \"bogus\"", 0), 0u);
}

TEST(ScenarioErrors, AnUnreadableTimelineActionDoesNotHideWhomTheOthersName) {
  // The order and shards wait for the bad action; that "web" is no agent and "zz" no consumer
  // do not depend on it.
  nlohmann::json doc = minimal();
  doc["timeline"] = nlohmann::json::parse(R"([
      {"at": "3s", "action": "bogus"},
      {"at": "4s", "action": "agent_restart", "producer": "web"},
      {"at": "5s", "action": "kcl_deploy", "consumer": "zz"}])");
  const std::vector<std::string> lines = issues_of(doc);
  ASSERT_EQ(lines.size(), 3u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0].rfind("$.timeline[0].action: ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("$.timeline[1].producer: got \"web\", expected the name of an agent", 0),
            0u)
      << lines[1];
  EXPECT_EQ(lines[2].rfind("$.timeline[2].consumer: got \"zz\", expected the name of a kcl", 0), 0u)
      << lines[2];
}

TEST(ScenarioErrors, RejectRecordSizesNoStreamAccepts) {
  // A record is its data plus a partition key of at least one byte.
  nlohmann::json doc = minimal();
  doc["producers"][0]["record_size"] = "2GiB";
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size: got "2GiB", expected a size below stream.max_record_size (1MiB): every record (data plus a partition key of at least 1 byte) would be rejected as too large)");
  doc["producers"][0]["record_size"] = "1MiB";
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size: got "1MiB", expected a size below stream.max_record_size (1MiB): every record (data plus a partition key of at least 1 byte) would be rejected as too large)");
  doc["producers"][0]["type"] = "kpl";
  doc["producers"][0]["record_size"] = {{"dist", "fixed"}, {"bytes", 1048576}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size.bytes: got 1048576, expected a size below stream.max_record_size (1MiB): every record (data plus a partition key of at least 1 byte) would be rejected as too large)");
  doc["producers"][0]["record_size"] = {{"dist", "uniform"}, {"min", "2MiB"}, {"max", "3MiB"}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size.min: got "2MiB", expected a size below stream.max_record_size (1MiB): every record (data plus a partition key of at least 1 byte) would be rejected as too large)");
  doc["producers"][0]["record_size"] = {{"dist", "histogram"},
                                        {"points", {{{"bytes", "2MiB"}}, {{"bytes", "1MiB"}}}}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size.points: got [...], expected at least one point below stream.max_record_size (1MiB): every record (data plus a partition key of at least 1 byte) would be rejected as too large)");
}

TEST(ScenarioLoader, AcceptsRecordSizesThatSomeRecordsFitAndARaisedLimit) {
  nlohmann::json doc = minimal();
  // Some draws fit; the others are rejected as too large when they are drawn.
  doc["producers"][0]["record_size"] = {{"dist", "uniform"}, {"min", "512KiB"}, {"max", "2MiB"}};
  EXPECT_NO_THROW(load_scenario(doc));
  doc["producers"][0]["record_size"] = {{"dist", "histogram"},
                                        {"points", {{{"bytes", "2MiB"}}, {{"bytes", "1KiB"}}}}};
  EXPECT_NO_THROW(load_scenario(doc));
  doc["producers"][0]["record_size"] = {{"dist", "lognormal"}, {"mean", "2MiB"}, {"sigma", 1}};
  EXPECT_NO_THROW(load_scenario(doc));
  // A stream raised to 10 MiB takes 5 MiB records.
  doc["producers"][0]["record_size"] = "5MiB";
  doc["stream"] = {{"max_record_size", "10MiB"}};
  EXPECT_DOUBLE_EQ(load_scenario(doc).producers[0].record_size.value, 5.0 * core::kMiB);
  // The Kinesis Agent truncates a line over the limit to it, as its FileTailer does.
  doc["stream"].erase("max_record_size");
  doc["producers"][0]["type"] = "agent";
  doc["producers"][0]["record_size"] = "2MiB";
  EXPECT_DOUBLE_EQ(load_scenario(doc).producers[0].record_size.value, 2.0 * core::kMiB);
}

TEST(ScenarioErrors, RejectSizesOfFourGibibytesOrMoreRatherThanClampThem) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["type"] = "agent";
  doc["producers"][0]["record_size"] = "4GiB";
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size: got "4GiB", expected a size below 4GiB (sizes are whole bytes held in 32 bits))");
  doc["producers"][0]["record_size"] = {{"dist", "lognormal"}, {"mean", "5GB"}, {"sigma", 1}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size.mean: got "5GB", expected a size below 4GiB (sizes are whole bytes held in 32 bits))");
  doc["producers"][0]["record_size"] = {{"dist", "uniform"}, {"min", "1KiB"}, {"max", "4GiB"}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].record_size.max: got "4GiB", expected a size below 4GiB (sizes are whole bytes held in 32 bits))");
  doc["producers"][0]["record_size"] = uint64_t{4294967295};
  EXPECT_DOUBLE_EQ(load_scenario(doc).producers[0].record_size.value, 4294967295.0);
}

TEST(ScenarioErrors, RequireAResolutionThatDividesAMinute) {
  nlohmann::json doc = minimal();
  doc["output"] = {{"resolution", "7s"}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.output.resolution: got "7s", expected a duration of at least 1ms that divides 60s, like "1m", "10s", "1s")");
  doc["output"]["resolution"] = "100ms";
  EXPECT_EQ(load_scenario(doc).output.resolution, Duration::millis(100));
}

TEST(ScenarioErrors, CollectEveryIssueOfADocumentInOneErrorOnePerLine) {
  const std::string text = R"({
    "name": "", "duration": "1 hour", "stream": {"shard": 4, "mode": "ON_DEMAN"},
    "producers": [{"name": "a", "rate": {"records_per_sec": 0}}]
  })";
  try {
    load_scenario_text(text);
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.issues().size(), 6u);
    EXPECT_EQ(std::string(e.what()),
              "$.name: got \"\", expected a non-empty string\n"
              "$.duration: got \"1 hour\", expected a duration with a unit like \"250ms\", "
              "\"30s\", \"1h\"\n"
              "$.stream.shard: unknown key \"shard\"; did you mean \"shards\"?\n"
              "$.stream.mode: got \"ON_DEMAN\", expected one of \"PROVISIONED\", \"ON_DEMAND\", "
              "\"ON_DEMAND_ADVANTAGE\"; did you mean \"ON_DEMAND\"?\n"
              "$.producers[0].rate.records_per_sec: got 0, expected a number > 0\n"
              "$.producers[0].record_size: missing, expected a size like \"1KiB\" or a size "
              "distribution {\"dist\": ...}");
  }
}

TEST(ScenarioErrors, ListEveryIssueHoweverMany) {
  nlohmann::json doc = minimal();
  for (int i = 0; i < 150; ++i) doc["stream"]["bogus" + std::to_string(i)] = 1;
  const std::vector<std::string> lines = issues_of(doc);
  ASSERT_EQ(lines.size(), 150u);
  for (const std::string& line : lines) EXPECT_TRUE(line.starts_with("$.stream.bogus")) << line;
}

TEST(ScenarioErrors, ReportJsonSyntaxErrorsWithLineAndColumn) {
  // The position is where the parser stopped: just after the bad literal "tru".
  EXPECT_EQ(issues_of_text("{\n  \"name\": \"x\",\n  \"seed\": tru\n}"),
            std::vector<std::string>{
                "$: invalid JSON at line 3, column 14: syntax error while parsing value - "
                "invalid literal; last read: '\"seed\": tru<U+000A>'"});
  EXPECT_EQ(issues_of_text(""),
            std::vector<std::string>{"$: invalid JSON at line 1, column 1: syntax error while "
                                     "parsing value - unexpected end of input; expected '[', "
                                     "'{', or a literal"});
}

TEST(ScenarioErrors, ReportAnUnreadableScenarioFile) {
  try {
    load_scenario_file("/nonexistent/scenario.json");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_STREQ(
        e.what(),
        R"($: cannot read scenario file "/nonexistent/scenario.json": it does not exist or is not a readable file)");
  }
}

TEST(ScenarioErrors, RejectKeysAndSizesNextToATrace) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["rate"] = {{"profile", "trace"}, {"file", "/nonexistent.csv"}};
  doc["producers"][0]["keys"] = {{"dist", "random"}};
  const std::vector<std::string> lines = issues_of(doc);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(
      lines[0],
      R"($.producers[0].rate.file: got "/nonexistent.csv", expected a readable trace file, but "/nonexistent.csv" is not a file)");
  EXPECT_EQ(
      lines[1],
      R"($.producers[0].keys: key "keys" does not apply with rate.profile "trace"; the trace file gives each record's partition key and size)");
}

TEST_F(ScenarioTraceFile, AcceptsATraceWithTheDocumentedHeaderRelativeToTheScenario) {
  write("t.csv", "timestamp,partition_key,size\r\n0.5,user-1,100\r\n");
  const Scenario s = load_scenario(trace_doc("t.csv"), dir_.string());
  EXPECT_EQ(s.producers[0].rate.trace_path, "t.csv");
  EXPECT_EQ(s.base_dir, dir_.string());
  EXPECT_EQ(s.producers[0].rate.profile, RateConfig::Profile::kTrace);
}

// A loop shifts each pass by the trace's length divided by the speed; however fast the replay,
// a pass lasts at least 1 ns, so a looped trace always moves time on.
TEST_F(ScenarioTraceFile, ALoopedTraceMovesOnAtLeastOneNanosecondAPass) {
  write("t.csv", "timestamp,partition_key,size\n0,a,1\n");
  TraceReader fast((dir_ / "t.csv").string(), 1e300, true, Duration());
  for (int64_t pass = 0; pass < 4; ++pass) {
    const std::optional<TraceRow> row = fast.next();
    ASSERT_TRUE(row);
    EXPECT_EQ(row->at, sim::Time::zero() + Duration::nanos(pass));
  }
  // At speed 1 a one-row trace, which has no gap to take, repeats every 1 ms.
  write("u.csv", "timestamp,partition_key,size\n0,a,1\n");
  TraceReader slow((dir_ / "u.csv").string(), 1, true, Duration());
  EXPECT_EQ(slow.next()->at, sim::Time::zero());
  EXPECT_EQ(slow.next()->at, sim::Time::zero() + Duration::millis(1));
}

TEST_F(ScenarioTraceFile, RejectsATraceWithAnotherHeader) {
  write("t.csv", "ts,key,bytes\n");
  EXPECT_EQ(
      issue_of(trace_doc("t.csv"), dir_.string()),
      R"($.producers[0].rate.file: got "t.csv", expected a CSV file whose first line is "timestamp,partition_key,size" (found "ts,key,bytes"))");
}

TEST(ScenarioErrors, NeverLetALibraryExceptionEscapeOnOddDocuments) {
  for (const char* text :
       {"null", "1", "\"x\"", "{\"name\": 1, \"producers\": {}}", "{\"producers\": [1, null]}",
        R"({"name":"n","producers":[{"name":"p","rate":{"profile":"schedule","steps":[1]},
            "record_size":{"dist":"histogram","points":"x"},"keys":{"hot":3}}]})",
        R"({"name":"n","seed":-1,"stream":{"put_latency":{"dist":"lognormal","mean":"0s"}},
            "producers":[],"timeline":[{"at":"1m"}],"output":[]})"}) {
    EXPECT_THROW(load_scenario_text(text), ScenarioError) << text;
  }
}

// ---- KPL producers ---------------------------------------------------------------------------

nlohmann::json kpl_doc(const nlohmann::json& kpl) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["type"] = "kpl";
  doc["producers"][0]["kpl"] = kpl;
  return doc;
}

TEST(ScenarioKpl, LoadsEverySettingByItsKplName) {
  const Scenario s = load_scenario(kpl_doc({{"AggregationEnabled", false},
                                            {"AggregationMaxCount", 100},
                                            {"AggregationMaxSize", "64KiB"},
                                            {"CollectionMaxCount", 250},
                                            {"CollectionMaxSize", 1048576},
                                            {"RecordMaxBufferedTime", "250ms"},
                                            {"RecordTtl", 60000},
                                            {"RateLimit", 80},
                                            {"MaxConnections", 256},
                                            {"RequestTimeout", "10s"},
                                            {"FailIfThrottled", true},
                                            {"ShardMapRefreshDelay", 2000}}));
  const ProducerConfig& p = s.producers[0];
  EXPECT_EQ(p.type, ProducerConfig::Type::kKpl);
  EXPECT_FALSE(p.kpl.aggregation_enabled);
  EXPECT_EQ(p.kpl.aggregation_max_count, 100u);
  EXPECT_EQ(p.kpl.aggregation_max_size, 64u * 1024);
  EXPECT_EQ(p.kpl.collection_max_count, 250u);
  EXPECT_EQ(p.kpl.collection_max_size, core::kMiB);
  EXPECT_EQ(p.kpl.record_max_buffered_time, Duration::millis(250));
  EXPECT_EQ(p.kpl.record_ttl, Duration::seconds(60));
  EXPECT_EQ(p.kpl.rate_limit, 80u);
  EXPECT_EQ(p.kpl.max_connections, 256u);
  EXPECT_EQ(p.kpl.request_timeout, Duration::seconds(10));
  EXPECT_TRUE(p.kpl.fail_if_throttled);
  EXPECT_EQ(p.kpl.shard_map_refresh_delay, Duration::seconds(2));
}

TEST(ScenarioKpl, TakesTheKplDefaultsAndBareIntegersAsMilliseconds) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["type"] = "kpl";
  const Scenario scenario_k = load_scenario(doc);
  const KplConfig& k = scenario_k.producers[0].kpl;
  EXPECT_TRUE(k.aggregation_enabled);
  EXPECT_EQ(k.aggregation_max_count, 4'294'967'295u);
  EXPECT_EQ(k.aggregation_max_size, 51'200u);
  EXPECT_EQ(k.collection_max_count, 500u);
  EXPECT_EQ(k.collection_max_size, 5'242'880u);
  EXPECT_EQ(k.record_max_buffered_time, Duration::millis(100));
  EXPECT_EQ(k.record_ttl, Duration::millis(30'000));
  EXPECT_EQ(k.rate_limit, 150u);
  EXPECT_EQ(k.max_connections, 24u);
  EXPECT_EQ(k.request_timeout, Duration::millis(6'000));
  EXPECT_FALSE(k.fail_if_throttled);
  EXPECT_EQ(k.shard_map_refresh_delay, Duration::seconds(5));
  // As in a KPL properties file: RecordMaxBufferedTime = 0 flushes at once.
  EXPECT_EQ(load_scenario(kpl_doc({{"RecordMaxBufferedTime", 0}}))
                .producers[0]
                .kpl.record_max_buffered_time,
            Duration());
  // The KPL's upper bound is Long.MAX_VALUE; anything past 2^32-1 percent limits nothing.
  EXPECT_EQ(
      load_scenario(kpl_doc({{"RateLimit", 9223372036854775807LL}})).producers[0].kpl.rate_limit,
      4'294'967'295u);
}

TEST(ScenarioKpl, RejectsValuesOutsideTheKplBounds) {
  EXPECT_EQ(
      issues_of(kpl_doc({{"AggregationMaxSize", 63},
                         {"CollectionMaxCount", 501},
                         {"CollectionMaxSize", 52223},
                         {"RecordTtl", 99},
                         {"RateLimit", 0},
                         {"MaxConnections", 257},
                         {"RequestTimeout", 600001},
                         {"RecordMaxBufferedTime", "-1ms"},
                         {"AggregationEnabled", "yes"}})),
      (std::vector<std::string>{
          R"($.producers[0].kpl.AggregationEnabled: got "yes", expected true or false)",
          "$.producers[0].kpl.AggregationMaxSize: got 63, expected a size 64B..10MiB",
          "$.producers[0].kpl.CollectionMaxCount: got 501, expected an integer 1..500",
          "$.producers[0].kpl.CollectionMaxSize: got 52223, expected a size >= 51KiB",
          R"($.producers[0].kpl.RecordMaxBufferedTime: got "-1ms", expected milliseconds >= 0 (an integer) or a duration like "100ms")",
          R"($.producers[0].kpl.RecordTtl: got 99, expected milliseconds >= 100 (an integer) or a duration like "30s")",
          "$.producers[0].kpl.RateLimit: got 0, expected an integer 1..9223372036854775807",
          "$.producers[0].kpl.MaxConnections: got 257, expected an integer 1..256",
          R"($.producers[0].kpl.RequestTimeout: got 600001, expected milliseconds 100..600000 (an integer) or a duration like "6s")"}));
}

TEST(ScenarioKpl, CapsAggregatesAtTheRecordLimitAndRequestsAtTheRequestLimit) {
  nlohmann::json doc = kpl_doc({{"AggregationMaxSize", "2MiB"}, {"CollectionMaxSize", "6MiB"}});
  doc["stream"] = {{"legacy_request_limit", true}};
  EXPECT_EQ(
      issues_of(doc),
      (std::vector<std::string>{
          R"($.producers[0].kpl.AggregationMaxSize: got "2MiB", expected at most stream.max_record_size - 1 byte (1048575B): an aggregate's data and its partition key "a" make one record, and the stream rejects larger records)",
          R"($.producers[0].kpl.CollectionMaxSize: got "6MiB", expected at most the PutRecords request limit 5MiB (stream.legacy_request_limit is true))"}));
  doc["stream"] = {{"max_record_size", "2MiB"}};
  doc["producers"][0]["kpl"]["AggregationMaxSize"] = 2 * core::kMiB - 1;
  const Scenario scenario_k = load_scenario(doc);
  const KplConfig& k = scenario_k.producers[0].kpl;
  EXPECT_EQ(k.aggregation_max_size, 2 * core::kMiB - 1);
  EXPECT_EQ(k.collection_max_size, 6 * core::kMiB);
}

TEST(ScenarioKpl, AnAggregateAndItsKeyFitTheRecordLimitAlsoByDefault) {
  // With max_record_size 1000B, AggregationMaxSize 1000 made 1,001-byte records (data and the
  // key "a") and the default 51200 was not checked at all: the stream took 5,105-byte records.
  nlohmann::json doc = kpl_doc({{"AggregationMaxSize", 1000}});
  doc["stream"] = {{"max_record_size", "1000B"}};
  doc["producers"][0]["record_size"] = "100B";
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].kpl.AggregationMaxSize: got 1000, expected at most stream.max_record_size - 1 byte (999B): an aggregate's data and its partition key "a" make one record, and the stream rejects larger records)");
  doc["producers"][0]["kpl"] = nlohmann::json::object();
  EXPECT_EQ(load_scenario(doc).producers[0].kpl.aggregation_max_size, 999u);
  doc["producers"][0].erase("kpl");
  EXPECT_EQ(load_scenario(doc).producers[0].kpl.aggregation_max_size, 999u);
}

TEST(ScenarioKpl, SuggestsTheKplNameForAMisspeltOrSnakeCaseSetting) {
  EXPECT_EQ(
      issue_of(kpl_doc({{"AggregationMaxSise", 1000}})),
      R"($.producers[0].kpl.AggregationMaxSise: unknown key "AggregationMaxSise"; did you mean "AggregationMaxSize"?)");
  EXPECT_EQ(
      issue_of(kpl_doc({{"record_ttl", 1000}})),
      R"($.producers[0].kpl.record_ttl: unknown key "record_ttl"; did you mean "RecordTtl"?)");
  EXPECT_EQ(
      issue_of(kpl_doc({{"recordMaxBufferedTime", 1000}})),
      R"($.producers[0].kpl.recordMaxBufferedTime: unknown key "recordMaxBufferedTime"; did you mean "RecordMaxBufferedTime"?)");
}

TEST(ScenarioKpl, RejectsAnotherTypesSettingsObject) {
  nlohmann::json doc = kpl_doc(nlohmann::json::object());
  doc["producers"][0]["sdk"] = {{"linger", "10ms"}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].sdk: key "sdk" does not apply to type "kpl"; it takes "name", "type", "instances", "start", "rate", "keys", "record_size", "kpl")");
  doc = minimal();
  doc["producers"][0]["kpl"] = {{"RateLimit", 100}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].kpl: key "kpl" does not apply to type "sdk"; it takes "name", "type", "instances", "start", "rate", "keys", "record_size", "sdk")");
  doc["producers"][0]["type"] = "kpll";  // only the type is reported
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].type: got "kpll", expected one of "sdk", "kpl", "agent"; did you mean "kpl"?)");
}

// ---- Kinesis Agent producers -----------------------------------------------------------------

nlohmann::json agent_doc(const nlohmann::json& agent) {
  nlohmann::json doc = minimal();
  doc["producers"][0]["type"] = "agent";
  doc["producers"][0]["agent"] = agent;
  return doc;
}

TEST(ScenarioAgent, LoadsAgentJsonNamesAndKinesimsOwnSettings) {
  nlohmann::json doc = agent_doc({{"maxBufferSizeRecords", 100},
                                  {"maxBufferSizeBytes", 1048576},
                                  {"maxBufferAgeMillis", 5000},
                                  {"partitionKeyOption", "DETERMINISTIC"},
                                  {"rotation_interval", "15m"},
                                  {"rotated_files_tracked", 0},
                                  {"checkpoint_interval", "10s"},
                                  {"initial_position", "START_OF_FILE"},
                                  {"backoff_min", "200ms"},
                                  {"backoff_max", "5s"},
                                  {"max_in_flight", 4}});
  doc["producers"][0]["keys"] = {{"dist", "zipf"}, {"count", 50}};
  const Scenario scenario_p = load_scenario(doc);
  const ProducerConfig& p = scenario_p.producers[0];
  EXPECT_EQ(p.type, ProducerConfig::Type::kAgent);
  EXPECT_EQ(p.agent.max_buffer_size_records, 100u);
  EXPECT_EQ(p.agent.max_buffer_size_bytes, core::kMiB);
  EXPECT_EQ(p.agent.max_buffer_age, Duration::seconds(5));
  EXPECT_EQ(p.agent.partition_key_option, AgentConfig::PartitionKeyOption::kDeterministic);
  EXPECT_EQ(p.agent.rotation_interval, Duration::minutes(15));
  EXPECT_EQ(p.agent.rotated_files_tracked, 0u);
  EXPECT_EQ(p.agent.checkpoint_interval, Duration::seconds(10));
  EXPECT_FALSE(p.agent.start_at_end_of_file);
  EXPECT_EQ(p.agent.backoff_min, Duration::millis(200));
  EXPECT_EQ(p.agent.backoff_max, Duration::seconds(5));
  EXPECT_EQ(p.agent.max_in_flight, 4u);
  EXPECT_EQ(p.keys.dist, KeysConfig::Dist::kZipf);
  EXPECT_EQ(p.keys.count, 50u);
}

TEST(ScenarioAgent, TakesTheAgentDefaultsAndDurationStringsForMillis) {
  const Scenario scenario_a = load_scenario(agent_doc(nlohmann::json::object()));
  const AgentConfig& a = scenario_a.producers[0].agent;
  EXPECT_EQ(a.max_buffer_size_records, 500u);
  EXPECT_EQ(a.max_buffer_size_bytes, 5 * core::kMiB);
  EXPECT_EQ(a.max_buffer_age, Duration::seconds(60));
  EXPECT_EQ(a.partition_key_option, AgentConfig::PartitionKeyOption::kRandom);
  EXPECT_EQ(a.rotation_interval, Duration::hours(1));
  EXPECT_EQ(a.rotated_files_tracked, 2u);
  EXPECT_EQ(a.checkpoint_interval, Duration::seconds(60));
  EXPECT_TRUE(a.start_at_end_of_file);
  EXPECT_EQ(a.backoff_min, Duration::millis(100));
  EXPECT_EQ(a.backoff_max, Duration::seconds(10));
  EXPECT_EQ(a.max_in_flight, 1u);
  EXPECT_EQ(
      load_scenario(agent_doc({{"maxBufferAgeMillis", "2m"}})).producers[0].agent.max_buffer_age,
      Duration::minutes(2));
}

TEST(ScenarioAgent, RejectsValuesOutsideTheAgentsBounds) {
  EXPECT_EQ(
      issues_of(agent_doc({{"maxBufferSizeRecords", 501},
                           {"maxBufferSizeBytes", "6MiB"},
                           {"maxBufferAgeMillis", 999},
                           {"partitionKeyOption", "RANDOMLY"},
                           {"initial_position", "BEGINNING"},
                           {"backoff_min", "20s"}})),
      (std::vector<std::string>{
          "$.producers[0].agent.maxBufferSizeRecords: got 501, expected an integer 1..500",
          R"($.producers[0].agent.maxBufferSizeBytes: got "6MiB", expected a size 1B..5MiB)",
          R"($.producers[0].agent.maxBufferAgeMillis: got 999, expected milliseconds 1000..900000 (an integer) or a duration like "60s")",
          R"($.producers[0].agent.partitionKeyOption: got "RANDOMLY", expected one of "RANDOM", "DETERMINISTIC"; did you mean "RANDOM"?)",
          R"($.producers[0].agent.backoff_min: got "20s", expected a duration <= backoff_max (10s))",
          R"($.producers[0].agent.initial_position: got "BEGINNING", expected one of "END_OF_FILE", "START_OF_FILE")"}));
  EXPECT_EQ(
      issue_of(agent_doc({{"max_buffer_age_millis", 1000}})),
      R"($.producers[0].agent.max_buffer_age_millis: unknown key "max_buffer_age_millis"; did you mean "maxBufferAgeMillis"?)");
}

TEST(ScenarioAgent, TakesKeysOnlyWithDeterministicPartitionKeys) {
  nlohmann::json doc = agent_doc(nlohmann::json::object());
  doc["producers"][0]["keys"] = {{"dist", "uniform"}, {"count", 10}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].keys: key "keys" does not apply to an agent with partitionKeyOption "RANDOM" (the default), which draws a random partition key per record; with "DETERMINISTIC" the keys stand for the distinct record data)");
  doc["producers"][0]["sdk"] = {{"linger", "1s"}};
  doc["producers"][0]["agent"]["partitionKeyOption"] = "DETERMINISTIC";
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].sdk: key "sdk" does not apply to type "agent"; it takes "name", "type", "instances", "start", "rate", "keys", "record_size", "agent")");
}

TEST(ScenarioAgent, LoadsTheTruncatedRecordTerminatorUpToTheRecordSizeLimit) {
  EXPECT_EQ(load_scenario(agent_doc(nlohmann::json::object()))
                .producers[0]
                .agent.truncated_record_terminator,
            "\n");
  EXPECT_EQ(load_scenario(agent_doc({{"truncatedRecordTerminator", "...\n"}}))
                .producers[0]
                .agent.truncated_record_terminator,
            "...\n");
  nlohmann::json doc = agent_doc({{"truncatedRecordTerminator", std::string(1024, '.')}});
  doc["stream"] = {{"max_record_size", "1KiB"}};
  EXPECT_EQ(issue_of(doc),
            "$.producers[0].agent.truncatedRecordTerminator: got \"" + std::string(60, '.') +
                "\", expected a string of fewer UTF-8 bytes than stream.max_record_size (1KiB)");
  EXPECT_EQ(
      issue_of(agent_doc({{"truncated_record_terminator", "\n"}})),
      R"($.producers[0].agent.truncated_record_terminator: unknown key "truncated_record_terminator"; did you mean "truncatedRecordTerminator"?)");
}

// An agent with two flows and no rate or record_size of its own.
nlohmann::json flows_doc(const nlohmann::json& flows) {
  nlohmann::json doc = agent_doc({{"rotation_interval", "15m"}, {"flows", flows}});
  doc["producers"][0].erase("rate");
  doc["producers"][0].erase("record_size");
  return doc;
}

TEST(ScenarioAgent, LoadsFlowsWithTheirOwnRatesSizesAndRotation) {
  const Scenario s = load_scenario(
      flows_doc({{{"filePattern", "/var/log/access.log*"},
                  {"rate", {{"profile", "constant"}, {"records_per_sec", 200}}},
                  {"record_size", "350B"},
                  {"rotation_interval", "10m"},
                  {"rotated_files_tracked", 5}},
                 {{"filePattern", "/var/log/app.log*"},
                  {"rate", {{"records_per_sec", 20}}},
                  {"record_size", {{"dist", "uniform"}, {"min", 100}, {"max", 200}}}}}));
  const AgentConfig& a = s.producers[0].agent;
  ASSERT_EQ(a.flows.size(), 2u);
  EXPECT_EQ(a.flows[0].file_pattern, "/var/log/access.log*");
  EXPECT_EQ(a.flows[0].rate.profile, RateConfig::Profile::kConstant);
  EXPECT_EQ(a.flows[0].rate.records_per_sec, 200);
  EXPECT_EQ(a.flows[0].record_size.value, 350);
  EXPECT_EQ(a.flows[0].rotation_interval, Duration::minutes(10));
  EXPECT_EQ(a.flows[0].rotated_files_tracked, 5u);
  // The agent's rotation settings are the flows' defaults.
  EXPECT_EQ(a.flows[1].rate.profile, RateConfig::Profile::kPoisson);
  EXPECT_EQ(a.flows[1].record_size.kind, Distribution::Kind::kUniform);
  EXPECT_EQ(a.flows[1].rotation_interval, Duration::minutes(15));
  EXPECT_EQ(a.flows[1].rotated_files_tracked, 2u);
}

TEST(ScenarioAgent, RejectsFlowsNextToTheProducersRateAndEveryFlowMistake) {
  nlohmann::json doc = flows_doc(
      {{{"filePattern", "a.log"}, {"rate", {{"records_per_sec", 0}}}, {"record_size", "1KiB"}},
       {{"filePattern", "a.log"}, {"rate", {{"records_per_sec", 5}}}},
       {{"rate", {{"records_per_sec", 5}}},
        {"record_size", "1KiB"},
        {"rotation_intervall", "1m"}}});
  doc["producers"][0]["rate"] = {{"records_per_sec", 10}};
  EXPECT_EQ(
      issues_of(doc),
      (std::vector<std::string>{
          R"($.producers[0].rate: key "rate" does not apply to an agent with agent.flows; each flow has its own rate and record_size)",
          "$.producers[0].agent.flows[0].rate.records_per_sec: got 0, expected a number > 0",
          R"($.producers[0].agent.flows[1].filePattern: got "a.log", expected a pattern no other flow of this agent has (patterns name the flows))",
          R"($.producers[0].agent.flows[1].record_size: missing, expected a size like "1KiB" or a size distribution {"dist": ...})",
          R"($.producers[0].agent.flows[2].rotation_intervall: unknown key "rotation_intervall"; did you mean "rotation_interval"?)",
          R"($.producers[0].agent.flows[2].filePattern: missing, expected a non-empty file pattern such as "/var/log/app/*.log")"}));
  EXPECT_EQ(issue_of(flows_doc(nlohmann::json::array())),
            "$.producers[0].agent.flows: got [...], expected at least one flow");
  EXPECT_EQ(issue_of(agent_doc({{"flows", {{"filePattern", "a.log"}}}})),
            R"($.producers[0].agent.flows: got {...}, expected an array)");
}

TEST(ScenarioAgent, FlowsOverrideTheAgentsPerFlowSettingsEachDefaultingToTheAgents) {
  nlohmann::json doc = flows_doc(
      {{{"filePattern", "a.log"},
        {"rate", {{"records_per_sec", 5}}},
        {"record_size", "1KiB"},
        {"maxBufferSizeRecords", 50},
        {"maxBufferSizeBytes", "64KiB"},
        {"maxBufferAgeMillis", "5s"},
        {"partitionKeyOption", "DETERMINISTIC"},
        {"backoff_min", "1s"},
        {"truncatedRecordTerminator", "..."}},
       {{"filePattern", "b.log"}, {"rate", {{"records_per_sec", 5}}}, {"record_size", "1KiB"}}});
  doc["producers"][0]["agent"]["maxBufferAgeMillis"] = 2000;
  doc["producers"][0]["agent"]["backoff_max"] = "20s";
  doc["producers"][0]["keys"] = {{"dist", "uniform"}, {"count", 10}};
  const Scenario scenario_s = load_scenario(doc);
  const AgentConfig& a = scenario_s.producers[0].agent;
  ASSERT_TRUE(a.flows[0].settings.has_value());
  const AgentFlowSettings& f0 = *a.flows[0].settings;
  EXPECT_EQ(f0.max_buffer_size_records, 50u);
  EXPECT_EQ(f0.max_buffer_size_bytes, 64 * core::kKiB);
  EXPECT_EQ(f0.max_buffer_age, Duration::seconds(5));
  EXPECT_EQ(f0.partition_key_option, AgentConfig::PartitionKeyOption::kDeterministic);
  EXPECT_EQ(f0.backoff_min, Duration::seconds(1));
  EXPECT_EQ(f0.backoff_max, Duration::seconds(20)) << "the agent's";
  EXPECT_EQ(f0.truncated_record_terminator, "...");
  ASSERT_TRUE(a.flows[1].settings.has_value());
  const AgentFlowSettings& f1 = *a.flows[1].settings;
  EXPECT_EQ(f1.max_buffer_size_records, 500u);
  EXPECT_EQ(f1.max_buffer_age, Duration::seconds(2)) << "the agent's";
  EXPECT_EQ(f1.partition_key_option, AgentConfig::PartitionKeyOption::kRandom);
  EXPECT_EQ(f1.backoff_min, Duration::millis(100));
  EXPECT_EQ(f1.truncated_record_terminator, "\n");
}

TEST(ScenarioAgent, RejectsAFlowsSettingsOutsideTheAgentsBoundsWithItsPath) {
  nlohmann::json doc = flows_doc({{{"filePattern", "a.log"},
                                   {"rate", {{"records_per_sec", 5}}},
                                   {"record_size", "1KiB"},
                                   {"maxBufferSizeRecords", 501},
                                   {"partitionKeyOption", "HASH"},
                                   {"backoff_min", "30s"}}});
  doc["producers"][0]["agent"]["backoff_max"] = "20s";
  doc["producers"][0]["keys"] = {{"dist", "uniform"}};
  EXPECT_EQ(
      issues_of(doc),
      (std::vector<std::string>{
          "$.producers[0].agent.flows[0].maxBufferSizeRecords: got 501, expected an integer 1..500",
          R"($.producers[0].agent.flows[0].partitionKeyOption: got "HASH", expected one of "RANDOM", "DETERMINISTIC")",
          R"($.producers[0].agent.flows[0].backoff_min: got "30s", expected a duration <= backoff_max (20s))"}));
  // keys apply when one flow is DETERMINISTIC, not when every flow is RANDOM.
  doc = flows_doc({{{"filePattern", "a.log"},
                    {"rate", {{"records_per_sec", 5}}},
                    {"record_size", "1KiB"},
                    {"partitionKeyOption", "RANDOM"}}});
  doc["producers"][0]["agent"]["partitionKeyOption"] = "DETERMINISTIC";
  doc["producers"][0]["keys"] = {{"dist", "uniform"}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.producers[0].keys: key "keys" does not apply to an agent with partitionKeyOption "RANDOM" (the default), which draws a random partition key per record; with "DETERMINISTIC" the keys stand for the distinct record data)");
}

TEST_F(ScenarioTraceFile, TakesTraceFlowsButNotMixedWithGeneratedOnesForDeterministicKeys) {
  write("t.csv", "timestamp,partition_key,size\n0,user-1,100\n");
  const nlohmann::json trace_flow = {{"filePattern", "t.log"},
                                     {"rate", {{"profile", "trace"}, {"file", "t.csv"}}}};
  const nlohmann::json rate_flow = {
      {"filePattern", "r.log"}, {"rate", {{"records_per_sec", 5}}}, {"record_size", "1KiB"}};
  nlohmann::json doc = flows_doc({trace_flow, rate_flow});
  const Scenario s = load_scenario(doc, dir_.string());
  EXPECT_EQ(s.producers[0].agent.flows[0].rate.trace_path, "t.csv");

  doc["producers"][0]["agent"]["partitionKeyOption"] = "DETERMINISTIC";
  EXPECT_EQ(
      issue_of(doc, dir_.string()),
      R"($.producers[0].agent.flows: got [...], expected flows that all replay traces or none does: with partitionKeyOption "DETERMINISTIC" the trace keys and the generated keys cannot share one key space)");

  doc = flows_doc(nlohmann::json::array({trace_flow}));
  doc["producers"][0]["agent"]["flows"][0]["record_size"] = "1KiB";
  doc["producers"][0]["agent"]["partitionKeyOption"] = "DETERMINISTIC";
  doc["producers"][0]["keys"] = {{"dist", "uniform"}};
  EXPECT_EQ(
      issues_of(doc, dir_.string()),
      (std::vector<std::string>{
          R"($.producers[0].agent.flows[0].record_size: key "record_size" does not apply with rate.profile "trace"; the trace file gives each line's size)",
          R"($.producers[0].keys: key "keys" does not apply to an agent whose flows replay traces; the trace files give each line's partition key)"}));
}

TEST_F(ScenarioTraceFile, TakesATraceForAnAgent) {
  write("t.csv", "timestamp,partition_key,size\n0,user-1,100\n");
  nlohmann::json doc = trace_doc("t.csv");
  doc["producers"][0]["type"] = "agent";
  doc["producers"][0]["agent"] = {{"partitionKeyOption", "DETERMINISTIC"}};
  const Scenario s = load_scenario(doc, dir_.string());
  EXPECT_EQ(s.producers[0].type, ProducerConfig::Type::kAgent);
  EXPECT_EQ(s.producers[0].rate.profile, RateConfig::Profile::kTrace);
  EXPECT_TRUE(s.producers[0].agent.flows.empty());
}

// ---- capacity: on-demand and the autoscaler --------------------------------------------------

TEST(ScenarioOnDemand, LoadsEveryOnDemandSetting) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"mode", "ON_DEMAND_ADVANTAGE"},
                   {"on_demand",
                    {{"previous_peak_bytes_per_sec", "20MiB"},
                     {"previous_peak_records_per_sec", 20000},
                     {"peak_multiplier", 1.5},
                     {"surge_window", "10m"},
                     {"shard_split_trigger_bytes_per_sec", "800KB"},
                     {"shard_split_delay", "5m"},
                     {"stream_write_ceiling_bytes_per_sec", "200MiB"},
                     {"scale_down_after", "12h"},
                     {"warm_throughput_bytes_per_sec", "100MiB"}}}};
  const Scenario scenario_od = load_scenario(doc);
  const OnDemandConfig& od = scenario_od.stream.on_demand;
  EXPECT_EQ(od.previous_peak_bytes_per_sec, 20 * core::kMiB);
  EXPECT_EQ(od.previous_peak_records_per_sec, 20'000u);
  EXPECT_DOUBLE_EQ(od.peak_multiplier, 1.5);
  EXPECT_EQ(od.surge_window, Duration::minutes(10));
  EXPECT_EQ(od.shard_split_trigger_bytes_per_sec, 800'000u);
  EXPECT_EQ(od.shard_split_delay, Duration::minutes(5));
  EXPECT_EQ(od.stream_write_ceiling_bytes_per_sec, 200 * core::kMiB);
  EXPECT_EQ(od.scale_down_after, Duration::hours(12));
  EXPECT_EQ(od.warm_throughput_bytes_per_sec, 100 * core::kMiB);
}

TEST(ScenarioOnDemand, TakesTheSpecDefaults) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"mode", "ON_DEMAND"}, {"on_demand", nlohmann::json::object()}};
  const Scenario scenario_od = load_scenario(doc);
  const OnDemandConfig& od = scenario_od.stream.on_demand;
  // A new stream starts at 4 MiB/s and 4,000 records/s: twice a previous peak of half that.
  EXPECT_EQ(od.previous_peak_bytes_per_sec, 2 * core::kMiB);
  EXPECT_EQ(od.previous_peak_records_per_sec, 2'000u);
  EXPECT_DOUBLE_EQ(od.peak_multiplier, 2);
  EXPECT_EQ(od.surge_window, Duration::minutes(15));
  EXPECT_EQ(od.shard_split_trigger_bytes_per_sec, 500'000u);
  EXPECT_EQ(od.shard_split_delay, Duration::minutes(15));
  EXPECT_EQ(od.stream_write_ceiling_bytes_per_sec, 10 * core::kGiB);
  EXPECT_EQ(od.scale_down_after, Duration::hours(24));
  EXPECT_EQ(od.warm_throughput_bytes_per_sec, 0u);
}

TEST(ScenarioOnDemand, AppliesOnlyToModesTheStreamHas) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"on_demand", {{"peak_multiplier", 2}}}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.stream.on_demand: key "on_demand" does not apply to mode "PROVISIONED": it configures ON_DEMAND and ON_DEMAND_ADVANTAGE streams, and no switch_mode action makes this one on-demand)");
  doc["timeline"] = {{{"at", "10m"}, {"action", "switch_mode"}, {"mode", "ON_DEMAND"}}};
  EXPECT_DOUBLE_EQ(load_scenario(doc).stream.on_demand.peak_multiplier, 2);
  doc["stream"]["on_demand"]["warm_throughput_bytes_per_sec"] = "1GiB";
  EXPECT_EQ(
      issue_of(doc),
      R"($.stream.on_demand.warm_throughput_bytes_per_sec: key "warm_throughput_bytes_per_sec" does not apply to mode "PROVISIONED": warm throughput is an ON_DEMAND_ADVANTAGE setting, and no switch_mode action makes this stream ON_DEMAND_ADVANTAGE)");
  doc["timeline"][0]["mode"] = "ON_DEMAND_ADVANTAGE";
  EXPECT_EQ(load_scenario(doc).stream.on_demand.warm_throughput_bytes_per_sec, core::kGiB);
}

TEST(ScenarioOnDemand, ChecksPeaksAgainstTheCeilingAndTheTriggerAgainstAShard) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"mode", "ON_DEMAND_ADVANTAGE"},
                   {"on_demand",
                    {{"stream_write_ceiling_bytes_per_sec", "200MiB"},
                     {"previous_peak_bytes_per_sec", "300MiB"},
                     {"shard_split_trigger_bytes_per_sec", "2MiB"},
                     {"warm_throughput_bytes_per_sec", "11GiB"},
                     {"peak_multiplier", 0.5},
                     {"surge_window", "0s"}}}};
  EXPECT_EQ(
      issues_of(doc),
      (std::vector<std::string>{
          R"($.stream.on_demand.previous_peak_bytes_per_sec: got "300MiB", expected a size <= stream_write_ceiling_bytes_per_sec (200MiB): the stream never serves more)",
          "$.stream.on_demand.peak_multiplier: got 0.5, expected a number in [1, 100]",
          R"($.stream.on_demand.surge_window: got "0s", expected a duration > 0)",
          R"($.stream.on_demand.shard_split_trigger_bytes_per_sec: got "2MiB", expected a size <= shard_write_bytes_per_sec (1MiB): a shard never takes more)",
          R"($.stream.on_demand.warm_throughput_bytes_per_sec: got "11GiB", expected a size 0B..10GiB)"}));
}

TEST(ScenarioOnDemand, TheDefaultPeakUnderALowerCeilingIsTheCeiling) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"mode", "ON_DEMAND"},
                   {"on_demand", {{"stream_write_ceiling_bytes_per_sec", "1MiB"}}}};
  EXPECT_EQ(load_scenario(doc).stream.on_demand.previous_peak_bytes_per_sec, core::kMiB);
}

TEST(ScenarioAutoscaler, LoadsEveryPolicySettingAndIsOnOnceWritten) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"shards", 4},
                   {"autoscaler",
                    {{"scale_up_threshold_pct", 80},
                     {"scale_up_after", "3m"},
                     {"scale_up_pct", 50},
                     {"scale_down_threshold_pct", 20.5},
                     {"scale_down_after", "1h"},
                     {"scale_down_pct", 25},
                     {"min_shards", 2},
                     {"max_shards", 16},
                     {"cooldown", "10m"}}}};
  const Scenario scenario_as = load_scenario(doc);
  const AutoscalerConfig& as = scenario_as.stream.autoscaler;
  EXPECT_TRUE(as.enabled);
  EXPECT_DOUBLE_EQ(as.scale_up_threshold_pct, 80);
  EXPECT_EQ(as.scale_up_after, Duration::minutes(3));
  EXPECT_DOUBLE_EQ(as.scale_up_pct, 50);
  EXPECT_DOUBLE_EQ(as.scale_down_threshold_pct, 20.5);
  EXPECT_EQ(as.scale_down_after, Duration::hours(1));
  EXPECT_DOUBLE_EQ(as.scale_down_pct, 25);
  EXPECT_EQ(as.min_shards, 2u);
  EXPECT_EQ(as.max_shards, 16u);
  EXPECT_EQ(as.cooldown, Duration::minutes(10));
  EXPECT_FALSE(load_scenario(minimal()).stream.autoscaler.enabled);
  doc["stream"]["autoscaler"] = {{"enabled", false}};
  EXPECT_FALSE(load_scenario(doc).stream.autoscaler.enabled);
}

TEST(ScenarioAutoscaler, TakesTheDocumentedDefaults) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"autoscaler", nlohmann::json::object()}};
  const Scenario scenario_as = load_scenario(doc);
  const AutoscalerConfig& as = scenario_as.stream.autoscaler;
  EXPECT_TRUE(as.enabled);
  EXPECT_DOUBLE_EQ(as.scale_up_threshold_pct, 75);
  EXPECT_EQ(as.scale_up_after, Duration::minutes(5));
  EXPECT_DOUBLE_EQ(as.scale_up_pct, 100);
  EXPECT_DOUBLE_EQ(as.scale_down_threshold_pct, 25);
  EXPECT_EQ(as.scale_down_after, Duration::minutes(30));
  EXPECT_DOUBLE_EQ(as.scale_down_pct, 50);
  EXPECT_EQ(as.min_shards, 1u);
  EXPECT_EQ(as.max_shards, 10'000u);
  EXPECT_EQ(as.cooldown, Duration::minutes(5));
}

TEST(ScenarioAutoscaler, ChecksThresholdsShardBoundsAndMinutes) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"shards", 4},
                   {"autoscaler",
                    {{"scale_up_threshold_pct", 50},
                     {"scale_down_threshold_pct", 60},
                     {"scale_up_after", "90s"},
                     {"scale_up_pct", 1500},
                     {"scale_down_pct", 100},
                     {"min_shards", 8},
                     {"max_shards", 6}}}};
  EXPECT_EQ(
      issues_of(doc),
      (std::vector<std::string>{
          R"($.stream.autoscaler.scale_up_after: got "90s", expected a whole number of minutes >= 1m, like "5m")",
          "$.stream.autoscaler.scale_up_pct: got 1500, expected a percentage in (0, 1000]",
          "$.stream.autoscaler.scale_down_threshold_pct: got 60, expected a percentage < "
          "scale_up_threshold_pct (50)",
          "$.stream.autoscaler.scale_down_pct: got 100, expected a percentage in (0, 100)",
          "$.stream.autoscaler.max_shards: got 6, expected an integer >= min_shards (8)"}));
  doc["stream"]["autoscaler"] = {{"min_shards", 8}, {"max_shards", 16}};
  EXPECT_EQ(issue_of(doc),
            "$.stream.autoscaler: min_shards..max_shards is 8..16, expected a range that includes "
            "the stream's initial 4 shards (stream.shards)");
  doc["stream"]["autoscaler"] = {{"scale_up_threshold_pct", 20}};  // below the default 25
  EXPECT_EQ(issue_of(doc),
            "$.stream.autoscaler.scale_up_threshold_pct: got 20, expected a percentage > "
            "scale_down_threshold_pct (25)");
}

TEST(ScenarioAutoscaler, AppliesOnlyToProvisionedStreamsWithoutReshardingActions) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"mode", "ON_DEMAND"}, {"autoscaler", {{"max_shards", 8}}}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.stream.autoscaler: key "autoscaler" does not apply to mode "ON_DEMAND": it resizes PROVISIONED streams, and no switch_mode action makes this one PROVISIONED)");
  doc["timeline"] = {{{"at", "30m"}, {"action", "switch_mode"}, {"mode", "PROVISIONED"}}};
  EXPECT_EQ(load_scenario(doc).stream.autoscaler.max_shards, 8u);
  doc["timeline"].push_back({{"at", "40m"}, {"action", "update_shard_count"}, {"target", 4}});
  EXPECT_EQ(issue_of(doc),
            "$.timeline[1]: the update_shard_count at 40m cannot be combined with "
            "stream.autoscaler, which changes the shards at times known only during a run");
}

// ---- timeline: mode switches and Agent restarts ----------------------------------------------

TEST(ScenarioTimeline, LoadsModeSwitchesAndAgentRestarts) {
  nlohmann::json doc = minimal();
  doc["producers"].push_back({{"name", "logs"},
                              {"type", "agent"},
                              {"rate", {{"records_per_sec", 5}}},
                              {"record_size", 200}});
  doc["stream"] = {{"mode", "ON_DEMAND"}};
  doc["timeline"] = {
      {{"at", "40m"}, {"action", "agent_restart"}, {"producer", "logs"}},
      {{"at", "20m"}, {"action", "switch_mode"}, {"mode", "PROVISIONED"}, {"shards", 6}},
      {{"at", "30m"}, {"action", "update_shard_count"}, {"target", 12}},
      {{"at", "50m"}, {"action", "agent_restart"}, {"producer", "logs"}, {"downtime", "2m"}}};
  const Scenario s = load_scenario(doc);
  ASSERT_EQ(s.timeline.size(), 4u);
  EXPECT_EQ(s.timeline[0].kind, TimelineAction::Kind::kSwitchMode);
  EXPECT_EQ(s.timeline[0].mode, CapacityMode::kProvisioned);
  EXPECT_EQ(s.timeline[0].target, 6u);
  EXPECT_EQ(s.timeline[1].kind, TimelineAction::Kind::kUpdateShardCount);
  EXPECT_EQ(s.timeline[2].kind, TimelineAction::Kind::kAgentRestart);
  EXPECT_EQ(s.timeline[2].producer, "logs");
  EXPECT_EQ(s.timeline[2].downtime, Duration::seconds(30));  // the default
  EXPECT_EQ(s.timeline[3].downtime, Duration::minutes(2));
  doc["timeline"][1].erase("shards");  // the count on-demand reached is unknown: not checked
  EXPECT_EQ(load_scenario(doc).timeline[0].target, 0u);
}

TEST(ScenarioTimeline, ReshardsOnlyWhileProvisionedAsSwitchesLeaveTheMode) {
  nlohmann::json doc = minimal();
  doc["stream"] = {{"shards", 2}};
  doc["timeline"] = {{{"at", "10m"}, {"action", "switch_mode"}, {"mode", "ON_DEMAND"}},
                     {{"at", "5m"}, {"action", "update_shard_count"}, {"target", 4}},
                     {{"at", "20m"}, {"action", "update_shard_count"}, {"target", 8}}};
  EXPECT_EQ(issue_of(doc),
            "$.timeline[2]: the update_shard_count at 20m applies to PROVISIONED streams only; "
            "the stream is ON_DEMAND by then");
  // Back to provisioned with 3 shards: 8 is more than twice that.
  doc["timeline"].push_back(
      {{"at", "15m"}, {"action", "switch_mode"}, {"mode", "PROVISIONED"}, {"shards", 3}});
  EXPECT_TRUE(issue_of(doc).starts_with(
      "$.timeline[2]: the update_shard_count at 20m cannot apply to the shards as they are by "
      "then: "));
  doc["timeline"][2] = {{"at", "20m"}, {"action", "split"}, {"shard", "shardId-000000000000"}};
  EXPECT_EQ(issue_of(doc),
            "$.timeline[2]: the split at 20m names a shard, but after an on-demand period the "
            "shard ids are known only during a run; use update_shard_count");
}

TEST(ScenarioTimeline, RejectsASwitchToTheCurrentModeAndLeavesAThirdIn24HoursToTheRun) {
  nlohmann::json doc = minimal();
  doc["duration"] = "2d";
  doc["timeline"] = {{{"at", "1h"}, {"action", "switch_mode"}, {"mode", "PROVISIONED"}}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.timeline[0].mode: got "PROVISIONED", expected a mode other than the stream's at 1h (PROVISIONED))");
  // The third switch within 24 hours fails at run time (LimitExceededException), so the stream
  // is still ON_DEMAND at 4h and the update_shard_count there is the scenario's mistake.
  doc["stream"] = {{"mode", "ON_DEMAND"}};
  doc["timeline"] = {{{"at", "1h"}, {"action", "switch_mode"}, {"mode", "PROVISIONED"}},
                     {{"at", "2h"}, {"action", "switch_mode"}, {"mode", "ON_DEMAND"}},
                     {{"at", "3h"}, {"action", "switch_mode"}, {"mode", "PROVISIONED"}},
                     {{"at", "4h"}, {"action", "update_shard_count"}, {"target", 2}}};
  EXPECT_EQ(issue_of(doc),
            "$.timeline[3]: the update_shard_count at 4h applies to PROVISIONED streams only; the "
            "stream is ON_DEMAND by then");
  doc["timeline"][2]["at"] = "25h";  // the 1h switch has left the 24 hours
  doc["timeline"][2]["shards"] = 2;
  doc["timeline"][3]["at"] = "26h";
  EXPECT_EQ(load_scenario(doc).timeline.size(), 4u);
}

TEST(ScenarioTimeline, ChecksSwitchShardsAndAgentRestartsAgainstTheProducers) {
  nlohmann::json doc = minimal();
  doc["timeline"] = {
      {{"at", "1m"}, {"action", "switch_mode"}, {"mode", "ON_DEMAND"}, {"shards", 4}}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.timeline[0].shards: key "shards" applies to a switch to "PROVISIONED" only; an on-demand stream sizes itself)");
  doc["timeline"] = {{{"at", "1m"}, {"action", "agent_restart"}, {"producer", "web"}}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.timeline[0].producer: got "web", expected the name of an agent producer ("web" has type "sdk"; agents: none))");
  doc["producers"].push_back({{"name", "logs"},
                              {"type", "agent"},
                              {"rate", {{"records_per_sec", 5}}},
                              {"record_size", 200}});
  doc["timeline"][0]["producer"] = "log";
  EXPECT_EQ(
      issue_of(doc),
      R"($.timeline[0].producer: got "log", expected the name of an agent producer (no producer has that name; agents: "logs"))");
  doc["timeline"] = {
      {{"at", "10m"}, {"action", "agent_restart"}, {"producer", "logs"}, {"downtime", "5m"}},
      {{"at", "12m"}, {"action", "agent_restart"}, {"producer", "logs"}, {"target", 1}}};
  EXPECT_EQ(
      issue_of(doc),
      R"($.timeline[1].target: key "target" does not apply to action "agent_restart"; it takes "at", "action", "producer", "downtime")");
  doc["timeline"][1].erase("target");
  EXPECT_EQ(
      issue_of(doc),
      R"($.timeline[1].at: got "12m", expected a time at or after 15m, when the previous restart of "logs" is over)");
}

// ---- did-you-mean ----------------------------------------------------------------------------

TEST(ScenarioDidYouMean, FindsTyposTranspositionsAndPrefixes) {
  using scenario_json::did_you_mean;
  constexpr std::string_view kAllowed[] = {"shards", "retention_hours", "max_record_size"};
  EXPECT_EQ(did_you_mean("shard", kAllowed), "shards");
  EXPECT_EQ(did_you_mean("sharsd", kAllowed), "shards");
  EXPECT_EQ(did_you_mean("retention", kAllowed), "retention_hours");
  EXPECT_EQ(did_you_mean("max_record_size_bytes", kAllowed), "max_record_size");
  EXPECT_FALSE(did_you_mean("colour", kAllowed).has_value());
  EXPECT_FALSE(did_you_mean("xy", std::array<std::string_view, 1>{"ab"}).has_value());
  EXPECT_EQ(scenario_json::edit_distance("ab", "ba"), 1u);
  EXPECT_EQ(scenario_json::edit_distance("kitten", "sitting"), 3u);
}

// ---- the shipped schema stays in sync with the loader ----------------------------------------

// A schema node with "properties" or "items" that `node` stands for, following $ref and the
// branches of allOf/anyOf/oneOf (a distribution is "a size, or an object").
const nlohmann::json* resolve(const nlohmann::json& schema, const nlohmann::json* node,
                              int depth = 0) {
  if (node == nullptr || depth > 16 || !node->is_object()) return nullptr;
  if (node->contains("$ref")) {
    const std::string ref = (*node)["$ref"].get<std::string>();  // "#/$defs/name"
    const std::string name = ref.substr(ref.rfind('/') + 1);
    if (!schema.contains("$defs") || !schema["$defs"].contains(name)) return nullptr;
    return resolve(schema, &schema["$defs"][name], depth + 1);
  }
  if (node->contains("properties") || node->contains("items")) return node;
  for (const char* combinator : {"allOf", "anyOf", "oneOf"}) {
    if (!node->contains(combinator)) continue;
    for (const auto& branch : (*node)[combinator]) {
      if (const nlohmann::json* found = resolve(schema, &branch, depth + 1)) return found;
    }
  }
  return nullptr;
}

// The schema node describing the objects at `pattern`, e.g. "$.producers[].rate".
const nlohmann::json* schema_node(const nlohmann::json& schema, std::string_view pattern) {
  const nlohmann::json* node = resolve(schema, &schema);
  std::string_view rest = pattern.substr(1);  // drop "$"
  while (!rest.empty() && node != nullptr) {
    if (rest.starts_with("[]")) {
      node = node->contains("items") ? resolve(schema, &(*node)["items"]) : nullptr;
      rest.remove_prefix(2);
      continue;
    }
    rest.remove_prefix(1);  // "."
    const std::size_t end = std::min(rest.find('.'), rest.find('['));
    const std::string key(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    if (!node->contains("properties") || !(*node)["properties"].contains(key)) return nullptr;
    node = resolve(schema, &(*node)["properties"][key]);
  }
  return node;
}

TEST(ScenarioSchema, ListsExactlyTheKeysTheLoaderAcceptsAtEveryLevel) {
  std::ifstream in(std::string(KINESIM_SOURCE_DIR) + "/docs/scenario.schema.json");
  ASSERT_TRUE(in.is_open());
  const nlohmann::json schema = nlohmann::json::parse(in);
  EXPECT_EQ(schema.value("$schema", ""), "https://json-schema.org/draft/2020-12/schema");
  for (const AllowedKeys& level : scenario_allowed_keys()) {
    SCOPED_TRACE(std::string(level.path));
    const nlohmann::json* node = schema_node(schema, level.path);
    ASSERT_NE(node, nullptr);
    ASSERT_TRUE(node->contains("properties"));
    EXPECT_EQ(node->value("additionalProperties", true), false);
    std::set<std::string> in_schema;
    for (const auto& item : (*node)["properties"].items()) {
      in_schema.insert(item.key());
      EXPECT_TRUE(item.value().contains("description")) << item.key();
    }
    const std::set<std::string> in_loader(level.keys.begin(), level.keys.end());
    EXPECT_EQ(in_schema, in_loader);
  }
}

TEST(ScenarioLoader, LoadsEveryJsonExampleOfTheFormatsGuide) {
  std::ifstream in(std::string(KINESIM_SOURCE_DIR) + "/docs/scenarios.md");
  ASSERT_TRUE(in.is_open());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int count = 0;
  for (std::size_t at = text.find("```json\n"); at != std::string::npos;
       at = text.find("```json\n", at)) {
    at += 8;
    const std::size_t end = text.find("```", at);
    ASSERT_NE(end, std::string::npos);
    SCOPED_TRACE(text.substr(at, 60));
    EXPECT_NO_THROW(load_scenario_text(std::string_view(text).substr(at, end - at)));
    ++count;
  }
  EXPECT_GE(count, 2);
}

TEST(ScenarioLoader, LoadsEveryShippedFuzzSeedScenario) {
  const std::filesystem::path dir =
      std::filesystem::path(KINESIM_SOURCE_DIR) / "tests/fuzz/corpus_scenario";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    // Only the shipped seeds: a fuzzing run may add its own findings to the directory.
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(load_scenario_file(entry.path().string()));
    ++count;
  }
  EXPECT_GE(count, 3);
}

}  // namespace
}  // namespace kinesim::models

namespace kinesim::models {
namespace {

TEST(ScenarioLoader, TakesUpTo100000InstancesAndAFidelity) {
  nlohmann::json doc = nlohmann::json::parse(R"({"name": "fleet", "duration": "1m",
      "producers": [{"name": "devices", "instances": 100000,
                     "rate": {"profile": "poisson", "records_per_sec": 100},
                     "record_size": {"dist": "fixed", "bytes": 100}}]})");
  EXPECT_EQ(load_scenario(doc).producers[0].instances, 100'000u);
  EXPECT_EQ(load_scenario(doc).fidelity, Fidelity::kExact);
  doc["fidelity"] = "fast";
  EXPECT_EQ(load_scenario(doc).fidelity, Fidelity::kFast);
  doc["fidelity"] = "quick";
  doc["producers"][0]["instances"] = 100'001;
  const std::vector<std::string> lines = testing::issues_of(doc);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("$.fidelity"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("$.producers[0].instances"), std::string::npos) << lines[1];
  // The shipped schema says the same.
  std::ifstream in(std::string(KINESIM_SOURCE_DIR) + "/docs/scenario.schema.json");
  ASSERT_TRUE(in.is_open());
  const nlohmann::json schema = nlohmann::json::parse(in);
  const nlohmann::json* producer = schema_node(schema, "$.producers[]");
  ASSERT_NE(producer, nullptr);
  EXPECT_EQ((*producer)["properties"]["instances"]["maximum"], 100'000);
}

}  // namespace
}  // namespace kinesim::models
