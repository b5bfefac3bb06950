// Unsigned 128-bit integers: the Kinesis hash key space 0 ... 2^128-1.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kinesim::core {

__extension__ using uint128 = unsigned __int128;

inline constexpr uint128 kMaxHashKey = ~static_cast<uint128>(0);

// Decimal rendering without leading zeros ("0" for zero).
std::string to_decimal(uint128 value);

// Strict decimal parse: ASCII digits only, no sign, no whitespace, value <= 2^128-1.
// Returns nullopt on anything else (including overflow and the empty string).
std::optional<uint128> parse_decimal(std::string_view text);

}  // namespace kinesim::core
