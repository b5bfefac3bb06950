#include "models/core/shard_map.h"

#include <algorithm>
#include <boost/graph/topological_sort.hpp>
#include <iterator>
#include <stdexcept>

#include "models/core/errors.h"
#include "models/core/hash_key.h"

namespace kinesim::core {
namespace {

constexpr std::string_view kShardIdPrefix = "shardId-";
constexpr std::size_t kShardIdDigits = 12;
// kinesalite accepts shard numbers up to 2^31-1 (a Java int on AWS's side).
constexpr uint64_t kMaxShardNumber = 2'147'483'647;

[[noreturn]] void throw_shard_not_found(std::string_view id) {
  std::string msg = "Could not find shard ";
  msg.append(id).append(".");
  throw KinesisError("ResourceNotFoundException", msg);
}

std::string shard_count_suffix(std::size_t open, uint32_t target) {
  return ". Current open shard count: " + std::to_string(open) +
         ", Target shard count: " + std::to_string(target);
}

}  // namespace

std::string Shard::id() const { return ShardMap::shard_id(index); }

uint128 ShardMap::uniform_step(uint32_t n) {
  if (n < 2) throw std::invalid_argument("uniform_step needs n >= 2");
  // 2^128 = kMaxHashKey + 1 = q*n + r + 1, so floor(2^128/n) is q, or q+1 when r+1 == n.
  const uint128 q = kMaxHashKey / n;
  const uint128 r = kMaxHashKey % n;
  return r + 1 == n ? q + 1 : q;
}

ShardMap ShardMap::uniform(uint32_t n) {
  if (n < 1) {
    throw KinesisError("ValidationException",
                       "1 validation error detected: Value '0' at 'shardCount' failed to satisfy "
                       "constraint: Member must have value greater than or equal to 1");
  }
  if (n > kMaxShards) {
    throw KinesisError(
        "LimitExceededException",
        "This request would exceed the shard limit. Limit: " + std::to_string(kMaxShards) +
            ". Number of additional shards that would have resulted from this "
            "request: " +
            std::to_string(n) + ".");
  }
  ShardMap map;
  map.shards_.reserve(n);
  const uint128 step = n == 1 ? 0 : uniform_step(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint128 start = step * i;
    const uint128 end = i + 1 == n ? kMaxHashKey : step * (i + 1) - 1;
    map.add_shard(start, end, std::nullopt, std::nullopt);
  }
  map.rebuild_open_index();
  return map;
}

std::string ShardMap::shard_id(ShardIndex index) {
  std::string digits = std::to_string(index);
  std::string id(kShardIdPrefix);
  if (digits.size() < kShardIdDigits) id.append(kShardIdDigits - digits.size(), '0');
  id.append(digits);
  return id;
}

ShardIndex ShardMap::parse_shard_id(std::string_view id) {
  // "shardId-000000000007", or the bare number as kinesalite also accepts.
  std::string_view digits = id;
  if (digits.starts_with(kShardIdPrefix)) digits.remove_prefix(kShardIdPrefix.size());
  if (digits.empty() || digits.size() > kShardIdDigits ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    throw_shard_not_found(id);
  }
  uint64_t value = 0;
  for (char c : digits) value = value * 10 + static_cast<uint64_t>(c - '0');
  if (value > kMaxShardNumber) throw_shard_not_found(id);
  return static_cast<ShardIndex>(value);
}

const Shard& ShardMap::shard(ShardIndex index) const {
  if (index >= shards_.size()) throw_shard_not_found(shard_id(index));
  return shards_[index];
}

ShardIndex ShardMap::route(uint128 hash) const {
  // Open ranges tile 0 ... 2^128-1, so the first open end >= hash belongs to the owner.
  const auto it = std::lower_bound(open_end_.begin(), open_end_.end(), hash);
  return open_[static_cast<std::size_t>(it - open_end_.begin())];
}

ShardIndex ShardMap::route_key(std::string_view partition_key,
                               const std::string* explicit_hash_key) const {
  return route(routing_hash_key(partition_key, explicit_hash_key));
}

const Shard& ShardMap::open_shard(ShardIndex index) const {
  const Shard& s = shard(index);
  if (!s.open) {
    throw KinesisError("InvalidArgumentException",
                       "Shard " + s.id() +
                           " has already been merged or split, and thus is not eligible for "
                           "merging or splitting.");
  }
  return s;
}

std::pair<ShardIndex, ShardIndex> ShardMap::split(ShardIndex shard, uint128 new_starting_hash_key) {
  const Shard& parent = open_shard(shard);
  if (new_starting_hash_key <= parent.start + 1 || new_starting_hash_key >= parent.end) {
    throw KinesisError("InvalidArgumentException",
                       "NewStartingHashKey " + to_decimal(new_starting_hash_key) +
                           " used in SplitShard() on shard " + parent.id() +
                           " is not both greater than one plus the shard's StartingHashKey " +
                           to_decimal(parent.start) + " and less than the shard's EndingHashKey " +
                           to_decimal(parent.end) + ".");
  }
  if (open_.size() + 1 > kMaxShards) {
    throw KinesisError("LimitExceededException",
                       "This request would exceed the shard limit. Current shard count: " +
                           std::to_string(open_.size()) + ". Limit: " + std::to_string(kMaxShards) +
                           ". Number of additional shards that would have resulted from this "
                           "request: 1.");
  }
  const std::size_t pos = open_position(shard);
  const auto children = apply_split(shard, new_starting_hash_key);
  // Keep the open index sorted in place: the parent's slot becomes the two children.
  open_[pos] = children.first;
  open_end_[pos] = shards_[children.first].end;
  const auto offset = static_cast<std::ptrdiff_t>(pos + 1);
  open_.insert(open_.begin() + offset, children.second);
  open_end_.insert(open_end_.begin() + offset, shards_[children.second].end);
  return children;
}

ShardIndex ShardMap::merge(ShardIndex shard, ShardIndex adjacent_shard) {
  const Shard& a = open_shard(shard);
  const Shard& b = open_shard(adjacent_shard);
  // Either order is accepted; the child keeps ShardToMerge as ParentShardId regardless.
  const bool a_first = a.end != kMaxHashKey && a.end + 1 == b.start;
  const bool b_first = b.end != kMaxHashKey && b.end + 1 == a.start;
  if (!a_first && !b_first) {
    throw KinesisError("InvalidArgumentException",
                       "Shards " + a.id() + " and " + b.id() +
                           " are not an adjacent pair of shards eligible for merging");
  }
  const std::size_t pos = open_position(a_first ? shard : adjacent_shard);
  const ShardIndex child = apply_merge(shard, adjacent_shard);
  open_[pos] = child;
  open_end_[pos] = shards_[child].end;
  const auto offset = static_cast<std::ptrdiff_t>(pos + 1);
  open_.erase(open_.begin() + offset);
  open_end_.erase(open_end_.begin() + offset);
  return child;
}

std::vector<ReshardOp> ShardMap::update_shard_count(uint32_t target) {
  const std::size_t n = open_.size();
  if (target < 1) {
    throw KinesisError("ValidationException",
                       "1 validation error detected: Value '0' at 'targetShardCount' failed to "
                       "satisfy constraint: Member must have value greater than or equal to 1");
  }
  if (target > kMaxShards) {
    throw KinesisError("LimitExceededException",
                       "Target shard count or number of open shards cannot be greater than " +
                           std::to_string(kMaxShards) + shard_count_suffix(n, target));
  }
  if (target > 2 * n) {
    throw KinesisError(
        "LimitExceededException",
        "UpdateShardCount cannot scale up over double your current open shard count" +
            shard_count_suffix(n, target));
  }
  if (target < (n + 1) / 2) {
    throw KinesisError(
        "LimitExceededException",
        "UpdateShardCount cannot scale down below half your current open shard count" +
            shard_count_suffix(n, target));
  }

  // The even layout: boundary j (1 <= j < target) at j*floor(2^128/target), the last shard
  // taking the remainder. A target boundary within kBoundarySnapDistance of an existing open
  // boundary moves onto it: cutting there would leave a sliver shard of at most 2^64 keys (one
  // part in 2^64 of the space) that carries no traffic yet costs a split and a merge. In practice
  // this happens where old and new layouts share a boundary (e.g. 1/2 of the space in 4 -> 6)
  // and the two floors differ by a few units; the layout stays even to within 2^64.
  std::vector<uint128> open_starts;
  open_starts.reserve(n);
  for (ShardIndex i : open_) open_starts.push_back(shards_[i].start);
  std::vector<uint128> ends(target, kMaxHashKey);
  if (target >= 2) {
    const uint128 step = uniform_step(target);
    for (uint32_t j = 0; j + 1 < target; ++j) {
      uint128 boundary = step * (j + 1);
      const auto it = std::lower_bound(open_starts.begin(), open_starts.end(), boundary);
      // The nearest open boundary within reach wins; on a tie, the lower one.
      std::optional<uint128> snapped;
      if (it != open_starts.begin() && boundary - *std::prev(it) <= kBoundarySnapDistance) {
        snapped = *std::prev(it);
      }
      if (it != open_starts.end() && *it - boundary <= kBoundarySnapDistance &&
          (!snapped || *it - boundary < boundary - *snapped)) {
        snapped = *it;
      }
      ends[j] = snapped.value_or(boundary) - 1;
    }
  }

  // Walk the final ranges left to right. Each starts on an open boundary (by induction); the
  // open shards inside it are merged left to right, after splitting the one that straddles its
  // end. A shard whose range already is a final range is left alone.
  std::vector<ReshardOp> ops;
  std::vector<ShardIndex> current = open_;
  std::size_t p = 0;
  std::vector<ShardIndex> group;
  for (const uint128 end : ends) {
    group.clear();
    while (true) {
      const ShardIndex s = current[p];
      const uint128 s_start = shards_[s].start;
      const uint128 s_end = shards_[s].end;
      if (s_end <= end) {
        group.push_back(s);
        ++p;
        if (s_end == end) break;
        continue;
      }
      // Unsnapped boundaries lie more than 2^64 from every open boundary, so this split is valid.
      if (end + 1 <= s_start + 1 || end + 1 >= s_end)
        throw std::logic_error("update_shard_count: invalid split");
      const auto [lo, hi] = apply_split(s, end + 1);
      ops.push_back(ReshardOp{ReshardOp::Kind::kSplit, s, 0, end + 1, {lo, hi}});
      group.push_back(lo);
      current[p] = hi;
      break;
    }
    ShardIndex merged = group.front();
    for (std::size_t k = 1; k < group.size(); ++k) {
      const ShardIndex child = apply_merge(merged, group[k]);
      ops.push_back(ReshardOp{ReshardOp::Kind::kMerge, merged, group[k], 0, {child}});
      merged = child;
    }
  }
  rebuild_open_index();
  return ops;
}

std::vector<ShardIndex> ShardMap::children(ShardIndex shard) const {
  (void)this->shard(shard);  // ResourceNotFoundException if unknown
  std::vector<ShardIndex> out;
  for (auto [it, last] = boost::out_edges(shard, lineage_); it != last; ++it) {
    out.push_back(static_cast<ShardIndex>(boost::target(*it, lineage_)));
  }
  std::sort(out.begin(), out.end());  // children are numbered lower range first
  return out;
}

std::vector<ShardIndex> ShardMap::parents_first_order() const {
  // topological_sort emits vertices in reverse topological order; with vecS storage its DFS runs
  // in vertex and edge insertion order, so the result is deterministic.
  std::vector<LineageGraph::vertex_descriptor> reversed;
  reversed.reserve(shards_.size());
  boost::topological_sort(lineage_, std::back_inserter(reversed));
  std::vector<ShardIndex> order;
  order.reserve(reversed.size());
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) {
    order.push_back(static_cast<ShardIndex>(*it));
  }
  return order;
}

