// Settings of the Kinesis Producer Library (SPEC §7), by their KPL names.
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace kinesim::models {

using sim::Duration;

// The Kinesis Producer Library, every setting by its KPL name with the KPL default (SPEC §7).
struct KplConfig {
  bool aggregation_enabled = true;                            // AggregationEnabled
  uint64_t aggregation_max_count = 4'294'967'295;             // AggregationMaxCount
  uint64_t aggregation_max_size = 51'200;                     // AggregationMaxSize (bytes)
  uint64_t collection_max_count = 500;                        // CollectionMaxCount
  uint64_t collection_max_size = 5'242'880;                   // CollectionMaxSize (bytes)
  Duration record_max_buffered_time = Duration::millis(100);  // RecordMaxBufferedTime
  Duration record_ttl = Duration::millis(30'000);             // RecordTtl
  uint32_t rate_limit = 150;                                  // RateLimit (% of a shard's limits)
  uint32_t max_connections = 24;                              // MaxConnections
  Duration request_timeout = Duration::millis(6'000);         // RequestTimeout
  bool fail_if_throttled = false;                             // FailIfThrottled
  // How long the KPL takes to notice a reshard and refresh its shard map (ListShards); records
  // predicted for closed shards meanwhile land elsewhere and are retried (assumed).
  Duration shard_map_refresh_delay = Duration::seconds(5);
};

}  // namespace kinesim::models
