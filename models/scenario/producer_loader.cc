#include "models/scenario/producer_loader.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <string_view>

#include "models/core/hash_key.h"
#include "models/core/uint128.h"
#include "models/scenario/client_loader.h"
#include "models/scenario/client_registry.h"
#include "models/scenario/scenario_keys.h"

namespace kinesim::models::scenario_json {
namespace {

using std::string_view_literals::operator""sv;
using sim::Duration;
namespace keys = scenario_keys;

constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();
// Shares and weights are decimals a user adds up by hand; allow for their rounding.
constexpr double kShareTolerance = 1e-9;
// Bounds that keep one producer's setup memory reasonable: Zipf keeps an alias table per key.
constexpr uint64_t kMaxZipfKeys = 10'000'000;
constexpr uint64_t kMaxKeys = 1'000'000'000;
// About 3 KB of memory per SDK instance and 8 KB per KPL instance (docs/scenarios.md,
// "instances"): 100,000 instances fit in under 1 GB.
constexpr uint64_t kMaxInstances = 100'000;
// A producer's rate in records per second is at most a million shards' worth: beyond it the
// gaps between records round to nothing on a clock of nanoseconds, and a run would not end.
constexpr double kMaxRecordsPerSec = 1e9;
constexpr std::string_view kTraceHeader = "timestamp,partition_key,size";

std::string describe(Duration d) { return sim::to_string(d); }

// ---- distributions ---------------------------------------------------------------------------

constexpr std::array kDistNames = {"fixed"sv, "uniform"sv, "lognormal"sv, "histogram"sv};

// One value of a distribution: a size in bytes or a duration in seconds; > 0 if `positive`.
std::optional<double> read_quantity(IssueList& issues, const Json* value, const std::string& path,
                                    Need need, Quantity quantity, bool positive) {
  if (quantity == Quantity::kBytes) {
    const auto bytes = read_size(issues, value, path, need, positive ? 1 : 0, kNoLimit);
    if (!bytes) return std::nullopt;
    if (*bytes > kMaxSizeBytes) {
      issues.got(path, *value, "a size below 4GiB (sizes are whole bytes held in 32 bits)");
      return std::nullopt;
    }
    return static_cast<double>(*bytes);
  }
  const auto d = read_duration(
      issues, value, path, need, [positive](Duration x) { return !positive || x > Duration(); },
      positive ? "a duration > 0" : "a duration >= 0");
  if (!d) return std::nullopt;
  return d->to_seconds();
}

}  // namespace

bool read_distribution(IssueList& issues, const Json& node, const std::string& path,
                       Quantity quantity, Distribution& out) {
  const bool bytes = quantity == Quantity::kBytes;
  out = Distribution{};
  if (!node.is_object()) {
    // The short form: one value, a fixed distribution.
    if ((bytes && (node.is_string() || node.is_number())) || (!bytes && node.is_string())) {
      const auto v = read_quantity(issues, &node, path, Need::kRequired, quantity, false);
      out.value = v.value_or(0);
      return v.has_value();
    }
    issues.got(path, node,
               bytes ? R"(a size like "1KiB" or a size distribution {"dist": ...})"
                     : R"(a duration like "25ms" or a duration distribution {"dist": ...})");
    return false;
  }
  const std::size_t before = issues.size();
  const ObjectReader r(issues, node, path,
                       bytes ? KeyList(keys::kSizeDist) : KeyList(keys::kDurationDist));
  const std::string_view value_key = bytes ? "bytes" : "value";
  const auto kind = r.choice("dist", Need::kRequired, kDistNames);
  if (!kind) return false;
  out.kind = static_cast<Distribution::Kind>(*kind);
  const std::string variant = "dist " + quote(kDistNames[*kind]);
  switch (out.kind) {
    case Distribution::Kind::kFixed: {
      const std::array applicable = {"dist"sv, value_key};
      r.reject_keys_outside(applicable, variant);
      out.value = read_quantity(issues, r.find(value_key), r.path(value_key), Need::kRequired,
                                quantity, false)
                      .value_or(0);
      break;
    }
    case Distribution::Kind::kUniform: {
      r.reject_keys_outside(std::array{"dist"sv, "min"sv, "max"sv}, variant);
      const auto lo =
          read_quantity(issues, r.find("min"), r.path("min"), Need::kRequired, quantity, false);
      const auto hi =
          read_quantity(issues, r.find("max"), r.path("max"), Need::kRequired, quantity, false);
      if (lo && hi && *hi < *lo) {
        issues.got(r.path("max"), *r.find("max"),
                   "a value >= min (" + render(*r.find("min")) + ")");
      }
      out.min = lo.value_or(0);
      out.max = hi.value_or(0);
      break;
    }
    case Distribution::Kind::kLognormal: {
      r.reject_keys_outside(std::array{"dist"sv, "mean"sv, "sigma"sv}, variant);
      out.mean =
          read_quantity(issues, r.find("mean"), r.path("mean"), Need::kRequired, quantity, true)
              .value_or(0);
      // Beyond sigma 4 the mean is carried by a few astronomically large draws.
      out.sigma = r.number(
                       "sigma", Need::kRequired, [](double s) { return s >= 0 && s <= 4; },
                       "a number in [0, 4] (the standard deviation of the log)")
                      .value_or(0);
      break;
    }
    case Distribution::Kind::kHistogram: {
      r.reject_keys_outside(std::array{"dist"sv, "points"sv}, variant);
      const Json* points = r.array("points", Need::kRequired);
      if (points == nullptr) break;
      if (points->empty()) issues.got(r.path("points"), *points, "at least one point");
      for (std::size_t i = 0; i < points->size(); ++i) {
        const std::string p = index_path(r.path("points"), i);
        const ObjectReader pr(issues, (*points)[i], p,
                              bytes ? KeyList(keys::kSizePoint) : KeyList(keys::kDurationPoint));
        if (!pr.valid()) continue;
        const auto v = read_quantity(issues, pr.find(value_key), pr.path(value_key),
                                     Need::kRequired, quantity, false);
        const auto w = pr.number(
            "weight", Need::kOptional, [](double x) { return x > 0; }, "a number > 0");
        if (v) out.points.emplace_back(*v, w.value_or(1.0));
      }
      break;
    }
  }
  return issues.size() == before;
}

namespace {

// SDK and KPL producers send a record as its data plus a partition key of at least one byte, and
// the stream rejects a record over max_record_size. A size distribution none of whose draws can
// fit is a mistake, reported here; one with only a tail over the limit (a uniform max, some
// histogram points, a lognormal) is accepted, and the records drawn too large are rejected as
// they are drawn and counted (rejected_too_large). The Kinesis Agent truncates a line over the
// limit instead, so its sizes are not checked against it.
void check_records_can_fit(IssueList& issues, const Json& node, const std::string& path,
                           const Distribution& d, uint64_t max_record_bytes) {
  const auto never_fits = [&](double data_bytes) {
    return data_bytes + 1 > static_cast<double>(max_record_bytes);
  };
  const std::string why = "below stream.max_record_size (" + format_size(max_record_bytes) +
                          "): every record (data plus a partition key of at least 1 byte) "
                          "would be rejected as too large";
  switch (d.kind) {
    case Distribution::Kind::kFixed:
      if (!never_fits(d.value)) return;
      if (node.is_object()) {
        issues.got(key_path(path, "bytes"), node.at("bytes"), "a size " + why);
      } else {
        issues.got(path, node, "a size " + why);
      }
      return;
    case Distribution::Kind::kUniform:
      if (never_fits(d.min)) issues.got(key_path(path, "min"), node.at("min"), "a size " + why);
      return;
    case Distribution::Kind::kHistogram:
      if (std::all_of(d.points.begin(), d.points.end(),
                      [&](const auto& point) { return never_fits(point.first); })) {
        issues.got(key_path(path, "points"), node.at("points"), "at least one point " + why);
      }
      return;
    case Distribution::Kind::kLognormal:
      return;  // every lognormal has draws below any limit
  }
}

// ---- rate ------------------------------------------------------------------------------------

constexpr std::array kProfiles = {"constant"sv, "poisson"sv, "schedule"sv, "diurnal"sv, "trace"sv};
constexpr std::array kProcesses = {"poisson"sv, "constant"sv};

// Only the header is checked here; the workload reads the rows when it runs.
void check_trace_file(IssueList& issues, const Json& node, const std::string& path,
                      const std::string& resolved) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(resolved, ec)) {
    issues.got(path, node, "a readable trace file, but " + quote(resolved) + " is not a file");
    return;
  }
  std::ifstream in(resolved, std::ios::binary);
  std::string head(256, '\0');
  if (in.is_open()) in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (!in.is_open() || in.bad()) {
    issues.got(path, node, "a readable trace file, but " + quote(resolved) + " cannot be read");
    return;
  }
  head.resize(static_cast<std::size_t>(in.gcount()));
  std::string_view line(head);
  line = line.substr(0, line.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line != kTraceHeader) {
    issues.got(
        path, node,
        "a CSV file whose first line is " + quote(kTraceHeader) + " (found " + quote(line) + ")");
  }
}

