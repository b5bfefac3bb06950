#include "models/workload/trace.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include "models/core/errors.h"
#include "models/core/hash_key.h"
#include "models/errors/scenario_error.h"
#include "models/workload/keys.h"

namespace kinesim::models {
namespace {

// Splits one CSV line (RFC 4180 quoting: "a,b" and "" for a quote). Returns false if a quoted
// field is not closed.
bool split_csv(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  out.push_back(std::move(field));
  return !quoted;
}

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), H. Hinnant's days_from_civil.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<double> parse_trace_timestamp(std::string_view s) {
  if (s.size() >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ')) {
    const auto y = parse_int(s.substr(0, 4));
    const auto mo = parse_int(s.substr(5, 2));
    const auto d = parse_int(s.substr(8, 2));
    const auto h = parse_int(s.substr(11, 2));
    const auto mi = parse_int(s.substr(14, 2));
    const auto se = parse_int(s.substr(17, 2));
    if (!y || !mo || !d || !h || !mi || !se || s[13] != ':' || s[16] != ':') return std::nullopt;
    if (*mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *se > 60) {
      return std::nullopt;
    }
    std::string_view rest = s.substr(19);
    double frac = 0;
    if (!rest.empty() && rest[0] == '.') {
      std::size_t n = 1;
      double scale = 0.1;
      while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') {
        frac += (rest[n] - '0') * scale;
        scale /= 10;
        ++n;
      }
      if (n == 1) return std::nullopt;
      rest = rest.substr(n);
    }
    if (!(rest.empty() || rest == "Z" || rest == "+00:00")) return std::nullopt;
    const int64_t days = days_from_civil(*y, *mo, *d);
    return static_cast<double>(days * 86400 + *h * 3600 + *mi * 60 + *se) + frac;
  }
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < 0) {
    return std::nullopt;
  }
  return v;
}

TraceReader::TraceReader(std::string path, double speed, bool loop, sim::Duration start)
    : path_(std::move(path)), speed_(speed), loop_(loop), start_(start) {
  open();
}

void TraceReader::fail(const std::string& what) const {
  throw ScenarioError({{"trace " + path_ + ":" + std::to_string(line_), what}});
}

void TraceReader::open() {
  in_.close();
  in_.clear();
  in_.open(path_);
  line_ = 0;
  rows_this_pass_ = 0;
  if (!in_) fail("cannot open the trace file");
  std::string header;
  if (!std::getline(in_, header)) fail("the trace file is empty; expected a header line");
  ++line_;
  if (!header.empty() && header.back() == '\r') header.pop_back();
  if (header != "timestamp,partition_key,size") {
    fail("got header \"" + header + "\", expected \"timestamp,partition_key,size\"");
  }
}

std::optional<TraceRow> TraceReader::next() {
  std::string line;
  std::vector<std::string> fields;
  for (;;) {
    if (!std::getline(in_, line)) {
      if (!loop_ || rows_this_pass_ == 0) return std::nullopt;
      // Each pass replays at least 1 ns later than the one before, whatever the speed, so
      // that a loop always moves time on.
      loop_offset_ += std::max((last_ts_ - *first_ts_) + last_gap_, speed_ * 1e-9);
      open();
      continue;
    }
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    break;
  }
  if (!split_csv(line, fields)) fail("unclosed quote");
  if (fields.size() != 3) {
    fail("got " + std::to_string(fields.size()) +
         " fields, expected 3 (timestamp,partition_key,size)");
  }
  const auto ts = parse_trace_timestamp(fields[0]);
  if (!ts) fail("got timestamp \"" + fields[0] + "\", expected seconds or ISO-8601 UTC");
  try {
    core::validate_partition_key(fields[1]);  // as Kinesis would refuse it
  } catch (const core::KinesisError&) {
    const std::optional<std::size_t> units = core::utf16_units(fields[1]);
    fail("got a partition key of " +
         (units ? std::to_string(*units) + " characters (UTF-16 code units)"
                : std::to_string(fields[1].size()) + " bytes of invalid UTF-8") +
         ", expected 1..256 characters of valid UTF-8");
  }
  const auto size = parse_int(fields[2]);
  if (!size || *size < 0) fail("got size \"" + fields[2] + "\", expected a byte count >= 0");
  if (!first_ts_) first_ts_ = *ts;
  if (rows_this_pass_ > 0 && *ts < last_ts_) {
    fail("timestamp " + fields[0] + " goes back in time; rows must be in time order");
  }
  if (rows_this_pass_ > 0) last_gap_ = std::max(*ts - last_ts_, 1e-6);
  last_ts_ = *ts;
  ++rows_this_pass_;
  const double rel = (loop_offset_ + *ts - *first_ts_) / speed_;
  TraceRow row;
  row.at = sim::Time::zero() + start_ +
           sim::Duration::nanos(static_cast<int64_t>(std::nearbyint(rel * 1e9)));
  row.partition_key = std::move(fields[1]);
  row.size = static_cast<uint32_t>(*size);
  return row;
}

TraceFeed::TraceFeed(const std::string& path, double speed, bool loop, sim::Duration start,
                     uint32_t instances)
    : reader_(path, speed, loop, start), queues_(instances) {}

std::unique_ptr<TraceFeed> TraceFeed::for_producer(const WorkloadConfig& config,
                                                   const std::string& base_dir) {
  if (config.rate.profile != RateConfig::Profile::kTrace) return nullptr;
  std::string path = config.rate.trace_path;
  if (!path.empty() && path.front() != '/' && !base_dir.empty()) path = base_dir + "/" + path;
  return std::make_unique<TraceFeed>(path, config.rate.trace_speed, config.rate.trace_loop,
                                     config.start, config.instances);
}

std::optional<TraceRow> TraceFeed::next(uint32_t instance, KeySpace& keys) {
  std::deque<TraceRow>& mine = queues_[instance];
  while (mine.empty()) {
    std::optional<TraceRow> row = reader_.next();
    if (!row) return std::nullopt;
    const uint64_t id = keys.intern(row->partition_key);
    queues_[id % queues_.size()].push_back(std::move(*row));
  }
  TraceRow row = std::move(mine.front());
  mine.pop_front();
  return row;
}

}  // namespace kinesim::models
