// Cost per key of the routing hot path: MD5 hash keys (uncached and cached), routing a hash key
// by binary search over open shards, and route_key end to end (validation + MD5 + search).
// Wall-clock timing is fine here: benchmarks measure the host, models never do.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "models/core/hash_key.h"
#include "models/core/shard_map.h"

namespace {

using kinesim::core::HashKeyCache;
using kinesim::core::ShardMap;
using kinesim::core::uint128;

constexpr std::size_t kDistinctKeys = 1'000'000;
constexpr std::size_t kCachedKeys = 10'000;
constexpr std::size_t kLookups = 10'000'000;

// Keeps results observable so the optimiser cannot drop the measured work.
volatile uint64_t g_sink = 0;

void sink(uint128 v) { g_sink = g_sink + static_cast<uint64_t>(v ^ (v >> 64)); }

template <typename Fn>
double ns_per_op(std::size_t ops, Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  const auto stop = std::chrono::steady_clock::now();
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count()) /
         static_cast<double>(ops);
}

void row(const char* what, std::size_t ops, double ns) {
  std::printf("%-44s %12zu %10.1f\n", what, ops, ns);
}

std::vector<std::string> make_keys(std::size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) keys.push_back("user-" + std::to_string(i * 2654435761u));
  return keys;
}

}  // namespace

int main() {
  const std::vector<std::string> keys = make_keys(kDistinctKeys);
  std::mt19937_64 rng(42);  // fixed seed: the same draw sequence on every run
  std::vector<uint32_t> draws(kLookups);
  for (uint32_t& d : draws) d = static_cast<uint32_t>(rng() % kCachedKeys);
  std::vector<uint128> hashes(kLookups);
  for (uint128& h : hashes) h = (static_cast<uint128>(rng()) << 64) | rng();

  std::printf("%-44s %12s %10s\n", "operation", "ops", "ns/op");
  row("hash_key (uncached, 1M distinct keys)", keys.size(), ns_per_op(keys.size(), [&] {
        for (const std::string& k : keys) sink(kinesim::core::hash_key(k));
      }));

  HashKeyCache cache;
  for (std::size_t i = 0; i < kCachedKeys; ++i) cache.get(keys[i]);  // warm: hits only below
  row("HashKeyCache::get (cached, 10k distinct)", kLookups, ns_per_op(kLookups, [&] {
        for (uint32_t d : draws) sink(cache.get(keys[d]));
      }));

  for (uint32_t shards : {1u, 100u, 10'000u}) {
    const ShardMap map = ShardMap::uniform(shards);
    const std::string label = "route by hash (" + std::to_string(shards) + " open shards)";
    row(label.c_str(), kLookups, ns_per_op(kLookups, [&] {
          for (const uint128 h : hashes) sink(map.route(h));
        }));
  }

  const ShardMap map = ShardMap::uniform(100);
  row("route_key end to end (100 shards, 1M keys)", keys.size(), ns_per_op(keys.size(), [&] {
        for (const std::string& k : keys) sink(map.route_key(k, nullptr));
      }));
  std::printf("(checksum %llu)\n", static_cast<unsigned long long>(g_sink));
  return 0;
}
