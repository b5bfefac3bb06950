// Throughput of the KPL aggregated-record codec: encode and decode (with MD5 verification) in
// MB/s of user-record data, and AggregateSizer adds per second. Run from a Release build:
//   build/release/bench/bench_codec
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "models/core/aggregation.h"
#include "sim/rng.h"

namespace {

using kinesim::core::AggregateSizer;
using kinesim::core::KinesisRecord;
using kinesim::core::UserRecord;
using Clock = std::chrono::steady_clock;

constexpr double kMinSeconds = 1.0;
constexpr std::size_t kDistinctKeys = 1000;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<UserRecord> make_records(std::size_t count, std::size_t data_bytes) {
  kinesim::sim::RngStream rng(42);
  std::vector<UserRecord> records(count);
  for (UserRecord& r : records) {
    r.partition_key = "user-" + std::to_string(rng.below(kDistinctKeys));
    r.data.resize(data_bytes);
    for (char& c : r.data) c = static_cast<char>(rng.below(256));
  }
  return records;
}

// Repeats `step` until kMinSeconds have passed; returns the number of repetitions per second.
template <typename Step>
double reps_per_second(Step step) {
  std::size_t reps = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    step();
    ++reps;
    elapsed = seconds_since(start);
  } while (elapsed < kMinSeconds);
  return static_cast<double>(reps) / elapsed;
}

void bench_codec(std::size_t record_bytes, std::size_t aggregate_bytes) {
  // About 16 MB of user data per repetition.
  const std::size_t count = (16u << 20) / record_bytes;
  const auto records = make_records(count, record_bytes);
  const double user_mb = static_cast<double>(count * record_bytes) / 1e6;

  std::vector<KinesisRecord> puts;
  const double encodes =
      reps_per_second([&] { puts = kinesim::core::aggregate(records, aggregate_bytes); });

  std::size_t decoded = 0;
  const double decodes = reps_per_second([&] {
    decoded = 0;
    for (const KinesisRecord& put : puts) {
      decoded += kinesim::core::deaggregate(put.data, put.partition_key).size();
    }
  });
  if (decoded != count) std::fprintf(stderr, "decode lost records\n");

  std::printf(
      "%4zu B records into %7zu B aggregates (%zu aggregates of ~%zu records): "
      "encode %7.1f MB/s, decode+MD5 %7.1f MB/s\n",
      record_bytes, aggregate_bytes, puts.size(), count / puts.size(), encodes * user_mb,
      decodes * user_mb);
}

void bench_sizer() {
  kinesim::sim::RngStream rng(7);
  std::vector<uint64_t> keys(1 << 16);
  for (uint64_t& k : keys) k = rng.below(kDistinctKeys);
  AggregateSizer sizer;
  const double reps = reps_per_second([&] {
    for (const uint64_t key : keys) {
      // 100-byte records with a 10-byte key, cleared at the 1 MiB limit as an aggregator would.
      if (sizer.size_if_added(key, 10, std::nullopt, 0, 100) > (1u << 20)) sizer.clear();
      sizer.add(key, 10, std::nullopt, 0, 100);
    }
  });
  std::printf("AggregateSizer: %.1f M size_if_added+add per second\n",
              reps * static_cast<double>(keys.size()) / 1e6);
}

}  // namespace

int main() {
  bench_codec(512, 51'200);
  bench_codec(100, 1'048'576);
  bench_sizer();
  return 0;
}
