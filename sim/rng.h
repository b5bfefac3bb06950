// Reproducible random streams. Every entity draws from its own stream, derived from
// (seed, entity name), so adding an entity never changes what the others draw.
//
// The generator (xoshiro256**) and every distribution are written out here rather than taken
// from <random>: std:: distributions produce different numbers on different standard
// libraries, and a scenario must give the same bytes everywhere. Only IEEE arithmetic and the
// libm functions log, log1p, exp, sqrt, lgamma are used.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/prefetch.h"

namespace kinesim::sim {

class RngStream {
 public:
  // The stream of entity `name` under `seed`.
  static RngStream derive(uint64_t seed, std::string_view name);
  // A stream from a raw 64-bit seed (expanded with SplitMix64).
  explicit RngStream(uint64_t seed);

  uint64_t next_u64() {
    const uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }
  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform on [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer on [0, n), unbiased (Lemire's method). n must be > 0.
  uint64_t below(uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    u128 m = static_cast<u128>(next_u64()) * n;
    auto low = static_cast<uint64_t>(m);
    if (low < n) [[unlikely]] {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<u128>(next_u64()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }
  // Exponential with the given rate (events per unit); mean 1/rate.
  double exponential(double rate) {
    if (!(rate > 0 && std::isfinite(rate))) invalid("exponential rate must be > 0 and finite");
    return -std::log1p(-uniform()) / rate;
  }
  // Standard normal, then scaled (Marsaglia's polar method; the spare value is cached).
  double normal(double mean = 0.0, double stddev = 1.0);
  // exp(N(mu, sigma)).
  double lognormal(double mu, double sigma);
  // Poisson with the given mean: inversion below mean 10, Hoermann's PTRS above (O(1) expected
  // time for any mean).
  uint64_t poisson(double mean);
  // Gamma(shape, 1) for shape > 0 (Marsaglia and Tsang's method; shape < 1 by boosting).
  double gamma(double shape);
  // Beta(a, b) for a, b > 0, as G_a / (G_a + G_b) from two gamma draws.
  double beta(double a, double b);

 private:
  [[noreturn]] static void invalid(const char* what);

  std::array<uint64_t, 4> s_{};
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

// Walker/Vose alias table: O(n) to build, O(1) to sample an index with probability
// proportional to its weight. Weights must be finite, >= 0, and not all zero.
class AliasTable {
 public:
  AliasTable() = default;
  explicit AliasTable(std::span<const double> weights);
  std::size_t sample(RngStream& rng) const { return resolve(draw(rng)); }
  // sample() in two steps, for callers that draw ahead: draw() takes the random numbers (the
  // same, in the same order), resolve() reads the table; prefetch() in between hides the read.
  struct Draw {
    std::size_t column = 0;
    double u = 0;
  };
  Draw draw(RngStream& rng) const {
    const auto i = static_cast<std::size_t>(rng.below(columns_.size()));
    return {i, rng.uniform()};
  }
  std::size_t resolve(const Draw& d) const {
    const Column& c = columns_[d.column];
    return d.u < c.prob ? d.column : c.alias;
  }
  void prefetch(const Draw& d) const { sim::prefetch(&columns_[d.column]); }
  std::size_t size() const { return columns_.size(); }
  // The normalised probability of index i (for tests and reports).
  double probability(std::size_t i) const { return p_[i]; }
  // Column i: the probability of keeping i, and the index taken otherwise.
  std::pair<double, uint32_t> column(std::size_t i) const {
    return {columns_[i].prob, columns_[i].alias};
  }

 private:
  // A column's threshold and alias side by side: a draw touches one cache line, not two.
  struct Column {
    double prob = 1.0;
    uint32_t alias = 0;
  };
  std::vector<Column> columns_;
  std::vector<double> p_;
};

// An alias table drawn with one 64-bit number, for fast mode's per-record draws: the high 32 bits
// pick the column (Lemire's method with its rejection, so unbiased), the low 32 bits the side,
// against a threshold held to 2^-32 (each probability is exact to within 2^-32 / n). A column is
// 8 bytes, half of AliasTable's, so large tables stay in cache. Up to 2^32 - 1 weights.
class CompactAlias {
  struct Column {
    uint32_t threshold = 0;  // keep the column when the low 32 bits are below this
    uint32_t alias = 0;
  };

 public:
  CompactAlias() = default;
  explicit CompactAlias(std::span<const double> weights);

  // The table's numbers by value, for a loop (or another thread) to keep where it keeps its own
  // state: it then reads only the columns, which nothing writes. Valid while the table lives.
  class View {
   public:
    uint32_t sample(RngStream& rng) const { return resolve(draw(rng)); }
    // sample() in two steps, for callers that draw ahead: draw() takes the random numbers (the
    // same, in the same order), resolve() reads the column; prefetch() in between hides the read.
    struct Draw {
      uint32_t column = 0;
      uint32_t side = 0;  // the low 32 bits
    };
    Draw draw(RngStream& rng) const {
      for (;;) {
        const uint64_t r = rng.next_u64();
        const uint64_t m = (r >> 32) * n_;
        if (static_cast<uint32_t>(m) < reject_below_) [[unlikely]]
          continue;
        return {static_cast<uint32_t>(m >> 32), static_cast<uint32_t>(r)};
      }
    }
    uint32_t resolve(Draw d) const {
      const Column c = columns_[d.column];
      return d.side < c.threshold ? d.column : c.alias;
    }
    void prefetch(Draw d) const { sim::prefetch(&columns_[d.column]); }

   private:
    friend class CompactAlias;
    View(const Column* columns, uint64_t n, uint32_t reject_below)
        : columns_(columns), n_(n), reject_below_(reject_below) {}
    const Column* columns_;
    uint64_t n_;
    uint32_t reject_below_;
  };
  View view() const { return View(columns_.data(), n_, reject_below_); }
  uint32_t sample(RngStream& rng) const { return view().sample(rng); }
  std::size_t size() const { return columns_.size(); }

 private:
  std::vector<Column> columns_;
  uint64_t n_ = 0;
  uint32_t reject_below_ = 0;  // 2^32 mod n: the low products Lemire's method rejects
};

// Zipf(s) over keys 0..n-1: P(k) proportional to 1/(k+1)^s. O(1) sampling via an alias table.
class Zipf {
 public:
  Zipf(std::size_t n, double s);
  std::size_t sample(RngStream& rng) const { return table_.sample(rng); }
  double probability(std::size_t k) const { return table_.probability(k); }
  std::size_t size() const { return table_.size(); }
  const AliasTable& table() const { return table_; }

 private:
  AliasTable table_;
};

// Parameters of a lognormal with the given mean and log-space sigma: mu = ln(mean) - sigma^2/2.
double lognormal_mu_for_mean(double mean, double sigma);

}  // namespace kinesim::sim
