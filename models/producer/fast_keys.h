// Fast mode's view of one producer's partition keys (docs/design.md, "Fast mode"). Keys that
// matter one by one stay individual: the hot keys a scenario names, every key expected to carry
// at least 1 % of a shard's write limit at the producer's peak rate, and the `top_n` most
// probable keys, at most kMaxIndividual in all. The rest of the key space is carried as
// categories "a key of the rest that routes to shard s and has a partition key of n bytes": a
// record draws one category from an alias table, with the probability mass of the rest keys
// in that shard's hash range and of that length. Categories are rebuilt when the stream's shard
// map changes, and a record drawn under an older map moves to a new shard with the probability
// that a rest key of its old category lies in that shard.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/core/shard_map.h"
#include "models/core/uint128.h"
#include "models/workload/keys.h"
#include "sim/rng.h"

namespace kinesim::models {

class FastKeys {
 public:
  static constexpr uint32_t kMaxIndividual = 65'536;
  // Individual keys are those expected to carry at least this share of one shard's write
  // limits (1,000 records/s, 1 MiB/s) at the producer's peak rate.
  static constexpr double kIndividualShare = 0.01;
  // With a repeat window (a KPL aggregate's), keys expected at least this many times in one
  // window stay individual too: every key of the rest then has fewer than 0.01 records
  // expected beside it in its aggregate (docs/design.md, "Fast mode").
  static constexpr double kIndividualRepeats = 0.01;

  // A category of the rest: what a move to a newer table needs.
  struct RestCategory {
    uint32_t length_class = 0;     // which partition-key length
    core::uint128 lo = 0, hi = 0;  // the shard's hash range (inclusive)
  };
  // The categories under one shard map: the individual keys first (the same ids under every
  // map), then the rest by shard and key length.
  struct Table {
    uint64_t epoch = 0;
    sim::CompactAlias alias;
    // What every record needs of its category: partition-key bytes, and the shard its keys
    // route to under the table's map.
    std::vector<uint32_t> pk_bytes;
    std::vector<core::ShardIndex> shard;
    std::vector<RestCategory> rest;  // rest[c - individual_count()]
    // Built on first need, per destination table (by epoch): each rest category's
    // destinations there.
    struct Moves {
      uint64_t to_epoch = 0;
      std::vector<sim::AliasTable> alias;
      std::vector<std::vector<uint32_t>> targets;
    };
    std::vector<Moves> moves;
  };

  // `peak_records_per_sec` and `mean_bytes` are the producer's (all instances); `top_n` keys
  // are listed by reports and so kept individual; `repeat_window_s` is 0 or a KPL
  // aggregate's RecordMaxBufferedTime.
  FastKeys(KeySpace& keys, double peak_records_per_sec, double mean_bytes, uint32_t top_n,
           double repeat_window_s = 0);

  // The table of `map` (rebuilt when `epoch` differs from the last one asked for).
  const std::shared_ptr<Table>& table(const core::ShardMap& map, uint64_t epoch);
  // A table of `map`, built anew (table() keeps the last one).
  std::shared_ptr<Table> build(const core::ShardMap& map, uint64_t epoch) const;
  uint32_t individual_count() const { return static_cast<uint32_t>(individual_.size()); }
  // Keys of the rest expected at least kIndividualRepeats times in the repeat window: those the
  // cap of kMaxIndividual left out (0 without a window).
  uint64_t rest_repeating() const { return rest_repeating_; }
  bool individual(uint32_t category) const { return category < individual_.size(); }
  // The key id of an individual category (the same in every table).
  uint64_t individual_key(uint32_t category) const { return individual_[category]; }
  // A rest category of `from` moved to `to` (a table of another map, newer or older), drawn
  // from `rng`: a rest key of the category lies in each category of `to` it overlaps with the
  // probability of the keys they share.
  uint32_t move(Table& from, uint32_t category, const Table& to, sim::RngStream& rng) const;

 private:
  // Rest keys of one partition-key length, sorted by hash key, with cumulative probabilities;
  // or, for random keys, the whole hash space evenly.
  struct LengthClass {
    uint32_t pk_bytes = 0;
    bool even = false;
    std::vector<core::uint128> hashes;
    std::vector<double> cumulative;  // cumulative[i]: mass of hashes[0..i)
  };
  double mass(const LengthClass& c, core::uint128 lo, core::uint128 hi) const;

  uint64_t rest_repeating_ = 0;
  std::vector<uint64_t> individual_;  // key ids
  std::vector<core::uint128> individual_hash_;
  std::vector<uint32_t> individual_pk_bytes_;
  std::vector<double> individual_p_;
  std::vector<LengthClass> classes_;
  std::shared_ptr<Table> table_;
};

}  // namespace kinesim::models
