// summary.json, the CSVs, the human summary and the findings, on Results built by hand.
#include "models/report/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "models/core/shard_map.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;
namespace fs = std::filesystem;

constexpr double kHour = 3600;

// A one-hour run of a 4-shard stream "orders" at 60 s resolution, written by producer "web";
// the metric series carry the names the Stream and SdkProducer give them.
struct Built {
  Result result;
  std::shared_ptr<sim::MetricRecorder> metrics;
  sim::SeriesId incoming_bytes, incoming_records, put_records_requests, put_records_latency;
};

Built build(const std::vector<uint64_t>& accepted_per_shard,
            const std::vector<uint64_t>& throttled_per_shard) {
  Built b;
  Result& r = b.result;
  r.scenario_name = "hand-made";
  r.seed = 7;
  r.duration = Duration::hours(1);
  r.resolution = Duration::seconds(60);
  r.top_n = 3;
  r.stream.name = "orders";
  r.stream.shards = 4;
  r.initial_shards = r.final_open_shards = 4;
  r.shard_hours = 4;
  b.metrics = std::make_shared<sim::MetricRecorder>(r.duration, std::vector{r.resolution});
  sim::MetricRecorder& m = *b.metrics;
  b.incoming_bytes = m.add_counter("orders/IncomingBytes");
  b.incoming_records = m.add_counter("orders/IncomingRecords");
  m.add_counter("orders/WriteProvisionedThroughputExceeded");
  const sim::SeriesId open = m.add_gauge("orders/OpenShardCount");
  m.set(open, Time::zero(), 4);
  for (const char* api : {"PutRecord", "PutRecords"}) {
    for (const char* s : {".Requests", ".Success", ".Bytes", ".Latency.Sum", ".TotalRecords",
                          ".SuccessfulRecords", ".FailedRecords", ".ThrottledRecords"}) {
      const sim::SeriesId id = m.add_counter(std::string("orders/") + api + s);
      if (std::string(api) == "PutRecords" && std::string(s) == ".Requests") {
        b.put_records_requests = id;
      }
      if (std::string(api) == "PutRecords" && std::string(s) == ".Latency.Sum") {
        b.put_records_latency = id;
      }
    }
  }
  const core::ShardMap map = core::ShardMap::uniform(4);
  uint64_t accepted = 0, throttled = 0;
  for (const core::Shard& sh : map.shards()) {
    ShardResult s;
    s.shard_id = sh.id();
    s.start = sh.start;
    s.end = sh.end;
    s.series_bytes = m.add_counter(s.shard_id + "/IncomingBytes").row;
    s.series_records = m.add_counter(s.shard_id + "/IncomingRecords").row;
    s.series_throttled = m.add_counter(s.shard_id + "/WriteProvisionedThroughputExceeded").row;
    s.totals.accepted_records = accepted_per_shard[sh.index];
    s.totals.accepted_bytes = accepted_per_shard[sh.index] * 100;
    s.totals.throttled_records = throttled_per_shard[sh.index];
    s.sequence_numbers = s.totals.accepted_records;
    s.peak_records_per_sec = static_cast<double>(accepted_per_shard[sh.index]) / kHour;
    s.peak_bytes_per_sec = s.peak_records_per_sec * 100;
    accepted += s.totals.accepted_records;
    throttled += s.totals.throttled_records;
    r.shards.push_back(s);
  }
  for (const char* s : {"/UserRecordsProduced", "/UserBytesProduced", "/UserRecordsPut",
                        "/ThrottledEntries", "/UserRecordsFailed", "/RetriedEntries"}) {
    m.add_counter(std::string("web") + s);
  }
  ProducerResult p;
  p.name = "web";
  p.type = "sdk";
  p.counts.produced = accepted + 100;
  p.counts.accepted = accepted;
  p.counts.pending = 100;
  p.counts.produced_bytes = (accepted + 100) * 100;
  p.counts.accepted_bytes = accepted * 100;
  p.counts.accepted_entries = accepted;  // an SDK: one user record to an entry
  p.counts.throttled_entries = p.counts.throttled_user_records = throttled;
  p.counts.user_record_attempts = accepted + throttled;
  p.counts.requests = accepted / 500 + 1;
  for (uint64_t us : {20'000u, 25'000u, 30'000u, 200'000u}) p.record_latency_us.record(us);
  p.offered_peak_records_per_sec = static_cast<double>(accepted + throttled) / kHour;
  p.offered_peak_bytes_per_sec = p.offered_peak_records_per_sec * 100;
  r.producers.push_back(std::move(p));
  r.metrics = b.metrics;
  return b;
}