std::string resolve(const std::string& base_dir, const std::string& file) {
  const std::filesystem::path p(file);
  if (p.is_absolute() || base_dir.empty()) return file;
  return (std::filesystem::path(base_dir) / p).string();
}

void read_rate(IssueList& issues, const Json& node, const std::string& path,
               const ProducerContext& ctx, RateConfig& rate) {
  const ObjectReader r(issues, node, path, keys::kRate);
  if (!r.valid()) return;
  const auto profile = r.choice("profile", Need::kOptional, kProfiles);
  if (r.has("profile") && !profile) return;
  rate.profile = static_cast<RateConfig::Profile>(profile.value_or(1));
  const std::string variant = "profile " + quote(kProfiles[static_cast<std::size_t>(rate.profile)]);
  const auto positive = [](double x) { return x > 0; };
  // A rate within its lower bound, then within kMaxRecordsPerSec.
  const auto read_rate_value = [&](const ObjectReader& o, std::string_view key, bool zero_ok) {
    std::optional<double> v = o.number(
        key, Need::kRequired, [=](double x) { return zero_ok ? x >= 0 : x > 0; },
        zero_ok ? "a number >= 0" : "a number > 0");
    if (v && *v > kMaxRecordsPerSec) {
      issues.got(o.path(key), *o.find(key), "a number <= 1e9 (records per second)");
      v.reset();
    }
    return v;
  };
  const auto read_process = [&] {
    if (const auto p = r.choice("process", Need::kOptional, kProcesses)) rate.poisson = *p == 0;
  };
  switch (rate.profile) {
    case RateConfig::Profile::kConstant:
    case RateConfig::Profile::kPoisson:
      r.reject_keys_outside(std::array{"profile"sv, "records_per_sec"sv}, variant);
      rate.records_per_sec = read_rate_value(r, "records_per_sec", false).value_or(0);
      rate.poisson = rate.profile == RateConfig::Profile::kPoisson;
      break;
    case RateConfig::Profile::kSchedule: {
      r.reject_keys_outside(std::array{"profile"sv, "steps"sv, "process"sv}, variant);
      read_process();
      const Json* steps = r.array("steps", Need::kRequired);
      if (steps == nullptr) break;
      if (steps->empty()) issues.got(r.path("steps"), *steps, "at least one step");
      for (std::size_t i = 0; i < steps->size(); ++i) {
        const std::string p = index_path(r.path("steps"), i);
        const ObjectReader sr(issues, (*steps)[i], p, keys::kStep);
        if (!sr.valid()) continue;
        const auto at = sr.duration(
            "at", Need::kRequired, [&](Duration d) { return d < ctx.scenario_duration; },
            "a time before the end of the scenario (" + describe(ctx.scenario_duration) + ")");
        const auto rps = read_rate_value(sr, "records_per_sec", true);
        if (at && !rate.steps.empty() && *at <= rate.steps.back().at) {
          issues.got(sr.path("at"), *sr.find("at"),
                     "a time after the previous step's (" + describe(rate.steps.back().at) +
                         "): steps are listed in time order");
        } else if (at && rps) {
          rate.steps.push_back({*at, *rps});
        }
      }
      break;
    }
    case RateConfig::Profile::kDiurnal: {
      r.reject_keys_outside(std::array{"profile"sv, "mean_records_per_sec"sv, "peak_factor"sv,
                                       "peak_at"sv, "period"sv, "process"sv},
                            variant);
      read_process();
      rate.mean_records_per_sec = read_rate_value(r, "mean_records_per_sec", false).value_or(0);
      rate.peak_factor = r.number(
                              "peak_factor", Need::kOptional,
                              [](double x) { return x >= 1 && x <= 2; }, "a number in [1, 2]")
                             .value_or(rate.peak_factor);
      rate.period = r.duration(
                         "period", Need::kOptional, [](Duration d) { return d > Duration(); },
                         "a duration > 0")
                        .value_or(rate.period);
      rate.peak_at = r.duration("peak_at", Need::kOptional).value_or(rate.peak_at);
      break;
    }
    case RateConfig::Profile::kTrace: {
      r.reject_keys_outside(std::array{"profile"sv, "file"sv, "speed"sv, "loop"sv}, variant);
      const auto file = r.string("file", Need::kRequired, "a non-empty file path",
                                 [](const std::string& s) { return !s.empty(); });
      if (file) {
        // Stored as written; users of it resolve it against Scenario::base_dir as checked here.
        rate.trace_path = *file;
        check_trace_file(issues, *r.find("file"), r.path("file"), resolve(ctx.base_dir, *file));
      }
      rate.trace_speed = r.number("speed", Need::kOptional, positive,
                                  "a number > 0 (1 = as "
                                  "recorded)")
                             .value_or(rate.trace_speed);
      rate.trace_loop = r.boolean("loop", Need::kOptional).value_or(rate.trace_loop);
      break;
    }
  }
}

