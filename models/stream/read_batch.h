// The records one read hands a reader, common to a GetRecords reply and a SubscribeToShard
// event: slices of retention runs in sequence order, where they leave the reader, how far it
// is from the tip, what it lost to retention, and at the end of a closed shard its children.
#pragma once

#include <cstdint>
#include <vector>

#include "models/core/shard_map.h"
#include "models/stream/retention.h"
#include "sim/time.h"

namespace kinesim::models {

struct ReadBatch {
  std::vector<RecordSlice> slices;
  // Totals of `slices`.
  uint64_t records = 0;  // Kinesis records
  uint64_t user_records = 0;
  uint64_t bytes = 0;
  // Where the next read starts (NextShardIterator's position, ContinuationSequenceNumber).
  ShardPosition next;
  // MillisBehindLatest: how long the oldest record still unread by this reader has been in the
  // shard (now - its arrival); zero when the reader has read every record (caught up). This is
  // AWS's "how far behind current time the consumer is", measured on the reader's next record.
  sim::Duration behind_latest;
  // GetRecords.IteratorAgeMilliseconds: now - arrival of the last record returned; with none
  // returned, the age of the next unread record (zero when caught up).
  sim::Duration iterator_age;
  // Records the reader's position had already lost to retention (it resumed at the oldest
  // retained record).
  uint64_t trimmed_records = 0;
  uint64_t trimmed_user_records = 0;
  // The reader has read the last record of a CLOSED shard: no next iterator; read the children.
  bool shard_end = false;
  std::vector<core::ShardIndex> child_shards;
};

}  // namespace kinesim::models