ShardIndex ShardMap::add_shard(uint128 start, uint128 end, std::optional<ShardIndex> parent,
                               std::optional<ShardIndex> adjacent_parent) {
  const auto index = static_cast<ShardIndex>(shards_.size());
  shards_.push_back(Shard{index, start, end, parent, adjacent_parent, true});
  const auto vertex = boost::add_vertex(lineage_);
  if (parent) boost::add_edge(*parent, vertex, lineage_);
  if (adjacent_parent) boost::add_edge(*adjacent_parent, vertex, lineage_);
  return index;
}

std::pair<ShardIndex, ShardIndex> ShardMap::apply_split(ShardIndex shard,
                                                        uint128 new_starting_hash_key) {
  // Copy the range first: add_shard may reallocate shards_.
  const uint128 start = shards_[shard].start;
  const uint128 end = shards_[shard].end;
  shards_[shard].open = false;
  const ShardIndex lo = add_shard(start, new_starting_hash_key - 1, shard, std::nullopt);
  const ShardIndex hi = add_shard(new_starting_hash_key, end, shard, std::nullopt);
  return {lo, hi};
}

ShardIndex ShardMap::apply_merge(ShardIndex shard, ShardIndex adjacent_shard) {
  const uint128 start = std::min(shards_[shard].start, shards_[adjacent_shard].start);
  const uint128 end = std::max(shards_[shard].end, shards_[adjacent_shard].end);
  shards_[shard].open = false;
  shards_[adjacent_shard].open = false;
  return add_shard(start, end, shard, adjacent_shard);
}

std::size_t ShardMap::open_position(ShardIndex index) const {
  const auto it = std::lower_bound(open_end_.begin(), open_end_.end(), shards_[index].end);
  return static_cast<std::size_t>(it - open_end_.begin());
}

void ShardMap::rebuild_open_index() {
  open_.clear();
  for (const Shard& s : shards_) {
    if (s.open) open_.push_back(s.index);
  }
  std::sort(open_.begin(), open_.end(),
            [this](ShardIndex a, ShardIndex b) { return shards_[a].start < shards_[b].start; });
  open_end_.clear();
  open_end_.reserve(open_.size());
  for (ShardIndex i : open_) open_end_.push_back(shards_[i].end);
}

}  // namespace kinesim::core
