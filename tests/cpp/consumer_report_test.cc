// What the reports say about consumers: summary.json's consumers section, metrics_consumers.csv,
// the read columns of the stream and shard CSVs, the human summary's consumer lines, read-side
// findings and headline, retrieval cost and the sizing sentence's read term; and that a
// write-only run's reports keep their shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "models/cost/cost.h"
#include "models/report/report.h"
#include "models/report/sizing.h"
#include "models/world/world.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using testing::OneProducer;
using testing::polling_consumer;

Scenario pollers(uint32_t n) {
  OneProducer o;
  o.records_per_sec = 100;
  o.duration = Duration::minutes(5);
  Scenario s = testing::one_producer_scenario(o);
  for (uint32_t i = 0; i < n; ++i) {
    s.consumers.push_back(polling_consumer("app-" + std::to_string(i)));
  }
  return s;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

bool has_finding(const Result& r, const std::string& code) {
  for (const Finding& f : findings(r)) {
    if (f.code == code) return true;
  }
  return false;
}

TEST(ConsumerReports, AWriteOnlyRunKeepsItsSummaryAndCsvShapes) {
  const Result r = run_scenario(pollers(0));
  EXPECT_FALSE(summary_json(r).contains("consumers"));
  EXPECT_EQ(first_line(metrics_stream_csv(r)),
            "time_s,IncomingBytes,IncomingRecords,WriteProvisionedThroughputExceeded,"
            "PutRecords.Bytes,PutRecords.Latency,PutRecords.Success,PutRecords.TotalRecords,"
            "PutRecords.SuccessfulRecords,PutRecords.FailedRecords,PutRecords.ThrottledRecords,"
            "PutRecord.Bytes,PutRecord.Latency,PutRecord.Success,PutRecord.TotalRecords,"
            "PutRecord.SuccessfulRecords,PutRecord.FailedRecords,PutRecord.ThrottledRecords,"
            "OpenShardCount");
  EXPECT_EQ(first_line(metrics_shards_csv(r)),
            "time_s,shard_id,IncomingBytes,IncomingRecords,WriteProvisionedThroughputExceeded");
  EXPECT_EQ(human_summary(r).find("consumer "), std::string::npos);
  EXPECT_EQ(size(r).polling_consumers, 0u);
}

TEST(ConsumerReports, SummaryJsonListsEveryConsumerWithItsBooksInNamedUnits) {
  const Result r = run_scenario(pollers(2));
  const auto j = summary_json(r);
  ASSERT_TRUE(j.contains("consumers"));
  ASSERT_EQ(j["consumers"].size(), 2u);
  const auto& c = j["consumers"][0];
  EXPECT_EQ(c["name"], "app-0");
  EXPECT_EQ(c["type"], "polling");
  EXPECT_EQ(c["unit"], "Kinesis records");
  EXPECT_EQ(c["records"]["conserved"], true);
  EXPECT_EQ(c["records"]["in_scope"].get<uint64_t>(),
            c["records"]["processed"].get<uint64_t>() + c["records"]["pending"].get<uint64_t>() +
                c["records"]["lost_to_retention"].get<uint64_t>());
  EXPECT_GT(c["read"]["get_records_calls"].get<uint64_t>(), 290u);
  for (const char* section :
       {"millis_behind_latest_ms", "end_to_end_latency_ms", "propagation_ms"}) {
    EXPECT_TRUE(c.contains(section)) << section;
  }
  EXPECT_TRUE(c["end_to_end_latency_ms"].contains("p90"));
}

TEST(ConsumerReports, ReadSeriesJoinTheStreamAndShardCsvsAndConsumersGetTheirOwn) {
  Scenario s = pollers(1);
  s.output.resolution = Duration::seconds(10);
  const Result r = run_scenario(s);
  const std::string stream = first_line(metrics_stream_csv(r));
  EXPECT_NE(stream.find(",OpenShardCount,GetRecords.Success,GetRecords.Records,GetRecords.Bytes,"
                        "GetRecords.Latency,GetRecords.IteratorAgeMilliseconds,"
                        "ReadProvisionedThroughputExceeded"),
            std::string::npos)
      << stream;
  const std::string shards = first_line(metrics_shards_csv(r));
  EXPECT_NE(shards.find("OutgoingBytes,OutgoingRecords,ReadProvisionedThroughputExceeded,"
                        "IteratorAgeMilliseconds"),
            std::string::npos)
      << shards;
  const std::string consumers = metrics_consumers_csv(r);
  EXPECT_EQ(first_line(consumers),
            "time_s,consumer,type,RecordsRead,RecordsProcessed,ThrottledCalls,"
            "MillisBehindLatestMax");
  EXPECT_NE(consumers.find("\n10,app-0,polling,"), std::string::npos);
  // One consumer, one producer: a row each per bucket, the same buckets.
  const std::string producers = metrics_producers_csv(r);
  EXPECT_GE(std::count(consumers.begin(), consumers.end(), '\n'), 31);
  EXPECT_EQ(std::count(consumers.begin(), consumers.end(), '\n'),
            std::count(producers.begin(), producers.end(), '\n'));
}

TEST(ConsumerReports, FanOutConsumersAddTheirSubscribeToShardSeriesToTheConsumersCsv) {
  Scenario s = pollers(1);
  s.output.resolution = Duration::seconds(10);
  ConsumerConfig efo = polling_consumer("efo");
  efo.polling.reader.retrieval = Retrieval::kFanOut;
  s.consumers.push_back(efo);
  const Result r = run_scenario(s);
  const std::string csv = metrics_consumers_csv(r);
  EXPECT_EQ(first_line(csv),
            "time_s,consumer,type,RecordsRead,RecordsProcessed,ThrottledCalls,"
            "MillisBehindLatestMax,SubscribeToShard.Success,SubscribeToShard.RateExceeded,"
            "SubscribeToShardEvent.Success,SubscribeToShardEvent.Records,"
            "SubscribeToShardEvent.Bytes,SubscribeToShardEvent.MillisBehindLatestMax");
  // The fan-out consumer's SubscribeToShardEvent.Records column sums to the stream's series; the
  // poller's fan-out cells are empty.
  double records = 0;
  std::size_t start = csv.find('\n') + 1;
  while (start < csv.size()) {
    const std::size_t end = csv.find('\n', start);
    const std::string row = csv.substr(start, end - start);
    std::vector<std::string> cells;
    for (std::size_t from = 0;;) {
      const std::size_t comma = row.find(',', from);
      cells.push_back(row.substr(from, comma == std::string::npos ? comma : comma - from));
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
    EXPECT_EQ(cells.size(), 13u) << row;
    if (cells[1] == "efo" && !cells[10].empty()) records += std::stod(cells[10]);
    if (cells[1] == "app-0") {
      EXPECT_EQ(cells[10], "") << row;
    }
    start = end + 1;
  }
  EXPECT_GT(records, 0);
  EXPECT_EQ(records, testing::counter_total(*r.metrics, "efo/SubscribeToShardEvent.Records"));
}

TEST(ConsumerReports, ARefusedFanOutRegistrationQuotesTheStreamsOwnConsumerLimit) {
  Scenario s = pollers(0);
  s.stream.read.efo.max_consumers = 2;
  for (int i = 0; i < 3; ++i) {
    ConsumerConfig efo = polling_consumer("efo-" + std::to_string(i));
    efo.polling.reader.retrieval = Retrieval::kFanOut;
    s.consumers.push_back(efo);
  }
  const Result r = run_scenario(s);
  bool found = false;
  for (const Finding& f : findings(r)) {
    if (f.code != "fan_out_registration") continue;
    found = true;
    EXPECT_NE(f.message.find("(a stream takes 2 enhanced fan-out consumers, 50 in On-demand "
                             "Advantage, and at most 5 CREATING at once)"),
              std::string::npos)
        << f.message;
  }
  EXPECT_TRUE(found);
}

TEST(ConsumerReports, TooManyPollingConsumersAreAFindingWithTheEnhancedFanOutAlternative) {
  const Result r = run_scenario(pollers(7));
  bool found = false;
  for (const Finding& f : findings(r)) {
    if (f.code != "read_throttling") continue;
    found = true;
    EXPECT_NE(f.message.find("7 polling consumers made 7 GetRecords calls/s per shard (7 on an "
                             "idle shard), more than the 5"),
              std::string::npos)
        << f.message;
    EXPECT_NE(f.message.find("enhanced fan-out for 2 of them"), std::string::npos) << f.message;
    EXPECT_NE(f.message.find("/month in provisioned mode"), std::string::npos) << f.message;
  }
  EXPECT_TRUE(found);
  EXPECT_NE(headline(r).find("of GetRecords calls were throttled"), std::string::npos)
      << headline(r);
  EXPECT_NE(human_summary(r).find("consumer app-6 (polling): read "), std::string::npos);
  const SizingReport sizing = size(r);
  EXPECT_EQ(sizing.polling_consumers, 7u);
  EXPECT_GT(sizing.mean.read_kib_per_sec, 6.9 * sizing.mean.write_kib_per_sec);
  EXPECT_NE(sizing.comparison.find("past 5 only enhanced fan-out helps"), std::string::npos);
  EXPECT_FALSE(has_finding(run_scenario(pollers(5)), "read_throttling"));
}

TEST(ConsumerReports, OnDemandPricesThePollingConsumersRetrieval) {
  const Result r = run_scenario(pollers(3));
  const CostReport cost = price(r);
  uint64_t bytes = 0;
  for (const ConsumerResult& c : r.consumers) bytes += c.counts.bytes_read;
  ASSERT_GT(bytes, 0u);
  for (const ModeCost& m : cost.modes) {
    for (const CostComponent& k : m.components) {
      if (k.name != "retrieval (shared throughput)") continue;
      EXPECT_DOUBLE_EQ(k.quantity, static_cast<double>(bytes) / static_cast<double>(core::kGiB));
      if (m.mode == CapacityMode::kProvisioned) {
        EXPECT_EQ(k.run_cost, 0);
      } else {
        EXPECT_GT(k.run_cost, 0);
      }
    }
  }
}

TEST(ConsumerReports, RecordsLostToRetentionAreAnErrorAndTheHeadline) {
  OneProducer o;
  o.records_per_sec = 1;
  o.profile = RateConfig::Profile::kConstant;
  o.duration = Duration::hours(25) + Duration::seconds(90);
  Scenario s = testing::one_producer_scenario(o);
  ConsumerConfig slow = polling_consumer("slow");
  slow.start = Duration::minutes(1);
  slow.polling.reader.initial_position = InitialPosition::kTrimHorizon;
  slow.polling.reader.limit = 10;
  slow.polling.processing_per_batch.value = Duration::hours(25).to_seconds();
  s.consumers.push_back(slow);
  const Result r = run_scenario(s);
  EXPECT_TRUE(has_finding(r, "lost_to_retention"));
  EXPECT_NE(headline(r).find("consumer slow lost"), std::string::npos) << headline(r);
}

}  // namespace
}  // namespace kinesim::models