// Shard 3 takes a key sending 1,400 records/s and throttles 31 % of its writes.
Built hot_key_run() {
  const uint64_t accepted3 = 1000 * 3600;
  const uint64_t throttled3 = accepted3 * 31 / 69;  // 31 % of attempts
  Built b = build({360'000, 360'000, 360'000, accepted3}, {0, 0, 0, throttled3});
  ProducerResult& p = b.result.producers[0];
  KeyResult k;
  k.key = "user-17";
  k.shard_id = "shardId-000000000003";
  k.counts.offered = 1400 * 3600;
  k.counts.offered_bytes = 1400 * 3600 * 100;
  k.counts.accepted = 1000 * 3600;
  k.counts.throttled = throttled3;
  p.hot_keys.push_back(k);
  p.hottest_keys.push_back(k);
  // What shard 3 could not take failed after its attempts.
  p.counts.failed_attempts_exhausted = 1'440'000;
  p.counts.produced += 1'440'000;
  return b;
}

// Every shard below its limits: the busiest at 620 records/s.
Built calm_run() { return build({620 * 3600, 300 * 3600, 300 * 3600, 300 * 3600}, {0, 0, 0, 0}); }

bool has_code(const std::vector<Finding>& found, const std::string& code) {
  for (const Finding& f : found) {
    if (f.code == code) return true;
  }
  return false;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(ReportHeadline, NamesTheThrottlingShardAndTheHotKeyBehindIt) {
  EXPECT_EQ(headline(hot_key_run().result),
            "shardId-000000000003 throttled 31 % of writes: key user-17 alone sends 1,400 "
            "records/s (a shard takes 1,000)");
}

TEST(ReportHeadline, SaysNoThrottlingAndHowCloseTheBusiestShardCame) {
  EXPECT_EQ(headline(calm_run().result),
            "no throttling: the busiest shard peaked at 62 % of its write limit");
}

TEST(ReportHumanSummary, LeadsWithTheHeadlineAndStaysShort) {
  const std::string text = human_summary(hot_key_run().result);
  EXPECT_EQ(first_line(text), headline(hot_key_run().result));
  EXPECT_LE(std::count(text.begin(), text.end(), '\n'), 25);
  EXPECT_NE(text.find("(cheapest)"), std::string::npos);
  EXPECT_NE(text.find("records: 6,120,100 produced = 4,680,000 accepted"), std::string::npos);
  EXPECT_NE(text.find("sizing: the formula asks for"), std::string::npos);
  EXPECT_NE(text.find("\nhottest keys: user-17 -> shardId-000000000003 1,400 "
                      "records/s (82.4 % of records, 31 % throttled)\n"),
            std::string::npos);
}

// A key offering `records` over the hour on `shard`, listed among the producer's hottest.
void add_key(Built& b, const std::string& key, uint64_t records, const char* shard) {
  KeyResult k;
  k.key = key;
  k.shard_id = shard;
  k.counts.offered = k.counts.accepted = records;
  k.counts.offered_bytes = records * 100;
  b.result.producers[0].hottest_keys.push_back(k);
}

std::string line_starting(const std::string& text, const std::string& prefix) {
  const std::size_t at = text.find("\n" + prefix);
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

TEST(ReportHumanSummary, SumsUpASpreadOutKeySpaceInOneLine) {
  Built b = calm_run();  // 5,472,100 records produced
  b.result.producers[0].distinct_keys = 5000;
  add_key(b, "k-1", 5000, "shardId-000000000000");
  add_key(b, "k-2", 4900, "shardId-000000000001");
  const std::string text = human_summary(b.result);
  EXPECT_EQ(line_starting(text, "keys: "),
            "keys: 5,000 distinct, none with 1 % of records or more (the busiest, k-1, has "
            "0.09 %)");
  EXPECT_EQ(line_starting(text, "hottest keys"), "");
}

TEST(ReportHumanSummary, ListsOnlyTheKeysThatCarryAMaterialShare) {
  Built b = calm_run();
  b.result.producers[0].distinct_keys = 5000;
  add_key(b, "k-1", 110'000, "shardId-000000000000");  // 2 % of records
  add_key(b, "k-2", 27'000, "shardId-000000000001");   // 0.49 %, 7.5 records/s
  EXPECT_EQ(line_starting(human_summary(b.result), "hottest keys"),
            "hottest keys (5,000 distinct): k-1 -> shardId-000000000000 30.6 records/s (2 % of "
            "records)");
}

TEST(ReportHumanSummary, ListsAKeyNearAShardsLimitWhateverItsShareOfAWideStream) {
  Built b = calm_run();
  b.result.producers[0].counts.produced *= 100;           // a stream a hundred times wider
  add_key(b, "k-1", 300 * 3600, "shardId-000000000000");  // 30 % of a shard's records/s
  EXPECT_EQ(line_starting(human_summary(b.result), "hottest keys"),
            "hottest keys: k-1 -> shardId-000000000000 300 records/s (0.2 % of records)");
}

TEST(ReportHumanSummary, SaysWhenEveryRecordHasARandomKey) {
  Built b = calm_run();
  b.result.producers[0].random_keys = true;
  EXPECT_EQ(line_starting(human_summary(b.result), "keys: "),
            "keys: a random key per record from web");
}

TEST(ReportFindings, FlagTheHotKeyAndTheThrottlingShard) {
  const std::vector<Finding> found = findings(hot_key_run().result);
  ASSERT_GE(found.size(), 2u);
  EXPECT_EQ(found[0].code, "hot_key");
  EXPECT_EQ(found[0].severity, Severity::kError);
  EXPECT_NE(found[0].message.find("user-17"), std::string::npos);
  EXPECT_NE(found[0].message.find("shardId-000000000003"), std::string::npos);
  EXPECT_EQ(found[1].code, "shard_throttling");
  EXPECT_FALSE(has_code(found, "under_utilised"));
}

// A KPL aggregating the same key sends its 1,400 user records/s inside aggregates: the records
// limit counts aggregates, and 140 KB/s fits a shard, so more shards (or fewer keys beside it)
// do help and the key is not flagged as beyond any shard count.
TEST(ReportFindings, AnAggregatedKeyCountsOnlyByItsBytes) {
  Built b = hot_key_run();
  ProducerCounts& c = b.result.producers[0].counts;
  c.accepted_entries = c.accepted / 20;  // 20 user records per Kinesis record
  EXPECT_FALSE(has_code(findings(b.result), "hot_key"));
  // Past a shard's 1 MiB/s it is beyond any shard count again, named by its bytes.
  for (KeyResult* k :
       {&b.result.producers[0].hot_keys[0], &b.result.producers[0].hottest_keys[0]}) {
    k->counts.offered_bytes = uint64_t{1400} * 3600 * 1000;  // 1.4 MB/s
  }
  const std::vector<Finding> found = findings(b.result);
  ASSERT_TRUE(has_code(found, "hot_key"));
  EXPECT_EQ(found[0].message,
            "key user-17 alone offers 1.34 MiB/s (1,400 user records/s, aggregated) to "
            "shardId-000000000003; a shard takes 1 MiB/s, so it is throttled whatever the shard "
            "count");
}

TEST(ReportFindings, FlagFailuresRejectionsBacklogSlowPutsAndFailedTimelineActions) {
  Built b = calm_run();
  ProducerCounts& c = b.result.producers[0].counts;
  c.failed_attempts_exhausted = 5;
  c.failed_buffer_full = 6;
  c.rejected_too_large = 7;
  c.pending = 1'000'000;
  c.produced += 18 + 1'000'000;
  b.result.producers[0].record_latency_us.record(5'000'000, 100);
  b.result.timeline.push_back({Time::zero() + Duration::minutes(10), "split",
                               "ResourceInUseException", "shardId-000000000000: UPDATING"});
  const std::vector<Finding> found = findings(b.result);
  for (const char* code : {"failed_attempts_exhausted", "failed_buffer_full", "rejected_too_large",
                           "pending_backlog", "high_latency", "timeline_action_failed"}) {
    EXPECT_TRUE(has_code(found, code)) << code;
  }
}

TEST(ReportFindings, AnAgentRestartOnTheTimelineIsNotAFailure) {
  Built b = calm_run();
  b.result.timeline.push_back({Time::zero() + Duration::minutes(25), "agent_restart",
                               "web-logs down 2m", "every host of web-logs stops"});
  EXPECT_FALSE(has_code(findings(b.result), "timeline_action_failed"));
}

TEST(ReportFindings, CallAStreamUnderUtilisedWhenItsBusiestShardIsBelowTenPercent) {
  const Built b = build({36'000, 36'000, 36'000, 36'000}, {0, 0, 0, 0});  // 10 records/s each
  EXPECT_TRUE(has_code(findings(b.result), "under_utilised"));
  EXPECT_FALSE(has_code(findings(calm_run().result), "under_utilised"));
}

TEST(ReportSummaryJson, CountsRecordsAndFlagsConservation) {
  Built b = hot_key_run();
  nlohmann::ordered_json j = summary_json(b.result);
  EXPECT_EQ(j["scenario"]["name"], "hand-made");
  EXPECT_EQ(j["scenario"]["seed"], 7);
  EXPECT_EQ(j["scenario"]["duration_s"], 3600);
  EXPECT_EQ(j["records"]["pending"], 100);
  EXPECT_EQ(j["records"]["conserved"], true);
  EXPECT_EQ(j["records"]["by_producer"]["web"]["conserved"], true);
  b.result.producers[0].counts.produced += 1;  // a record that vanished
  j = summary_json(b.result);
  EXPECT_EQ(j["records"]["conserved"], false);
}

TEST(ReportSummaryJson, DescribesEveryShardAndRanksTheHottest) {
  const nlohmann::ordered_json j = summary_json(hot_key_run().result);
  ASSERT_EQ(j["shards"].size(), 4u);
  const auto& s3 = j["shards"][3];
  EXPECT_EQ(s3["shard_id"], "shardId-000000000003");
  EXPECT_EQ(s3["ending_hash_key"], "340282366920938463463374607431768211455");
  EXPECT_EQ(s3["state"], "OPEN");
  EXPECT_EQ(s3["parent"], nullptr);
  EXPECT_EQ(s3["throttled_fraction"], 0.31);
  EXPECT_EQ(s3["peak_records_per_sec"], 1000);
  EXPECT_EQ(s3["utilization"]["max"], 1);
  EXPECT_EQ(j["hottest_shards"][0]["shard_id"], "shardId-000000000003");
  EXPECT_EQ(j["hottest_shards"].size(), 3u);  // top_n
  EXPECT_EQ(j["stream"]["mode"], "PROVISIONED");
  EXPECT_EQ(j["stream"]["throttled_entries"], s3["throttled"]);
  EXPECT_EQ(j["key_groups"]["web"][0]["group"], "user-17");
  EXPECT_EQ(j["key_groups"]["web"][1]["group"], "other keys");
  EXPECT_EQ(j["key_groups"]["web"][1]["offered"], 6'120'100 - 1400 * 3600);
  EXPECT_EQ(j["producers"][0]["put_latency_ms"]["count"], 4);
  EXPECT_EQ(j["cost"]["modes"].size(), 3u);
  EXPECT_EQ(j["cost"]["modes"][0]["components"][0]["run_cost"], 0.06);  // 4 shard-hours
  EXPECT_EQ(j["sizing"]["peak"]["shards"], 2);  // 1,749 records/s offered at peak
  EXPECT_EQ(j["findings"][0]["code"], "hot_key");
  EXPECT_EQ(j["headline"], headline(hot_key_run().result));
}

TEST(ReportSummaryJson, KeepsAFixedKeyOrder) {
  const nlohmann::ordered_json j = summary_json(calm_run().result);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"scenario", "headline", "fidelity", "records", "stream",
                                            "shards", "hottest_shards", "producers", "key_groups",
                                            "timeline", "capacity", "cost", "sizing", "findings"}));
  EXPECT_EQ(summary_json(calm_run().result).dump(), j.dump());
}

TEST(ReportCsv, StreamMetricsUseCloudWatchNamesAndAverageLatency) {
  Built b = calm_run();
  b.metrics->add(b.incoming_bytes, Time::zero() + Duration::seconds(61), 2048);
  b.metrics->add(b.incoming_records, Time::zero() + Duration::seconds(61), 3);
  b.metrics->add(b.put_records_requests, Time::zero() + Duration::seconds(61), 4);
  b.metrics->add(b.put_records_latency, Time::zero() + Duration::seconds(61), 101);
  const std::string csv = metrics_stream_csv(b.result);
  std::istringstream lines(csv);
  std::string header, row0, row1;
  std::getline(lines, header);
  std::getline(lines, row0);
  std::getline(lines, row1);
  EXPECT_EQ(header,
            "time_s,IncomingBytes,IncomingRecords,WriteProvisionedThroughputExceeded,"
            "PutRecords.Bytes,PutRecords.Latency,PutRecords.Success,PutRecords.TotalRecords,"
            "PutRecords.SuccessfulRecords,PutRecords.FailedRecords,PutRecords.ThrottledRecords,"
            "PutRecord.Bytes,PutRecord.Latency,PutRecord.Success,PutRecord.TotalRecords,"
            "PutRecord.SuccessfulRecords,PutRecord.FailedRecords,PutRecord.ThrottledRecords,"
            "OpenShardCount");
  EXPECT_EQ(row0, "0,0,0,0,0,,0,0,0,0,0,0,,0,0,0,0,0,4");
  EXPECT_EQ(row1, "60,2048,3,0,0,25.250,0,0,0,0,0,0,,0,0,0,0,0,4");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 60);  // header + one row a minute
}

TEST(ReportCsv, ShardProducerAndTimelineFilesHaveTheirHeaders) {
  Built b = calm_run();
  b.result.timeline.push_back({Time::zero() + Duration::seconds(90), "merge", "started",
                               "shardId-000000000000 + shardId-000000000001, UPDATING"});
  const std::string shards = metrics_shards_csv(b.result);
  EXPECT_EQ(first_line(shards),
            "time_s,shard_id,IncomingBytes,IncomingRecords,WriteProvisionedThroughputExceeded");
  EXPECT_EQ(std::count(shards.begin(), shards.end(), '\n'), 1 + 60 * 4);
  EXPECT_NE(shards.find("\n60,shardId-000000000002,0,0,0\n"), std::string::npos);
  EXPECT_EQ(first_line(metrics_producers_csv(b.result)),
            "time_s,producer,UserRecordsProduced,UserBytesProduced,UserRecordsPut,"
            "ThrottledEntries,UserRecordsFailed,RetriedEntries");
  EXPECT_EQ(timeline_csv(b.result),
            "time_s,action,outcome,detail\n"
            "90,merge,started,\"shardId-000000000000 + shardId-000000000001, UPDATING\"\n");
}

TEST(ReportCsv, ListsAShardOnlyForTheBucketsItExistedOrHadData) {
  Built b = calm_run();
  b.result.shards[1].created_at = Time::zero() + Duration::minutes(30);
  b.result.shards[2].closed_at = Time::zero() + Duration::minutes(30);
  const std::string csv = metrics_shards_csv(b.result);
  EXPECT_EQ(csv.find("\n0,shardId-000000000001,"), std::string::npos);
  EXPECT_NE(csv.find("\n1800,shardId-000000000001,"), std::string::npos);
  EXPECT_NE(csv.find("\n1740,shardId-000000000002,"), std::string::npos);
  EXPECT_EQ(csv.find("\n1800,shardId-000000000002,"), std::string::npos);
}

TEST(ReportCsv, EstimatesAChildsLifetimeFromItsDataWhenTheResultLeavesItUnset) {
  Built b = calm_run();
  ShardResult& child = b.result.shards[3];
  child.parent = "shardId-000000000000";
  b.metrics->add(sim::SeriesId{sim::MetricKind::kCounter, child.series_records},
                 Time::zero() + Duration::seconds(1830), 5);
  const std::string csv = metrics_shards_csv(b.result);
  EXPECT_EQ(csv.find("\n1740,shardId-000000000003,"), std::string::npos);
  EXPECT_NE(csv.find("\n1800,shardId-000000000003,0,5,0\n"), std::string::npos);
  EXPECT_EQ(summary_json(b.result)["shards"][3]["created_s"], 1800);
}

// A KPL on one shard, by hand: 9,000 user records accepted in 20 Kinesis records (450 to one),
// and 10 Kinesis records holding 4,500 user records throttled.
Built kpl_run() {
  Built b = build({20, 0, 0, 0}, {10, 0, 0, 0});
  ProducerResult& p = b.result.producers[0];
  p.type = "kpl";
  ProducerCounts& c = p.counts;
  c.produced = 9100;
  c.accepted = 9000;
  c.pending = 100;
  c.accepted_entries = 20;
  c.throttled_entries = 10;
  c.throttled_user_records = 4500;
  c.user_record_attempts = 13'500;
  c.retried_entries = 4500;
  return b;
}

TEST(ReportUnits, StreamThrottlingIsCountedInEntriesWithUserRecordsBesideIt) {
  const Built b = kpl_run();
  const nlohmann::ordered_json j = summary_json(b.result);
  EXPECT_EQ(j["stream"]["offered_entries"], 30);  // 20 accepted + 10 throttled Kinesis records
  EXPECT_EQ(j["stream"]["throttled_entries"], 10);
  EXPECT_EQ(j["stream"]["throttled_fraction"], 0.3333);
  EXPECT_EQ(j["stream"]["user_records"]["accepted"], 9000);
  EXPECT_EQ(j["stream"]["user_records"]["attempts"], 13'500);
  EXPECT_EQ(j["stream"]["user_records"]["throttled"], 4500);
  EXPECT_EQ(j["stream"]["user_records"]["throttled_fraction"], 0.3333);
  EXPECT_EQ(j["stream"]["user_records"]["per_kinesis_record"], 450);
  EXPECT_EQ(j["producers"][0]["throttled_fraction"], 0.3333);
  EXPECT_EQ(j["producers"][0]["counts"]["accepted_entries"], 20);
  EXPECT_EQ(line_starting(human_summary(b.result), "throttling: "),
            "throttling: 10 of 30 entries (Kinesis records) (33.3 %); user records: 4,500 of "
            "13,500 attempts (33.3 %), 450 to a Kinesis record; 4,500 user records retried, 0 "
            "internal failures");
}

TEST(ReportUnits, AnSdkStreamNamesItsUnitOnce) {
  EXPECT_EQ(line_starting(human_summary(hot_key_run().result), "throttling: "),
            "throttling: 1,617,391 of 6,297,391 entries (Kinesis records) (25.7 %); 0 user "
            "records retried, 0 internal failures");  // 4,680,000 accepted + 1,617,391
}

TEST(ReportHumanSummary, PrintsEveryErrorAndCutsOnlyWarnings) {
  Built b = calm_run();
  // Seven keys each over a shard's records/s (errors), a failure (an error), and a failed
  // timeline call (a warning): eight errors are more than the six findings listed.
  for (int i = 0; i < 7; ++i) {
    add_key(b, "big-" + std::to_string(i), 1100 * 3600, "shardId-000000000000");
  }
  b.result.producers[0].counts.failed_attempts_exhausted = 5;
  b.result.producers[0].counts.produced += 5;
  b.result.timeline.push_back({Time::zero() + Duration::minutes(10), "split",
                               "ResourceInUseException", "shardId-000000000000: UPDATING"});
  const std::string text = human_summary(b.result);
  std::size_t errors = 0;
  for (std::size_t at = text.find("\n[error] "); at != std::string::npos;
       at = text.find("\n[error] ", at + 1)) {
    ++errors;
  }
  EXPECT_EQ(errors, 8u) << text;
  EXPECT_NE(text.find("\n[error] 5 records"), std::string::npos);
  EXPECT_EQ(text.find("\n[warning] "), std::string::npos);
  EXPECT_NE(text.find("\n... and 1 more finding (warnings and info) in summary.json, which "
                      "lists all 9\n"),
            std::string::npos)
      << text;
}

TEST(ReportHumanSummary, SaysWhatProvisionedIsPricedAtForAnOnDemandRun) {
  Built b = calm_run();
  b.result.stream.mode = CapacityMode::kOnDemand;
  b.result.capacity_segments = {
      {Time::zero(), Time::zero() + Duration::hours(1), CapacityMode::kOnDemand, 4, 0, 0}};
  EXPECT_NE(line_starting(human_summary(b.result), "cost per month")
                .find("provisioned $43.80 at the 4 shards on-demand used"),
            std::string::npos)
      << human_summary(b.result);
}

TEST(ReportCsv, AnEventAtTheRunsLastInstantOpensNoExtraRow) {
  Built b = calm_run();
  b.metrics->add(b.incoming_records, Time::zero() + Duration::hours(1), 3);
  const std::string csv = metrics_stream_csv(b.result);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 60);
  EXPECT_EQ(csv.find("\n3600,"), std::string::npos);
  EXPECT_NE(csv.find("\n3540,0,3,"), std::string::npos);
}

class ReportFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("kinesim-report-test-" +
             std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path root_;
};

TEST_F(ReportFiles, WriteOutputsWritesEveryFileAndNothingElse) {
  const Built b = hot_key_run();
  write_outputs(b.result, (root_ / "runs" / "out").string());
  EXPECT_EQ(entries(root_ / "runs" / "out"),
            (std::vector<std::string>{"metrics_producers.csv", "metrics_shards.csv",
                                      "metrics_stream.csv", "summary.json", "timeline.csv"}));
  EXPECT_EQ(entries(root_ / "runs"), std::vector<std::string>{"out"});
  const std::string summary = read(root_ / "runs" / "out" / "summary.json");
  EXPECT_EQ(summary, summary_json(b.result).dump(2) + "\n");
  EXPECT_EQ(read(root_ / "runs" / "out" / "metrics_stream.csv"), metrics_stream_csv(b.result));
}

TEST_F(ReportFiles, WriteOutputsIntoAnExistingDirectoryKeepsOtherFiles) {
  fs::create_directories(root_ / "out");
  std::ofstream(root_ / "out" / "notes.txt") << "mine\n";
  write_outputs(calm_run().result, (root_ / "out").string() + "/");
  EXPECT_EQ(entries(root_ / "out").size(), 6u);
  EXPECT_EQ(read(root_ / "out" / "notes.txt"), "mine\n");
  EXPECT_EQ(entries(root_), std::vector<std::string>{"out"});  // no temporary left
}

TEST_F(ReportFiles, WriteOutputsToAnUnwritablePathThrowsAndCreatesNothing) {
  std::ofstream(root_ / "a-file") << "x";
  const fs::path bad = root_ / "a-file" / "sub" / "out";
  EXPECT_THROW(write_outputs(calm_run().result, bad.string()), std::runtime_error);
  EXPECT_EQ(entries(root_), std::vector<std::string>{"a-file"});
  EXPECT_THROW(write_outputs(calm_run().result, (root_ / "a-file").string()), std::runtime_error);
  EXPECT_EQ(entries(root_), std::vector<std::string>{"a-file"});
}

}  // namespace
}  // namespace kinesim::models
