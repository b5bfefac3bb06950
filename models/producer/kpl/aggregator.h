// The KPL's aggregator (aws/kinesis/core/aggregator.h and reducer.h, SPEC §7): one reducer per
// predicted shard packs user records into an aggregate, sized exactly by core::AggregateSizer,
// and flushes it on AggregationMaxCount, AggregationMaxSize, or when its earliest deadline comes
// (RecordMaxBufferedTime after a record was put; half of it after a retry). A one-record
// aggregate travels raw. With AggregationEnabled false every user record is its own Kinesis
// record.
//
// State plus pure steps: callers pass `now`, and every Kinesis record flushed reaches `emit`
// (the limiter) at once, in flush order. No engine: the producer asks next_deadline() and flushes
// due reducers itself.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "models/core/aggregation.h"
#include "models/core/shard_map.h"
#include "models/producer/kpl/records.h"
#include "models/producer/kpl_config.h"
#include "models/producer/pool.h"
#include "sim/prefetch.h"
#include "sim/time.h"

namespace kinesim::models::kpl {

// Upper bound of the protobuf framing one user record adds to an aggregate beyond its data and
// key bytes: tags and length varints of the record, its fields and its key-table entry.
inline constexpr uint64_t kMaxRecordOverhead = 48;

class Aggregator {
 public:
  // Kinesis records come from `entries`; whoever settles one releases it there. With
  // `distinct_flagged_keys` (fast mode), a key with kDistinctKeyBit set is taken to occur once in
  // its aggregate: it gets a key-table entry of its own, without a lookup.
  Aggregator(const KplConfig& config, Pool<PutEntry>& entries, bool distinct_flagged_keys = false)
      : distinct_flagged_keys_(distinct_flagged_keys),
        enabled_(config.aggregation_enabled),
        max_count_(config.aggregation_max_count),
        max_size_(config.aggregation_max_size),
        entries_(entries) {}

  // Adds `r`, predicted for `shard`, at `now` (its creation, or the reply that sends it back).
  // Returns the reducer deadline the record set, kNever if it set none (the reducer already had
  // an earlier one, or the record travels alone). Fresh records must come in deadline order, and
  // so must retries (r.attempts > 0): one FIFO queue of deadlines each suffices.
  template <typename Emit>
  sim::Time add(const HeldUserRecord& r, core::ShardIndex shard, sim::Time now, Emit&& emit) {
    if (!enabled_) {
      PutEntry* e = entries_.acquire();
      e->clear();
      e->add(r);
      e->predicted = shard;
      e->wire_bytes = r.bytes();
      e->ready = now;
      emit(e);
      return kNever;
    }
    if (shard >= reducers_.size()) reducers_.resize(shard + std::size_t{1});
    Reducer& red = reducers_[shard];
    const uint64_t pk = r.key;  // a key's id (or, for random keys, its hash bits) names it
    const bool distinct = distinct_flagged_keys_ && (pk & kDistinctKeyBit) != 0;
    // The exact check costs a key lookup: skip it when even a generous bound fits (a record
    // adds at most its data, its key and kMaxRecordOverhead bytes of framing).
    if (red.entry != nullptr && red.sizer.size() + r.bytes() + kMaxRecordOverhead > max_size_ &&
        (distinct ? red.sizer.put_size_if_added_distinct(r.pk_bytes, r.data_bytes)
                  : red.sizer.put_size_if_added(pk, r.pk_bytes, std::nullopt, 0, r.data_bytes)) >
            max_size_) {
      flush(shard, now, emit);
    }
    if (red.entry == nullptr) {
      red.entry = entries_.acquire();
      red.entry->clear();
      red.entry->predicted = shard;
    }
    if (distinct) {
      red.sizer.add_distinct(r.pk_bytes, r.data_bytes);
    } else {
      red.sizer.add(pk, r.pk_bytes, std::nullopt, 0, r.data_bytes);
    }
    red.entry->add(r);
    sim::Time pushed = kNever;
    if (r.deadline < red.deadline) {
      red.deadline = r.deadline;
      (r.attempts == 0 ? fresh_deadlines_ : retry_deadlines_)
          .push_back({r.deadline, shard, red.generation});
      pushed = r.deadline;
    }
    if (red.sizer.count() >= max_count_ || red.sizer.put_size() >= max_size_) {
      flush(shard, now, emit);
    }
    return pushed;
  }

