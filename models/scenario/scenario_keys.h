// The keys of every object of the scenario JSON format, one table per kind of object. The loader
// rejects any other key; scenario_allowed_keys() publishes these tables for the schema test.
// Order is the order of docs/scenarios.md and of the "expected one of" lists in messages.
#pragma once

#include <array>
#include <string_view>

namespace kinesim::models::scenario_keys {

using std::string_view_literals::operator""sv;

inline constexpr std::array kTop = {"name"sv,   "description"sv, "duration"sv,  "seed"sv,
                                    "stream"sv, "producers"sv,   "consumers"sv, "timeline"sv,
                                    "output"sv, "fidelity"sv};

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
                                       "internal_failure_rate"sv,
                                       "on_demand"sv,
                                       "autoscaler"sv,
                                       "read"sv};

// stream.on_demand (SPEC §5): on-demand streams, or streams a switch_mode makes on-demand.
inline constexpr std::array kOnDemand = {"previous_peak_bytes_per_sec"sv,
                                         "previous_peak_records_per_sec"sv,
                                         "peak_multiplier"sv,
                                         "surge_window"sv,
                                         "shard_split_trigger_bytes_per_sec"sv,
                                         "shard_split_delay"sv,
                                         "stream_write_ceiling_bytes_per_sec"sv,
                                         "scale_down_after"sv,
                                         "warm_throughput_bytes_per_sec"sv};

// stream.autoscaler: provisioned streams, like amazon-kinesis-scaling-utils.
inline constexpr std::array kAutoscaler = {"enabled"sv,
                                           "scale_up_threshold_pct"sv,
                                           "scale_up_after"sv,
                                           "scale_up_pct"sv,
                                           "scale_down_threshold_pct"sv,
                                           "scale_down_after"sv,
                                           "scale_down_pct"sv,
                                           "min_shards"sv,
                                           "max_shards"sv,
                                           "cooldown"sv};

// stream.read (SPEC §4): the read side's optional records/s limit and enhanced fan-out's limits.
inline constexpr std::array kStreamRead = {"records_per_second_limit"sv, "efo"sv};
inline constexpr std::array kStreamReadEfo = {"propagation_ms"sv, "max_consumers"sv,
                                              "max_consumers_advantage"sv};

// Distributions: sizes name their fixed value and histogram points "bytes", durations "value".
inline constexpr std::array kSizeDist = {"dist"sv, "bytes"sv, "min"sv,   "max"sv,
                                         "mean"sv, "sigma"sv, "points"sv};
inline constexpr std::array kSizePoint = {"bytes"sv, "weight"sv};
inline constexpr std::array kDurationDist = {"dist"sv, "value"sv, "min"sv,   "max"sv,
                                             "mean"sv, "sigma"sv, "points"sv};
inline constexpr std::array kDurationPoint = {"value"sv, "weight"sv};

inline constexpr std::array kProducer = {"name"sv, "type"sv, "instances"sv,   "start"sv,
                                         "rate"sv, "keys"sv, "record_size"sv, "sdk"sv,
                                         "kpl"sv,  "agent"sv};

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

// The KPL's own names (KinesisProducerConfiguration, default_config.properties), plus
// ShardMapRefreshDelay, kinesim's assumption about how soon the KPL sees a reshard.
inline constexpr std::array kKpl = {
    "AggregationEnabled"sv, "AggregationMaxCount"sv, "AggregationMaxSize"sv,
    "CollectionMaxCount"sv, "CollectionMaxSize"sv,   "RecordMaxBufferedTime"sv,
    "RecordTtl"sv,          "RateLimit"sv,           "MaxConnections"sv,
    "RequestTimeout"sv,     "FailIfThrottled"sv,     "ShardMapRefreshDelay"sv};

// The Kinesis Agent's agent.json flow names (camelCase), then kinesim's own (snake_case).
inline constexpr std::array kAgent = {"maxBufferSizeRecords"sv,
                                      "maxBufferSizeBytes"sv,
                                      "maxBufferAgeMillis"sv,
                                      "partitionKeyOption"sv,
                                      "rotation_interval"sv,
                                      "rotated_files_tracked"sv,
                                      "checkpoint_interval"sv,
                                      "initial_position"sv,
                                      "backoff_min"sv,
                                      "backoff_max"sv,
                                      "max_in_flight"sv,
                                      "truncatedRecordTerminator"sv,
                                      "flows"sv};

