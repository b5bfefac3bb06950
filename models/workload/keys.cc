#include "models/workload/keys.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "models/core/hash_key.h"

namespace kinesim::models {

// Without dividing: log10 from the bit length, corrected by a table.
uint32_t decimal_digits(uint64_t v) {
  static constexpr std::array<uint64_t, 20> kPow10 = [] {
    std::array<uint64_t, 20> p{};
    p[0] = 1;
    for (std::size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
    return p;
  }();
  // v | 1 has as many digits as v (an even v + 1 is never a power of ten, and 0 and 1 have one).
  const uint64_t w = v | 1;
  // floor(log10(2^bits)) via 1233/4096 ~ log10(2), then one correction.
  const auto t = static_cast<uint32_t>(((64 - std::countl_zero(w)) * 1233) >> 12);
  return t + (w >= kPow10[t] ? 1u : 0u);
}

KeySpace::KeySpace(const KeysConfig& config) : config_(config) {
  using Dist = KeysConfig::Dist;
  switch (config.dist) {
    case Dist::kRandom:
      random_ = true;
      break;
    case Dist::kUniform:
      size_ = config.count;
      break;
    case Dist::kZipf:
      size_ = config.count;
      zipf_storage_ = std::make_unique<sim::Zipf>(config.count, config.s);
      break;
    case Dist::kHot: {
      hot_count_ = config.hot.size();
      const uint64_t rest = config.count;
      size_ = hot_count_ + rest;
      std::vector<double> w;
      double share = 0;
      for (const auto& h : config.hot) {
        w.push_back(h.share);
        share += h.share;
      }
      w.push_back(rest > 0 ? std::max(0.0, 1.0 - share) : 0.0);
      hot_or_rest_ = sim::AliasTable(w);
      if (config.rest == Dist::kZipf && rest > 0) {
        zipf_storage_ = std::make_unique<sim::Zipf>(rest, config.s);
      }
      break;
    }
    case Dist::kExplicitHashKeys:
      if (config.explicit_hash_keys.empty()) {
        random_ = true;
      } else {
        size_ = config.explicit_hash_keys.size();
        std::vector<double> w;
        for (const auto& k : config.explicit_hash_keys) w.push_back(k.weight);
        explicit_weights_ = sim::AliasTable(w);
      }
      break;
  }
  zipf_ = zipf_storage_.get();
  zipf_base_ = hot_count_;
  hashes_.resize(size_);
  hashed_.assign(size_, 0);
}

core::uint128 KeySpace::hash(uint64_t key) {
  if (random_) return (static_cast<core::uint128>(key) << 64) | key;
  if (key >= hashed_.size()) throw std::out_of_range("unknown key id " + std::to_string(key));
  if (hashed_[key] == 0) {
    if (config_.dist == KeysConfig::Dist::kExplicitHashKeys) {
      hashes_[key] = config_.explicit_hash_keys[key].hash_key;
    } else {
      hashes_[key] = core::hash_key(name(key));
    }
    hashed_[key] = 1;
  }
  return hashes_[key];
}

std::string KeySpace::name(uint64_t key) const {
  using Dist = KeysConfig::Dist;
  if (random_) return "(random key)";
  if (!names_.empty() || config_.dist == Dist::kUniform || config_.dist == Dist::kZipf ||
      config_.dist == Dist::kHot) {
    if (key < names_.size()) return names_[key];
    if (key < hot_count_) return config_.hot[key].key;
    return config_.prefix + std::to_string(key - hot_count_);
  }
  // Every record carries the one partition key; what tells the keys apart (and routes them) is
  // the ExplicitHashKey.
  return core::to_decimal(config_.explicit_hash_keys[key].hash_key);
}

std::vector<std::pair<uint64_t, uint64_t>> KeySpace::twins() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  const uint64_t rest = size_ - hot_count_;
  const std::string& prefix = config_.prefix;
  for (uint64_t h = 0; h < hot_count_ && names_.empty(); ++h) {
    const std::string& name = config_.hot[h].key;
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string_view digits = std::string_view(name).substr(prefix.size());
    // As the rest's names are written: decimal, no sign, no leading zero.
    if (digits.size() > 19 || (digits.size() > 1 && digits[0] == '0') ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    uint64_t n = 0;
    for (const char c : digits) n = n * 10 + static_cast<uint64_t>(c - '0');
    if (n < rest) out.emplace_back(h, hot_count_ + n);
  }
  return out;
}

uint32_t KeySpace::partition_key_bytes(uint64_t key) const {
  using Dist = KeysConfig::Dist;
  // Explicit hash keys drawn uniformly are random hash keys, but the records still carry the
  // configured partition key (docs/scenarios.md), not a random one.
  if (config_.dist == Dist::kExplicitHashKeys) {
    return static_cast<uint32_t>(config_.explicit_partition_key.size());
  }
  if (random_) return config_.random_key_bytes;
  if (key < names_.size()) return static_cast<uint32_t>(names_[key].size());
  if (key < hot_count_) return static_cast<uint32_t>(config_.hot[key].key.size());
  return static_cast<uint32_t>(config_.prefix.size()) + decimal_digits(key - hot_count_);
}

double KeySpace::probability(uint64_t key) const {
  using Dist = KeysConfig::Dist;
  if (random_ || key >= size_) return 0;
  switch (config_.dist) {
    case Dist::kUniform:
      return 1.0 / static_cast<double>(size_);
    case Dist::kZipf:
      return zipf_->probability(key);
    case Dist::kHot: {
      if (key < hot_count_) return hot_or_rest_.probability(key);
      const double rest = hot_or_rest_.probability(hot_count_);
      if (zipf_ != nullptr) return rest * zipf_->probability(key - hot_count_);
      return rest / static_cast<double>(size_ - hot_count_);
    }
    case Dist::kExplicitHashKeys:
      return explicit_weights_.probability(key);
    case Dist::kRandom:
      break;
  }
  return 0;
}

uint64_t KeySpace::intern(std::string_view name) {
  auto it = ids_.find(std::string(name));
  if (it != ids_.end()) return it->second;
  const uint64_t id = names_.size();
  names_.emplace_back(name);
  ids_.emplace(std::string(name), id);
  size_ = names_.size();
  hashes_.push_back(core::hash_key(name));
  hashed_.push_back(1);
  return id;
}

SizeSampler::SizeSampler(const Distribution& d) : d_(d) {
  if (d.kind == Distribution::Kind::kLognormal) mu_ = sim::lognormal_mu_for_mean(d.mean, d.sigma);
  if (d.kind == Distribution::Kind::kHistogram) {
    std::vector<double> w;
    for (const auto& p : d.points) w.push_back(p.second);
    points_ = sim::AliasTable(w);
  }
}

uint32_t SizeSampler::sample(sim::RngStream& rng) const {
  double v = 0;
  switch (d_.kind) {
    case Distribution::Kind::kFixed:
      v = d_.value;
      break;
    case Distribution::Kind::kUniform:
      v = std::floor(rng.uniform(d_.min, d_.max + 1));
      break;
    case Distribution::Kind::kLognormal:
      v = std::nearbyint(rng.lognormal(mu_, d_.sigma));
      break;
    case Distribution::Kind::kHistogram:
      v = d_.points[points_.sample(rng)].first;
      break;
  }
  if (v < 0) v = 0;
  // Only a lognormal draw can exceed the bound (the loader rejects larger fixed, uniform and
  // histogram sizes); see the class comment for why it is held there.
  if (v > static_cast<double>(kMaxSizeBytes)) v = static_cast<double>(kMaxSizeBytes);
  return static_cast<uint32_t>(v);
}

void SizeSampler::tabulate() {
  if (d_.kind != Distribution::Kind::kLognormal || tabulated_ || !(d_.sigma > 0)) return;
  const double top = std::exp(mu_ + 8.3 * d_.sigma);
  if (!(top < kMaxTabulated)) return;
  const auto last = static_cast<uint32_t>(std::ceil(top));
  // P(nearbyint(exp(N(mu, sigma))) = k) = Phi(z(k + 0.5)) - Phi(z(k - 0.5)), as a difference of
  // lower tails below the median and of upper tails above it, so that neither loses the digits
  // of a small probability to a value near 1.
  const double scale = d_.sigma * std::sqrt(2.0);
  auto lower = [&](double x) {
    return x <= 0 ? 0.0 : 0.5 * std::erfc(-(std::log(x) - mu_) / scale);
  };
  auto upper = [&](double x) {
    return x <= 0 ? 1.0 : 0.5 * std::erfc((std::log(x) - mu_) / scale);
  };
  const double median = std::exp(mu_);
  std::vector<double> w(last + 1);
  for (uint32_t k = 0; k <= last; ++k) {
    const double a = k - 0.5;
    const double b = k + 0.5;
    w[k] = std::max(0.0, b <= median ? lower(b) - lower(a) : upper(a) - upper(b));
  }
  // The central values, all but kTailMass of the mass, in one table small enough for the L1
  // cache; one more column of it stands for the values outside, drawn from a second table.
  double total = 0;
  for (const double x : w) total += x;
  uint32_t lo = 0;
  for (double below = 0; lo < last && below + w[lo] <= 0.5 * kTailMass * total; ++lo) {
    below += w[lo];
  }
  uint32_t hi = last;
  for (double above = 0; hi > lo && above + w[hi] <= 0.5 * kTailMass * total; --hi) {
    above += w[hi];
  }
  std::vector<double> head(w.begin() + lo, w.begin() + hi + 1);
  std::vector<double> tail(w.begin(), w.begin() + lo);
  tail.insert(tail.end(), w.begin() + hi + 1, w.end());
  double outside = 0;
  for (const double x : tail) outside += x;
  head.push_back(outside);
  head_ = sim::CompactAlias(head);
  head_first_ = lo;
  head_size_ = hi - lo + 1;
  if (outside > 0) tail_ = sim::CompactAlias(tail);
  tabulated_ = true;
}

double SizeSampler::mean() const { return sim::mean_of(d_); }

}  // namespace kinesim::models
