// The hold model on the event engine and, in the same run, on a bare std::priority_queue of the
// same events: N events pending; each step pops the earliest and schedules one at
// now + Exponential(mean 1 ms). Prints ns per event (median of repeats) and the ratio.
//
// usage: bench_engine [--sizes 16,1000,100000,1000000] [--events N] [--repeats R] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "sim/engine.h"
#include "sim/rng.h"

namespace {

using kinesim::sim::Duration;
using kinesim::sim::Engine;
using kinesim::sim::RngStream;
using kinesim::sim::Time;
using Clock = std::chrono::steady_clock;

constexpr double kMeanDelayNs = 1e6;

// Delays are drawn once into a table and read cyclically by every implementation, so the
// figures measure the queue and the dispatch, not the cost of a logarithm.
class Delays {
 public:
  Delays() : table_(kSize) {
    RngStream rng{1};
    for (int64_t& d : table_) d = static_cast<int64_t>(rng.exponential(1.0) * kMeanDelayNs);
  }
  int64_t next() { return table_[i_++ & (kSize - 1)]; }

 private:
  static constexpr std::size_t kSize = 1 << 20;
  std::vector<int64_t> table_;
  std::size_t i_ = 0;
};

// The engine: every handler re-schedules itself, as a SimPy process would.
struct EngineHold {
  Engine engine;
  Delays rng;
  uint64_t remaining = 0;

  void fire() {
    if (remaining == 0) return;
    --remaining;
    engine.schedule_in(Duration::nanos(rng.next()), [this] { fire(); });
  }

  double run(std::size_t pending, uint64_t events) {
    engine.reserve(pending + 1);
    remaining = UINT64_MAX;
    for (std::size_t i = 0; i < pending; ++i) {
      engine.schedule(Time::from_nanos(rng.next()), [this] { fire(); });
    }
    remaining = events;
    const auto t0 = Clock::now();
    for (uint64_t i = 0; i < events; ++i) engine.step();
    const auto t1 = Clock::now();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(events);
  }
};

// The baseline: (time, sequence) pairs in a std::priority_queue, same draws, no handlers.
double bare_heap(std::size_t pending, uint64_t events) {
  using Item = std::pair<int64_t, uint64_t>;
  std::vector<Item> storage;
  storage.reserve(pending + 1);
  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap(std::greater<>{},
                                                                    std::move(storage));
  Delays rng;
  uint64_t seq = 0;
  for (std::size_t i = 0; i < pending; ++i) heap.emplace(rng.next(), seq++);
  const auto t0 = Clock::now();
  for (uint64_t i = 0; i < events; ++i) {
    const int64_t now = heap.top().first;
    heap.pop();
    heap.emplace(now + rng.next(), seq++);
  }
  const auto t1 = Clock::now();
  if (heap.empty()) std::abort();  // keeps the loop observable
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(events);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::vector<std::size_t> parse_sizes(const char* s) {
  std::vector<std::size_t> out;
  std::string text(s);
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = text.find(',', pos);
    out.push_back(std::stoull(text.substr(pos, comma - pos)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {16, 1000, 100'000, 1'000'000};
  uint64_t events = 2'000'000;
  int repeats = 5;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
      sizes = parse_sizes(argv[++i]);
    } else if (std::strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
      events = std::stoull(argv[++i]);
    } else if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
      repeats = std::stoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else {
      std::fprintf(stderr, "usage: %s [--sizes a,b,c] [--events N] [--repeats R] [--json]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!json) std::printf("%10s %14s %14s %8s\n", "pending", "engine ns/ev", "heap ns/ev", "ratio");
  for (const std::size_t n : sizes) {
    std::vector<double> eng;
    std::vector<double> heap;
    for (int r = 0; r < repeats; ++r) {  // interleaved so drift hits both alike
      EngineHold h;
      eng.push_back(h.run(n, events));
      heap.push_back(bare_heap(n, events));
    }
    const double e = median(eng);
    const double b = median(heap);
    if (json) {
      std::printf("{\"pending\": %zu, \"engine_ns\": %.2f, \"heap_ns\": %.2f, \"ratio\": %.3f}\n",
                  n, e, b, e / b);
    } else {
      std::printf("%10zu %14.2f %14.2f %8.3f\n", n, e, b, e / b);
    }
  }
  return 0;
}
