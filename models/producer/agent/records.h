// What the Kinesis Agent holds for one flow between reading a line and the reply that settles
// it (SPEC §7): the lines it read, as records, and the buffers (the agent's RecordBuffer) it
// sends as PutRecords. Lines are key ids and sizes, not text: see agent_producer.h.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "models/stream/stream.h"
#include "sim/time.h"

namespace kinesim::models::agent {

// "Never": later than any time a run reaches.
inline constexpr sim::Time kNever = sim::Time::max();

// `t + d`, or kNever when that would pass it (an interval of Duration::max() means never).
inline sim::Time add_saturated(sim::Time t, sim::Duration d) {
  return d.count_nanos() > std::numeric_limits<int64_t>::max() - t.nanos() ? kNever : t + d;
}

// One line of a log file, read as a record.
struct TailedRecord {
  uint64_t line = 0;  // its index in the flow's lines
  uint64_t key = 0;   // a key id (see KeySpace), or hash bits for random keys
  uint32_t data_bytes = 0;
  uint32_t pk_bytes = 0;
  sim::Time written;  // when the application wrote it
  uint64_t bytes() const { return uint64_t{data_bytes} + pk_bytes; }
};

// A buffer the tailer fills and the publisher sends as one PutRecords; a retry is a buffer of
// the records that failed, in order.
struct RecordBuffer {
  std::vector<TailedRecord> records;
  std::vector<PutOutcome> outcomes;  // per record, once the stream judged them
  uint64_t bytes = 0;                // of the sendable records
  uint32_t sendable = 0;             // records within the stream's record size
  uint32_t attempt = 1;              // 1 = first try
  sim::Time deadline = kNever;       // maxBufferAgeMillis after its first line was read
  bool preread = false;  // holds every line up to its close: the agent waits for the close
  bool arrived = false;  // the stream has judged it (outcomes are set)
  sim::Time sent;
  sim::Duration latency;
  void clear() {
    records.clear();
    outcomes.clear();
    bytes = 0;
    sendable = 0;
    attempt = 1;
    deadline = kNever;
    preread = false;
    arrived = false;
  }
};

}  // namespace kinesim::models::agent
