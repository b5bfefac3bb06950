// Partition keys and hash keys: how Kinesis turns a record's key into a point of 0 ... 2^128-1.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "models/core/uint128.h"

namespace kinesim::core {

// MD5 of the UTF-8 bytes of `partition_key`, read as an unsigned big-endian 128-bit integer.
// Does not validate; see validate_partition_key.
uint128 hash_key(std::string_view partition_key);

// UTF-16 code units of valid UTF-8 `s` (how Kinesis counts a partition key's characters), or
// nullopt if `s` is not valid UTF-8 (overlong forms, surrogates and code points above U+10FFFF
// are invalid, as in every strict decoder).
std::optional<std::size_t> utf16_units(std::string_view s);

// Throws KinesisError("ValidationException", ...) unless `partition_key` is valid UTF-8 of
// 1 ... 256 characters, counted as AWS counts them (UTF-16 code units).
void validate_partition_key(std::string_view partition_key);

// Parses and validates an ExplicitHashKey as AWS and kinesalite do: text not matching the API
// pattern 0|([1-9]\d{0,38}) (sign, leading zeros, non-digits, empty, > 39 digits) throws
// KinesisError("ValidationException", ...); a well-formed value above 2^128-1 throws
// KinesisError("InvalidArgumentException", ...).
uint128 parse_explicit_hash_key(std::string_view explicit_hash_key);

// The hash key that routes a record: the explicit hash key if given (validated), else the
// validated partition key's MD5.
uint128 routing_hash_key(std::string_view partition_key, const std::string* explicit_hash_key);

// Memoises hash_key per distinct partition key: the simulator hashes each key once.
class HashKeyCache {
 public:
  uint128 get(std::string_view partition_key);
  std::size_t size() const { return cache_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint128, Hash, std::equal_to<>> cache_;
};

}  // namespace kinesim::core
