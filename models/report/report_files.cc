#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "models/report/report.h"
#include "models/report/report_stats.h"

namespace kinesim::models {
namespace {

namespace fs = std::filesystem;

constexpr int kCsvDecimals = 3;  // non-integral CSV values, e.g. average latency in ms

// Integers without ".0", other values with fixed decimals, empty for NaN (no data point).
void append_number(std::string& out, double v) {
  if (std::isnan(v)) return;
  char buf[64];
  std::to_chars_result res{};
  if (std::abs(v) < 9e15 && v == std::floor(v)) {
    res = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
  } else {
    res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, kCsvDecimals);
  }
  out.append(buf, res.ptr);
}

// Quotes a CSV field when it holds a separator, a quote or a line break (RFC 4180).
void append_field(std::string& out, const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) {
    out += s;
    return;
  }
  out.push_back('"');
  for (const char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

// Counter value of `row` in bucket `col`: 0 past the recorded buckets or for a missing row.
double cell(const Eigen::Ref<const Eigen::MatrixXd>& m, int64_t row, Eigen::Index col) {
  if (row < 0 || row >= m.rows() || col >= m.cols()) return 0.0;
  return m(static_cast<Eigen::Index>(row), col);
}

// Seconds from integer nanoseconds, exactly: "60", "0.5", "1.25".
void append_seconds(std::string& out, int64_t nanos) {
  constexpr int64_t kNanosPerSecond = 1'000'000'000;
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, nanos / kNanosPerSecond);
  out.append(buf, res.ptr);
  int64_t frac = nanos % kNanosPerSecond;
  if (frac == 0) return;
  std::string digits = std::to_string(frac < 0 ? -frac : frac);
  digits.insert(0, 9 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  out += "." + digits;
}

void append_time(std::string& out, const Result& r, Eigen::Index bucket) {
  append_seconds(out, static_cast<int64_t>(bucket) * r.resolution.count_nanos());
}

// The gauge row named `name`, or -1.
int64_t gauge_row(const sim::MetricRecorder& m, const std::string& name) {
  const auto& names = m.gauge_names();
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : it - names.begin();
}

// A read-side column of a CSV: a counter summed per bucket, a gauge's largest value in it, or a
// sum of milliseconds averaged over the calls of two counters (GetRecords.Latency).
struct ReadColumn {
  enum class Kind : uint8_t { kCounter, kGaugeMax, kAverage };
  std::string name;
  Kind kind;
  int64_t row = -1;
  int64_t calls_row = -1, other_calls_row = -1;  // kAverage: the calls it is over
};

// The read series the stream registered (at its first read), as columns: a write-only run has
// none and keeps its CSVs' columns. `prefix` is "<stream>/" or "<shard id>/".
std::vector<ReadColumn> read_columns(const sim::MetricRecorder& m, const std::string& prefix,
                                     bool stream_level) {
  std::vector<ReadColumn> cols;
  const auto counter = [&](const char* name) {
    const int64_t row = counter_row(m, prefix + name);
    if (row >= 0) cols.push_back({name, ReadColumn::Kind::kCounter, row});
  };
  const auto gauge = [&](const char* name) {
    const int64_t row = gauge_row(m, prefix + name);
    if (row >= 0) cols.push_back({name, ReadColumn::Kind::kGaugeMax, row});
  };
  if (stream_level) {
    counter("GetRecords.Success");
    counter("GetRecords.Records");
    counter("GetRecords.Bytes");
    // Readers report the latency of every GetRecords reply, served or throttled.
    const int64_t latency = counter_row(m, prefix + "GetRecords.Latency.Sum");
    if (latency >= 0) {
      cols.push_back({"GetRecords.Latency", ReadColumn::Kind::kAverage, latency,
                      counter_row(m, prefix + "GetRecords.Success"),
                      counter_row(m, prefix + "ReadProvisionedThroughputExceeded")});
    }
    gauge("GetRecords.IteratorAgeMilliseconds");
    counter("ReadProvisionedThroughputExceeded");
  } else {
    counter("OutgoingBytes");
    counter("OutgoingRecords");
    counter("ReadProvisionedThroughputExceeded");
    gauge("IteratorAgeMilliseconds");
  }
  return cols;
}

void append_read_cell(std::string& out, const ReadColumn& c,
                      const Eigen::Ref<const Eigen::MatrixXd>& sums,
                      const Eigen::Ref<const Eigen::MatrixXd>& max, Eigen::Index b) {
  out.push_back(',');
  switch (c.kind) {
    case ReadColumn::Kind::kCounter:
      append_number(out, cell(sums, c.row, b));
      return;
    case ReadColumn::Kind::kGaugeMax:
      if (b < max.cols()) append_number(out, max(static_cast<Eigen::Index>(c.row), b));
      return;
    case ReadColumn::Kind::kAverage: {
      const double calls = cell(sums, c.calls_row, b) + cell(sums, c.other_calls_row, b);
      append_number(out, calls > 0 ? cell(sums, c.row, b) / calls : std::nan(""));
      return;
    }
  }
}

}  // namespace

std::string metrics_stream_csv(const Result& r) {
  static const char* const kCounters[] = {"IncomingBytes", "IncomingRecords",
                                          "WriteProvisionedThroughputExceeded"};
  static const char* const kApis[] = {"PutRecords", "PutRecord"};
  static const char* const kApiColumns[] = {"Bytes",           "Latency",           "Success",
                                            "TotalRecords",    "SuccessfulRecords", "FailedRecords",
                                            "ThrottledRecords"};
  std::string out = "time_s";
  for (const char* c : kCounters) out += std::string(",") + c;
  for (const char* api : kApis) {
    for (const char* c : kApiColumns) out += std::string(",") + api + "." + c;
  }
  out += ",OpenShardCount";
  const std::vector<ReadColumn> reads =
      r.metrics ? read_columns(*r.metrics, r.stream.name + "/", true) : std::vector<ReadColumn>{};
  for (const ReadColumn& c : reads) out += "," + c.name;
  out += "\n";
  if (!r.metrics) return out;

  const sim::MetricRecorder& m = *r.metrics;
  const std::string prefix = r.stream.name + "/";
  std::vector<int64_t> rows;
  for (const char* c : kCounters) rows.push_back(counter_row(m, prefix + c));
  std::vector<std::array<int64_t, 8>> api_rows;  // the 7 columns, then Requests
  for (const char* api : kApis) {
    std::array<int64_t, 8> a{};
    for (std::size_t i = 0; i < 7; ++i) {
      const std::string col = kApiColumns[i];
      a[i] = counter_row(m, prefix + api + "." + (col == "Latency" ? "Latency.Sum" : col));
    }
    a[7] = counter_row(m, prefix + api + ".Requests");
    api_rows.push_back(a);
  }
  const auto sums = m.counter_sums(0);
  const std::vector<double> open_shards = open_shard_counts(r);
  const auto max = m.gauge_max(0);
  const Eigen::Index n = bucket_count(r);
  for (Eigen::Index b = 0; b < n; ++b) {
    append_time(out, r, b);
    for (const int64_t row : rows) {
      out.push_back(',');
      append_number(out, cell(sums, row, b));
    }
    for (const auto& a : api_rows) {
      for (std::size_t i = 0; i < 7; ++i) {
        out.push_back(',');
        if (i == 1) {
          const double requests = cell(sums, a[7], b);
          append_number(out, requests > 0 ? cell(sums, a[1], b) / requests : std::nan(""));
        } else {
          append_number(out, cell(sums, a[i], b));
        }
      }
    }
    out.push_back(',');
    append_number(out, open_shards[static_cast<std::size_t>(b)]);
    for (const ReadColumn& c : reads) append_read_cell(out, c, sums, max, b);
    out.push_back('\n');
  }
  return out;
}

namespace {

// Whether any read series has a value in bucket b (a gauge: a call was served in it).
bool has_read_data(const std::vector<ReadColumn>& cols,
                   const Eigen::Ref<const Eigen::MatrixXd>& sums,
                   const Eigen::Ref<const Eigen::MatrixXd>& max, Eigen::Index b) {
  for (const ReadColumn& c : cols) {
    if (c.kind == ReadColumn::Kind::kCounter && cell(sums, c.row, b) != 0) return true;
    if (c.kind == ReadColumn::Kind::kGaugeMax && b < max.cols() &&
        std::isfinite(max(static_cast<Eigen::Index>(c.row), b))) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string metrics_shards_csv(const Result& r) {
  std::string out =
      "time_s,shard_id,IncomingBytes,IncomingRecords,WriteProvisionedThroughputExceeded";
  // Read columns when any shard was read; shards nobody read leave them empty.
  std::vector<std::vector<ReadColumn>> reads(r.shards.size());
  std::vector<ReadColumn> header;
  if (r.metrics) {
    for (std::size_t i = 0; i < r.shards.size(); ++i) {
      reads[i] = read_columns(*r.metrics, r.shards[i].shard_id + "/", false);
      if (reads[i].size() > header.size()) header = reads[i];
    }
  }
  for (const ReadColumn& c : header) out += "," + c.name;
  out += "\n";
  if (!r.metrics) return out;
  const auto sums = r.metrics->counter_sums(0);
  const auto max = r.metrics->gauge_max(0);
  const int64_t res = r.resolution.count_nanos();
  std::vector<std::pair<sim::Time, sim::Time>> lifetimes;
  for (const ShardResult& s : r.shards) lifetimes.push_back(shard_lifetime(r, s));
  const Eigen::Index n = bucket_count(r);
  for (Eigen::Index b = 0; b < n; ++b) {
    const sim::Time from = sim::Time::from_nanos(static_cast<int64_t>(b) * res);
    const sim::Time to = from + r.resolution;
    for (std::size_t i = 0; i < r.shards.size(); ++i) {
      const ShardResult& s = r.shards[i];
      const double bytes = cell(sums, s.series_bytes, b);
      const double records = cell(sums, s.series_records, b);
      const double throttled = cell(sums, s.series_throttled, b);
      const bool existed = from < lifetimes[i].second && to > lifetimes[i].first;
      // A closed shard is read until it is drained or expires: its reads are data too.
      if (!existed && bytes == 0 && records == 0 && throttled == 0 &&
          !has_read_data(reads[i], sums, max, b)) {
        continue;
      }
      append_time(out, r, b);
      out += "," + s.shard_id + ",";
      append_number(out, bytes);
      out.push_back(',');
      append_number(out, records);
      out.push_back(',');
      append_number(out, throttled);
      if (reads[i].size() == header.size()) {
        for (const ReadColumn& c : reads[i]) append_read_cell(out, c, sums, max, b);
      } else {
        out.append(header.size(), ',');
      }
      out.push_back('\n');
    }
  }
  return out;
}

std::string metrics_producers_csv(const Result& r) {
  static const char* const kColumns[] = {"UserRecordsProduced", "UserBytesProduced",
                                         "UserRecordsPut",      "ThrottledEntries",
                                         "UserRecordsFailed",   "RetriedEntries"};
  // A KPL's own metrics follow when the run has a KPL producer (empty for the other types).
  static const char* const kKplColumns[] = {"KinesisRecordsPut",
                                            "KinesisRecordsPut.UserRecords",
                                            "BufferingTime.SumMs",
                                            "BufferingTime.Count",
                                            "RetriesPerRecord.Sum",
                                            "RetriesPerRecord.Count",
                                            "ErrorsByCode.ProvisionedThroughputExceededException",
                                            "ErrorsByCode.InternalFailure",
                                            "ErrorsByCode.RequestTimeout",
                                            "UserRecordsExpired",
                                            "WrongShardPuts"};
  const bool kpl = std::any_of(r.producers.begin(), r.producers.end(),
                               [](const ProducerResult& p) { return p.type == "kpl"; });
  std::vector<const char*> columns(std::begin(kColumns), std::end(kColumns));
  if (kpl) columns.insert(columns.end(), std::begin(kKplColumns), std::end(kKplColumns));
  std::string out = "time_s,producer";
  for (const char* c : columns) out += std::string(",") + c;
  out.push_back('\n');
  if (!r.metrics) return out;
  // Each producer's series rows; none for a KPL column of another type: an empty cell.
  std::vector<std::vector<std::optional<int64_t>>> rows;
  for (const ProducerResult& p : r.producers) {
    std::vector<std::optional<int64_t>> pr;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const bool own = i < std::size(kColumns) || p.type == "kpl";
      pr.push_back(own ? std::optional(counter_row(*r.metrics, p.name + "/" + columns[i]))
                       : std::nullopt);
    }
    rows.push_back(std::move(pr));
  }
  const auto sums = r.metrics->counter_sums(0);
  const Eigen::Index n = bucket_count(r);
  for (Eigen::Index b = 0; b < n; ++b) {
    for (std::size_t p = 0; p < r.producers.size(); ++p) {
      append_time(out, r, b);
      out.push_back(',');
      append_field(out, r.producers[p].name);
      for (const std::optional<int64_t>& row : rows[p]) {
        out.push_back(',');
        if (row) append_number(out, cell(sums, *row, b));
      }
      out.push_back('\n');
    }
  }
  return out;
}

std::string metrics_consumers_csv(const Result& r) {
  // Enhanced fan-out consumers' CloudWatch series (the stream's, with the ConsumerName
  // dimension) follow as further columns when the run has any; polling-only runs keep the shape.
  constexpr std::array<const char*, 5> kFanOutCounters = {
      "SubscribeToShard.Success", "SubscribeToShard.RateExceeded", "SubscribeToShardEvent.Success",
      "SubscribeToShardEvent.Records", "SubscribeToShardEvent.Bytes"};
  constexpr const char* kFanOutGauge = "SubscribeToShardEvent.MillisBehindLatest";
  const bool fan_out = std::any_of(r.consumers.begin(), r.consumers.end(),
                                   [](const ConsumerResult& c) { return !c.polling; });
  std::string out =
      "time_s,consumer,type,RecordsRead,RecordsProcessed,ThrottledCalls,MillisBehindLatestMax";
  if (fan_out) {
    for (const char* name : kFanOutCounters) out += std::string(",") + name;
    out += std::string(",") + kFanOutGauge + "Max";
  }
  out.push_back('\n');
  if (!r.metrics) return out;
  const auto sums = r.metrics->counter_sums(0);
  const auto max = r.metrics->gauge_max(0);
  // Rows of each fan-out consumer's series, by name (-1: none).
  const auto row_of = [](const std::vector<std::string>& names, const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? Eigen::Index{-1} : static_cast<Eigen::Index>(it - names.begin());
  };
  std::vector<std::array<Eigen::Index, kFanOutCounters.size() + 1>> fan_out_rows;
  for (const ConsumerResult& c : r.consumers) {
    std::array<Eigen::Index, kFanOutCounters.size() + 1> rows{};
    rows.fill(-1);
    if (!c.polling) {
      for (std::size_t i = 0; i < kFanOutCounters.size(); ++i) {
        rows[i] = row_of(r.metrics->counter_names(), c.name + "/" + kFanOutCounters[i]);
      }
      rows.back() = row_of(r.metrics->gauge_names(), c.name + "/" + kFanOutGauge);
    }
    fan_out_rows.push_back(rows);
  }
  const Eigen::Index n = bucket_count(r);
  for (Eigen::Index b = 0; b < n; ++b) {
    for (std::size_t k = 0; k < r.consumers.size(); ++k) {
      const ConsumerResult& c = r.consumers[k];
      append_time(out, r, b);
      out.push_back(',');
      append_field(out, c.name);
      out += "," + c.type + ",";
      append_number(out, cell(sums, c.series_read, b));
      out.push_back(',');
      append_number(out, cell(sums, c.series_processed, b));
      out.push_back(',');
      append_number(out, cell(sums, c.series_throttled, b));
      out.push_back(',');
      if (b < max.cols()) append_number(out, max(static_cast<Eigen::Index>(c.series_behind), b));
      if (fan_out) {
        const auto& rows = fan_out_rows[k];
        for (std::size_t i = 0; i < kFanOutCounters.size(); ++i) {
          out.push_back(',');
          if (rows[i] >= 0 && b < sums.cols()) append_number(out, sums(rows[i], b));
        }
        out.push_back(',');
        if (rows.back() >= 0 && b < max.cols()) append_number(out, max(rows.back(), b));
      }
      out.push_back('\n');
    }
  }
  return out;
}

std::string timeline_csv(const Result& r) {
  std::string out = "time_s,action,outcome,detail\n";
  for (const TimelineEvent& e : r.timeline) {
    append_seconds(out, e.at.nanos());
    out.push_back(',');
    append_field(out, e.action);
    out.push_back(',');
    append_field(out, e.outcome);
    out.push_back(',');
    append_field(out, e.detail);
    out.push_back('\n');
  }
  return out;
}

namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& what, const std::error_code& ec) {
  throw std::runtime_error("cannot write outputs: " + what + " " + path.string() + ": " +
                           ec.message());
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) fail(path, "open", std::error_code(errno, std::generic_category()));
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  f.close();
  if (!f) fail(path, "write", std::error_code(errno, std::generic_category()));
}

// Removes what this call created, ignoring errors: the original failure is what matters.
void clean_up(const fs::path& temp, const std::vector<fs::path>& created_parents) {
  std::error_code ignored;
  if (!temp.empty()) fs::remove_all(temp, ignored);
  for (auto it = created_parents.rbegin(); it != created_parents.rend(); ++it) {
    fs::remove(*it, ignored);
  }
}

}  // namespace