  // For a record drawn ahead, bound for `shard` with key id `key`: asks for what add() will
  // touch (the reducer's key slot, the end of its aggregate's records) to be in cache by then.
  void prefetch(uint64_t key, core::ShardIndex shard) const {
    if (!enabled_ || shard >= reducers_.size()) return;
    const Reducer& red = reducers_[shard];
    if (!distinct_flagged_keys_ || (key & kDistinctKeyBit) == 0) {
      sim::prefetch(red.sizer.key_slot(key));
    }
    if (red.entry != nullptr) red.entry->prefetch_add();
  }

  // The earliest deadline of a reducer holding records; kNever when none does.
  sim::Time next_deadline() {
    for (auto* q : {&fresh_deadlines_, &retry_deadlines_}) {
      while (!q->empty() && stale(q->front())) q->pop_front();
    }
    const sim::Time a = fresh_deadlines_.empty() ? kNever : fresh_deadlines_.front().at;
    const sim::Time b = retry_deadlines_.empty() ? kNever : retry_deadlines_.front().at;
    return std::min(a, b);
  }

  // Flushes the reducer next_deadline() just named, at its deadline.
  template <typename Emit>
  void flush_next_due(Emit&& emit) {
    const bool fresh =
        !fresh_deadlines_.empty() &&
        (retry_deadlines_.empty() || fresh_deadlines_.front().at <= retry_deadlines_.front().at);
    auto& q = fresh ? fresh_deadlines_ : retry_deadlines_;
    const DeadlineEntry e = q.front();
    q.pop_front();
    flush(e.shard, e.at, emit);
  }

  // User records the reducer of `shard` holds (0 for a shard it has not seen).
  std::size_t buffered(core::ShardIndex shard) const {
    return shard < reducers_.size() && reducers_[shard].entry != nullptr
               ? reducers_[shard].entry->users.size()
               : 0;
  }

 private:
  struct Reducer {
    core::AggregateSizer sizer;
    PutEntry* entry = nullptr;  // the aggregate being filled
    sim::Time deadline = kNever;
    uint32_t generation = 0;  // flushes so far
  };
  // A reducer deadline to check; stale when the reducer has flushed since (generation differs).
  struct DeadlineEntry {
    sim::Time at;
    core::ShardIndex shard;
    uint32_t generation;
  };

  bool stale(const DeadlineEntry& e) const {
    const Reducer& red = reducers_[e.shard];
    return red.generation != e.generation || red.entry == nullptr || red.deadline != e.at;
  }

  template <typename Emit>
  void flush(core::ShardIndex shard, sim::Time at, Emit&& emit) {
    Reducer& red = reducers_[shard];
    PutEntry* e = red.entry;
    // One record travels raw (data + its key); an aggregate carries key "a" (1 byte).
    e->wire_bytes = red.sizer.count() == 1 ? e->users.front().bytes() : red.sizer.size() + 1;
    e->ready = at;
    red.entry = nullptr;
    red.sizer.clear();
    red.deadline = kNever;
    ++red.generation;
    emit(e);
  }

  bool distinct_flagged_keys_;
  bool enabled_;
  uint64_t max_count_;
  uint64_t max_size_;
  Pool<PutEntry>& entries_;
  std::vector<Reducer> reducers_;  // by predicted shard
  std::deque<DeadlineEntry> fresh_deadlines_;
  std::deque<DeadlineEntry> retry_deadlines_;
};

}  // namespace kinesim::models::kpl
