#include "sim/rng.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace kinesim::sim {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// FNV-1a over the name, then mixed with the seed: a fixed, documented derivation.
uint64_t mix_name(uint64_t seed, std::string_view name) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  uint64_t x = seed ^ 0x6A09E667F3BCC909ull;
  const uint64_t a = splitmix64(x);
  x = h ^ a;
  return splitmix64(x);
}

// Takes a C string so the check allocates nothing unless it fails (it runs on every draw).
void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

}  // namespace

RngStream::RngStream(uint64_t seed) {
  uint64_t x = seed;
  for (auto& word : s_) word = splitmix64(x);
}

RngStream RngStream::derive(uint64_t seed, std::string_view name) {
  return RngStream(mix_name(seed, name));
}

void RngStream::invalid(const char* what) { throw std::invalid_argument(what); }

double RngStream::normal(double mean, double stddev) {
  if (has_spare_) {
    has_spare_ = false;
    return mean + stddev * spare_normal_;
  }
  double u = 0;
  double v = 0;
  double s = 0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * f;
  has_spare_ = true;
  return mean + stddev * u * f;
}

double RngStream::lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }

uint64_t RngStream::poisson(double mean) {
  require(mean >= 0 && std::isfinite(mean), "Poisson mean must be >= 0 and finite");
  if (mean == 0) return 0;
  if (mean < 10) {
    // Inversion by sequential search from 0.
    double p = std::exp(-mean);
    double cdf = p;
    const double u = uniform();
    uint64_t k = 0;
    while (u > cdf) {
      ++k;
      p *= mean / static_cast<double>(k);
      const double next = cdf + p;
      if (next == cdf) break;  // the tail is below double precision
      cdf = next;
    }
    return k;
  }
  // PTRS: W. Hoermann, "The transformed rejection method for generating Poisson random
  // variables", Insurance: Mathematics and Economics 12 (1993).
  const double slam = std::sqrt(mean);
  const double loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = uniform() - 0.5;
    const double v = uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<uint64_t>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mean + k * loglam - std::lgamma(k + 1)) {
      return static_cast<uint64_t>(k);
    }
  }
}

double RngStream::gamma(double shape) {
  require(shape > 0 && std::isfinite(shape), "gamma shape must be > 0 and finite");
  if (shape < 1) {
    // G(a) = G(a + 1) * U^(1/a).
    const double g = gamma(shape + 1);
    return g * std::exp(std::log1p(-uniform()) / shape);
  }
  // G. Marsaglia and W. Tsang, "A simple method for generating gamma variables", ACM TOMS 26
  // (2000).
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0;
    double v = 0;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double RngStream::beta(double a, double b) {
  const double x = gamma(a);
  const double y = gamma(b);
  return x / (x + y);
}

AliasTable::AliasTable(std::span<const double> weights) {
  const std::size_t n = weights.size();
  require(n > 0, "alias table needs at least one weight");
  require(n <= std::numeric_limits<uint32_t>::max(), "alias table has too many weights");
  double total = 0;
  for (const double w : weights) {
    require(std::isfinite(w) && w >= 0, "alias table weights must be finite and >= 0");
    total += w;
  }
  require(total > 0, "alias table weights must not all be zero");
  p_.resize(n);
  columns_.assign(n, Column{});
  std::vector<double> scaled(n);
  std::vector<uint32_t> small;
  std::vector<uint32_t> large;
  for (std::size_t i = 0; i < n; ++i) {
    p_[i] = weights[i] / total;
    scaled[i] = p_[i] * static_cast<double>(n);
    columns_[i].alias = static_cast<uint32_t>(i);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back();
    small.pop_back();
    const uint32_t l = large.back();
    columns_[s] = {scaled[s], l};
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Whatever remains has probability 1 up to rounding.
  for (const uint32_t i : large) columns_[i].prob = 1.0;
  for (const uint32_t i : small) columns_[i].prob = 1.0;
}

CompactAlias::CompactAlias(std::span<const double> weights) {
  const AliasTable table(weights);
  require(table.size() < (uint64_t{1} << 32), "alias table has too many weights");
  n_ = table.size();
  reject_below_ = static_cast<uint32_t>((uint64_t{1} << 32) % n_);
  columns_.resize(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto [prob, alias] = table.column(i);
    if (prob >= 1.0) {
      columns_[i] = {UINT32_MAX, static_cast<uint32_t>(i)};  // either side is i
    } else {
      columns_[i] = {static_cast<uint32_t>(std::ldexp(prob, 32)), alias};
    }
  }
}

namespace {
std::vector<double> zipf_weights(std::size_t n, double s) {
  require(n > 0, "Zipf needs at least one key");
  require(std::isfinite(s) && s >= 0, "Zipf exponent s must be finite and >= 0");
  std::vector<double> w(n);
  for (std::size_t k = 0; k < n; ++k) w[k] = std::pow(static_cast<double>(k + 1), -s);
  return w;
}
}  // namespace

Zipf::Zipf(std::size_t n, double s) : table_(zipf_weights(n, s)) {}

double lognormal_mu_for_mean(double mean, double sigma) {
  require(mean > 0 && std::isfinite(mean), "lognormal mean must be > 0");
  return std::log(mean) - 0.5 * sigma * sigma;
}

}  // namespace kinesim::sim
