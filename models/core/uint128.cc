#include "models/core/uint128.h"

#include <cstdint>

namespace kinesim::core {
namespace {

// 10^19 is the largest power of ten that fits in 64 bits: rendering in 19-digit chunks needs
// only three 128-bit divisions for the largest value instead of 39.
constexpr uint64_t kTenPow19 = 10'000'000'000'000'000'000ULL;
constexpr int kChunkDigits = 19;

}  // namespace

std::string to_decimal(uint128 value) {
  if (value == 0) return "0";
  char buf[40];  // 2^128-1 has 39 digits
  std::size_t pos = sizeof(buf);
  while (value != 0) {
    auto chunk = static_cast<uint64_t>(value % kTenPow19);
    value /= kTenPow19;
    // Inner chunks are zero-padded to 19 digits; the leading chunk stops at its last digit.
    for (int i = 0; i < kChunkDigits && (chunk != 0 || value != 0); ++i) {
      buf[--pos] = static_cast<char>('0' + chunk % 10);
      chunk /= 10;
    }
  }
  return std::string(buf + pos, sizeof(buf) - pos);
}

std::optional<uint128> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint128 value = 0;
  constexpr uint128 kMaxBeforeTimesTen = kMaxHashKey / 10;
  constexpr auto kMaxLastDigit = static_cast<unsigned>(kMaxHashKey % 10);
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<unsigned>(c - '0');
    // value * 10 + digit <= 2^128-1, checked without overflowing.
    if (value > kMaxBeforeTimesTen || (value == kMaxBeforeTimesTen && digit > kMaxLastDigit)) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace kinesim::core