// ---- keys ------------------------------------------------------------------------------------

constexpr std::array kKeyDists = {"uniform"sv, "zipf"sv, "hot"sv, "random"sv,
                                  "explicit_hash_keys"sv};
constexpr std::array kRestDists = {"uniform"sv, "zipf"sv};

// Characters as Kinesis counts them: UTF-16 code units (a character above U+FFFF counts 2).
bool valid_partition_key(const std::string& k) {
  const std::optional<std::size_t> n = core::utf16_units(k);
  return n && *n >= 1 && *n <= core::PutLimits{}.max_partition_key_chars;
}

void read_keys(IssueList& issues, const Json& node, const std::string& path, KeysConfig& keys) {
  const ObjectReader r(issues, node, path, keys::kKeys);
  if (!r.valid()) return;
  const auto dist = r.choice("dist", Need::kOptional, kKeyDists);
  if (r.has("dist") && !dist) return;
  keys.dist = static_cast<KeysConfig::Dist>(dist.value_or(0));
  const std::string variant = "dist " + quote(kKeyDists[static_cast<std::size_t>(keys.dist)]);
  const std::string key_expected =
      "a partition key of 1..256 characters (UTF-16 code units, as Kinesis counts them)";
  const auto read_s = [&] {
    keys.s =
        r.number(
             "s", Need::kOptional, [](double x) { return x > 0 && x <= 10; }, "a number in (0, 10]")
            .value_or(keys.s);
  };
  const auto read_prefix = [&] {
    keys.prefix = r.string("prefix", Need::kOptional, "a string").value_or(keys.prefix);
    // The longest generated key, prefix + (count - 1), must still be a valid partition key.
    const uint64_t last = keys.count > 0 ? keys.count - 1 : 0;
    const std::size_t longest =
        core::utf16_units(keys.prefix).value_or(0) + std::to_string(last).size();
    if (longest > core::PutLimits{}.max_partition_key_chars && r.has("prefix")) {
      issues.got(r.path("prefix"), *r.find("prefix"),
                 "a prefix that leaves room for the key number within 256 characters");
    }
  };
  switch (keys.dist) {
    case KeysConfig::Dist::kUniform:
    case KeysConfig::Dist::kZipf: {
      const bool zipf = keys.dist == KeysConfig::Dist::kZipf;
      if (zipf) {
        r.reject_keys_outside(std::array{"dist"sv, "count"sv, "s"sv, "prefix"sv}, variant);
      } else {
        r.reject_keys_outside(std::array{"dist"sv, "count"sv, "prefix"sv}, variant);
      }
      keys.count = r.integer("count", Need::kOptional, 1, zipf ? kMaxZipfKeys : kMaxKeys)
                       .value_or(keys.count);
      if (zipf) read_s();
      read_prefix();
      break;
    }
    case KeysConfig::Dist::kHot: {
      const auto rest = r.choice("rest", Need::kOptional, kRestDists);
      keys.rest = rest.value_or(0) == 1 ? KeysConfig::Dist::kZipf : KeysConfig::Dist::kUniform;
      if (keys.rest == KeysConfig::Dist::kZipf) {
        r.reject_keys_outside(std::array{"dist"sv, "hot"sv, "rest"sv, "count"sv, "s"sv, "prefix"sv},
                              variant);
      } else {
        r.reject_keys_outside(std::array{"dist"sv, "hot"sv, "rest"sv, "count"sv, "prefix"sv},
                              variant + " with rest \"uniform\"");
      }
      keys.count = r.integer("count", Need::kOptional, 0,
                             keys.rest == KeysConfig::Dist::kZipf ? kMaxZipfKeys : kMaxKeys)
                       .value_or(keys.count);
      if (keys.rest == KeysConfig::Dist::kZipf) read_s();
      read_prefix();
      const Json* hot = r.array("hot", Need::kRequired);
      if (hot == nullptr) break;
      if (hot->empty()) issues.got(r.path("hot"), *hot, "at least one hot key");
      double total = 0;
      bool all_read = true;
      std::set<std::string> seen;
      for (std::size_t i = 0; i < hot->size(); ++i) {
        const std::string p = index_path(r.path("hot"), i);
        const ObjectReader hr(issues, (*hot)[i], p, keys::kHotKey);
        if (!hr.valid()) continue;
        const auto key = hr.string("key", Need::kRequired, key_expected, valid_partition_key);
        const auto share = hr.number(
            "share", Need::kRequired, [](double x) { return x > 0 && x <= 1; },
            "a number in (0, 1]: the fraction of all records");
        if (key && !seen.insert(*key).second) {
          issues.got(hr.path("key"), *hr.find("key"), "a key not listed before in this list");
        }
        if (key && share) {
          keys.hot.push_back({*key, *share});
          total += *share;
        } else {
          all_read = false;
        }
      }
      if (!all_read) break;
      if (total > 1 + kShareTolerance) {
        issues.got(r.path("hot"), *hot,
                   "shares that sum to at most 1 (they sum to " + std::to_string(total) + ")");
      } else if (total < 1 - kShareTolerance && keys.count == 0) {
        issues.got(r.path("count"), *r.find("count"),
                   "an integer >= 1: the hot keys leave " + std::to_string(1 - total) +
                       " of the records to the other keys");
      }
      break;
    }
    case KeysConfig::Dist::kRandom:
      r.reject_keys_outside(std::array{"dist"sv, "random_key_bytes"sv}, variant);
      keys.random_key_bytes =
          static_cast<uint32_t>(r.integer("random_key_bytes", Need::kOptional, 1,
                                          core::PutLimits{}.max_partition_key_chars)
                                    .value_or(keys.random_key_bytes));
      break;
    case KeysConfig::Dist::kExplicitHashKeys: {
      r.reject_keys_outside(std::array{"dist"sv, "hash_keys"sv, "partition_key"sv}, variant);
      keys.explicit_partition_key =
          r.string("partition_key", Need::kOptional, key_expected, valid_partition_key)
              .value_or(keys.explicit_partition_key);
      const Json* list = r.array("hash_keys", Need::kOptional);
      if (list == nullptr) break;
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string p = index_path(r.path("hash_keys"), i);
        const ObjectReader er(issues, (*list)[i], p, keys::kHashKey);
        if (!er.valid()) continue;
        // A string, since JSON numbers lose precision beyond 2^53.
        const auto text = er.string(
            "hash_key", Need::kRequired,
            "a decimal string 0..2^128-1 such as \"170141183460469231731687303715884105728\"",
            [](const std::string& s) { return core::parse_decimal(s).has_value(); });
        const auto weight = er.number(
            "weight", Need::kOptional, [](double x) { return x > 0; }, "a number > 0");
        if (text) {
          keys.explicit_hash_keys.push_back({*core::parse_decimal(*text), weight.value_or(1.0)});
        }
      }
      break;
    }
  }
}

