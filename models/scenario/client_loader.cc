// Each producer type's own settings. The KPL's keep the KPL's names and bounds
// (KinesisProducerConfiguration / default_config.properties); the Agent's keep agent.json's names
// and KinesisFileFlow's bounds, and kinesim's own additions are snake_case.
#include "models/scenario/client_loader.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "models/scenario/scenario_keys.h"

namespace kinesim::models::scenario_json {
namespace {

using std::string_view_literals::operator""sv;
using sim::Duration;
namespace keys = scenario_keys;

constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kMaxBufferedRecords = 1'000'000'000;
constexpr uint64_t kMaxAttempts = 100;
constexpr uint64_t kMaxInFlight = 10'000;
// The KPL's "Maximum (inclusive): 9223372036854775807", Java's Long.MAX_VALUE.
constexpr uint64_t kJavaLongMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
// Millisecond settings are held as int64 nanoseconds, about 292 years: the KPL's Long.MAX_VALUE
// milliseconds cannot be, and nothing that long differs from "never" in a simulation.
constexpr uint64_t kMaxMillis = kJavaLongMax / 1'000'000;

std::string describe(Duration d) { return sim::to_string(d); }

// A KPL or Agent time setting: an integer of milliseconds, as in a KPL properties file or
// agent.json, or a duration string. Bounds in milliseconds, inclusive.
std::optional<Duration> read_millis(const ObjectReader& r, std::string_view key, uint64_t lo_ms,
                                    uint64_t hi_ms, std::string_view example) {
  const Json* value = r.find(key);
  if (value == nullptr) return std::nullopt;
  const std::string range = hi_ms >= kMaxMillis
                                ? ">= " + std::to_string(lo_ms)
                                : std::to_string(lo_ms) + ".." + std::to_string(hi_ms);
  const std::string expected =
      "milliseconds " + range + " (an integer) or a duration like " + quote(example);
  std::optional<Duration> d;
  if (value->is_number()) {
    IssueList ignored;  // the combined message below says both forms
    if (const auto ms = read_integer(ignored, value, r.path(key), Need::kRequired, lo_ms, hi_ms)) {
      d = Duration::millis(static_cast<int64_t>(*ms));
    }
  } else if (value->is_string()) {
    const auto parsed = parse_duration(value->get_ref<const std::string&>());
    if (parsed && *parsed >= Duration::millis(static_cast<int64_t>(lo_ms)) &&
        *parsed <= Duration::millis(static_cast<int64_t>(hi_ms))) {
      d = parsed;
    }
  }
  if (!d) r.issues().got(r.path(key), *value, expected);
  return d;
}

constexpr std::array kApis = {"PutRecords"sv, "PutRecord"sv};
constexpr std::array kPartitionKeyOptions = {"RANDOM"sv, "DETERMINISTIC"sv};
constexpr std::array kInitialPositions = {"END_OF_FILE"sv, "START_OF_FILE"sv};

}  // namespace

// ---- SDK -------------------------------------------------------------------------------------

void read_sdk(IssueList& issues, const Json& node, const std::string& path,
              const ProducerContext& ctx, SdkConfig& sdk) {
  const ObjectReader r(issues, node, path, keys::kSdk);
  if (!r.valid()) return;
  if (const auto api = r.choice("api", Need::kOptional, kApis)) {
    sdk.api = static_cast<SdkConfig::Api>(*api);
  }
  const core::PutLimits limits;
  sdk.max_batch_records = static_cast<uint32_t>(
      r.integer("max_batch_records", Need::kOptional, 1, limits.max_records_per_request)
          .value_or(sdk.max_batch_records));
  if (const auto bytes = r.size("max_batch_bytes", Need::kOptional, 1, kNoLimit)) {
    if (*bytes > ctx.max_request_bytes) {
      issues.got(r.path("max_batch_bytes"), *r.find("max_batch_bytes"),
                 "at most the PutRecords request limit " + format_size(ctx.max_request_bytes) +
                     (ctx.legacy_request_limit ? " (stream.legacy_request_limit is true)" : ""));
    } else {
      sdk.max_batch_bytes = *bytes;
    }
  }
  const auto non_negative = [](Duration) { return true; };
  const auto positive = [](Duration d) { return d > Duration(); };
  sdk.linger = r.duration("linger", Need::kOptional, non_negative).value_or(sdk.linger);
  sdk.max_in_flight = static_cast<uint32_t>(
      r.integer("max_in_flight", Need::kOptional, 1, kMaxInFlight).value_or(sdk.max_in_flight));
  sdk.backoff_base = r.duration("backoff_base", Need::kOptional, positive, "a duration > 0")
                         .value_or(sdk.backoff_base);
  if (const auto cap = r.duration("backoff_cap", Need::kOptional, positive, "a duration > 0")) {
    if (*cap < sdk.backoff_base) {
      issues.got(r.path("backoff_cap"), *r.find("backoff_cap"),
                 "a duration >= backoff_base (" + describe(sdk.backoff_base) + ")");
    } else {
      sdk.backoff_cap = *cap;
    }
  } else if (sdk.backoff_cap < sdk.backoff_base && !r.has("backoff_cap")) {
    issues.got(r.path("backoff_base"), *r.find("backoff_base"),
               "a duration <= backoff_cap (" + describe(sdk.backoff_cap) + ")");
  }
  sdk.max_attempts = static_cast<uint32_t>(
      r.integer("max_attempts", Need::kOptional, 1, kMaxAttempts).value_or(sdk.max_attempts));
  sdk.max_buffered_records =
      r.integer("max_buffered_records", Need::kOptional, 1, kMaxBufferedRecords)
          .value_or(sdk.max_buffered_records);
}

// ---- KPL -------------------------------------------------------------------------------------

void read_kpl(IssueList& issues, const Json& node, const std::string& path,
              const ProducerContext& ctx, KplConfig& kpl) {
  const ObjectReader r(issues, node, path, keys::kKpl);
  if (!r.valid()) return;
  // Bounds are the KPL's own (aws/kinesis/core/configuration.h), then the stream's limits: an
  // aggregate larger than a record, or a request larger than PutRecords allows, is rejected.
  kpl.aggregation_enabled =
      r.boolean("AggregationEnabled", Need::kOptional).value_or(kpl.aggregation_enabled);
  kpl.aggregation_max_count = r.integer("AggregationMaxCount", Need::kOptional, 1, kJavaLongMax)
                                  .value_or(kpl.aggregation_max_count);
  constexpr uint64_t kKplMaxAggregate = 10 * core::kMiB;  // 10485760
  // An aggregate goes with partition key "a" (1 byte), which counts towards the record limit
  // beside the aggregate's data, which AggregationMaxSize bounds.
  const uint64_t largest_aggregate = ctx.max_record_bytes - 1;
  if (const auto size = r.size("AggregationMaxSize", Need::kOptional, 64, kKplMaxAggregate)) {
    if (*size > largest_aggregate) {
      issues.got(r.path("AggregationMaxSize"), *r.find("AggregationMaxSize"),
                 "at most stream.max_record_size - 1 byte (" + format_size(largest_aggregate) +
                     "): an aggregate's data and its partition key \"a\" make one record, and "
                     "the stream rejects larger records");
    } else {
      kpl.aggregation_max_size = *size;
    }
  } else {
    // The default (51200) on a stream whose records are smaller: the largest that fits.
    kpl.aggregation_max_size = std::min(kpl.aggregation_max_size, largest_aggregate);
  }
  kpl.collection_max_count =
      r.integer("CollectionMaxCount", Need::kOptional, 1, core::PutLimits{}.max_records_per_request)
          .value_or(kpl.collection_max_count);
  if (const auto size = r.size("CollectionMaxSize", Need::kOptional, 52'224, kNoLimit)) {
    if (*size > ctx.max_request_bytes) {
      issues.got(r.path("CollectionMaxSize"), *r.find("CollectionMaxSize"),
                 "at most the PutRecords request limit " + format_size(ctx.max_request_bytes) +
                     (ctx.legacy_request_limit ? " (stream.legacy_request_limit is true)" : ""));
    } else {
      kpl.collection_max_size = *size;
    }
  }
  kpl.record_max_buffered_time = read_millis(r, "RecordMaxBufferedTime", 0, kMaxMillis, "100ms")
                                     .value_or(kpl.record_max_buffered_time);
  kpl.record_ttl = read_millis(r, "RecordTtl", 100, kMaxMillis, "30s").value_or(kpl.record_ttl);
  // Any RateLimit above 2^32-1 percent (43 million records/s per shard) already limits nothing.
  if (const auto rate = r.integer("RateLimit", Need::kOptional, 1, kJavaLongMax)) {
    kpl.rate_limit =
        static_cast<uint32_t>(std::min<uint64_t>(*rate, std::numeric_limits<uint32_t>::max()));
  }
  kpl.max_connections = static_cast<uint32_t>(
      r.integer("MaxConnections", Need::kOptional, 1, 256).value_or(kpl.max_connections));
  kpl.request_timeout =
      read_millis(r, "RequestTimeout", 100, 600'000, "6s").value_or(kpl.request_timeout);
  kpl.fail_if_throttled =
      r.boolean("FailIfThrottled", Need::kOptional).value_or(kpl.fail_if_throttled);
  kpl.shard_map_refresh_delay = read_millis(r, "ShardMapRefreshDelay", 0, kMaxMillis, "5s")
                                    .value_or(kpl.shard_map_refresh_delay);
}

// ---- Kinesis Agent ---------------------------------------------------------------------------

void read_rotation(const ObjectReader& r, Duration& interval, uint32_t& files_tracked) {
  const auto positive = [](Duration d) { return d > Duration(); };
  interval = r.duration("rotation_interval", Need::kOptional, positive, "a duration > 0")
                 .value_or(interval);
  files_tracked = static_cast<uint32_t>(
      r.integer("rotated_files_tracked", Need::kOptional, 0, 1000).value_or(files_tracked));
}

void read_flow_settings(IssueList& issues, const ObjectReader& r, const ProducerContext& ctx,
                        AgentFlowSettings& s) {
  // KinesisFileFlow's ranges: a buffer is at most one PutRecords request of the agent's era
  // (500 records, 5 MiB), aged 1 s .. 15 min.
  s.max_buffer_size_records =
      static_cast<uint32_t>(r.integer("maxBufferSizeRecords", Need::kOptional, 1,
                                      core::PutLimits{}.max_records_per_request)
                                .value_or(s.max_buffer_size_records));
  s.max_buffer_size_bytes = r.size("maxBufferSizeBytes", Need::kOptional, 1, 5 * core::kMiB)
                                .value_or(s.max_buffer_size_bytes);
  s.max_buffer_age =
      read_millis(r, "maxBufferAgeMillis", 1'000, 900'000, "60s").value_or(s.max_buffer_age);
  if (const auto option = r.choice("partitionKeyOption", Need::kOptional, kPartitionKeyOptions)) {
    s.partition_key_option = static_cast<AgentFlowSettings::PartitionKeyOption>(*option);
  }
  const auto positive = [](Duration d) { return d > Duration(); };
  s.backoff_min = r.duration("backoff_min", Need::kOptional, positive, "a duration > 0")
                      .value_or(s.backoff_min);
  if (const auto max = r.duration("backoff_max", Need::kOptional, positive, "a duration > 0")) {
    if (*max < s.backoff_min) {
      issues.got(r.path("backoff_max"), *r.find("backoff_max"),
                 "a duration >= backoff_min (" + describe(s.backoff_min) + ")");
    } else {
      s.backoff_max = *max;
    }
  } else if (s.backoff_max < s.backoff_min && !r.has("backoff_max")) {
    issues.got(r.path("backoff_min"), *r.find("backoff_min"),
               "a duration <= backoff_max (" + describe(s.backoff_max) + ")");
  }
  // FileFlow rejects a terminator that is not shorter than the record size limit.
  s.truncated_record_terminator =
      r.string("truncatedRecordTerminator", Need::kOptional,
               "a string of fewer UTF-8 bytes than stream.max_record_size (" +
                   format_size(ctx.max_record_bytes) + ")",
               [&](const std::string& t) { return t.size() < ctx.max_record_bytes; })
          .value_or(s.truncated_record_terminator);
}

void read_agent(IssueList& issues, const Json& node, const std::string& path,
                const ProducerContext& ctx, AgentConfig& agent) {
  const ObjectReader r(issues, node, path, keys::kAgent);
  if (!r.valid()) return;
  read_flow_settings(issues, r, ctx, agent);
  read_rotation(r, agent.rotation_interval, agent.rotated_files_tracked);
  const auto positive = [](Duration d) { return d > Duration(); };
  agent.checkpoint_interval =
      r.duration("checkpoint_interval", Need::kOptional, positive, "a duration > 0")
          .value_or(agent.checkpoint_interval);
  if (const auto position = r.choice("initial_position", Need::kOptional, kInitialPositions)) {
    agent.start_at_end_of_file = *position == 0;
  }
  agent.max_in_flight = static_cast<uint32_t>(
      r.integer("max_in_flight", Need::kOptional, 1, kMaxInFlight).value_or(agent.max_in_flight));
  r.array("flows", Need::kOptional);  // its entries are the producer reader's: they have rates
}

}  // namespace kinesim::models::scenario_json
