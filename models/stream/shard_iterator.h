// What a polling reader exchanges with the stream (SPEC §4): where an iterator starts
// (TRIM_HORIZON, LATEST, AT/AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP), the iterator itself, and the
// replies of GetShardIterator and GetRecords. Plain data; Stream answers the calls.
#pragma once

#include <cstdint>
#include <optional>

#include "models/core/shard_map.h"
#include "models/stream/read_batch.h"
#include "models/stream/read_outcome.h"
#include "models/stream/retention.h"
#include "sim/time.h"

namespace kinesim::models {

enum class ShardIteratorType : uint8_t {
  kTrimHorizon,          // the oldest retained record
  kLatest,               // just after the newest record: only what arrives from now on
  kAtSequenceNumber,     // the record with `sequence`
  kAfterSequenceNumber,  // the record after `sequence`
  kAtTimestamp,          // the first record that arrived at or after `timestamp`
};

// ShardIteratorType with its argument; also SubscribeToShard's StartingPosition.
struct StartingPosition {
  ShardIteratorType type = ShardIteratorType::kTrimHorizon;
  uint64_t sequence = 0;  // AT_/AFTER_SEQUENCE_NUMBER
  sim::Time timestamp;    // AT_TIMESTAMP

  static StartingPosition trim_horizon() { return {ShardIteratorType::kTrimHorizon, 0, {}}; }
  static StartingPosition latest() { return {ShardIteratorType::kLatest, 0, {}}; }
  static StartingPosition at_sequence(uint64_t s) {
    return {ShardIteratorType::kAtSequenceNumber, s, {}};
  }
  static StartingPosition after_sequence(uint64_t s) {
    return {ShardIteratorType::kAfterSequenceNumber, s, {}};
  }
  static StartingPosition at_timestamp(sim::Time t) {
    return {ShardIteratorType::kAtTimestamp, 0, t};
  }
};

// A shard iterator: a shard, a position in it, and when it was issued (it expires after 5 min).
struct ShardIterator {
  core::ShardIndex shard = 0;
  ShardPosition position;
  sim::Time issued_at;
};

struct GetShardIteratorReply {
  ReadOutcome outcome = ReadOutcome::kOk;
  ShardIterator iterator;  // meaningful when outcome is kOk
};

// A GetRecords reply. A refused call (outcome other than kOk) returns nothing and the reader's
// iterator stays valid until it expires.
struct GetRecordsReply {
  ReadOutcome outcome = ReadOutcome::kOk;
  ReadBatch batch;
  // NextShardIterator, issued now: empty on refusal and at the end of a closed shard.
  std::optional<ShardIterator> next_iterator;
};

}  // namespace kinesim::models
