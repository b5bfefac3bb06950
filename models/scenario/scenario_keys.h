// The keys of every object of the scenario JSON format, one table per kind of object. The loader
// rejects any other key; scenario_allowed_keys() publishes these tables for the schema test.
// Order is the order of docs/scenarios.md and of the "expected one of" lists in messages.
#pragma once

#include <array>
#include <string_view>

namespace kinesim::models::scenario_keys {

using std::string_view_literals::operator""sv;

inline constexpr std::array kTop = {"name"sv,   "description"sv, "duration"sv, "seed"sv,
                                    "stream"sv, "producers"sv,   "timeline"sv, "output"sv};

inline constexpr std::array kStream = {"name"sv,
                                       "mode"sv,
                                       "shards"sv,
                                       "retention_hours"sv,
                                       "shard_write_bytes_per_sec"sv,
                                       "shard_write_records_per_sec"sv,
                                       "shard_burst_bytes"sv,
                                       "shard_burst_records"sv,
                                       "max_record_size"sv,
                                       "legacy_request_limit"sv,
                                       "reshard_duration"sv,
                                       "put_latency"sv,
                                       "internal_failure_rate"sv};

// Distributions: sizes name their fixed value and histogram points "bytes", durations "value".
inline constexpr std::array kSizeDist = {"dist"sv, "bytes"sv, "min"sv,   "max"sv,
                                         "mean"sv, "sigma"sv, "points"sv};
inline constexpr std::array kSizePoint = {"bytes"sv, "weight"sv};
inline constexpr std::array kDurationDist = {"dist"sv, "value"sv, "min"sv,   "max"sv,
                                             "mean"sv, "sigma"sv, "points"sv};
inline constexpr std::array kDurationPoint = {"value"sv, "weight"sv};

inline constexpr std::array kProducer = {"name"sv, "type"sv, "instances"sv,   "start"sv,
                                         "rate"sv, "keys"sv, "record_size"sv, "sdk"sv};

inline constexpr std::array kRate = {
    "profile"sv,     "records_per_sec"sv, "steps"sv,  "process"sv, "mean_records_per_sec"sv,
    "peak_factor"sv, "peak_at"sv,         "period"sv, "file"sv,    "speed"sv,
    "loop"sv};
inline constexpr std::array kStep = {"at"sv, "records_per_sec"sv};

inline constexpr std::array kKeys = {
    "dist"sv,      "count"sv,        "s"sv, "prefix"sv, "hot"sv, "rest"sv, "random_key_bytes"sv,
    "hash_keys"sv, "partition_key"sv};
inline constexpr std::array kHotKey = {"key"sv, "share"sv};
inline constexpr std::array kHashKey = {"hash_key"sv, "weight"sv};

inline constexpr std::array kSdk = {
    "api"sv,         "max_batch_records"sv, "max_batch_bytes"sv,
    "linger"sv,      "max_in_flight"sv,     "backoff_base"sv,
    "backoff_cap"sv, "max_attempts"sv,      "max_buffered_records"sv};

inline constexpr std::array kTimeline = {
    "at"sv, "action"sv, "shard"sv, "adjacent_shard"sv, "new_starting_hash_key"sv, "target"sv};

inline constexpr std::array kOutput = {"resolution"sv, "top_n"sv};

}  // namespace kinesim::models::scenario_keys
