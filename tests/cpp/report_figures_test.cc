// The figures a run prints, checked on simulated runs against hand computation: every stream
// count in one named unit (entries, i.e. Kinesis records, beside user records where a KPL
// aggregates), rates per second of the time a bucket actually covered, and metric series that
// end where the run ends.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "models/cost/cost.h"
#include "models/report/report.h"
#include "models/report/report_stats.h"
#include "models/report/sizing.h"
#include "models/scenario/loader.h"
#include "models/world/world.h"

namespace kinesim::models {
namespace {

using Json = nlohmann::ordered_json;

Result run_text(const std::string& json) { return run_scenario(load_scenario_text(json)); }

// One producer of `type` at a constant `rps` records/s of 100 B on `shards` shards.
std::string scenario(const std::string& type, double rps, uint32_t shards,
                     const std::string& duration, const std::string& extra = "") {
  return R"({"name": "figures", "duration": ")" + duration + R"(", "seed": 3,
    "stream": {"name": "s", "shards": )" +
         std::to_string(shards) + R"(},
    "producers": [{"name": "p", "type": ")" +
         type + R"(", "rate": {"profile": "constant", "records_per_sec": )" + std::to_string(rps) +
         R"(},
      "keys": {"dist": "uniform", "count": 1000},
      "record_size": {"dist": "fixed", "bytes": 100}}])" +
         extra + "}";
}

std::string line_starting(const std::string& text, const std::string& prefix) {
  const std::size_t at = text.find("\n" + prefix);
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

TEST(ReportFigures, AKplStreamCountsThrottlingInEntriesAsItsShardDoes) {
  // The issue's case: a 1-shard KPL at 20,000 records/s of 100 B aggregates ~450 user records
  // into each Kinesis record; the shard throttles about a third of its entries. The stream has
  // only that shard, so its throttled fraction must be the shard's, in the same unit.
  const Result r = run_text(scenario("kpl", 20000, 1, "2m"));
  const Json j = summary_json(r);
  const ShardTotals& shard = r.shards.at(0).totals;
  const uint64_t entries =
      shard.accepted_records + shard.throttled_records + shard.internal_failures;
  EXPECT_EQ(j["stream"]["offered_entries"], entries);
  EXPECT_EQ(j["stream"]["throttled_entries"], shard.throttled_records);
  EXPECT_EQ(j["stream"]["throttled_fraction"], j["shards"][0]["throttled_fraction"]);
  EXPECT_GT(j["stream"]["throttled_fraction"].get<double>(), 0.2);
  // The user-record view beside it: user records accepted and the attempts throttled.
  const ProducerCounts& c = r.producers.at(0).counts;
  EXPECT_EQ(j["stream"]["user_records"]["accepted"], c.accepted);
  EXPECT_EQ(j["stream"]["user_records"]["throttled"], c.throttled_user_records);
  EXPECT_GT(c.throttled_user_records, 100 * shard.throttled_records) << "aggregates hold many";
  const std::string text = human_summary(r);
  EXPECT_NE(line_starting(text, "throttling: ")
                .find("of " + with_thousands(entries) + " entries (Kinesis records)"),
            std::string::npos)
      << text;
  EXPECT_NE(line_starting(text, "throttling: ").find("user records: "), std::string::npos);
}

TEST(ReportFigures, SizingCountsTheKinesisRecordsAShardsLimitSees) {
  // 20,000 user records/s of 100 B with keys key-0 .. key-999 (6.89 B on average), ~450 to a
  // Kinesis record: about 45 Kinesis records/s and 20,000 x 106.89 B = 2.04 MiB/s; the formula
  // needs 3 shards for the bytes, not 20 for the user records.
  const Result r = run_text(scenario("kpl", 20000, 2, "2m"));
  const SizingReport s = size(r);
  EXPECT_NEAR(s.mean.user_records_per_sec, 20000, 200);
  EXPECT_LT(s.mean.records_per_sec, 100);
  EXPECT_LT(s.peak.records_per_sec, 100);
  EXPECT_EQ(s.mean.shards, 3u);
  EXPECT_EQ(s.peak.shards, 3u);
  EXPECT_NE(s.comparison.find("Kinesis records"), std::string::npos) << s.comparison;
}

TEST(ReportFigures, AThirtySecondRunPeaksAtItsRateNotHalfOfIt) {
  // 900 records/s for 30 s fill half of one 60 s bucket: 27,000 records in 30 s is 900/s.
  const Result r = run_text(scenario("sdk", 900, 1, "30s"));
  const ShardLoad l = shard_loads(r).at(0);
  EXPECT_NEAR(r.shards.at(0).peak_records_per_sec, 900, 9);
  EXPECT_GE(r.shards.at(0).peak_records_per_sec, l.mean_records_per_sec);
  EXPECT_NEAR(r.producers.at(0).offered_peak_records_per_sec, 900, 9);
  const SizingReport s = size(r);
  EXPECT_NEAR(s.peak.records_per_sec, 900, 9);
  EXPECT_EQ(s.peak.shards, s.mean.shards);
  // 898 records/s in the busiest bucket (arrivals start 1/900 s in), not 449.
  EXPECT_EQ(headline(r), "no throttling: the busiest shard peaked at 89.8 % of its write limit");
}

TEST(ReportFigures, AOneSecondRunSizesTheSameOnThePeakAndTheMean) {
  const Result r = run_text(scenario("sdk", 50000, 4, "1s"));
  const SizingReport s = size(r);
  EXPECT_NEAR(s.peak.records_per_sec, s.mean.records_per_sec, 1);
  EXPECT_EQ(s.peak.shards, s.mean.shards);
}

TEST(ReportFigures, AChildShardPeaksOverTheSecondsItWasOpen) {
  // A split at 45 s lands at 75 s: the children take the keys for 45 s of the [60, 120) bucket.
  const Result r = run_text(scenario(
      "sdk", 600, 1, "2m",
      R"(, "timeline": [{"at": "45s", "action": "split", "shard": "shardId-000000000000"}])"));
  for (const ShardLoad& l : shard_loads(r)) {
    if (l.shard->totals.accepted_records == 0) continue;
    EXPECT_GE(l.shard->peak_records_per_sec, l.mean_records_per_sec * 0.98)
        << l.shard->shard_id << " peaked below its mean";
  }
}

TEST(ReportFigures, MetricFilesHaveOneRowPerBucketOfTheRunAndNoneAtItsEnd) {
  const Result r = run_text(scenario("sdk", 100, 1, "5m"));
  const std::string csv = metrics_stream_csv(r);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 5) << csv;
  EXPECT_EQ(csv.find("\n300,"), std::string::npos);
  EXPECT_EQ(r.metrics->buckets(0), 5);
}

}  // namespace
}  // namespace kinesim::models
