// Consumers of a scenario: the keys every consumer has, then each type's settings through the
// registry. Firehose keeps its API's names (BufferingHints: SizeInMBs, IntervalInSeconds) and
// bounds, Flink its connector's configuration keys; kinesim's own additions are snake_case.
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
  if (const auto retrieval = r.choice("retrieval", Need::kOptional, kRetrievalNames)) {
    reader.retrieval = static_cast<Retrieval>(*retrieval);
  }
  if (reader.retrieval == Retrieval::kFanOut) {
    // Enhanced fan-out pushes: no poll interval and no Limit to give.
    for (const std::string_view key : {"poll_interval"sv, "Limit"sv}) {
      if (r.has(key)) {
        issues.add(r.path(key), "key " + quote(key) +
                                    " applies only with retrieval \"polling\" (it is \"fanout\")");
      }
    }
  }
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

void read_flink(IssueList& issues, const Json& node, const std::string& path,
                const ConsumerContext& ctx, FlinkConfig& flink) {
  const ObjectReader r(issues, node, path, keys::kFlink);
  if (!r.valid()) return;
  if (const auto source = r.choice("source", Need::kOptional, FlinkConfig::kSourceNames)) {
    flink.source = static_cast<FlinkConfig::Source>(*source);
  }
  const bool legacy = flink.source == FlinkConfig::Source::kFlinkKinesisConsumer;
  const std::string_view source_name =
      FlinkConfig::kSourceNames[static_cast<std::size_t>(flink.source)];
  // Each source reads only its own configuration keys: the other's are a mistake, not ignored.
  for (const std::string_view key : keys::kFlink) {
    const bool legacy_key = key.starts_with("flink.");
    const bool source_key = key.starts_with("source.");
    if (r.has(key) && ((legacy && source_key) || (!legacy && legacy_key))) {
      issues.add(r.path(key), "key " + quote(key) + " is a setting of " +
                                  quote(FlinkConfig::kSourceNames[legacy ? 1 : 0]) +
                                  ", not of source " + quote(source_name));
    }
  }
  const std::string_view publisher_key =
      legacy ? "flink.stream.recordpublisher" : "source.reader.type";
  constexpr std::array kPublishers = {"POLLING"sv, "EFO"sv};
  if (const auto publisher = r.choice(publisher_key, Need::kOptional, kPublishers)) {
    flink.retrieval = *publisher == 1 ? Retrieval::kFanOut : Retrieval::kPolling;
  }
  if (flink.retrieval == Retrieval::kFanOut) {
    // Enhanced fan-out pushes: the GetRecords settings have nothing to set.
    for (const std::string_view key : keys::kFlink) {
      const bool polling_key =
          key.starts_with(legacy ? "flink.shard.getrecords." : "source.shard.get-records.");
      if (polling_key && r.has(key)) {
        issues.add(r.path(key), "key " + quote(key) + " applies only with " + quote(publisher_key) +
                                    " \"POLLING\" (it is \"EFO\")");
      }
    }
  }
  const std::string_view position_key = legacy ? "flink.stream.initpos" : "source.init.position";
  const std::string_view timestamp_key =
      legacy ? "flink.stream.initpos.timestamp" : "source.init.timestamp";
  const auto position = r.choice(position_key, Need::kOptional, kInitialPositionNames);
  if (position) flink.initial_position = static_cast<InitialPosition>(*position);
  if (flink.initial_position == InitialPosition::kAtTimestamp) {
    const auto ts = r.duration(
        timestamp_key, Need::kRequired, [&](Duration d) { return d < ctx.scenario_duration; },
        "a time into the run before its end (" + sim::to_string(ctx.scenario_duration) + ")");
    if (ts) flink.timestamp = sim::Time::zero() + *ts;
  } else if (r.has(timestamp_key) && (position || !r.has(position_key))) {
    issues.add(r.path(timestamp_key), "key " + quote(timestamp_key) + " applies only with " +
                                          quote(position_key) + " \"AT_TIMESTAMP\" (it is " +
                                          quote(initial_position_name(flink.initial_position)) +
                                          ")");
  }
  // Both sources cap the interval at 5 minutes, an iterator's lifetime.
  constexpr uint64_t max_interval_ms = core::ShardReadLimits{}.iterator_lifetime_ms;
  const uint64_t max_records = core::ShardReadLimits{}.max_records_per_call;
  const auto within = [&](Duration lo) {
    return [lo](Duration d) {
      return d >= lo && d <= Duration::millis(static_cast<int64_t>(max_interval_ms));
    };
  };
  if (legacy) {
    if (const auto ms = r.integer("flink.shard.getrecords.intervalmillis", Need::kOptional, 1,
                                  max_interval_ms)) {
      flink.getrecords_interval = Duration::millis(static_cast<int64_t>(*ms));
    }
    flink.max_record_count = static_cast<uint32_t>(
        r.integer("flink.shard.getrecords.maxrecordcount", Need::kOptional, 1, max_records)
            .value_or(flink.max_record_count));
  } else {
    flink.get_records_interval = r.duration("source.shard.get-records.interval", Need::kOptional,
                                            within(Duration()), "a duration of 0..5m")
                                     .value_or(flink.get_records_interval);
    flink.idle_source_interval =
        r.duration("source.shard.get-records.idle-source-interval", Need::kOptional,
                   within(Duration::millis(1)), "a duration of 1ms..5m")
            .value_or(flink.idle_source_interval);
    flink.max_record_count = static_cast<uint32_t>(
        r.integer("source.shard.get-records.max-record-count", Need::kOptional, 1, max_records)
            .value_or(flink.max_record_count));
  }
  read_duration_distribution(r, "processing_time_per_record", flink.processing_per_record);
}

