#include "models/core/hash_key.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "models/core/errors.h"
#include "models/core/md5.h"

namespace kinesim::core {
namespace {

// Kinesis limits a partition key to 256 characters, counted as UTF-16 code units (what Java's
// String.length() and kinesalite's JS string length both count).
constexpr std::size_t kMaxPartitionKeyUnits = 256;
// AWS's (and kinesalite's) pattern for ExplicitHashKey: no sign, no leading zeros, <= 39 digits.
constexpr std::string_view kExplicitHashKeyPattern = "0|([1-9]\\d{0,38})";
constexpr std::size_t kMaxExplicitHashKeyDigits = 39;

std::string validation_error(std::string_view value, std::string_view member,
                             std::string_view constraint) {
  std::string msg = "1 validation error detected: Value '";
  msg.append(value).append("' at '").append(member).append("' failed to satisfy constraint: ");
  msg.append(constraint);
  return msg;
}

bool is_continuation(unsigned char c) { return (c & 0xC0U) == 0x80U; }

}  // namespace

std::optional<std::size_t> utf16_units(std::string_view s) {
  std::size_t units = 0;
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80U) {
      ++i;
      ++units;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80U;  // allowed range of the second byte
    unsigned char hi = 0xBFU;
    if (c >= 0xC2U && c <= 0xDFU) {
      len = 2;
    } else if (c >= 0xE0U && c <= 0xEFU) {
      len = 3;
      if (c == 0xE0U) lo = 0xA0U;  // overlong
      if (c == 0xEDU) hi = 0x9FU;  // UTF-16 surrogates
    } else if (c >= 0xF0U && c <= 0xF4U) {
      len = 4;
      if (c == 0xF0U) lo = 0x90U;  // overlong
      if (c == 0xF4U) hi = 0x8FU;  // above U+10FFFF
    } else {
      return std::nullopt;
    }
    if (n - i < len) return std::nullopt;
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi) return std::nullopt;
    for (std::size_t k = 2; k < len; ++k) {
      if (!is_continuation(static_cast<unsigned char>(s[i + k]))) return std::nullopt;
    }
    i += len;
    units += len == 4 ? 2 : 1;  // a code point above U+FFFF is a surrogate pair in UTF-16
  }
  return units;
}

uint128 hash_key(std::string_view partition_key) {
  const Md5Digest digest = md5(partition_key);
  uint128 value = 0;
  for (unsigned char byte : digest) value = (value << 8) | byte;  // big-endian, as Kinesis reads it
  return value;
}

void validate_partition_key(std::string_view partition_key) {
  const std::optional<std::size_t> units = utf16_units(partition_key);
  if (!units) {
    // AWS rejects such a request before validation (its JSON cannot carry invalid UTF-8); the
    // simulator reports it in the same shape as the length errors.
    throw KinesisError("ValidationException",
                       "1 validation error detected: Value at 'partitionKey' failed to satisfy "
                       "constraint: Member must be valid UTF-8");
  }
  if (*units < 1) {
    throw KinesisError("ValidationException",
                       validation_error(partition_key, "partitionKey",
                                        "Member must have length greater than or equal to 1"));
  }
  if (*units > kMaxPartitionKeyUnits) {
    throw KinesisError("ValidationException",
                       validation_error(partition_key, "partitionKey",
                                        "Member must have length less than or equal to 256"));
  }
}

uint128 parse_explicit_hash_key(std::string_view explicit_hash_key) {
  // Shape first, as AWS and kinesalite do: the request validator checks the pattern
  // (ValidationException), then PutRecord checks the range (InvalidArgumentException).
  const bool digits_only =
      !explicit_hash_key.empty() && explicit_hash_key.size() <= kMaxExplicitHashKeyDigits &&
      explicit_hash_key.find_first_not_of("0123456789") == std::string_view::npos &&
      (explicit_hash_key.size() == 1 || explicit_hash_key.front() != '0');
  if (!digits_only) {
    std::string constraint = "Member must satisfy regular expression pattern: ";
    constraint.append(kExplicitHashKeyPattern);
    throw KinesisError("ValidationException",
                       validation_error(explicit_hash_key, "explicitHashKey", constraint));
  }
  const std::optional<uint128> value = parse_decimal(explicit_hash_key);
  if (!value) {
    std::string msg =
        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified "
        "value was ";
    msg.append(explicit_hash_key);
    throw KinesisError("InvalidArgumentException", msg);
  }
  return *value;
}

uint128 routing_hash_key(std::string_view partition_key, const std::string* explicit_hash_key) {
  // PutRecord requires a valid PartitionKey even when an ExplicitHashKey overrides the routing.
  validate_partition_key(partition_key);
  if (explicit_hash_key != nullptr) return parse_explicit_hash_key(*explicit_hash_key);
  return hash_key(partition_key);
}

uint128 HashKeyCache::get(std::string_view partition_key) {
  if (auto it = cache_.find(partition_key); it != cache_.end()) return it->second;
  const uint128 value = hash_key(partition_key);
  cache_.emplace(std::string(partition_key), value);
  return value;
}

}  // namespace kinesim::core
