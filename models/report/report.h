// Renders a Result for people and programs: summary.json, CloudWatch-named metric CSVs, the
// capacity timeline, a short human summary for stdout, and the findings both of them lead with.
// Everything is a pure function of the Result, so the same run gives the same bytes.
//   report_findings.cc: findings() and headline()
//   report_json.cc:     summary_json()
//   report_files.cc:    the CSVs and write_outputs()
//   report.cc:          human_summary()
//   report_capacity.h:  capacity over time as the text tells it (header, timeline, sizing)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/world/result.h"

namespace kinesim::models {

enum class Severity : uint8_t { kInfo, kWarning, kError };

// "info", "warning", "error".
const char* to_string(Severity severity);

// Something a user should know about the run, e.g. code "hot_key": "key user-17 alone offers
// 1,400 records/s to shardId-000000000003 (a shard takes 1,000 records/s)".
struct Finding {
  Severity severity = Severity::kInfo;
  std::string code;
  std::string message;
};

// Every finding, most important first: hot keys over a shard's limits, shards throttling more
// than 1 % of writes, failed, buffer-full and oversize records, a pending backlog at the end,
// p99 put latency over 1 s, failed timeline actions, and an under-utilised stream.
std::vector<Finding> findings(const Result& result);

// One line naming the main problem, or that there is none.
std::string headline(const Result& result);

// The whole run as JSON with a fixed key order (insertion order, hence ordered_json). Floats
// are rounded to 4 significant digits (money to 6); integral values are written as integers.
nlohmann::ordered_json summary_json(const Result& result);

// A short text for stdout (≤ ~25 lines): the headline first, then the stream's capacity over
// time, conservation, throttling, failures, latency, hottest shards, the keys that carry signal
// (or one line for a spread-out key space), the capacity timeline, cost per month and sizing.
std::string human_summary(const Result& result);

// CSV renderings (header line first, "\n" line ends); write_outputs writes them to files.
// metrics_stream.csv: one row per resolution bucket, CloudWatch metric names; the read series
// (GetRecords.*, ReadProvisionedThroughputExceeded) as further columns when the stream was read.
std::string metrics_stream_csv(const Result& result);
// metrics_shards.csv: a row per shard and bucket in which the shard existed or had data; the
// read series (OutgoingBytes, OutgoingRecords, ReadProvisionedThroughputExceeded,
// IteratorAgeMilliseconds) as further columns when a shard was read.
std::string metrics_shards_csv(const Result& result);
// metrics_producers.csv: a row per producer and bucket.
std::string metrics_producers_csv(const Result& result);
// metrics_consumers.csv: a row per consumer and bucket (records read and processed in the
// consumer's unit, throttled GetRecords calls, MillisBehindLatest's largest value); written only
// when the scenario has consumers.
std::string metrics_consumers_csv(const Result& result);
// timeline.csv: the capacity timeline.
std::string timeline_csv(const Result& result);

// Writes summary.json, metrics_stream.csv, metrics_shards.csv, metrics_producers.csv,
// timeline.csv and, with consumers, metrics_consumers.csv into `dir` (created with its parents if
// missing). Everything is written under a temporary name first and renamed into place, so a failure
// leaves no partial output; throws std::runtime_error naming the path and the reason.
void write_outputs(const Result& result, const std::string& dir);

}  // namespace kinesim::models
