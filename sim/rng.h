// Reproducible random streams. Every entity draws from its own stream, derived from
// (seed, entity name), so adding an entity never changes what the others draw.
//
// The generator (xoshiro256**) and every distribution are written out here rather than taken
// from <random>: std:: distributions produce different numbers on different standard
// libraries, and a scenario must give the same bytes everywhere. Only IEEE arithmetic and the
// libm functions log, log1p, exp, sqrt, lgamma are used.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace kinesim::sim {

class RngStream {
 public:
  // The stream of entity `name` under `seed`.
  static RngStream derive(uint64_t seed, std::string_view name);
  // A stream from a raw 64-bit seed (expanded with SplitMix64).
  explicit RngStream(uint64_t seed);

  uint64_t next_u64();
  // Uniform on [0, 1) with 53 random bits.
  double uniform();
  // Uniform on [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer on [0, n), unbiased (Lemire's method). n must be > 0.
  uint64_t below(uint64_t n);
  // Exponential with the given rate (events per unit); mean 1/rate.
  double exponential(double rate);
  // Standard normal, then scaled (Marsaglia's polar method; the spare value is cached).
  double normal(double mean = 0.0, double stddev = 1.0);
  // exp(N(mu, sigma)).
  double lognormal(double mu, double sigma);
  // Poisson with the given mean: inversion below mean 10, Hoermann's PTRS above (O(1) expected
  // time for any mean).
  uint64_t poisson(double mean);

 private:
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
  std::size_t sample(RngStream& rng) const;
  std::size_t size() const { return prob_.size(); }
  // The normalised probability of index i (for tests and reports).
  double probability(std::size_t i) const { return p_[i]; }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
  std::vector<double> p_;
};

// Zipf(s) over keys 0..n-1: P(k) proportional to 1/(k+1)^s. O(1) sampling via an alias table.
class Zipf {
 public:
  Zipf(std::size_t n, double s);
  std::size_t sample(RngStream& rng) const { return table_.sample(rng); }
  double probability(std::size_t k) const { return table_.probability(k); }
  std::size_t size() const { return table_.size(); }

 private:
  AliasTable table_;
};

// Parameters of a lognormal with the given mean and log-space sigma: mu = ln(mean) - sigma^2/2.
double lognormal_mu_for_mean(double mean, double sigma);

}  // namespace kinesim::sim
