#include "models/world/world.h"

#include <algorithm>
#include <memory>
#include <numeric>
#include <optional>
#include <thread>

#include "models/core/errors.h"
#include "models/errors/scenario_error.h"
#include "models/scenario/client_registry.h"
#include "models/stream/reshard.h"
#include "models/stream/retention.h"
#include "models/workload/arrivals.h"
#include "models/world/timeline.h"
#include "sim/engine.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

}  // namespace

void check_scenario(const Scenario& scenario) {
  std::vector<ScenarioIssue> issues;
  // The shard map as far as it is known before the run: not while on-demand splits shards its
  // own way, and again from a switch to PROVISIONED that gives its shard count (the loader
  // refuses resharding where the map is not known).
  std::optional<core::ShardMap> map;
  if (scenario.stream.mode == CapacityMode::kProvisioned) {
    map = core::ShardMap::uniform(scenario.stream.shards);
  }
  for (std::size_t i = 0; i < scenario.timeline.size(); ++i) {
    const TimelineAction& a = scenario.timeline[i];
    const std::string path = "$.timeline[" + std::to_string(i) + "]";
    if (a.kind == TimelineAction::Kind::kSwitchMode) {
      map.reset();
      if (a.mode == CapacityMode::kProvisioned && a.target > 0) {
        map = core::ShardMap::uniform(a.target);
      }
      continue;
    }
    if (!map) continue;
    try {
      apply_action(*map, a);
    } catch (const core::KinesisError& e) {
      issues.push_back({path, e.name() + ": " + e.message() +
                                  " (the timeline is checked in order on the shard map it "
                                  "will produce)"});
    }
  }
  if (!issues.empty()) throw ScenarioError(std::move(issues));
}

// Fast mode groups every numbered key by its shard once (fast_keys.h): it hashes them all.
constexpr uint64_t kFastMaxKeys = 10'000'000;

FidelityConfig producer_fidelity(const Scenario& scenario, const ProducerConfig& producer,
                                 Fidelity requested) {
  FidelityConfig f;
  if (requested == Fidelity::kExact) return f;
  if (producer.type == ProducerConfig::Type::kAgent) {
    f.note = "Kinesis Agent producers run exact: fast mode covers SDK and KPL producers";
  } else if ((producer.keys.dist == KeysConfig::Dist::kUniform ||
              producer.keys.dist == KeysConfig::Dist::kHot) &&
             producer.keys.count > kFastMaxKeys) {
    f.note = "key spaces above 10,000,000 keys run exact: fast mode hashes every key once";
  } else if (producer.rate.profile == RateConfig::Profile::kTrace) {
    f.note = "trace replay runs exact: it needs each record's key and time";
  } else {
    f.mode = Fidelity::kFast;
    f.individual_top_n = scenario.output.top_n;
    f.peak_records_per_sec =
        RateProfile(producer.rate, 1.0).peak_rate(scenario.duration.to_seconds());
    if (producer.type == ProducerConfig::Type::kKpl && producer.kpl.aggregation_enabled) {
      f.repeat_window_s = producer.kpl.record_max_buffered_time.to_seconds();
    }
  }
  return f;
}

