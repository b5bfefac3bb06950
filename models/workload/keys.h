// Which partition key each record carries. Keys are numbered; a key's name, its MD5 hash key
// and its byte length are derived from its number on demand and cached, so each distinct key
// is hashed once. Random keys (a fresh key per record) are not named: their hash key is
// uniform on the key space, so the top 64 bits are drawn directly and carried as the "key".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/core/uint128.h"
#include "models/scenario/config.h"
#include "sim/rng.h"

namespace kinesim::models {

class KeySpace {
 public:
  explicit KeySpace(const KeysConfig& config);

  // Draws the key of one record.
  uint64_t sample(sim::RngStream& rng) const;

  // True when every record has its own key; then sample() returns hash bits, not an id.
  bool random_keys() const { return random_; }
  // Number of numbered keys (0 for random keys); ids are 0 ... size()-1.
  uint64_t size() const { return size_; }

  core::uint128 hash(uint64_t key);
  std::string name(uint64_t key) const;
  uint32_t partition_key_bytes(uint64_t key) const;
  // Keys given by name (traces): returns the id, adding it on first sight.
  uint64_t intern(std::string_view name);
  // Which group a key reports under: a hot key's own name, else "other keys".
  bool is_hot(uint64_t key) const { return key < hot_count_; }

 private:
  KeysConfig config_;
  bool random_ = false;
  uint64_t size_ = 0;
  uint64_t hot_count_ = 0;
  sim::AliasTable hot_or_rest_;  // index hot_count_ means "the rest"
  sim::Zipf* zipf_ = nullptr;
  std::unique_ptr<sim::Zipf> zipf_storage_;
  sim::AliasTable explicit_weights_;
  std::vector<core::uint128> hashes_;
  std::vector<uint8_t> hashed_;
  std::vector<std::string> names_;  // interned (trace) keys
  std::unordered_map<std::string, uint64_t> ids_;
};

// Record data sizes in bytes.
class SizeSampler {
 public:
  explicit SizeSampler(const Distribution& d);
  uint32_t sample(sim::RngStream& rng) const;
  double mean() const;

 private:
  Distribution d_;
  double mu_ = 0;
  sim::AliasTable points_;
};

}  // namespace kinesim::models
