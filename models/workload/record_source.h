// The user records one producer instance creates, in creation order: arrival times from the
// rate profile (or the rows of a trace), a key and a data size for each. Shared by the producer
// types that draw records as they go (SDK, KPL).
//
// Records are drawn ahead of the one being consumed, in two stages: kDrawAhead records have
// their random numbers drawn, and the first kLookahead of those also have their key looked up.
// The draws come from streams of their own (arrivals; keys and sizes), taken in the same order
// as drawing one record at a time, so drawing ahead changes no value. It lets the memory reads
// of a large key space overlap instead of stalling one record at a time: the Zipf table entry
// a key needs is prefetched when its numbers are drawn, and callers prefetch the per-key state
// a record will touch (key tallies, routes) when its key is looked up (pop() returns it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "models/workload/arrivals.h"
#include "models/workload/keys.h"
#include "models/workload/trace.h"
#include "models/workload/workload_config.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace kinesim::models {

struct DrawnRecord {
  sim::Time created;
  uint64_t key = 0;  // a key id (see KeySpace), or hash bits for random keys
  uint32_t data_bytes = 0;
  uint32_t pk_bytes = 0;
  uint64_t bytes() const { return uint64_t{data_bytes} + pk_bytes; }
};

class RecordSource {
 public:
  static constexpr std::size_t kLookahead = 8;   // records with their key looked up
  static constexpr std::size_t kDrawAhead = 16;  // records with their numbers drawn

  // Instance `index` of `config`'s producer. A trace-replay producer passes its shared feed
  // (nullptr otherwise); `keys` and `sizes` are the producer's, shared by its instances.
  RecordSource(const WorkloadConfig& config, uint32_t index, uint64_t seed, KeySpace& keys,
               const SizeSampler& sizes, TraceFeed* trace);

  // The next record, or nullptr once the workload has ended. Stable until pop().
  const DrawnRecord* front() {
    if (count_ == 0) fill();
    return count_ == 0 ? nullptr : &ring_[head_].record;
  }
  // Consumes front(). Returns the record whose key was just looked up (it entered the
  // look-ahead window), for the caller to prefetch its key's state; or nullptr.
  const DrawnRecord* pop();
  // The record `i` places after front(), once its key is looked up (i < kLookahead); else
  // nullptr. For callers that prefetch in stages.
  const DrawnRecord* ahead(std::size_t i) const {
    return i < resolved_ ? &ring_[(head_ + i) % kDrawAhead].record : nullptr;
  }

 private:
  struct Slot {
    DrawnRecord record;
    KeySpace::PendingKey key;
  };
  bool draw(Slot& s);
  void resolve(Slot& s);
  void fill();
  Slot& at(std::size_t i) { return ring_[(head_ + i) % kDrawAhead]; }

  KeySpace& keys_;
  const SizeSampler& sizes_;
  TraceFeed* trace_;
  uint32_t index_;
  sim::RngStream rng_;  // keys and sizes
  std::optional<ArrivalProcess> arrivals_;
  bool exhausted_ = false;
  std::array<Slot, kDrawAhead> ring_{};
  std::size_t head_ = 0;
  std::size_t count_ = 0;     // drawn records from head_
  std::size_t resolved_ = 0;  // of which the first resolved_ have their key
};

}  // namespace kinesim::models