// ---- producer --------------------------------------------------------------------------------

// The keys every producer takes; each type adds its own settings object.
constexpr std::array kCommonProducerKeys = {"name"sv, "type"sv, "instances"sv,  "start"sv,
                                            "rate"sv, "keys"sv, "record_size"sv};

void reject_other_types_keys(const ObjectReader& r, ProducerConfig::Type type) {
  const auto own = producer_type(type).settings_key;
  std::array<std::string_view, kCommonProducerKeys.size() + 1> applicable{};
  std::copy(kCommonProducerKeys.begin(), kCommonProducerKeys.end(), applicable.begin());
  applicable.back() = own;
  r.reject_keys_outside(applicable, "type " + quote(producer_type(type).name));
}

// The settings object of the producer's type (the registry's settings key); another type's
// object has already been reported.
void read_client(IssueList& issues, const ObjectReader& r, ProducerConfig& p,
                 const ProducerContext& ctx) {
  const ProducerType& type = producer_type(p.type);
  // Without the object its defaults still apply, checked against the stream as given ones are
  // (the KPL's default AggregationMaxSize on a stream with smaller records).
  static const Json kNone = Json::object();
  const Json* settings = r.object(type.settings_key, Need::kOptional);
  type.read(issues, settings != nullptr ? *settings : kNone, r.path(type.settings_key), ctx, p);
}

