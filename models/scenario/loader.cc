// Scenario JSON -> Scenario: the top level, the stream and the output; producers and
// distributions are in producer_loader.cc (each type's settings in client_loader.cc), consumers
// in consumer_loader.cc, the stream's capacity sections in capacity_loader.cc and the timeline in
// timeline_loader.cc. The format is documented in docs/scenarios.md and
// docs/scenario.schema.json; the key tables in scenario_keys.h are its single source.
#include "models/scenario/loader.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "models/core/shard_map.h"
#include "models/scenario/capacity_loader.h"
#include "models/scenario/consumer_loader.h"
#include "models/scenario/json_reader.h"
#include "models/scenario/producer_loader.h"
#include "models/scenario/scenario_keys.h"
#include "models/scenario/timeline_loader.h"

namespace kinesim::models {

using namespace scenario_json;  // NOLINT(google-build-using-namespace): the loader's toolkit

namespace {

using std::string_view_literals::operator""sv;
namespace keys = scenario_keys;

constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

bool valid_stream_name(const std::string& s) {
  // CreateStream's StreamName: 1..128 of [a-zA-Z0-9_.-].
  const auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), ok);
}

// stream.read: the quota page's records/s limit (off unless given; null is off) and EFO's limits.
void read_stream_read(IssueList& issues, const Json& node, const std::string& path,
                      ReadConfig& read) {
  const ObjectReader r(issues, node, path, keys::kStreamRead);
  if (!r.valid()) return;
  core::ShardReadLimits& polling = read.polling;
  if (const Json* limit = r.find("records_per_second_limit"); limit && !limit->is_null()) {
    if (const auto rate = r.integer("records_per_second_limit", Need::kOptional, 1,
                                    std::numeric_limits<uint32_t>::max())) {
      // Like the default 2,000: one second's worth of bucket, and debt enough for one full call
      // (Limit 10,000) from a full bucket.
      read.enforce_records_per_sec = true;
      polling.records_per_sec = static_cast<uint32_t>(*rate);
      polling.burst_records = polling.records_per_sec;
      polling.debt_records = polling.max_records_per_call -
                             std::min(polling.records_per_sec, polling.max_records_per_call);
    }
  }
  if (const Json* efo = r.object("efo", Need::kOptional)) {
    const ObjectReader e(issues, *efo, r.path("efo"), keys::kStreamReadEfo);
    if (!e.valid()) return;
    core::EfoLimits& l = read.efo;
    l.propagation_ms = static_cast<uint32_t>(
        e.integer("propagation_ms", Need::kOptional, 0, 60'000).value_or(l.propagation_ms));
    l.max_consumers = static_cast<uint32_t>(
        e.integer("max_consumers", Need::kOptional, 1, 10'000).value_or(l.max_consumers));
    l.max_consumers_advantage =
        static_cast<uint32_t>(e.integer("max_consumers_advantage", Need::kOptional, 1, 10'000)
                                  .value_or(l.max_consumers_advantage));
  }
}

// `mode_known`: false when `mode` is given but cannot be read (the stream's mode is then a guess).
void read_stream(IssueList& issues, const Json& node, StreamConfig& stream, bool& legacy,
                 bool& mode_known) {
  const ObjectReader r(issues, node, "$.stream", keys::kStream);
  if (!r.valid()) return;
  const core::StreamLimits limits;
  const core::PutLimits put;
  stream.name = r.string("name", Need::kOptional, "a stream name of 1..128 of [a-zA-Z0-9_.-]",
                         valid_stream_name)
                    .value_or(stream.name);
  const auto mode = r.choice("mode", Need::kOptional, kCapacityModeApiNames);
  if (mode) stream.mode = static_cast<CapacityMode>(*mode);
  mode_known = mode || !r.has("mode");
  if (stream.mode != CapacityMode::kProvisioned) {
    stream.shards = static_cast<uint32_t>(core::OnDemandLimits{}.initial_write_records_per_sec /
                                          core::ShardWriteLimits{}.records_per_sec);
  }
  stream.shards = static_cast<uint32_t>(
      r.integer("shards", Need::kOptional, 1, limits.max_shards).value_or(stream.shards));
  stream.retention_hours =
      static_cast<uint32_t>(r.integer("retention_hours", Need::kOptional,
                                      limits.retention_hours_min, limits.retention_hours_max)
                                .value_or(stream.retention_hours));
  auto& w = stream.write;
  w.bytes_per_sec =
      r.size("shard_write_bytes_per_sec", Need::kOptional, 1, kNoLimit).value_or(w.bytes_per_sec);
  w.records_per_sec = r.integer("shard_write_records_per_sec", Need::kOptional, 1, kNoLimit)
                          .value_or(w.records_per_sec);
  w.burst_records =
      r.integer("shard_burst_records", Need::kOptional, 1, kNoLimit).value_or(w.burst_records);
  stream.max_record_bytes =
      r.size("max_record_size", Need::kOptional, 1, put.max_record_bytes_ceiling)
          .value_or(stream.max_record_bytes);
  if (const auto burst = r.size("shard_burst_bytes", Need::kOptional, 1, kNoLimit)) {
    // A bucket shallower than the largest record would reject that record for ever.
    if (*burst < stream.max_record_bytes) {
      issues.got(r.path("shard_burst_bytes"), *r.find("shard_burst_bytes"),
                 "a size >= max_record_size (" + format_size(stream.max_record_bytes) + ")");
    } else {
      w.burst_bytes = *burst;
    }
  } else if (!r.has("shard_burst_bytes") && w.burst_bytes < stream.max_record_bytes) {
    w.burst_bytes = stream.max_record_bytes;  // the default depth follows a raised record size
  }
  legacy = r.boolean("legacy_request_limit", Need::kOptional).value_or(false);
  stream.max_request_bytes = legacy ? put.legacy_max_request_bytes : put.max_request_bytes;
  stream.reshard_duration =
      r.duration("reshard_duration", Need::kOptional).value_or(stream.reshard_duration);
  if (const Json* latency = r.find("put_latency")) {
    Distribution d;
    if (read_distribution(issues, *latency, r.path("put_latency"), Quantity::kSeconds, d)) {
      stream.put_latency = d;
    }
  }
  stream.internal_failure_rate =
      r.number(
           "internal_failure_rate", Need::kOptional, [](double x) { return x >= 0 && x < 1; },
           "a probability in [0, 1)")
          .value_or(stream.internal_failure_rate);
  // Whether each section applies to the stream's modes is checked once the timeline is read.
  if (const Json* od = r.object("on_demand", Need::kOptional)) {
    read_on_demand(issues, *od, r.path("on_demand"), stream, stream.on_demand);
  }
  if (const Json* as = r.object("autoscaler", Need::kOptional)) {
    read_autoscaler(issues, *as, r.path("autoscaler"), stream, stream.autoscaler);
  }
  if (const Json* read = r.object("read", Need::kOptional)) {
    read_stream_read(issues, *read, r.path("read"), stream.read);
  }
}

void read_output(IssueList& issues, const Json& node, OutputConfig& out) {
  const ObjectReader r(issues, node, "$.output", keys::kOutput);
  if (!r.valid()) return;
  out.resolution = r.duration("resolution", Need::kOptional, valid_resolution, kResolutionExpected)
                       .value_or(out.resolution);
  out.top_n =
      static_cast<uint32_t>(r.integer("top_n", Need::kOptional, 0, 1000).value_or(out.top_n));
}

// Settings that name a shard must name one the run will have: a poison record in a shard that
// never exists would never fire, and the run would look healthier than the scenario means.
void check_named_shards(IssueList& issues, const Scenario& s, std::size_t shard_ids) {
  for (std::size_t c = 0; c < s.consumers.size(); ++c) {
    const ConsumerConfig& consumer = s.consumers[c];
    if (consumer.type != ConsumerConfig::Type::kLambda) continue;
    const auto& poison = consumer.lambda.poison_records;
    for (std::size_t i = 0; i < poison.size(); ++i) {
      if (!poison[i].shard || *poison[i].shard < shard_ids) continue;
      issues.add(index_path(index_path("$.consumers", c) + ".lambda.poison_records", i) + ".shard",
                 "got \"" + core::ShardMap::shard_id(*poison[i].shard) +
                     "\", expected a shard the stream will have: shardId-000000000000 .. " +
                     core::ShardMap::shard_id(static_cast<uint32_t>(shard_ids - 1)));
    }
  }
}

Scenario read_scenario(IssueList& issues, const Json& doc, const std::string& base_dir) {
  Scenario s;
  s.base_dir = base_dir;
  const ObjectReader r(issues, doc, "$", keys::kTop);
  if (!r.valid()) return s;
  s.name = r.string("name", Need::kRequired, "a non-empty string", [](const std::string& n) {
              return !n.empty();
            }).value_or("");
  s.description = r.string("description", Need::kOptional, "a string").value_or("");
  const auto duration = r.duration(
      "duration", Need::kOptional, [](Duration d) { return d > Duration(); }, "a duration > 0");
  if (duration) s.duration = *duration;
  s.seed = r.integer("seed", Need::kOptional, 0, kNoLimit).value_or(s.seed);
  static constexpr std::array kFidelities = {"exact"sv, "fast"sv};
  if (const auto f = r.choice("fidelity", Need::kOptional, kFidelities)) {
    s.fidelity = *f == 1 ? Fidelity::kFast : Fidelity::kExact;
  }

  bool legacy = false;
  bool shards_valid = true;
  bool mode_known = true;
  if (const Json* stream = r.object("stream", Need::kOptional)) {
    const std::size_t before = issues.size();
    read_stream(issues, *stream, s.stream, legacy, mode_known);
    shards_valid = issues.size() == before;
  }
  // Later checks compare against the duration; if it is itself wrong, only that is reported.
  const Duration horizon = duration || !r.has("duration") ? s.duration : Duration::max();
  if (const Json* producers = r.array("producers", Need::kRequired)) {
    ProducerContext ctx;
    ctx.scenario_duration = horizon;
    ctx.max_request_bytes = s.stream.max_request_bytes;
    ctx.max_record_bytes = s.stream.max_record_bytes;
    ctx.legacy_request_limit = legacy;
    ctx.base_dir = base_dir;
    s.producers = read_producers(issues, *producers, r.path("producers"), ctx);
  }
  if (const Json* consumers = r.array("consumers", Need::kOptional)) {
    ConsumerContext ctx;
    ctx.scenario_duration = horizon;
    for (const ProducerConfig& p : s.producers) ctx.producer_names.push_back(p.name);
    s.consumers = read_consumers(issues, *consumers, r.path("consumers"), ctx);
  }
  bool modes_valid = true;
  std::optional<std::size_t> shard_ids = shard_ids_without_timeline(s, shards_valid);
  if (const Json* timeline = r.array("timeline", Need::kOptional)) {
    const Duration saved = s.duration;
    s.duration = horizon;
    shard_ids = read_timeline(issues, *timeline, s, shards_valid, modes_valid);
    s.duration = saved;
  }
  if (shard_ids) check_named_shards(issues, s, *shard_ids);
  // The stream's mode and the switch_mode actions say which modes the stream has; if they are
  // wrong, so is this check.
  if (const Json* stream = r.find("stream"); stream != nullptr && modes_valid && mode_known) {
    check_capacity_sections(issues, *stream, s);
  }
  if (const Json* output = r.object("output", Need::kOptional)) {
    read_output(issues, *output, s.output);
  }
  return s;
}

constexpr std::array kAllowedKeys = {
    AllowedKeys{"$", keys::kTop},
    AllowedKeys{"$.stream", keys::kStream},
    AllowedKeys{"$.stream.put_latency", keys::kDurationDist},
    AllowedKeys{"$.stream.put_latency.points[]", keys::kDurationPoint},
    AllowedKeys{"$.stream.on_demand", keys::kOnDemand},
    AllowedKeys{"$.stream.autoscaler", keys::kAutoscaler},
    AllowedKeys{"$.stream.read", keys::kStreamRead},
    AllowedKeys{"$.stream.read.efo", keys::kStreamReadEfo},
    AllowedKeys{"$.producers[]", keys::kProducer},
    AllowedKeys{"$.producers[].rate", keys::kRate},
    AllowedKeys{"$.producers[].rate.steps[]", keys::kStep},
    AllowedKeys{"$.producers[].keys", keys::kKeys},
    AllowedKeys{"$.producers[].keys.hot[]", keys::kHotKey},
    AllowedKeys{"$.producers[].keys.hash_keys[]", keys::kHashKey},
    AllowedKeys{"$.producers[].record_size", keys::kSizeDist},
    AllowedKeys{"$.producers[].record_size.points[]", keys::kSizePoint},
    AllowedKeys{"$.producers[].sdk", keys::kSdk},
    AllowedKeys{"$.producers[].kpl", keys::kKpl},
    AllowedKeys{"$.producers[].agent", keys::kAgent},
    AllowedKeys{"$.producers[].agent.flows[]", keys::kAgentFlow},
    AllowedKeys{"$.producers[].agent.flows[].rate", keys::kRate},
    AllowedKeys{"$.producers[].agent.flows[].rate.steps[]", keys::kStep},
    AllowedKeys{"$.producers[].agent.flows[].record_size", keys::kSizeDist},
    AllowedKeys{"$.producers[].agent.flows[].record_size.points[]", keys::kSizePoint},
    AllowedKeys{"$.consumers[]", keys::kConsumer},
    AllowedKeys{"$.consumers[].read_latency", keys::kDurationDist},
    AllowedKeys{"$.consumers[].read_latency.points[]", keys::kDurationPoint},
    AllowedKeys{"$.consumers[].polling", keys::kPolling},
    AllowedKeys{"$.consumers[].polling.processing_time_per_batch", keys::kDurationDist},
    AllowedKeys{"$.consumers[].polling.processing_time_per_batch.points[]", keys::kDurationPoint},
    AllowedKeys{"$.consumers[].polling.processing_time_per_record", keys::kDurationDist},
    AllowedKeys{"$.consumers[].polling.processing_time_per_record.points[]", keys::kDurationPoint},
    AllowedKeys{"$.consumers[].firehose", keys::kFirehose},
    AllowedKeys{"$.consumers[].firehose.delivery_latency", keys::kDurationDist},
    AllowedKeys{"$.consumers[].firehose.delivery_latency.points[]", keys::kDurationPoint},
    AllowedKeys{"$.consumers[].flink", keys::kFlink},
    AllowedKeys{"$.consumers[].flink.processing_time_per_record", keys::kDurationDist},
    AllowedKeys{"$.consumers[].flink.processing_time_per_record.points[]", keys::kDurationPoint},
    AllowedKeys{"$.consumers[].kcl", keys::kKcl},
    AllowedKeys{"$.consumers[].kcl.checkpoint", keys::kKclCheckpoint},
    AllowedKeys{"$.consumers[].kcl.processing_time_per_batch", keys::kDurationDist},
    AllowedKeys{"$.consumers[].kcl.processing_time_per_batch.points[]", keys::kDurationPoint},
    AllowedKeys{"$.consumers[].kcl.processing_time_per_record", keys::kDurationDist},
    AllowedKeys{"$.consumers[].kcl.processing_time_per_record.points[]", keys::kDurationPoint},
    AllowedKeys{"$.consumers[].lambda", keys::kLambda},
    AllowedKeys{"$.consumers[].lambda.DestinationConfig", keys::kLambdaDestinationConfig},
    AllowedKeys{"$.consumers[].lambda.DestinationConfig.OnFailure", keys::kLambdaOnFailure},
    AllowedKeys{"$.consumers[].lambda.duration", keys::kDurationDist},
    AllowedKeys{"$.consumers[].lambda.duration.points[]", keys::kDurationPoint},
    AllowedKeys{"$.consumers[].lambda.duration_per_record", keys::kDurationDist},
    AllowedKeys{"$.consumers[].lambda.duration_per_record.points[]", keys::kDurationPoint},
    AllowedKeys{"$.consumers[].lambda.poison_records[]", keys::kLambdaPoisonRecord},
    AllowedKeys{"$.timeline[]", keys::kTimeline},
    AllowedKeys{"$.output", keys::kOutput},
};

}  // namespace

Scenario load_scenario(const nlohmann::json& doc, const std::string& base_dir) {
  IssueList issues;
  Scenario s;
  try {
    s = read_scenario(issues, doc, base_dir);
  } catch (const nlohmann::json::exception& e) {
    // Every access is checked first, so this is a loader bug; still report it as bad input
    // rather than let a library exception escape.
    issues.add("$", std::string("internal error while reading the scenario: ") + e.what());
  }
  if (!issues.empty()) throw ScenarioError(issues.take());
  return s;
}

Scenario load_scenario_text(std::string_view text, const std::string& base_dir) {
  Json doc;
  try {
    doc = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // Line and column from the byte offset nlohmann reports (1-based, at the offending byte).
    const std::size_t at = std::min<std::size_t>(e.byte, text.size());
    const std::string_view before = text.substr(0, at > 0 ? at - 1 : 0);
    const std::size_t line =
        1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t last_newline = before.rfind('\n');
    const std::size_t column =
        1 +
        (last_newline == std::string_view::npos ? before.size() : before.size() - last_newline - 1);
    // nlohmann's what() is "[json.exception.parse_error.101] parse error at line L, column C:
    // <reason>"; keep only the reason.
    std::string reason = e.what();
    const std::size_t colon = reason.find(": ", reason.find("parse error"));
    if (colon != std::string::npos) reason = reason.substr(colon + 2);
    throw ScenarioError({{"$", "invalid JSON at line " + std::to_string(line) + ", column " +
                                   std::to_string(column) + ": " + reason}});
  } catch (const Json::exception& e) {
    throw ScenarioError({{"$", std::string("invalid JSON: ") + e.what()}});
  }
  return load_scenario(doc, base_dir);
}

Scenario load_scenario_file(const std::string& path) {
  std::error_code ec;
  std::ifstream in;
  if (std::filesystem::is_regular_file(path, ec)) in.open(path, std::ios::binary);
  if (!in.is_open()) {
    throw ScenarioError({{"$", "cannot read scenario file " + quote(path) +
                                   ": it does not exist or is not a readable file"}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ScenarioError({{"$", "cannot read scenario file " + quote(path)}});
  return load_scenario_text(text.str(), std::filesystem::path(path).parent_path().string());
}

std::span<const AllowedKeys> scenario_allowed_keys() { return kAllowedKeys; }

}  // namespace kinesim::models
