// Simulated user records per wall-clock second for the KPL write path, and the process's peak
// memory: a KPL producer with aggregation on, small records, Zipf keys, on a provisioned
// stream. The scenario is built in C++ (no loader dependency).
//
// usage: bench_kpl [--shards 100] [--rate 200000] [--keys 100000] [--zipf 1.1] [--bytes 100]
//                  [--instances 10] [--duration-s 600] [--repeats 3] [--fidelity exact|fast]
// Prints one JSON line per repeat and a summary line with the median.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "models/world/world.h"

using kinesim::models::Scenario;

int main(int argc, char** argv) {
  namespace m = kinesim::models;
  const kinesim::bench::Flags f(argc, argv,
                                {{"shards", "100"},
                                 {"rate", "200000"},
                                 {"keys", "100000"},
                                 {"zipf", "1.1"},
                                 {"bytes", "100"},
                                 {"instances", "10"},
                                 {"duration-s", "600"},
                                 {"repeats", "3"},
                                 {"fidelity", "exact"}});
  const auto shards = f.integer<uint32_t>("shards");
  const double rate = f.number("rate");
  const auto keys = f.integer<uint64_t>("keys");
  const double zipf = f.number("zipf");
  const double bytes = f.number("bytes");
  const auto instances = f.integer<uint32_t>("instances");
  const auto duration_s = f.integer<int64_t>("duration-s");
  const int repeats = f.integer<int>("repeats");
  const std::string& fidelity = f.text("fidelity");
  if (fidelity != "exact" && fidelity != "fast") {
    std::fprintf(stderr, "bench_kpl: unknown fidelity %s (exact, fast)\n", fidelity.c_str());
    return 2;
  }
  Scenario s;
  s.name = "bench-kpl";
  s.duration = kinesim::sim::Duration::seconds(duration_s);
  s.seed = 1;
  if (fidelity == "fast") s.fidelity = m::Fidelity::kFast;
  s.stream.shards = shards;
  m::ProducerConfig p;
  p.name = "kpl";
  p.type = m::ProducerConfig::Type::kKpl;
  p.instances = instances;
  p.rate.profile = m::RateConfig::Profile::kPoisson;
  p.rate.records_per_sec = rate;
  p.keys.dist = m::KeysConfig::Dist::kZipf;
  p.keys.count = keys;
  p.keys.s = zipf;
  p.record_size.kind = m::Distribution::Kind::kFixed;
  p.record_size.value = bytes;
  s.producers.push_back(p);
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const m::Result result = m::run_scenario(s);
    const auto t1 = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    const auto produced = static_cast<double>(result.totals().produced);
    double per_kinesis = 0;
    for (const auto& [name, value] : result.producers[0].details) {
      if (name == "UserRecordsPerKinesisRecord") per_kinesis = value;
    }
    rates.push_back(produced / secs);
    std::printf(
        "{\"run\": %d, \"records\": %.0f, \"wall_s\": %.3f, \"records_per_sec\": %.0f, "
        "\"events\": %llu, \"user_records_per_kinesis_record\": %.1f, \"peak_rss_mib\": %.1f, "
        "\"fidelity\": \"%s\"}\n",
        r, produced, secs, produced / secs, static_cast<unsigned long long>(result.events_run),
        per_kinesis, kinesim::bench::peak_rss_mib(), result.producers[0].fidelity.c_str());
    std::fflush(stdout);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("{\"median_records_per_sec\": %.0f, \"peak_rss_mib\": %.1f}\n",
              rates[rates.size() / 2], kinesim::bench::peak_rss_mib());
  return 0;
}
