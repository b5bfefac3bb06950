// Consumers of a scenario: the keys every consumer has, then each type's settings through the
// registry. Firehose keeps its API's names (BufferingHints: SizeInMBs, IntervalInSeconds) and
// bounds; kinesim's own additions are snake_case.
#include "models/scenario/consumer_loader.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <string_view>

#include "models/core/shard_map.h"
#include "models/scenario/client_registry.h"
#include "models/scenario/producer_loader.h"
#include "models/scenario/scenario_keys.h"

namespace kinesim::models::scenario_json {
namespace {

using std::string_view_literals::operator""sv;
using sim::Duration;
namespace keys = scenario_keys;

// The keys every consumer takes; each type adds its own settings object.
constexpr std::array kCommonConsumerKeys = {"name"sv, "type"sv, "start"sv, "read_latency"sv};

void reject_other_types_keys(const ObjectReader& r, ConsumerConfig::Type type) {
  std::array<std::string_view, kCommonConsumerKeys.size() + 1> applicable{};
  std::copy(kCommonConsumerKeys.begin(), kCommonConsumerKeys.end(), applicable.begin());
  applicable.back() = consumer_type(type).settings_key;
  r.reject_keys_outside(applicable, "type " + quote(consumer_type(type).name));
}

// A duration distribution at `key`, kept as given when absent.
void read_duration_distribution(const ObjectReader& r, std::string_view key,
                                sim::Distribution& out) {
  if (const Json* node = r.find(key)) {
    sim::Distribution d;
    if (read_distribution(r.issues(), *node, r.path(key), Quantity::kSeconds, d)) out = d;
  }
}

ConsumerConfig read_consumer(IssueList& issues, const Json& node, const std::string& path,
                             const ConsumerContext& ctx) {
  ConsumerConfig c;
  const ObjectReader r(issues, node, path, keys::kConsumer);
  if (!r.valid()) return c;
  c.name =
      r.string("name", Need::kRequired, "a name of 1..128 characters", [](const std::string& s) {
         const std::size_t n = utf8_length(s);
         return n >= 1 && n <= 128;
       }).value_or("");
  const auto type = r.choice("type", Need::kRequired, consumer_type_names());
  if (type) {
    c.type = static_cast<ConsumerConfig::Type>(*type);
    reject_other_types_keys(r, c.type);  // not when the type itself is wrong
  }
  c.start =
      r.duration(
           "start", Need::kOptional, [&](Duration d) { return d < ctx.scenario_duration; },
           "a time before the end of the scenario (" + sim::to_string(ctx.scenario_duration) + ")")
          .value_or(c.start);
  read_duration_distribution(r, "read_latency", c.read_latency);
  if (!type) return c;
  const ConsumerType& t = consumer_type(c.type);
  if (const Json* settings = r.object(t.settings_key, Need::kOptional)) {
    t.read(issues, *settings, r.path(t.settings_key), ctx, c);
  }
  return c;
}

}  // namespace

void read_polling(IssueList& issues, const Json& node, const std::string& path,
                  const ConsumerContext& ctx, PollingConfig& polling) {
  const ObjectReader r(issues, node, path, keys::kPolling);
  if (!r.valid()) return;
  ReaderConfig& reader = polling.reader;
  const auto position = r.choice("initial_position", Need::kOptional, kInitialPositionNames);
  if (position) reader.initial_position = static_cast<InitialPosition>(*position);
  if (reader.initial_position == InitialPosition::kAtTimestamp) {
    const auto ts = r.duration(
        "timestamp", Need::kRequired, [&](Duration d) { return d < ctx.scenario_duration; },
        "a time into the run before its end (" + sim::to_string(ctx.scenario_duration) + ")");
    if (ts) reader.timestamp = sim::Time::zero() + *ts;
  } else if (r.has("timestamp") && (position || !r.has("initial_position"))) {
    issues.add(r.path("timestamp"),
               "key \"timestamp\" applies only with initial_position \"AT_TIMESTAMP\" (it is " +
                   quote(initial_position_name(reader.initial_position)) + ")");
  }
  reader.poll_interval =
      r.duration(
           "poll_interval", Need::kOptional, [](Duration d) { return d >= Duration::millis(1); },
           "a duration of at least 1ms")
          .value_or(reader.poll_interval);
  reader.limit = static_cast<uint32_t>(
      r.integer("Limit", Need::kOptional, 1, core::ShardReadLimits{}.max_records_per_call)
          .value_or(reader.limit));
  read_duration_distribution(r, "processing_time_per_batch", polling.processing_per_batch);
  read_duration_distribution(r, "processing_time_per_record", polling.processing_per_record);
  polling.deaggregate = r.boolean("deaggregate", Need::kOptional).value_or(polling.deaggregate);
}

void read_firehose(IssueList& issues, const Json& node, const std::string& path,
                   const ConsumerContext& /*ctx*/, FirehoseConfig& firehose) {
  const ObjectReader r(issues, node, path, keys::kFirehose);
  if (!r.valid()) return;
  // BufferingHints' bounds for a Kinesis stream source.
  firehose.size_in_mbs =
      r.integer("SizeInMBs", Need::kOptional, 1, 128).value_or(firehose.size_in_mbs);
  firehose.interval_in_seconds =
      static_cast<uint32_t>(r.integer("IntervalInSeconds", Need::kOptional, 0, 900)
                                .value_or(firehose.interval_in_seconds));
  read_duration_distribution(r, "delivery_latency", firehose.delivery_latency);
}

namespace {

// A whole number in [lo, hi], or -1 (the API's "infinite").
std::optional<int32_t> read_minus_one_or(const ObjectReader& r, std::string_view key, int32_t lo,
                                         int32_t hi, const std::string& expected) {
  const auto v = r.number(
      key, Need::kOptional,
      [&](double d) {
        return d == -1 || (d >= lo && d <= hi && d == static_cast<double>(static_cast<int64_t>(d)));
      },
      expected);
  if (!v) return std::nullopt;
  return static_cast<int32_t>(*v);
}

bool valid_shard_id(const std::string& s) {
  constexpr std::string_view kPrefix = "shardId-";
  if (s.size() != kPrefix.size() + 12 || !s.starts_with(kPrefix)) return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(kPrefix.size()), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void read_lambda(IssueList& issues, const Json& node, const std::string& path,
                 const ConsumerContext& ctx, LambdaConfig& lambda) {
  const ObjectReader r(issues, node, path, keys::kLambda);
  if (!r.valid()) return;
  ReaderConfig& reader = lambda.reader;
  const auto position = r.choice("StartingPosition", Need::kOptional, kInitialPositionNames);
  if (position) reader.initial_position = static_cast<InitialPosition>(*position);
  if (reader.initial_position == InitialPosition::kAtTimestamp) {
    const auto ts = r.duration(
        "StartingPositionTimestamp", Need::kRequired,
        [&](Duration d) { return d < ctx.scenario_duration; },
        "a time into the run before its end (" + sim::to_string(ctx.scenario_duration) + ")");
    if (ts) reader.timestamp = sim::Time::zero() + *ts;
  } else if (r.has("StartingPositionTimestamp") && (position || !r.has("StartingPosition"))) {
    issues.add(r.path("StartingPositionTimestamp"),
               "key \"StartingPositionTimestamp\" applies only with StartingPosition "
               "\"AT_TIMESTAMP\" (it is " +
                   quote(initial_position_name(reader.initial_position)) + ")");
  }
  if (const Json* efo = r.find("EnhancedFanOut")) {
    const auto on = r.boolean("EnhancedFanOut", Need::kOptional);
    if (on && *on) {
      issues.got(r.path("EnhancedFanOut"), *efo,
                 "false: this build models the standard (polling) event source mapping; "
                 "enhanced fan-out retrieval for Lambda is not modelled yet");
    }
  }
  lambda.batch_size = static_cast<uint32_t>(
      r.integer("BatchSize", Need::kOptional, 1, 10'000).value_or(lambda.batch_size));
  lambda.maximum_batching_window_seconds =
      static_cast<uint32_t>(r.integer("MaximumBatchingWindowInSeconds", Need::kOptional, 0, 300)
                                .value_or(lambda.maximum_batching_window_seconds));
  lambda.parallelization_factor =
      static_cast<uint32_t>(r.integer("ParallelizationFactor", Need::kOptional, 1, 10)
                                .value_or(lambda.parallelization_factor));
  lambda.maximum_retry_attempts =
      read_minus_one_or(r, "MaximumRetryAttempts", 0, 10'000,
                        "-1 (retry until the records expire) or a whole number 0..10000")
          .value_or(lambda.maximum_retry_attempts);
  lambda.maximum_record_age_seconds =
      read_minus_one_or(r, "MaximumRecordAgeInSeconds", 60, 604'800,
                        "-1 (no maximum age: the stream's retention applies) or a whole number "
                        "of seconds 60..604800")
          .value_or(lambda.maximum_record_age_seconds);
  lambda.bisect_batch_on_function_error = r.boolean("BisectBatchOnFunctionError", Need::kOptional)
                                              .value_or(lambda.bisect_batch_on_function_error);
  if (const Json* types = r.array("FunctionResponseTypes", Need::kOptional)) {
    constexpr std::array kTypes = {"ReportBatchItemFailures"sv};
    for (std::size_t i = 0; i < types->size(); ++i) {
      const auto t =
          read_choice(issues, &(*types)[i], index_path(r.path("FunctionResponseTypes"), i),
                      Need::kRequired, kTypes);
      if (t) lambda.report_batch_item_failures = true;
    }
  }
  if (const Json* dest = r.object("DestinationConfig", Need::kOptional)) {
    const ObjectReader d(issues, *dest, r.path("DestinationConfig"),
                         keys::kLambdaDestinationConfig);
    if (d.valid()) {
      if (const Json* on_failure = d.object("OnFailure", Need::kRequired)) {
        const ObjectReader f(issues, *on_failure, d.path("OnFailure"), keys::kLambdaOnFailure);
        if (f.valid()) {
          const auto arn = f.string("Destination", Need::kRequired,
                                    "the ARN of an SQS queue, SNS topic or S3 bucket",
                                    [](const std::string& s) { return !s.empty(); });
          if (arn) lambda.on_failure = true;
        }
      }
    }
  }
  read_duration_distribution(r, "duration", lambda.duration);
  read_duration_distribution(r, "duration_per_record", lambda.duration_per_record);
  lambda.concurrency = static_cast<uint32_t>(
      r.integer("concurrency", Need::kOptional, 1, 100'000).value_or(lambda.concurrency));
  lambda.error_rate = r.number(
                           "error_rate", Need::kOptional, [](double v) { return v >= 0 && v <= 1; },
                           "a fraction of invocations from 0 to 1")
                          .value_or(lambda.error_rate);
  if (const Json* list = r.array("poison_records", Need::kOptional)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const ObjectReader p(issues, (*list)[i], index_path(r.path("poison_records"), i),
                           keys::kLambdaPoisonRecord);
      if (!p.valid()) continue;
      PoisonRecord poison;
      const auto at = p.duration(
          "at", Need::kRequired, [&](Duration d) { return d < ctx.scenario_duration; },
          "a time into the run before its end (" + sim::to_string(ctx.scenario_duration) + ")");
      const auto shard = p.string("shard", Need::kOptional,
                                  R"(a shard id like "shardId-000000000003")", valid_shard_id);
      if (!at) continue;
      poison.at = sim::Time::zero() + *at;
      if (shard) poison.shard = core::ShardMap::parse_shard_id(*shard);
      lambda.poison_records.push_back(poison);
    }
  }
}

std::vector<ConsumerConfig> read_consumers(IssueList& issues, const Json& array,
                                           const std::string& path, const ConsumerContext& ctx) {
  std::vector<ConsumerConfig> consumers;
  std::set<std::string> names(ctx.producer_names.begin(), ctx.producer_names.end());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string p = index_path(path, i);
    consumers.push_back(read_consumer(issues, array[i], p, ctx));
    const std::string& name = consumers.back().name;
    if (!name.empty() && !names.insert(name).second) {
      issues.got(key_path(p, "name"), *array[i].find("name"),
                 "a name no producer or other consumer has (names key the RNG streams, the "
                 "metric series and the outputs)");
    }
  }
  return consumers;
}

}  // namespace kinesim::models::scenario_json
