#include "models/producer/fast_keys.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace kinesim::models {
namespace {

constexpr double kShardRecordsPerSec = 1000.0;
constexpr double kShardBytesPerSec = 1024.0 * 1024.0;

// 2^-128 as a double, for the share of the hash space a range covers.
const double kHashSpaceInverse = std::ldexp(1.0, -128);

double width(core::uint128 lo, core::uint128 hi) {
  const core::uint128 w = hi - lo;  // hi >= lo; the full space is 2^128 - 1 + 1
  const auto high = static_cast<double>(static_cast<uint64_t>(w >> 64));
  const auto low = static_cast<double>(static_cast<uint64_t>(w));
  return (std::ldexp(high, 64) + low + 1.0) * kHashSpaceInverse;
}

}  // namespace

FastKeys::FastKeys(KeySpace& keys, double peak_records_per_sec, double mean_bytes, uint32_t top_n,
                   double repeat_window_s) {
  if (keys.random_keys()) {
    LengthClass c;
    c.pk_bytes = keys.partition_key_bytes(0);
    c.even = true;
    classes_.push_back(std::move(c));
    return;
  }
  const uint64_t n = keys.size();
  std::vector<double> p(n);
  for (uint64_t k = 0; k < n; ++k) p[k] = keys.probability(k);
  // A key is individual when it is named hot, among the top_n, or carries a visible share.
  double threshold = 1.0;
  double repeat_threshold = 2.0;  // no key reaches it without a window
  if (peak_records_per_sec > 0) {
    threshold = kIndividualShare * kShardRecordsPerSec / peak_records_per_sec;
    if (mean_bytes > 0) {
      threshold = std::min(
          threshold, kIndividualShare * kShardBytesPerSec / (peak_records_per_sec * mean_bytes));
    }
    if (repeat_window_s > 0) {
      repeat_threshold = kIndividualRepeats / (peak_records_per_sec * repeat_window_s);
      threshold = std::min(threshold, repeat_threshold);
    }
  }
  std::vector<uint64_t> order(n);
  std::iota(order.begin(), order.end(), uint64_t{0});
  auto by_probability = [&](uint64_t a, uint64_t b) { return p[a] != p[b] ? p[a] > p[b] : a < b; };
  const auto cap = static_cast<std::size_t>(std::min<uint64_t>(n, kMaxIndividual));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cap), order.end(),
                    by_probability);
  // The most probable keys first (top_n, or above the threshold), then named hot keys however
  // improbable, up to the cap; kept in key order.
  std::vector<uint8_t> chosen(n, 0);
  std::size_t count = 0;
  for (std::size_t i = 0; i < cap && p[order[i]] > 0; ++i) {
    const uint64_t k = order[i];
    if (i < top_n || p[k] >= threshold || keys.is_hot(k)) {
      chosen[k] = 1;
      ++count;
    }
  }
  for (uint64_t k = 0; k < n; ++k) {
    if (chosen[k] == 0 && keys.is_hot(k) && count < kMaxIndividual) {
      chosen[k] = 1;
      ++count;
    }
    if (chosen[k] == 0) continue;
    individual_.push_back(k);
    individual_hash_.push_back(keys.hash(k));
    individual_pk_bytes_.push_back(keys.partition_key_bytes(k));
    individual_p_.push_back(p[k]);
  }
  // The rest, by partition-key length, sorted by hash key.
  std::map<uint32_t, std::vector<std::pair<core::uint128, double>>> by_length;
  for (uint64_t k = 0; k < n; ++k) {
    if (chosen[k] != 0 || p[k] <= 0) continue;
    if (p[k] >= repeat_threshold) ++rest_repeating_;
    by_length[keys.partition_key_bytes(k)].emplace_back(keys.hash(k), p[k]);
  }
  for (auto& [pk_bytes, entries] : by_length) {
    std::sort(entries.begin(), entries.end());
    LengthClass c;
    c.pk_bytes = pk_bytes;
    c.hashes.reserve(entries.size());
    c.cumulative.reserve(entries.size() + 1);
    double sum = 0;
    c.cumulative.push_back(0);
    for (const auto& [h, q] : entries) {
      c.hashes.push_back(h);
      sum += q;
      c.cumulative.push_back(sum);
    }
    classes_.push_back(std::move(c));
  }
}

double FastKeys::mass(const LengthClass& c, core::uint128 lo, core::uint128 hi) const {
  if (c.even) return width(lo, hi);
  const auto first = std::lower_bound(c.hashes.begin(), c.hashes.end(), lo);
  const auto last = std::upper_bound(c.hashes.begin(), c.hashes.end(), hi);
  return c.cumulative[static_cast<std::size_t>(last - c.hashes.begin())] -
         c.cumulative[static_cast<std::size_t>(first - c.hashes.begin())];
}

const std::shared_ptr<FastKeys::Table>& FastKeys::table(const core::ShardMap& map, uint64_t epoch) {
  if (table_ == nullptr || table_->epoch != epoch) table_ = build(map, epoch);
  return table_;
}

std::shared_ptr<FastKeys::Table> FastKeys::build(const core::ShardMap& map, uint64_t epoch) const {
  auto t = std::make_shared<Table>();
  t->epoch = epoch;
  std::vector<double> weights = individual_p_;
  t->pk_bytes = individual_pk_bytes_;
  for (const core::uint128 h : individual_hash_) t->shard.push_back(map.route(h));
  for (const core::ShardIndex s : map.open_shards()) {
    const core::Shard& shard = map.shard(s);
    for (std::size_t l = 0; l < classes_.size(); ++l) {
      const double w = mass(classes_[l], shard.start, shard.end);
      if (!(w > 0)) continue;
      t->pk_bytes.push_back(classes_[l].pk_bytes);
      t->shard.push_back(s);
      t->rest.push_back({static_cast<uint32_t>(l), shard.start, shard.end});
      weights.push_back(w);
    }
  }
  t->alias = sim::CompactAlias(weights);
  return t;
}

uint32_t FastKeys::move(Table& from, uint32_t category, const Table& to,
                        sim::RngStream& rng) const {
  auto it = std::find_if(from.moves.begin(), from.moves.end(),
                         [&](const Table::Moves& m) { return m.to_epoch == to.epoch; });
  if (it == from.moves.end()) {
    Table::Moves m;
    m.to_epoch = to.epoch;
    m.alias.assign(from.rest.size(), sim::AliasTable());
    m.targets.assign(from.rest.size(), {});
    from.moves.push_back(std::move(m));
    it = from.moves.end() - 1;
  }
  Table::Moves& moves = *it;
  const std::size_t i = category - individual_.size();
  if (moves.targets[i].empty()) {
    const RestCategory& old = from.rest[i];
    const LengthClass& cls = classes_[old.length_class];
    std::vector<double> weights;
    for (std::size_t j = 0; j < to.rest.size(); ++j) {
      const RestCategory& c = to.rest[j];
      if (c.length_class != old.length_class || c.hi < old.lo || c.lo > old.hi) continue;
      const double w = mass(cls, std::max(c.lo, old.lo), std::min(c.hi, old.hi));
      if (!(w > 0)) continue;
      moves.targets[i].push_back(static_cast<uint32_t>(individual_.size() + j));
      weights.push_back(w);
    }
    moves.alias[i] = sim::AliasTable(weights);
  }
  return moves.targets[i][moves.alias[i].sample(rng)];
}

}  // namespace kinesim::models
