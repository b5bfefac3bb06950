// What the reports say about consumers, kept apart from the write-side text so that both grow
// without touching each other: the human summary's consumer lines, read-side findings and
// headline, and the figures cost and sizing take from the consumers. Internal to the report layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/cost/cost.h"
#include "models/report/report.h"
#include "models/world/result.h"

namespace kinesim::models {

// GetRecords calls/s per shard they offer between them when they keep up.
double polling_calls_per_sec_per_shard(const Result& result);

// One line per consumer: "consumer archive (firehose): read 1,234,567 user records, ...".
std::string consumers_text(const Result& result);

// Read-side findings: calls throttled on the shared 5 calls/s (with the polling-consumer count
// and what enhanced fan-out would cost instead), records lost to retention, iterator age past
// half of retention.
void add_consumer_findings(const Result& result, std::vector<Finding>& out);

// Lambda findings: a shard held by a failing batch for 15 min or more (an error naming the shard
// and the hours), and records discarded to the OnFailure destination or dropped.
void add_lambda_findings(const Result& result, std::vector<Finding>& out);

// The main read-side problem, for a headline the write side leaves free; nullopt if none.
std::optional<std::string> consumer_headline(const Result& result);

// The sizing sentence's read part: what polling consumers need of each shard; empty without them.
std::string read_sizing_text(const Result& result);

}  // namespace kinesim::models
