// Replay of a recorded workload: a CSV file with the header `timestamp,partition_key,size`,
// read as a stream (never loaded whole). `timestamp` is seconds (decimal) or ISO-8601 UTC
// (2026-01-31T12:00:00.250Z); times are taken relative to the first row and divided by
// `speed`. Rows must not go back in time. With `loop`, the trace restarts after its last row,
// one median-ish gap (the last observed gap) later.
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/workload/workload_config.h"
#include "sim/time.h"

namespace kinesim::models {

struct TraceRow {
  sim::Time at;
  std::string partition_key;
  uint32_t size = 0;
};

class TraceReader {
 public:
  // Throws ScenarioError naming the file and line on a malformed file.
  TraceReader(std::string path, double speed, bool loop, sim::Duration start);
  std::optional<TraceRow> next();
  const std::string& path() const { return path_; }

 private:
  void open();
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  double speed_;
  bool loop_;
  sim::Duration start_;  // the producer's start: the first row's time
  std::ifstream in_;
  uint64_t line_ = 0;
  std::optional<double> first_ts_;
  double last_ts_ = 0;
  double last_gap_ = 0.001;
  double loop_offset_ = 0;
  uint64_t rows_this_pass_ = 0;
};

class KeySpace;

// One trace shared by a producer's instances: a row goes to instance (key id % instances), so
// one key's records stay in order on one instance; rows for others are read ahead and queued.
class TraceFeed {
 public:
  TraceFeed(const std::string& path, double speed, bool loop, sim::Duration start,
            uint32_t instances);
  // The feed of a trace-replay producer (its file resolved against `base_dir`), else nullptr.
  static std::unique_ptr<TraceFeed> for_producer(const WorkloadConfig& config,
                                                 const std::string& base_dir);
  std::optional<TraceRow> next(uint32_t instance, KeySpace& keys);

 private:
  TraceReader reader_;
  std::vector<std::deque<TraceRow>> queues_;
};

// Seconds since the Unix epoch of an ISO-8601 UTC time like 2026-01-31T12:00:00.250Z (the "Z"
// or "+00:00" optional), or of a plain decimal number of seconds.
std::optional<double> parse_trace_timestamp(std::string_view text);

}  // namespace kinesim::models