// KCL keeps its own configuration names (ConfigsBuilder, PollingConfig, LeaseManagementConfig);
// kinesim's additions (checkpoint policy, processing time) follow the polling type's.
void read_kcl(IssueList& issues, const Json& node, const std::string& path,
              const ConsumerContext& ctx, KclConfig& kcl) {
  const ObjectReader r(issues, node, path, keys::kKcl);
  if (!r.valid()) return;
  constexpr std::array kVersions = {"2.x"sv, "3.x"sv};
  if (const auto v = r.choice("version", Need::kOptional, kVersions)) {
    kcl.version = static_cast<KclConfig::Version>(*v);
  }
  kcl.workers =
      static_cast<uint32_t>(r.integer("workers", Need::kOptional, 1, 1000).value_or(kcl.workers));
  constexpr std::array kRetrievals = {"fanout"sv, "polling"sv};
  const auto retrieval = r.choice("retrieval", Need::kOptional, kRetrievals);
  if (retrieval) kcl.retrieval = static_cast<KclConfig::Retrieval>(*retrieval);
  if (kcl.retrieval == KclConfig::Retrieval::kFanout && (retrieval || !r.has("retrieval"))) {
    // Fan-out pushes: KCL's PollingConfig, which holds these two, is not used.
    for (const std::string_view key : {"maxRecords"sv, "idleTimeBetweenReadsInMillis"sv}) {
      if (r.has(key)) {
        issues.add(r.path(key), "key " + quote(key) +
                                    " applies only with retrieval \"polling\" (it is \"fanout\")");
      }
    }
  }
  const auto position = r.choice("initialPositionInStream", Need::kOptional, kInitialPositionNames);
  if (position) kcl.initial_position = static_cast<InitialPosition>(*position);
  if (kcl.initial_position == InitialPosition::kAtTimestamp) {
    const auto ts = r.duration(
        "timestamp", Need::kRequired, [&](Duration d) { return d < ctx.scenario_duration; },
        "a time into the run before its end (" + sim::to_string(ctx.scenario_duration) + ")");
    if (ts) kcl.timestamp = sim::Time::zero() + *ts;
  } else if (r.has("timestamp") && (position || !r.has("initialPositionInStream"))) {
    issues.add(r.path("timestamp"),
               "key \"timestamp\" applies only with initialPositionInStream \"AT_TIMESTAMP\"");
  }
  kcl.max_records = static_cast<uint32_t>(
      r.integer("maxRecords", Need::kOptional, 1, core::ShardReadLimits{}.max_records_per_call)
          .value_or(kcl.max_records));
  // KCL raises values under 200 to 200 itself: accepted, and raised (KclConfig::idle_time).
  kcl.idle_time_between_reads_millis = static_cast<int64_t>(
      r.integer("idleTimeBetweenReadsInMillis", Need::kOptional, 0, 3'600'000)
          .value_or(static_cast<uint64_t>(kcl.idle_time_between_reads_millis)));
  kcl.failover_time_millis =
      static_cast<int64_t>(r.integer("failoverTimeMillis", Need::kOptional, 100, 86'400'000)
                               .value_or(static_cast<uint64_t>(kcl.failover_time_millis)));
  kcl.max_leases_to_steal_at_one_time =
      static_cast<uint32_t>(r.integer("maxLeasesToStealAtOneTime", Need::kOptional, 1, 100'000)
                                .value_or(kcl.max_leases_to_steal_at_one_time));
  if (const Json* cp = r.object("checkpoint", Need::kOptional)) {
    const ObjectReader c(issues, *cp, r.path("checkpoint"), keys::kKclCheckpoint);
    if (c.valid()) {
      kcl.checkpoint_every_records =
          c.integer("everyRecords", Need::kOptional, 1, uint64_t{1} << 53)
              .value_or(kcl.checkpoint_every_records);
      if (const auto secs = c.number(
              "everySeconds", Need::kOptional, [](double v) { return v > 0 && v <= 86'400; },
              "a number of seconds > 0 and <= 86400")) {
        kcl.checkpoint_every = Duration::from_seconds(*secs);
      }
    }
  }
  read_duration_distribution(r, "processing_time_per_batch", kcl.processing_per_batch);
  read_duration_distribution(r, "processing_time_per_record", kcl.processing_per_record);
  kcl.processing_error_rate = r.number(
                                   "processingErrorRate", Need::kOptional,
                                   [](double v) { return v >= 0 && v <= 1; }, "a fraction 0..1")
                                  .value_or(kcl.processing_error_rate);
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
  // An ESM with a stream consumer ARN reads by enhanced fan-out: its own 2 MiB/s per shard.
  if (r.boolean("EnhancedFanOut", Need::kOptional).value_or(false)) {
    reader.retrieval = Retrieval::kFanOut;
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
