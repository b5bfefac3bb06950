// The shards of one stream and their lineage: the CreateStream layout, routing of hash keys to
// the open shard that owns them, SplitShard, MergeShards and UpdateShardCount. Pure state, no
// time: the stream model decides when an operation happens.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/core/uint128.h"

namespace kinesim::core {

using ShardIndex = uint32_t;  // the number in "shardId-000000000007"

struct Shard {
  ShardIndex index = 0;
  uint128 start = 0;  // inclusive
  uint128 end = 0;    // inclusive
  std::optional<ShardIndex> parent;
  std::optional<ShardIndex> adjacent_parent;
  bool open = true;
  std::string id() const;
};

// One reshard step as Kinesis performs it; update_shard_count returns the sequence it used.
struct ReshardOp {
  enum class Kind : uint8_t { kSplit, kMerge };
  Kind kind = Kind::kSplit;
  ShardIndex shard = 0;               // split: the parent; merge: ShardToMerge
  ShardIndex adjacent_shard = 0;      // merge only: AdjacentShardToMerge
  uint128 new_starting_hash_key = 0;  // split only
  std::vector<ShardIndex> children;   // the shards it created, lower range first
};

// Lineage DAG: vertex i is shard i; an edge parent -> child for every split or merge.
using LineageGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

class ShardMap {
 public:
  // Hard limit of open shards per stream (SPEC §2).
  static constexpr uint32_t kMaxShards = 10'000;
  // update_shard_count reuses an existing open boundary lying this close to a target boundary
  // rather than cutting a sliver shard next to it (see update_shard_count in shard_map.cc).
  static constexpr uint128 kBoundarySnapDistance = static_cast<uint128>(1) << 64;

  // The open shard width floor(2^128 / n) of an even layout of n shards (n >= 2; 2^128 does not
  // fit, so n == 1 has no step).
  static uint128 uniform_step(uint32_t n);

  // CreateStream with n shards: step = floor(2^128/n), the last shard takes the remainder.
  static ShardMap uniform(uint32_t n);

  // "shardId-" + 12-digit zero-padded index, and back (ResourceNotFoundException if malformed).
  static std::string shard_id(ShardIndex index);
  static ShardIndex parse_shard_id(std::string_view id);

  // Every shard ever created, by index (closed ones included).
  const std::vector<Shard>& shards() const { return shards_; }
  const Shard& shard(ShardIndex index) const;  // ResourceNotFoundException if unknown
  // Open shards ordered by starting hash key; together they cover 0 ... 2^128-1 exactly.
  const std::vector<ShardIndex>& open_shards() const { return open_; }
  std::size_t open_count() const { return open_.size(); }

  // The open shard owning `hash` (binary search over open ranges).
  ShardIndex route(uint128 hash) const;
  // Validates the key(s) like PutRecord and routes; explicit_hash_key wins when given.
  ShardIndex route_key(std::string_view partition_key, const std::string* explicit_hash_key) const;

  // SplitShard: children [start, key-1] and [key, end]; needs start+1 < key < end and an
  // open parent. Returns the two new indices.
  std::pair<ShardIndex, ShardIndex> split(ShardIndex shard, uint128 new_starting_hash_key);
  // MergeShards: two open shards with adjacent ranges (either order). Returns the child.
  ShardIndex merge(ShardIndex shard, ShardIndex adjacent_shard);
  // UpdateShardCount UNIFORM_SCALING: target within [ceil(n/2), 2n] of the open count n and
  // <= kMaxShards; carried out as splits and merges that end at an even layout. Returns the
  // operations in the order performed.
  std::vector<ReshardOp> update_shard_count(uint32_t target);

  std::vector<ShardIndex> children(ShardIndex shard) const;
  // Every shard, each after its parents (the order a KCL reader must follow).
  std::vector<ShardIndex> parents_first_order() const;
  const LineageGraph& lineage() const { return lineage_; }

 private:
  ShardIndex add_shard(uint128 start, uint128 end, std::optional<ShardIndex> parent,
                       std::optional<ShardIndex> adjacent_parent);
  void rebuild_open_index();
  // Shard `index` if it exists and is open; else the error SplitShard/MergeShards would give.
  const Shard& open_shard(ShardIndex index) const;
  // The state changes of a split or merge, already validated; they leave the open index stale
  // so update_shard_count can rebuild it once instead of after every step.
  std::pair<ShardIndex, ShardIndex> apply_split(ShardIndex shard, uint128 new_starting_hash_key);
  ShardIndex apply_merge(ShardIndex shard, ShardIndex adjacent_shard);
  // Position of open shard `index` in open_ (it must be open).
  std::size_t open_position(ShardIndex index) const;

  std::vector<Shard> shards_;
  std::vector<ShardIndex> open_;   // sorted by start
  std::vector<uint128> open_end_;  // open_end_[i] = shards_[open_[i]].end, for lower_bound
  LineageGraph lineage_;
};

}  // namespace kinesim::core