void write_outputs(const Result& r, const std::string& dir) {
  // Render everything first: a rendering error must not leave files behind either.
  std::string summary = summary_json(r).dump(2);
  summary.push_back('\n');
  std::vector<std::pair<const char*, std::string>> files = {
      {"summary.json", std::move(summary)},
      {"metrics_stream.csv", metrics_stream_csv(r)},
      {"metrics_shards.csv", metrics_shards_csv(r)},
      {"metrics_producers.csv", metrics_producers_csv(r)},
      {"timeline.csv", timeline_csv(r)},
  };
  if (!r.consumers.empty()) files.emplace_back("metrics_consumers.csv", metrics_consumers_csv(r));

  fs::path target = fs::path(dir).lexically_normal();
  if (!target.empty() && target.filename().empty()) target = target.parent_path();  // "out/"
  if (target.empty() || target.filename() == "." || target.filename() == "..") {
    throw std::runtime_error("cannot write outputs: \"" + dir + "\" does not name a directory");
  }
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::vector<fs::path> created;  // parents made here, outermost first
  fs::path temp;
  try {
    std::error_code ec;
    if (fs::exists(target, ec) && !fs::is_directory(target, ec)) {
      fail(target, "use", std::make_error_code(std::errc::not_a_directory));
    }
    {
      std::vector<fs::path> missing;
      for (fs::path p = parent; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        missing.push_back(p);
        if (p == p.parent_path()) break;
      }
      for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (!fs::create_directory(*it, ec) && ec) fail(*it, "create", ec);
        created.push_back(*it);
      }
    }
    temp = parent / ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()));
    fs::remove_all(temp, ec);
    if (!fs::create_directory(temp, ec)) fail(temp, "create", ec);
    for (const auto& [name, text] : files) write_file(temp / name, text);

    if (!fs::exists(target, ec)) {
      fs::rename(temp, target, ec);
      if (ec) fail(target, "rename into", ec);
      temp.clear();
    } else {
      // An existing directory may hold other files: move ours in one by one (each rename is
      // atomic, and every file was already written in full).
      for (const auto& [name, text] : files) {
        fs::rename(temp / name, target / name, ec);
        if (ec) fail(target / name, "rename into", ec);
      }
      fs::remove(temp, ec);
      temp.clear();
    }
  } catch (...) {
    clean_up(temp, created);
    throw;
  }
}

}  // namespace kinesim::models