Result run_scenario(const Scenario& scenario, const RunOptions& options) {
  check_scenario(scenario);
  const uint64_t seed = options.seed.value_or(scenario.seed);
  const Duration res = options.resolution.value_or(scenario.output.resolution);
  const Time end = Time::zero() + scenario.duration;

  sim::Engine engine;
  auto metrics = std::make_shared<sim::MetricRecorder>(scenario.duration, std::vector{res});
  // Fine retention runs (50 ms for the last minute) serve readers at the tip. With no consumer
  // the runs are merged per retention / 1440 from the start, which spares a run per shard every
  // 50 ms. Retained and expired records are still counted per coarse run; only where a coarse
  // run ends can move, by less than 50 ms, which matters only to a run outlasting retention.
  StreamConfig stream_config = scenario.stream;
  if (scenario.consumers.empty()) {
    stream_config.read.retention_fine_granularity =
        RetentionLog::coarse_granularity(stream_config.retention_hours);
  }
  Stream stream(stream_config, engine, *metrics,
                sim::RngStream::derive(seed, "stream/" + scenario.stream.name));
  std::vector<std::unique_ptr<Client>> clients;
  const ClientContext context{scenario.base_dir, stream, engine, *metrics, seed};
  const Fidelity fidelity = options.fidelity.value_or(scenario.fidelity);
  // Fast SDK producers draw their batches ahead on a second thread when the run may use one and
  // the batches cannot depend on the run: with no timeline and a provisioned stream without
  // autoscaling, the shard map (which the draws read) stays as it starts.
  const bool second_thread =
      options.threads == 0 ? std::thread::hardware_concurrency() >= 2 : options.threads >= 2;
  const bool fixed_map = scenario.timeline.empty() &&
                         scenario.stream.mode == CapacityMode::kProvisioned &&
                         !scenario.stream.autoscaler.enabled;
  for (ProducerConfig p : scenario.producers) {
    p.fidelity = producer_fidelity(scenario, p, fidelity);
    p.fidelity.fixed_map = fixed_map;
    p.fidelity.run_end = end;
    p.fidelity.draw_ahead = p.fidelity.mode == Fidelity::kFast &&
                            p.type == ProducerConfig::Type::kSdk && second_thread && fixed_map;
    clients.push_back(make_producer(p, context));
  }
  for (const ConsumerConfig& c : scenario.consumers) clients.push_back(make_consumer(c, context));
  TimelineDispatcher timeline(engine, stream, clients);
  timeline.schedule(scenario.timeline);
  stream.start_housekeeping(Duration::seconds(60));
  for (auto& c : clients) c->start();

  const Duration step = std::max(options.progress_every, Duration::seconds(1));
  const uint64_t slice = std::max<uint64_t>(options.progress_every_events, 1);
  for (Time t = Time::zero(); t < end;) {
    t = std::min(end, t + step);
    while (!engine.run_until(t, slice)) {
      if (options.progress) options.progress(engine.now().to_seconds() / end.to_seconds());
    }
    if (options.progress) options.progress(t.to_seconds() / end.to_seconds());
  }
  stream.settle_books();  // before the metric series are read
  for (auto& c : clients) c->finish(end);

  Result r;
  r.scenario_name = scenario.name;
  r.seed = seed;
  r.fidelity = fidelity == Fidelity::kFast ? "fast" : "exact";
  r.duration = scenario.duration;
  r.resolution = res;
  r.top_n = scenario.output.top_n;
  r.stream = scenario.stream;
  r.initial_shards = scenario.stream.shards;
  r.final_open_shards = static_cast<uint32_t>(stream.map().open_count());
  r.shard_hours = stream.shard_hours(end);
  r.put_payload_units = stream.put_payload_units();
  r.on_demand_billed_bytes = stream.on_demand_billed_bytes();
  r.timeline = stream.timeline();
  r.timeline.insert(r.timeline.end(), timeline.client_events().begin(),
                    timeline.client_events().end());
  std::stable_sort(r.timeline.begin(), r.timeline.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });
  r.capacity_segments = stream.capacity_segments(end);
  // On-demand streams are created with the shards that back their first admission limit.
  if (!r.capacity_segments.empty()) r.initial_shards = r.capacity_segments.front().open_shards;
  r.events_run = engine.events_run();
  for (const core::Shard& sh : stream.map().shards()) {
    ShardResult s;
    s.shard_id = sh.id();
    s.start = sh.start;
    s.end = sh.end;
    if (sh.parent) s.parent = core::ShardMap::shard_id(*sh.parent);
    if (sh.adjacent_parent) s.adjacent_parent = core::ShardMap::shard_id(*sh.adjacent_parent);
    s.open = sh.open;
    s.closed_at = stream.closed_at(sh.index);
    // Children open when their parent closes, at the end of the UPDATING period.
    s.created_at = sh.parent ? stream.closed_at(*sh.parent) : Time::zero();
    s.expired = stream.expired(sh.index);
    s.totals = stream.totals(sh.index);
    s.sequence_numbers = stream.next_sequence(sh.index);
    s.retained_records = stream.retention(sh.index).retained_records();
    s.retained_user_records = stream.retention(sh.index).retained_user_records();
    s.retained_bytes = stream.retention(sh.index).retained_bytes();
    s.retention_runs = stream.retention(sh.index).run_count();
    const ShardSeries& series = stream.shard_series(sh.index);
    s.series_bytes = series.incoming_bytes.row;
    s.series_records = series.incoming_records.row;
    s.series_throttled = series.throttled.row;
    // Per second of each bucket the shard was open in: a child opened mid-bucket is not
    // diluted by the seconds before it existed.
    const Time open_until = std::min(s.closed_at, end);
    s.peak_records_per_sec =
        metrics->peak_per_second(series.incoming_records, 0, s.created_at, open_until);
    s.peak_bytes_per_sec =
        metrics->peak_per_second(series.incoming_bytes, 0, s.created_at, open_until);
    r.shards.push_back(std::move(s));
  }
  ClientResults results;
  for (auto& c : clients) c->report(results, stream, scenario.output.top_n);
  r.producers = std::move(results.producers);
  r.consumers = std::move(results.consumers);
  r.metrics = std::move(metrics);
  return r;
}

ProducerCounts Result::totals() const {
  ProducerCounts t;
  for (const ProducerResult& p : producers) t += p.counts;
  return t;
}

}  // namespace kinesim::models
