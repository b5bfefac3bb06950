// Which partition key each record carries. Keys are numbered; a key's name, its MD5 hash key
// and its byte length are derived from its number on demand and cached, so each distinct key
// is hashed once. Random keys (a fresh key per record) are not named: their hash key is
// uniform on the key space, so the top 64 bits are drawn directly and carried as the "key".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/core/uint128.h"
#include "models/workload/workload_config.h"
#include "sim/rng.h"

namespace kinesim::models {

// Number of decimal digits of v (1 for 0): the length of a numbered key's suffix.
uint32_t decimal_digits(uint64_t v);

class KeySpace {
 public:
  explicit KeySpace(const KeysConfig& config);

  // Draws the key of one record.
  uint64_t sample(sim::RngStream& rng) const { return finish(begin(rng)); }

  // sample() in two steps, for callers that draw ahead: begin() takes every random number the
  // key needs (the same numbers, in the same order), finish() looks the key up. A Zipf draw
  // reads one entry of a table as large as the key space; prefetch() between the two steps
  // hides that read.
  struct PendingKey {
    uint64_t value = 0;   // the key; or, when `column`, the Zipf table column drawn
    double u = 0;         // with `column`: the uniform that picks column or alias
    bool column = false;  // a Zipf draw still to resolve
  };
  PendingKey begin(sim::RngStream& rng) const {
    using Dist = KeysConfig::Dist;
    if (random_) return {rng.next_u64()};
    switch (config_.dist) {
      case Dist::kUniform:
        return {rng.below(size_)};
      case Dist::kZipf:
        return zipf_begin(rng);
      case Dist::kHot: {
        const std::size_t pick = hot_or_rest_.sample(rng);
        if (pick < hot_count_) return {pick};
        if (zipf_ != nullptr) return zipf_begin(rng);
        return {hot_count_ + rng.below(size_ - hot_count_)};
      }
      case Dist::kExplicitHashKeys:
        return {explicit_weights_.sample(rng)};
      case Dist::kRandom:
        break;
    }
    return {};
  }
  void prefetch(const PendingKey& k) const {
    if (k.column) zipf_->table().prefetch({k.value, k.u});
  }
  uint64_t finish(const PendingKey& k) const {
    if (!k.column) return k.value;
    // Zipf over all keys, or over the rest after the hot keys.
    return zipf_base_ + zipf_->table().resolve({k.value, k.u});
  }

  // True when every record has its own key; then sample() returns hash bits, not an id.
  bool random_keys() const { return random_; }
  // Number of numbered keys (0 for random keys); ids are 0 ... size()-1.
  uint64_t size() const { return size_; }

  core::uint128 hash(uint64_t key);
  // A key's name; for explicit hash keys, its ExplicitHashKey in decimal (the records all carry
  // the one partition key).
  std::string name(uint64_t key) const;
  uint32_t partition_key_bytes(uint64_t key) const;
  // Keys given by name (traces): returns the id, adding it on first sight.
  uint64_t intern(std::string_view name);
  // Which group a key reports under: a hot key's own name, else "other keys".
  bool is_hot(uint64_t key) const { return key < hot_count_; }
  // Hot keys named like one of the rest's keys (prefix + a number below count, written as the
  // rest's are): {hot id, rest id} pairs. Both draw the same name, so the same hash and shard:
  // one key, whose tallies are the two ids' together.
  std::vector<std::pair<uint64_t, uint64_t>> twins() const;
  // The probability that a record carries numbered key `key` (0 for random keys and for keys a
  // trace names).
  double probability(uint64_t key) const;

 private:
  PendingKey zipf_begin(sim::RngStream& rng) const {
    const sim::AliasTable::Draw d = zipf_->table().draw(rng);
    return {d.column, d.u, true};
  }

  KeysConfig config_;
  bool random_ = false;
  uint64_t size_ = 0;
  uint64_t hot_count_ = 0;
  sim::AliasTable hot_or_rest_;  // index hot_count_ means "the rest"
  sim::Zipf* zipf_ = nullptr;
  uint64_t zipf_base_ = 0;  // id of the Zipf's first key (hot_count_ for kHot)
  std::unique_ptr<sim::Zipf> zipf_storage_;
  sim::AliasTable explicit_weights_;
  std::vector<core::uint128> hashes_;
  std::vector<uint8_t> hashed_;
  std::vector<std::string> names_;  // interned (trace) keys
  std::unordered_map<std::string, uint64_t> ids_;
};

// Record data sizes in bytes, at most kMaxSizeBytes. A lognormal's tail is unbounded: a draw
// above kMaxSizeBytes (rare unless sigma is near 4) is held at kMaxSizeBytes. That record is far
// over every stream's record size limit (10 MiB at most), so it is rejected as too large (SDK,
// KPL) or truncated (Kinesis Agent) as the exact draw would be; only produced bytes differ.
class SizeSampler {
 public:
  explicit SizeSampler(const Distribution& d);
  uint32_t sample(sim::RngStream& rng) const;
  double mean() const;
  // Fast mode's sampler: a lognormal's rounded values tabulated in an alias table (each
  // probability exact to 2^-32 / entries, see sim::CompactAlias) when their
  // range up to the quantile 1 - 1e-16 (mean + 8.3 sigma in log space) spans at most
  // kMaxTabulated values; the same distribution, except that a draw above that quantile (with
  // probability below 1e-16) cannot occur. Other distributions draw as sample() does.
  // The table is in two parts, the same distribution: the central values, all but kTailMass of
  // the probability, and one column for the rest, which then draws from a table of its own. A
  // draw mostly touches only the small central table (for a lognormal of sigma 0.5, about a
  // tenth of the values), so it stays in the L1 cache.
  static constexpr uint32_t kMaxTabulated = 1u << 16;
  static constexpr double kTailMass = 1e-4;
  void tabulate();
  // The tabulated sampler by value (see sim::CompactAlias::View): it draws what
  // sample_tabulated() draws. Valid while the sampler lives and is not tabulated again.
  class Tabulated {
   public:
    uint32_t sample(sim::RngStream& rng) const {
      if (untabulated_ != nullptr) return untabulated_->sample(rng);
      const uint32_t v = head_.sample(rng);
      if (v < head_size_) [[likely]]
        return head_first_ + v;
      const uint32_t t = tail_.sample(rng);
      return t < head_first_ ? t : t + head_size_;
    }

   private:
    friend class SizeSampler;
    explicit Tabulated(const SizeSampler& s)
        : untabulated_(s.tabulated_ ? nullptr : &s),
          head_(s.head_.view()),
          tail_(s.tail_.view()),
          head_first_(s.head_first_),
          head_size_(s.head_size_) {}
    const SizeSampler* untabulated_;  // not tabulated: draws as sample() does
    sim::CompactAlias::View head_, tail_;
    uint32_t head_first_, head_size_;
  };
  Tabulated tabulated() const { return Tabulated(*this); }
  uint32_t sample_tabulated(sim::RngStream& rng) const { return tabulated().sample(rng); }

 private:
  Distribution d_;
  double mu_ = 0;
  sim::AliasTable points_;
  bool tabulated_ = false;
  sim::CompactAlias head_;  // index + head_first_ = size in bytes; index head_size_: the rest
  sim::CompactAlias tail_;  // the sizes below head_first_, then those above the central ones
  uint32_t head_first_ = 0;
  uint32_t head_size_ = 0;
};

}  // namespace kinesim::models