// Whether an agent's (or a flow's) settings ask for RANDOM partition keys: written so, or by
// default `inherited`; false if misspelt, which is reported on its own.
bool keys_at_random(const Json* settings, bool inherited) {
  if (settings == nullptr || !settings->is_object()) return inherited;
  const auto option = settings->find("partitionKeyOption");
  return option == settings->end() ? inherited : *option == "RANDOM";
}

// Whether an agent producer's partitionKeyOption is RANDOM (written so or by default).
bool agent_keys_at_random(const ObjectReader& r) { return keys_at_random(r.find("agent"), true); }

// An agent's "flows": each file pattern with its own rate, record size and rotation, and its own
// agent.json settings (the agent's are the defaults of both). Returns, of the flows with
// DETERMINISTIC keys, whether any replays a trace and whether any generates its lines, and
// whether every flow draws RANDOM keys.
struct FlowKinds {
  bool deterministic_trace = false;
  bool deterministic_generated = false;
  bool all_random = true;
};

FlowKinds read_agent_flows(IssueList& issues, const Json& list, const std::string& path,
                           const ProducerContext& ctx, bool agent_random, AgentConfig& agent) {
  FlowKinds kinds;
  if (list.empty()) issues.got(path, list, "at least one flow");
  std::set<std::string> patterns;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = index_path(path, i);
    const ObjectReader r(issues, list[i], p, keys::kAgentFlow);
    if (!r.valid()) continue;
    AgentFlowConfig flow;
    flow.rotation_interval = agent.rotation_interval;
    flow.rotated_files_tracked = agent.rotated_files_tracked;
    flow.file_pattern = r.string("filePattern", Need::kRequired,
                                 "a non-empty file pattern such as \"/var/log/app/*.log\"",
                                 [](const std::string& s) { return !s.empty(); })
                            .value_or("");
    if (!flow.file_pattern.empty() && !patterns.insert(flow.file_pattern).second) {
      issues.got(r.path("filePattern"), *r.find("filePattern"),
                 "a pattern no other flow of this agent has (patterns name the flows)");
    }
    if (const Json* rate = r.object("rate", Need::kRequired)) {
      read_rate(issues, *rate, r.path("rate"), ctx, flow.rate);
    }
    const bool trace = r.has("rate") && flow.rate.profile == RateConfig::Profile::kTrace;
    if (trace) {
      if (r.has("record_size")) {
        issues.add(r.path("record_size"),
                   "key \"record_size\" does not apply with rate.profile \"trace\"; the trace file "
                   "gives each line's size");
      }
    } else if (const Json* size = r.find("record_size")) {
      read_distribution(issues, *size, r.path("record_size"), Quantity::kBytes, flow.record_size);
    } else {
      issues.missing(r.path("record_size"),
                     R"(a size like "1KiB" or a size distribution {"dist": ...})");
    }
    read_rotation(r, flow.rotation_interval, flow.rotated_files_tracked);
    flow.settings = static_cast<const AgentFlowSettings&>(agent);
    read_flow_settings(issues, r, ctx, *flow.settings);
    if (flow.settings->partition_key_option ==
        AgentFlowSettings::PartitionKeyOption::kDeterministic) {
      (trace ? kinds.deterministic_trace : kinds.deterministic_generated) = true;
    }
    kinds.all_random = kinds.all_random && keys_at_random(&list[i], agent_random);
    agent.flows.push_back(std::move(flow));
  }
  return kinds;
}