// One file pattern of an agent (agent.json's "flows"): filePattern names it; its own rate, record
// size and rotation, and agent.json's per-flow settings (the agent's are their defaults).
inline constexpr std::array kAgentFlow = {"filePattern"sv,           "rate"sv,
                                          "record_size"sv,           "rotation_interval"sv,
                                          "rotated_files_tracked"sv, "maxBufferSizeRecords"sv,
                                          "maxBufferSizeBytes"sv,    "maxBufferAgeMillis"sv,
                                          "partitionKeyOption"sv,    "backoff_min"sv,
                                          "backoff_max"sv,           "truncatedRecordTerminator"sv};

inline constexpr std::array kConsumer = {"name"sv,         "type"sv,    "start"sv,
                                         "read_latency"sv, "polling"sv, "firehose"sv,
                                         "flink"sv,        "kcl"sv,     "lambda"sv};

// A custom polling application.
inline constexpr std::array kPolling = {"retrieval"sv,
                                        "initial_position"sv,
                                        "timestamp"sv,
                                        "poll_interval"sv,
                                        "Limit"sv,
                                        "processing_time_per_batch"sv,
                                        "processing_time_per_record"sv,
                                        "deaggregate"sv};

// Amazon Data Firehose: its BufferingHints names, then kinesim's own (snake_case).
inline constexpr std::array kFirehose = {"SizeInMBs"sv, "IntervalInSeconds"sv,
                                         "delivery_latency"sv};

// Apache Flink: "source" picks the connector's source, then each source's own configuration keys
// (legacy FlinkKinesisConsumer: ConsumerConfigConstants; KinesisStreamsSource:
// KinesisSourceConfigOptions), then kinesim's own (snake_case).
inline constexpr std::array kFlink = {"source"sv,
                                      "flink.stream.recordpublisher"sv,
                                      "flink.stream.initpos"sv,
                                      "flink.stream.initpos.timestamp"sv,
                                      "flink.shard.getrecords.intervalmillis"sv,
                                      "flink.shard.getrecords.maxrecordcount"sv,
                                      "source.reader.type"sv,
                                      "source.init.position"sv,
                                      "source.init.timestamp"sv,
                                      "source.shard.get-records.interval"sv,
                                      "source.shard.get-records.idle-source-interval"sv,
                                      "source.shard.get-records.max-record-count"sv,
                                      "processing_time_per_record"sv};
// An AWS Lambda event source mapping: CreateEventSourceMapping's names, then kinesim's own
// (snake_case): the function's duration, its reserved concurrency and the errors it meets.
inline constexpr std::array kLambda = {"StartingPosition"sv,
                                       "StartingPositionTimestamp"sv,
                                       "EnhancedFanOut"sv,
                                       "BatchSize"sv,
                                       "MaximumBatchingWindowInSeconds"sv,
                                       "ParallelizationFactor"sv,
                                       "MaximumRetryAttempts"sv,
                                       "MaximumRecordAgeInSeconds"sv,
                                       "BisectBatchOnFunctionError"sv,
                                       "FunctionResponseTypes"sv,
                                       "DestinationConfig"sv,
                                       "duration"sv,
                                       "duration_per_record"sv,
                                       "concurrency"sv,
                                       "error_rate"sv,
                                       "poison_records"sv};
inline constexpr std::array kLambdaDestinationConfig = {"OnFailure"sv};
inline constexpr std::array kLambdaOnFailure = {"Destination"sv};
inline constexpr std::array kLambdaPoisonRecord = {"at"sv, "shard"sv};

inline constexpr std::array kTimeline = {
    "at"sv,       "action"sv, "shard"sv,  "adjacent_shard"sv, "new_starting_hash_key"sv,
    "target"sv,   "mode"sv,   "shards"sv, "producer"sv,       "downtime"sv,
    "consumer"sv, "worker"sv};

// The Kinesis Client Library 2.x / 3.x: KCL's own configuration names, then kinesim's.
inline constexpr std::array kKcl = {"version"sv,
                                    "workers"sv,
                                    "retrieval"sv,
                                    "initialPositionInStream"sv,
                                    "timestamp"sv,
                                    "maxRecords"sv,
                                    "idleTimeBetweenReadsInMillis"sv,
                                    "failoverTimeMillis"sv,
                                    "maxLeasesToStealAtOneTime"sv,
                                    "checkpoint"sv,
                                    "processing_time_per_batch"sv,
                                    "processing_time_per_record"sv,
                                    "processingErrorRate"sv};
inline constexpr std::array kKclCheckpoint = {"everyRecords"sv, "everySeconds"sv};

inline constexpr std::array kOutput = {"resolution"sv, "top_n"sv};

}  // namespace kinesim::models::scenario_keys
