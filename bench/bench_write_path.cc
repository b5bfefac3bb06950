// Simulated user records per wall-clock second for the SDK write path, and the process's peak
// memory: an SDK PutRecords workload with Zipf keys on a provisioned stream.
//
// usage: bench_write_path [--shards 100] [--rate 50000] [--keys 100000] [--zipf 1.1 (0: uniform)]
//                         [--instances 10] [--duration 10m] [--resolution 60s] [--repeats 3]
//                         [--consumers none|kcl,lambda,firehose] [--fidelity exact|fast]
//                         [--profile poisson|constant] [--threads 0|1|2]
// --threads is RunOptions::threads: 1 runs on one thread, 0 (the default) lets fast mode draw
// batches ahead on a second thread where the machine has two cores.
// --consumers adds consumer applications reading every shard (the read-path benchmark): "kcl"
// a KCL 2.x fleet of 4 workers polling (maxRecords 10,000, idle 1,500 ms), "lambda" a standard
// Lambda event source mapping (BatchSize 500, 20 ms + 10 us per record), "firehose" a Firehose
// delivery stream (5 MiB / 60 s). --fidelity fast adds the top-level key "fidelity": "fast" to
// the scenario; exact (the default) leaves the key out, so the scenario text is the same as
// without the flag and loads on a loader that does not know the key. --profile constant makes
// the arrivals evenly spaced instead of Poisson.
// Prints one JSON line per repeat and a summary line with the median.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "models/scenario/loader.h"
#include "models/world/world.h"

using kinesim::models::Scenario;

int main(int argc, char** argv) {
  const kinesim::bench::Flags f(argc, argv,
                                {{"shards", "100"},
                                 {"rate", "50000"},
                                 {"keys", "100000"},
                                 {"zipf", "1.1"},
                                 {"instances", "10"},
                                 {"duration", "10m"},
                                 {"resolution", "60s"},
                                 {"repeats", "3"},
                                 {"consumers", "none"},
                                 {"fidelity", "exact"},
                                 {"profile", "poisson"},
                                 {"threads", "0"}});
  const auto shards = f.integer<uint32_t>("shards");
  const double rate = f.number("rate");
  const auto keys = f.integer<uint64_t>("keys");
  const double zipf = f.number("zipf");
  const auto instances = f.integer<uint32_t>("instances");
  const std::string& duration = f.text("duration");
  const std::string& resolution = f.text("resolution");
  const int repeats = f.integer<int>("repeats");
  const std::string& fidelity = f.text("fidelity");
  if (fidelity != "exact" && fidelity != "fast") {
    std::fprintf(stderr, "bench_write_path: unknown fidelity %s (exact, fast)\n", fidelity.c_str());
    return 2;
  }
  const std::string& profile = f.text("profile");
  if (profile != "poisson" && profile != "constant") {
    std::fprintf(stderr, "bench_write_path: unknown profile %s (poisson, constant)\n",
                 profile.c_str());
    return 2;
  }
  const std::string fidelity_key =
      fidelity == "exact" ? "" : R"(, "fidelity": ")" + fidelity + "\"";
  std::string consumers;
  const std::string& wanted = f.text("consumers");
  if (wanted != "none") {
    std::size_t from = 0;
    while (from <= wanted.size()) {
      const std::size_t comma = std::min(wanted.find(',', from), wanted.size());
      const std::string name = wanted.substr(from, comma - from);
      const char* json = nullptr;
      if (name == "kcl") {
        json = R"({"name": "kcl-app", "type": "kcl", "kcl": {"version": "2.x", "workers": 4,
                   "retrieval": "polling", "checkpoint": {"everySeconds": 30}}})";
      } else if (name == "lambda") {
        json = R"({"name": "lambda-fn", "type": "lambda", "lambda": {"BatchSize": 500,
                   "duration": "20ms", "duration_per_record": "10us"}})";
      } else if (name == "firehose") {
        json = R"({"name": "firehose", "type": "firehose",
                   "firehose": {"SizeInMBs": 5, "IntervalInSeconds": 60}})";
      } else {
        std::fprintf(stderr, "bench_write_path: unknown consumer %s (kcl, lambda, firehose)\n",
                     name.c_str());
        return 2;
      }
      consumers += std::string(consumers.empty() ? "" : ", ") + json;
      from = comma + 1;
    }
  }
  const std::string zipf_key = zipf > 0 ? ", \"s\": " + std::to_string(zipf) : "";
  char doc[4096];
  std::snprintf(doc, sizeof doc, R"({
    "name": "bench-write-path", "duration": "%s", "seed": 1%s,
    "stream": {"shards": %u},
    "producers": [{"name": "app", "type": "sdk", "instances": %u,
      "rate": {"profile": "%s", "records_per_sec": %.1f},
      "keys": {"dist": "%s", "count": %llu%s},
      "record_size": {"dist": "lognormal", "mean": 300, "sigma": 0.5},
      "sdk": {"max_batch_records": 500, "linger": "50ms", "max_in_flight": 8}}],
    "consumers": [%s],
    "output": {"resolution": "%s"}})",
                duration.c_str(), fidelity_key.c_str(), shards, instances, profile.c_str(), rate,
                zipf > 0 ? "zipf" : "uniform", static_cast<unsigned long long>(keys),
                zipf_key.c_str(), consumers.c_str(), resolution.c_str());
  Scenario scenario;
  try {
    scenario = kinesim::models::load_scenario_text(doc);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_write_path: %s\n", e.what());
    return 1;
  }
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    kinesim::models::RunOptions options;
    options.threads = f.integer<uint32_t>("threads");
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();  // the process's CPU time, every thread's
    const kinesim::models::Result result = kinesim::models::run_scenario(scenario, options);
    const std::clock_t c1 = std::clock();
    const auto t1 = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    const double cpu_secs = static_cast<double>(c1 - c0) / CLOCKS_PER_SEC;
    const auto produced = static_cast<double>(result.totals().produced);
    rates.push_back(produced / secs);
    std::printf(
        "{\"run\": %d, \"records\": %.0f, \"wall_s\": %.3f, \"cpu_s\": %.3f, "
        "\"records_per_sec\": %.0f, \"events\": %llu, \"peak_rss_mib\": %.1f, "
        "\"metrics_mib\": %.2f, \"fidelity\": \"%s\"}\n",
        r, produced, secs, cpu_secs, produced / secs,
        static_cast<unsigned long long>(result.events_run), kinesim::bench::peak_rss_mib(),
        static_cast<double>(result.metrics->bytes()) / (1024.0 * 1024.0),
        result.producers[0].fidelity.c_str());
    std::fflush(stdout);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("{\"median_records_per_sec\": %.0f, \"peak_rss_mib\": %.1f}\n",
              rates[rates.size() / 2], kinesim::bench::peak_rss_mib());
  return 0;
}