// A type "agent" producer with "agent.flows": the flows have the rates and sizes, so the
// producer's own `rate` and `record_size` do not apply; `keys` only when some flow has
// DETERMINISTIC keys and generates its lines.
void read_multi_flow_agent(IssueList& issues, const ObjectReader& r, ProducerConfig& p,
                           const ProducerContext& ctx) {
  for (const std::string_view k : {"rate"sv, "record_size"sv}) {
    if (r.has(k)) {
      issues.add(r.path(k), "key " + quote(k) +
                                " does not apply to an agent with agent.flows; each flow has its "
                                "own rate and record_size");
    }
  }
  if (const Json* keys_node = r.object("keys", Need::kOptional)) {
    read_keys(issues, *keys_node, r.path("keys"), p.keys);
  }
  read_client(issues, r, p, ctx);
  const Json& agent = *r.find("agent");
  const std::string agent_path = r.path("agent");
  const FlowKinds kinds = read_agent_flows(issues, agent["flows"], key_path(agent_path, "flows"),
                                           ctx, agent_keys_at_random(r), p.agent);
  if (r.has("keys") && kinds.all_random) {
    issues.add(r.path("keys"),
               "key \"keys\" does not apply to an agent with partitionKeyOption \"RANDOM\" (the "
               "default), which draws a random partition key per record; with \"DETERMINISTIC\" "
               "the keys stand for the distinct record data");
  } else if (r.has("keys") && kinds.deterministic_trace) {
    issues.add(r.path("keys"),
               "key \"keys\" does not apply to an agent whose flows replay traces; the trace "
               "files give each line's partition key");
  }
  if (kinds.deterministic_trace && kinds.deterministic_generated) {
    issues.got(key_path(agent_path, "flows"), agent["flows"],
               "flows that all replay traces or none does: with partitionKeyOption "
               "\"DETERMINISTIC\" the trace keys and the generated keys cannot share one key "
               "space");
  }
}

