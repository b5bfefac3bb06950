// Simulated user records per wall-clock second for the SDK write path, and the process's peak
// memory: an SDK PutRecords workload with Zipf keys on a provisioned stream.
//
// usage: bench_write_path [--shards 100] [--rate 50000] [--keys 100000] [--zipf 1.1]
//                         [--instances 10] [--duration 10m] [--resolution 60s] [--repeats 3]
// Prints one JSON line per repeat and a summary line with the median.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "models/scenario/loader.h"
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
  uint32_t shards = 100;
  double rate = 50'000;
  uint64_t keys = 100'000;
  double zipf = 1.1;
  uint32_t instances = 10;
  std::string duration = "10m";
  std::string resolution = "60s";
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
    else if (flag == "--instances")
      instances = static_cast<uint32_t>(std::stoul(v));
    else if (flag == "--duration")
      duration = v;
    else if (flag == "--resolution")
      resolution = v;
    else if (flag == "--repeats")
      repeats = std::stoi(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  char doc[2048];
  std::snprintf(doc, sizeof doc, R"({
    "name": "bench-write-path", "duration": "%s", "seed": 1,
    "stream": {"shards": %u},
    "producers": [{"name": "app", "type": "sdk", "instances": %u,
      "rate": {"profile": "poisson", "records_per_sec": %.1f},
      "keys": {"dist": "zipf", "count": %llu, "s": %.3f},
      "record_size": {"dist": "lognormal", "mean": 300, "sigma": 0.5},
      "sdk": {"max_batch_records": 500, "linger": "50ms", "max_in_flight": 8}}],
    "output": {"resolution": "%s"}})",
                duration.c_str(), shards, instances, rate, static_cast<unsigned long long>(keys),
                zipf, resolution.c_str());
  const Scenario scenario = kinesim::models::load_scenario_text(doc);
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const kinesim::models::Result result = kinesim::models::run_scenario(scenario);
    const auto t1 = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    const auto produced = static_cast<double>(result.totals().produced);
    rates.push_back(produced / secs);
    std::printf(
        "{\"run\": %d, \"records\": %.0f, \"wall_s\": %.3f, \"records_per_sec\": %.0f, "
        "\"events\": %llu, \"peak_rss_mib\": %.1f, \"metrics_mib\": %.2f}\n",
        r, produced, secs, produced / secs, static_cast<unsigned long long>(result.events_run),
        static_cast<double>(peak_rss_kib()) / 1024.0,
        static_cast<double>(result.metrics->bytes()) / (1024.0 * 1024.0));
    std::fflush(stdout);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("{\"median_records_per_sec\": %.0f, \"peak_rss_mib\": %.1f}\n",
              rates[rates.size() / 2], static_cast<double>(peak_rss_kib()) / 1024.0);
  return 0;
}
