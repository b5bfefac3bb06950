#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "models/core/uint128.h"

namespace kinesim::core {
namespace {

constexpr const char* kMaxDecimal = "340282366920938463463374607431768211455";  // 2^128-1
constexpr const char* kTwoPow128 = "340282366920938463463374607431768211456";

TEST(Uint128, RendersZeroAsASingleDigit) { EXPECT_EQ(to_decimal(0), "0"); }

TEST(Uint128, RendersTheLargestHashKey) { EXPECT_EQ(to_decimal(kMaxHashKey), kMaxDecimal); }

TEST(Uint128, RendersChunkBoundariesWithInnerZeros) {
  const uint128 ten_pow_19 = 10'000'000'000'000'000'000ULL;
  EXPECT_EQ(to_decimal(ten_pow_19), "10000000000000000000");
  EXPECT_EQ(to_decimal(ten_pow_19 - 1), "9999999999999999999");
  EXPECT_EQ(to_decimal(ten_pow_19 * ten_pow_19 + 7), "100000000000000000000000000000000000007");
  EXPECT_EQ(to_decimal(static_cast<uint128>(UINT64_MAX) + 1), "18446744073709551616");
}

TEST(Uint128, RoundTripsZeroMaxAndPowersOfTwo) {
  EXPECT_EQ(parse_decimal("0"), uint128{0});
  EXPECT_EQ(parse_decimal(kMaxDecimal), kMaxHashKey);
  for (int bit = 0; bit < 128; ++bit) {
    const uint128 v = static_cast<uint128>(1) << bit;
    for (const uint128 x : {v - 1, v, v + 1}) {
      const std::optional<uint128> back = parse_decimal(to_decimal(x));
      ASSERT_TRUE(back.has_value()) << bit;
      EXPECT_TRUE(*back == x) << bit;
    }
  }
}

TEST(Uint128, RejectsTwoToThe128AsOverflowByOne) {
  EXPECT_FALSE(parse_decimal(kTwoPow128).has_value());
  EXPECT_FALSE(parse_decimal("340282366920938463463374607431768211460").has_value());
  EXPECT_FALSE(parse_decimal("1000000000000000000000000000000000000000").has_value());
}

TEST(Uint128, RejectsAnythingButAsciiDigits) {
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1e3", "١"}) {
    EXPECT_FALSE(parse_decimal(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(Uint128, AcceptsLeadingZerosInThePlainParser) {
  EXPECT_EQ(parse_decimal("007"), uint128{7});
  EXPECT_EQ(parse_decimal("000"), uint128{0});
}

}  // namespace
}  // namespace kinesim::core
