// Kinesis Data Streams service limits, as versioned data (SPEC.md §2–§5). Every model reads its
// defaults from here; a scenario may override any of them. Values marked "assumed" are not
// published by AWS and are kept as named parameters for that reason.
#pragma once

#include <cstdint>

namespace kinesim::core {

struct DataVersion {
  const char* date;    // when the figures were last checked against the source
  const char* source;  // where they come from
};

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;

inline constexpr DataVersion kLimitsVersion = {
    "2026-03-31",
    "AWS Kinesis Data Streams developer guide (quotas, resharding, on-demand, enhanced fan-out), "
    "API reference (PutRecords, GetRecords, UpdateShardCount), AWS blogs Oct 2025 - Mar 2026; "
    "summarised in SPEC.md §2-§5"};

// Per-shard write limits, in every capacity mode (SPEC §3).
struct ShardWriteLimits {
  uint64_t bytes_per_sec = 1 * kMiB;  // key bytes included
  uint64_t records_per_sec = 1000;
  uint64_t burst_bytes =
      10 * kMiB;                  // bucket depth; burst to 10 MiB/s since Oct 2025 (depth assumed)
  uint64_t burst_records = 1000;  // bucket depth (assumed)
};

// Request limits of PutRecord / PutRecords (SPEC §3).
struct PutLimits {
  uint32_t max_records_per_request = 500;
  uint64_t max_request_bytes = 10 * kMiB;  // 5 MiB before Oct 2025
  uint64_t legacy_max_request_bytes = 5 * kMiB;
  uint64_t max_record_bytes = 1 * kMiB;  // default; raisable per stream
  uint64_t max_record_bytes_ceiling = 10 * kMiB;
  uint32_t max_partition_key_chars = 256;
};

// Shared (polling) read limits per shard (SPEC §4).
struct ShardReadLimits {
  uint64_t bytes_per_sec = 2 * kMiB;  // split among all polling consumers
  uint32_t get_records_calls_per_sec = 5;
  uint64_t max_bytes_per_call = 10 * kMiB;
  uint32_t max_records_per_call = 10'000;
  uint32_t throttle_after_max_call_ms = 5'000;  // after a 10 MiB call
  uint32_t throttle_after_overrun_ms = 1'000;
  uint32_t iterator_lifetime_ms = 300'000;
  uint32_t get_shard_iterator_calls_per_sec = 5;
  uint32_t propagation_ms_one_consumer = 200;  // average
  uint32_t propagation_ms_five_consumers = 1'000;
  // How the model enforces the byte and call limits (model assumed, SPEC §4): a byte bucket of
  // bytes_per_sec holding at most burst_bytes that one call may overdraw by up to debt_bytes,
  // refusing calls while it is in debt. 2 + 8 MiB lets one call return 10 MiB; the bucket is
  // then in debt for 4 s and full again 5 s after the call (AWS: "calls in the next 5 s are
  // throttled"). An overrun of 2 MiB past the bucket refuses calls for 1 s (AWS: "1 s").
  uint64_t burst_bytes = 2 * kMiB;  // one second's worth (assumed)
  uint64_t debt_bytes = 8 * kMiB;
  uint32_t burst_get_records_calls = 5;  // one second's worth (assumed)
  // The quota page's 2,000 records/s per shard (enforcement unconfirmed: the stream applies it
  // only when StreamConfig::read.enforce_records_per_sec is set), as a bucket like the bytes'.
  uint32_t records_per_sec = 2'000;
  uint32_t burst_records = 2'000;  // (assumed)
  uint32_t debt_records = 8'000;   // (assumed) one call of 10,000 records from a full bucket
  uint32_t burst_get_shard_iterator_calls = 5;  // (assumed) one second's worth
};

// Enhanced fan-out (SPEC §4).
struct EfoLimits {
  uint64_t bytes_per_sec_per_consumer_shard = 2 * kMiB;
  uint32_t subscription_lifetime_ms = 300'000;
  uint32_t max_consumers = 20;
  uint32_t max_consumers_advantage = 50;
  uint32_t propagation_ms = 70;
  uint64_t burst_bytes_per_consumer_shard = 2 * kMiB;  // push bucket depth (assumed: one second)
  uint32_t max_consumers_creating = 5;                 // in CREATING at once
  uint32_t register_calls_per_sec = 5;                 // RegisterStreamConsumer, per account
  uint32_t subscribe_calls_per_sec = 1;                // SubscribeToShard, per consumer and shard
  uint32_t resubscribe_after_ms = 5'000;  // a new SubscribeToShard sooner: ResourceInUseException
  uint32_t registration_ms = 5'000;       // CREATING -> ACTIVE (assumed; AWS publishes none)
};

// Retention and resharding (SPEC §2, §4).
struct StreamLimits {
  uint32_t retention_hours_default = 24;
  uint32_t retention_hours_min = 24;
  uint32_t retention_hours_max = 8'760;
  uint32_t max_shards = 10'000;
  uint32_t reshard_seconds = 30;                   // UPDATING per operation (assumed)
  uint32_t update_shard_count_calls_per_day = 10;  // rolling 24 h
  uint32_t capacity_mode_switches_per_day = 2;
};

// On-demand capacity (SPEC §5).
struct OnDemandLimits {
  uint64_t initial_write_bytes_per_sec = 4 * kMiB;  // 4 shards' worth
  uint64_t initial_write_records_per_sec = 4'000;
  uint64_t initial_read_bytes_per_sec = 8 * kMiB;
  double peak_multiplier = 2.0;  // serves up to 2x the previous peak
  uint32_t peak_lookback_days = 30;
  uint32_t surge_window_minutes = 15;                       // > 2x within this may throttle
  uint64_t shard_split_trigger_bytes_per_sec = 500'000;     // "500 KB/s"
  uint32_t shard_split_delay_minutes = 15;                  // (timing assumed)
  uint64_t stream_write_ceiling_bytes_per_sec = 10 * kGiB;  // large regions; 200 MiB/s elsewhere
  uint32_t scale_down_after_hours = 24;                     // below half the capacity (assumed)
  // On-demand Advantage (account setting, Nov 2025).
  uint64_t advantage_min_bytes_per_sec = 25 * kMiB;  // committed ingest and retrieval
  uint32_t advantage_min_commit_hours = 24;
  uint64_t advantage_max_warm_bytes_per_sec = 10 * kGiB;
};

}  // namespace kinesim::core
