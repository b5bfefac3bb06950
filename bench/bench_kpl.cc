// Simulated user records per wall-clock second for the KPL write path, and the process's peak
// memory: a KPL producer with aggregation on, small records, Zipf keys, on a provisioned
// stream. The scenario is built in C++ (no loader dependency).
//
// usage: bench_kpl [--shards 100] [--rate 200000] [--keys 100000] [--zipf 1.1] [--bytes 100]
//                  [--instances 10] [--duration-s 600] [--repeats 3]
// Prints one JSON line per repeat and a summary line with the median.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "models/world.h"

namespace {

using kinesim::models::Scenario;

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  namespace m = kinesim::models;
  uint32_t shards = 100;
  double rate = 200'000;
  uint64_t keys = 100'000;
  double zipf = 1.1;
  double bytes = 100;
  uint32_t instances = 10;
  int64_t duration_s = 600;
  int repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--shards")
      shards = static_cast<uint32_t>(std::stoul(v));
    else if (flag == "--rate")
      rate = std::stod(v);
    else if (flag == "--keys")
      keys = std::stoull(v);
    else if (flag == "--zipf")
      zipf = std::stod(v);
    else if (flag == "--bytes")
      bytes = std::stod(v);
    else if (flag == "--instances")
      instances = static_cast<uint32_t>(std::stoul(v));
    else if (flag == "--duration-s")
      duration_s = std::stoll(v);
    else if (flag == "--repeats")
      repeats = std::stoi(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  Scenario s;
  s.name = "bench-kpl";
  s.duration = kinesim::sim::Duration::seconds(duration_s);
  s.seed = 1;
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
        "\"events\": %llu, \"user_records_per_kinesis_record\": %.1f, \"peak_rss_mib\": %.1f}\n",
        r, produced, secs, produced / secs, static_cast<unsigned long long>(result.events_run),
        per_kinesis, static_cast<double>(peak_rss_kib()) / 1024.0);
    std::fflush(stdout);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("{\"median_records_per_sec\": %.0f, \"peak_rss_mib\": %.1f}\n",
              rates[rates.size() / 2], static_cast<double>(peak_rss_kib()) / 1024.0);
  return 0;
}