// Whether the producer is an agent whose settings list "flows" (an array; otherwise the agent's
// reader reports it).
bool has_agent_flows(const ObjectReader& r, ProducerConfig::Type type) {
  if (type != ProducerConfig::Type::kAgent) return false;
  const Json* agent = r.find("agent");
  if (agent == nullptr || !agent->is_object()) return false;
  const auto flows = agent->find("flows");
  return flows != agent->end() && flows->is_array();
}

ProducerConfig read_producer(IssueList& issues, const Json& node, const std::string& path,
                             const ProducerContext& ctx) {
  ProducerConfig p;
  const ObjectReader r(issues, node, path, keys::kProducer);
  if (!r.valid()) return p;
  p.name =
      r.string("name", Need::kRequired, "a name of 1..128 characters", [](const std::string& s) {
         const std::size_t n = utf8_length(s);
         return n >= 1 && n <= 128;
       }).value_or("");
  if (const auto type = r.choice("type", Need::kOptional, producer_type_names())) {
    p.type = static_cast<ProducerConfig::Type>(*type);
  }
  if (!r.has("type") || p.type != ProducerConfig::Type::kSdk || *r.find("type") == "sdk") {
    reject_other_types_keys(r, p.type);  // not when the type itself is wrong
  }
  p.instances = static_cast<uint32_t>(
      r.integer("instances", Need::kOptional, 1, kMaxInstances).value_or(p.instances));
  p.start = r.duration(
                 "start", Need::kOptional, [&](Duration d) { return d < ctx.scenario_duration; },
                 "a time before the end of the scenario (" + describe(ctx.scenario_duration) + ")")
                .value_or(p.start);
  if (has_agent_flows(r, p.type)) {
    read_multi_flow_agent(issues, r, p, ctx);
    return p;
  }
  if (const Json* rate = r.object("rate", Need::kRequired)) {
    read_rate(issues, *rate, r.path("rate"), ctx, p.rate);
  }
  const bool trace = r.has("rate") && p.rate.profile == RateConfig::Profile::kTrace;
  if (trace) {
    // The trace carries each record's partition key and size.
    for (const std::string_view k : {"keys"sv, "record_size"sv}) {
      if (r.has(k)) {
        issues.add(r.path(k), "key " + quote(k) +
                                  " does not apply with rate.profile \"trace\"; the trace file "
                                  "gives each record's partition key and size");
      }
    }
    read_client(issues, r, p, ctx);
    return p;
  }
  if (const Json* keys_node = r.object("keys", Need::kOptional)) {
    read_keys(issues, *keys_node, r.path("keys"), p.keys);
  }
  if (const Json* size = r.find("record_size")) {
    if (read_distribution(issues, *size, r.path("record_size"), Quantity::kBytes, p.record_size) &&
        p.type != ProducerConfig::Type::kAgent) {
      check_records_can_fit(issues, *size, r.path("record_size"), p.record_size,
                            ctx.max_record_bytes);
    }
  } else {
    issues.missing(r.path("record_size"),
                   R"(a size like "1KiB" or a size distribution {"dist": ...})");
  }
  read_client(issues, r, p, ctx);
  if (p.type == ProducerConfig::Type::kAgent && r.has("keys") && agent_keys_at_random(r)) {
    issues.add(r.path("keys"),
               "key \"keys\" does not apply to an agent with partitionKeyOption \"RANDOM\" (the "
               "default), which draws a random partition key per record; with \"DETERMINISTIC\" "
               "the keys stand for the distinct record data");
  }
  return p;
}

}  // namespace

std::vector<ProducerConfig> read_producers(IssueList& issues, const Json& array,
                                           const std::string& path, const ProducerContext& ctx) {
  std::vector<ProducerConfig> producers;
  if (array.empty()) issues.got(path, array, "at least one producer");
  std::set<std::string> names;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string p = index_path(path, i);
    producers.push_back(read_producer(issues, array[i], p, ctx));
    const std::string& name = producers.back().name;
    if (!name.empty() && !names.insert(name).second) {
      issues.got(key_path(p, "name"), *array[i].find("name"),
                 "a name no other producer has (names key the RNG streams and the outputs)");
    }
  }
  return producers;
}

}  // namespace kinesim::models::scenario_json
