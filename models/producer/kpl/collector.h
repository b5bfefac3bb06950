// The KPL's collector (aws/kinesis/core/collector.h, SPEC §7): packs the Kinesis records the
// limiter lets through into PutRecords requests of at most CollectionMaxCount entries and
// CollectionMaxSize bytes. A request is due when one of its shards has kCollectorShardFlushBytes
// waiting (the KPL flushes early then), when its earliest deadline has passed, or when it is
// full; packed requests wait for one of MaxConnections connections, which the producer holds.
//
// State plus pure steps: the producer collects, asks due(now), flushes and takes packed
// requests; nothing here reads a clock or schedules.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "models/core/limits.h"
#include "models/core/shard_map.h"
#include "models/producer/kpl/records.h"
#include "models/producer/pool.h"
#include "models/producer/kpl_config.h"
#include "sim/time.h"

namespace kinesim::models::kpl {

// A shard with this much waiting in the request being packed makes it due (SPEC §7).
inline constexpr uint64_t kCollectorShardFlushBytes = 256 * core::kKiB;

class Collector {
 public:
  // Requests come from `requests`; whoever settles one releases it there.
  Collector(const KplConfig& config, Pool<PutRecordsRequest>& requests)
      : max_count_(config.collection_max_count),
        max_size_(config.collection_max_size),
        requests_(requests) {}

  // Adds `e` to the request being packed; a request it would overfill is packed first.
  void collect(PutEntry* e) {
    if (packing_ != nullptr &&
        (packing_->entries.size() >= max_count_ || packing_->bytes + e->wire_bytes > max_size_)) {
      flush();
    }
    if (packing_ == nullptr) {
      packing_ = requests_.acquire();
      packing_->entries.clear();
      packing_->bytes = 0;
      packing_->timed_out = false;
      deadline_ = kNever;
      early_ = false;
    }
    packing_->entries.push_back(e);
    packing_->bytes += e->wire_bytes;
    deadline_ = std::min(deadline_, e->deadline);
    if (e->predicted >= shard_bytes_.size()) shard_bytes_.resize(e->predicted + std::size_t{1});
    uint64_t& waiting = shard_bytes_[e->predicted];
    if (waiting == 0) touched_shards_.push_back(e->predicted);
    waiting += e->wire_bytes;
    if (waiting >= kCollectorShardFlushBytes) early_ = true;
  }

  // Whether the request being packed should go now.
  bool due(sim::Time now) const {
    return packing_ != nullptr &&
           (early_ || deadline_ <= now || packing_->entries.size() >= max_count_);
  }

  // The request being packed joins the packed ones. Requires one being packed.
  void flush() {
    PutRecordsRequest* r = packing_;
    packing_ = nullptr;
    for (const core::ShardIndex s : touched_shards_) shard_bytes_[s] = 0;
    touched_shards_.clear();
    packed_.push_back(r);
  }

  // The oldest packed request, taken off the queue; nullptr if none waits.
  PutRecordsRequest* take_packed() {
    if (packed_.empty()) return nullptr;
    PutRecordsRequest* r = packed_.front();
    packed_.pop_front();
    return r;
  }

  const PutRecordsRequest* packing() const { return packing_; }
  std::size_t packed() const { return packed_.size(); }

 private:
  uint64_t max_count_;
  uint64_t max_size_;
  Pool<PutRecordsRequest>& requests_;
  PutRecordsRequest* packing_ = nullptr;
  sim::Time deadline_ = kNever;                   // earliest deadline among its entries
  bool early_ = false;                            // a shard has kCollectorShardFlushBytes in it
  std::vector<uint64_t> shard_bytes_;             // by predicted shard, in packing_
  std::vector<core::ShardIndex> touched_shards_;  // those non-zero in shard_bytes_
  std::deque<PutRecordsRequest*> packed_;         // waiting for a connection
};

}  // namespace kinesim::models::kpl
