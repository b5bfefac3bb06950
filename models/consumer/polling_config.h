// A custom polling application ("polling"): one reader per shard calling GetRecords every
// poll_interval through the shards' shared limits, processing each batch before it reads on.
#pragma once

#include "models/consumer/reader_config.h"
#include "sim/distribution.h"

namespace kinesim::models {

struct PollingConfig {
  // initial_position (LATEST by default), timestamp, poll_interval (1 s), Limit (10,000).
  ReaderConfig reader;
  // Time to process a batch: per_batch once, plus per_record times the records in it (one draw
  // per batch, multiplied). Durations in seconds; zero by default.
  sim::Distribution processing_per_batch;
  sim::Distribution processing_per_record;
  // Whether it de-aggregates KPL records: its counts are then user records, else Kinesis records.
  bool deaggregate = false;
};

}  // namespace kinesim::models
