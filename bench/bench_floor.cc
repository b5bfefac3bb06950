// The bare per-record floor that the scenario benchmarks are measured against: per record, an
// exponential gap added to a virtual clock, a Zipf key, and the record tallied per key and per
// shard. No events, no models: what any simulator of this workload must at least do, compiled
// with the same flags as kinesim, so kinesim's records per second as a ratio to it compare
// across machines.
//
// usage: bench_floor [--shards 100] [--keys 100000] [--zipf 1.1] [--rate 50000] [--bytes 300]
//                    [--records 200000000] [--repeats 3]
// Key i is named "key-i" (as the workload names numbered keys); every key's shard is computed
// before timing (MD5 hash key, routed on an even layout of --shards shards). Records have a
// fixed size of --bytes, so there is no size draw.
// Prints one JSON line per repeat (with a checksum of the tallies) and a summary line with the
// median.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "models/client/client_results.h"
#include "models/core/hash_key.h"
#include "models/core/shard_map.h"
#include "sim/rng.h"

namespace {

struct ShardCounts {
  uint64_t records = 0;
  uint64_t bytes = 0;
};

}  // namespace

int main(int argc, char** argv) {
  namespace core = kinesim::core;
  namespace sim = kinesim::sim;
  const kinesim::bench::Flags f(argc, argv,
                                {{"shards", "100"},
                                 {"keys", "100000"},
                                 {"zipf", "1.1"},
                                 {"rate", "50000"},
                                 {"bytes", "300"},
                                 {"records", "200000000"},
                                 {"repeats", "3"}});
  const auto shards = f.integer<uint32_t>("shards");
  const auto keys = f.integer<std::size_t>("keys");
  const double zipf_s = f.number("zipf");
  const double rate = f.number("rate");
  const auto bytes = f.integer<uint64_t>("bytes");
  const auto records = f.integer<uint64_t>("records");
  const int repeats = f.integer<int>("repeats");
  if (shards == 0 || keys == 0 || repeats <= 0) {
    std::fprintf(stderr, "bench_floor: --shards, --keys and --repeats must be > 0\n");
    return 2;
  }

  const sim::Zipf zipf(keys, zipf_s);
  const core::ShardMap map = core::ShardMap::uniform(shards);
  std::vector<uint32_t> shard_of(keys);
  for (std::size_t k = 0; k < keys; ++k) {
    shard_of[k] = map.route(core::hash_key("key-" + std::to_string(k)));
  }

  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    std::vector<kinesim::models::KeyCounts> per_key(keys);
    std::vector<ShardCounts> per_shard(shards);
    sim::RngStream gaps = sim::RngStream::derive(1, "floor/gaps");
    sim::RngStream draws = sim::RngStream::derive(1, "floor/keys");
    double now = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < records; ++i) {
      now += gaps.exponential(rate);
      const std::size_t key = zipf.sample(draws);
      per_key[key].offer(bytes);
      ShardCounts& shard = per_shard[shard_of[key]];
      ++shard.records;
      shard.bytes += bytes;
    }
    const auto t1 = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    uint64_t checksum = 0;
    for (std::size_t k = 0; k < keys; ++k) {
      checksum = checksum * 31 + per_key[k].offered * (k + 1) + per_key[k].offered_bytes;
    }
    for (const ShardCounts& s : per_shard) checksum = checksum * 31 + s.records + s.bytes;
    const auto n = static_cast<double>(records);
    rates.push_back(n / secs);
    std::printf(
        "{\"run\": %d, \"records\": %.0f, \"wall_s\": %.3f, \"records_per_sec\": %.0f, "
        "\"virtual_s\": %.1f, \"checksum\": %llu, \"peak_rss_mib\": %.1f}\n",
        r, n, secs, n / secs, now, static_cast<unsigned long long>(checksum),
        kinesim::bench::peak_rss_mib());
    std::fflush(stdout);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("{\"median_records_per_sec\": %.0f, \"peak_rss_mib\": %.1f}\n",
              rates[rates.size() / 2], kinesim::bench::peak_rss_mib());
  return 0;
}
