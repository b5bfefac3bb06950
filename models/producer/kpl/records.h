// What the KPL holds between addUserRecord and the reply that settles it (SPEC §7): the user
// records it buffers, the Kinesis records (PutRecords entries) they travel in, and the requests
// that carry those. The simulator keeps a user record as a key id and sizes, not bytes, so these
// are named apart from core::UserRecord and core::KinesisRecord, which hold real bytes for the
// codec.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "models/core/shard_map.h"
#include "models/stream/stream.h"
#include "sim/prefetch.h"
#include "sim/time.h"

namespace kinesim::models::kpl {

// "No deadline": later than any time a run reaches.
inline constexpr sim::Time kNever = sim::Time::max();

// Fast mode's keys of the rest of the key space (docs/design.md, "Fast mode") carry this bit:
// key ids stay below it. The aggregator takes such keys as distinct within an aggregate.
inline constexpr uint64_t kDistinctKeyBit = uint64_t{1} << 63;

// A user record inside the KPL, from addUserRecord until it is accepted or fails.
struct HeldUserRecord {
  // A key id (see KeySpace), hash bits for random keys, or in fast mode a key of the rest.
  uint64_t key = 0;
  sim::Time created;
  sim::Time deadline;  // when its reducer must flush at the latest
  uint32_t data_bytes = 0;
  uint16_t pk_bytes = 0;
  uint16_t attempts = 0;  // sends so far
  uint64_t bytes() const { return uint64_t{data_bytes} + pk_bytes; }
};

// One Kinesis record, i.e. one PutRecords entry: an aggregate of user records, or one user
// record sent raw.
struct PutEntry {
  std::vector<HeldUserRecord> users;
  uint64_t wire_bytes = 0;  // what the stream and the PUT payload units see
  sim::Time ready;          // when it left the aggregator
  sim::Time deadline = kNever;
  sim::Time oldest = kNever;  // earliest creation among its user records
  core::ShardIndex predicted = 0;
  core::ShardIndex actual = 0;  // where the stream put it (set on arrival)
  PutOutcome outcome = PutOutcome::kAccepted;

  void clear() {
    users.clear();
    wire_bytes = 0;
    deadline = kNever;
    oldest = kNever;
  }
  // Asks for the place add() writes next to be in cache (when the vector has room there).
  void prefetch_add() const {
    if (users.size() < users.capacity()) sim::prefetch(users.data() + users.size());
  }
  void add(const HeldUserRecord& r) {
    users.push_back(r);
    deadline = std::min(deadline, r.deadline);
    oldest = std::min(oldest, r.created);
  }
};

// One PutRecords call: the entries the collector packed, and what the network made of it.
struct PutRecordsRequest {
  std::vector<PutEntry*> entries;
  uint64_t bytes = 0;  // sum of the entries' wire bytes
  sim::Time sent;
  sim::Duration latency;
  // Slower than RequestTimeout: the KPL stops waiting and retries every entry. It reached the
  // stream all the same when half its latency is within RequestTimeout (`arrived`).
  bool timed_out = false;
  bool arrived = false;
};

}  // namespace kinesim::models::kpl
