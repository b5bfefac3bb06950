// Durations and sizes with units, parsed exactly: decimal fractions are kept as integers
// (mantissa and power of ten) so "1.5s" is 1'500'000'000 ns with no floating-point rounding,
// and any result that is not a whole number of nanoseconds or bytes is rejected.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "models/core/uint128.h"
#include "models/scenario/loader.h"

namespace kinesim::models {
namespace {

using core::uint128;

// A decimal number without sign or exponent: value = mantissa / 10^scale.
struct Decimal {
  uint128 mantissa = 0;
  uint32_t scale = 0;
};

// Enough significant digits for any int64 nanosecond or uint64 byte count, and small enough that
// mantissa * (the largest unit) cannot overflow 128 bits: 10^24 * 8.64e13 < 2^128.
constexpr uint128 kMaxMantissa = static_cast<uint128>(1'000'000'000'000ULL) * 1'000'000'000'000ULL;
constexpr uint32_t kMaxScale = 24;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads digits [. digits] from the front of `text` and advances it. Trailing zeros of the
// fraction are dropped so that "1.500000000000000000000000000s" is not rejected as too precise.
std::optional<Decimal> read_decimal(std::string_view& text) {
  std::size_t i = 0;
  Decimal d;
  bool any_digit = false;
  while (i < text.size() && is_digit(text[i])) {
    d.mantissa = d.mantissa * 10 + static_cast<uint128>(text[i] - '0');
    if (d.mantissa > kMaxMantissa) return std::nullopt;
    any_digit = true;
    ++i;
  }
  if (!any_digit) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    std::size_t end = i;
    while (end < text.size() && is_digit(text[end])) ++end;
    if (end == i) return std::nullopt;  // "1." is not a number
    std::size_t last = end;
    while (last > i && text[last - 1] == '0') --last;
    for (std::size_t k = i; k < last; ++k) {
      d.mantissa = d.mantissa * 10 + static_cast<uint128>(text[k] - '0');
      if (d.mantissa > kMaxMantissa || ++d.scale > kMaxScale) return std::nullopt;
    }
    i = end;
  }
  text.remove_prefix(i);
  return d;
}

uint128 pow10(uint32_t n) {
  uint128 p = 1;
  for (uint32_t k = 0; k < n; ++k) p *= 10;
  return p;
}

// mantissa / 10^scale * unit if it is a whole number, else nullopt.
std::optional<uint128> scale_exactly(Decimal d, uint64_t unit) {
  const uint128 numerator = d.mantissa * unit;  // cannot overflow, see kMaxMantissa
  const uint128 denominator = pow10(d.scale);
  if (numerator % denominator != 0) return std::nullopt;
  return numerator / denominator;
}

struct Unit {
  std::string_view name;
  uint64_t factor;
};

// Longest names first where one is a prefix of another ("ms" and "min" before "m").
constexpr std::array<Unit, 9> kDurationUnits = {{{"ns", 1},
                                                 {"us", 1'000},
                                                 {"\xC2\xB5s", 1'000},  // µs
                                                 {"ms", 1'000'000},
                                                 {"min", 60'000'000'000},
                                                 {"s", 1'000'000'000},
                                                 {"m", 60'000'000'000},
                                                 {"h", 3'600'000'000'000},
                                                 {"d", 86'400'000'000'000}}};

constexpr std::array<Unit, 9> kSizeUnits = {{{"KiB", 1ULL << 10},
                                             {"MiB", 1ULL << 20},
                                             {"GiB", 1ULL << 30},
                                             {"TiB", 1ULL << 40},
                                             {"KB", 1'000},
                                             {"MB", 1'000'000},
                                             {"GB", 1'000'000'000},
                                             {"TB", 1'000'000'000'000},
                                             {"B", 1}}};

template <std::size_t N>
std::optional<uint64_t> read_unit(std::string_view& text, const std::array<Unit, N>& units) {
  for (const Unit& u : units) {
    if (text.substr(0, u.name.size()) == u.name) {
      text.remove_prefix(u.name.size());
      return u.factor;
    }
  }
  return std::nullopt;
}

}  // namespace

bool valid_resolution(sim::Duration resolution) {
  return resolution >= sim::Duration::millis(1) &&
         sim::Duration::seconds(60) % resolution == sim::Duration();
}

std::optional<sim::Duration> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // Go-style sums such as "1h30m" are accepted: each part is a number followed by its unit.
  uint128 total = 0;
  constexpr auto kMaxNanos = static_cast<uint128>(std::numeric_limits<int64_t>::max());
  while (!text.empty()) {
    const std::optional<Decimal> number = read_decimal(text);
    if (!number) return std::nullopt;
    const std::optional<uint64_t> unit = read_unit(text, kDurationUnits);
    if (!unit) return std::nullopt;
    const std::optional<uint128> nanos = scale_exactly(*number, *unit);
    if (!nanos || *nanos > kMaxNanos) return std::nullopt;
    total += *nanos;
    if (total > kMaxNanos) return std::nullopt;
  }
  return sim::Duration::nanos(static_cast<int64_t>(total));
}

std::optional<uint64_t> parse_size(std::string_view text) {
  std::optional<Decimal> number = read_decimal(text);
  if (!number) return std::nullopt;
  uint64_t unit = 1;
  if (text.empty()) {
    if (number->scale != 0) return std::nullopt;  // a bare number counts whole bytes
  } else {
    const std::optional<uint64_t> factor = read_unit(text, kSizeUnits);
    if (!factor || !text.empty()) return std::nullopt;
    unit = *factor;
  }
  const std::optional<uint128> bytes = scale_exactly(*number, unit);
  if (!bytes || *bytes > std::numeric_limits<uint64_t>::max()) return std::nullopt;
  return static_cast<uint64_t>(*bytes);
}

}  // namespace kinesim::models
