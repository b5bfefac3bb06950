#include "models/world.h"

#include <algorithm>
#include <memory>
#include <numeric>

#include "models/core/errors.h"
#include "models/scenario/loader.h"
#include "models/stream/reshard.h"
#include "sim/engine.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

double peak_per_sec(const sim::MetricRecorder& m, uint32_t row, Duration res) {
  const auto sums = m.counter_sums(0);
  if (sums.cols() == 0) return 0;
  return sums.row(row).maxCoeff() / res.to_seconds();
}

std::vector<KeyResult> hottest_keys(SdkProducer& p, const Stream& stream, uint32_t n) {
  const auto& counts = p.key_counts();
  std::vector<uint64_t> ids(counts.size());
  std::iota(ids.begin(), ids.end(), uint64_t{0});
  const std::size_t k = std::min<std::size_t>(n, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                    [&](uint64_t a, uint64_t b) {
                      return counts[a].offered != counts[b].offered
                                 ? counts[a].offered > counts[b].offered
                                 : a < b;
                    });
  std::vector<KeyResult> out;
  for (std::size_t i = 0; i < k && counts[ids[i]].offered > 0; ++i) {
    const uint64_t id = ids[i];
    out.push_back(
        {p.keys().name(id), core::ShardMap::shard_id(stream.route(p.keys().hash(id))), counts[id]});
  }
  return out;
}

}  // namespace

void check_scenario(const Scenario& scenario) {
  std::vector<ScenarioIssue> issues;
  core::ShardMap map = core::ShardMap::uniform(scenario.stream.shards);
  for (std::size_t i = 0; i < scenario.timeline.size(); ++i) {
    const TimelineAction& a = scenario.timeline[i];
    const std::string path = "$.timeline[" + std::to_string(i) + "]";
    try {
      apply_action(map, a);
    } catch (const core::KinesisError& e) {
      issues.push_back({path, e.name() + ": " + e.message() +
                                  " (the timeline is checked in order on the shard map it "
                                  "will produce)"});
    }
  }
  if (!issues.empty()) throw ScenarioError(std::move(issues));
}

Result run_scenario(const Scenario& scenario, const RunOptions& options) {
  check_scenario(scenario);
  const uint64_t seed = options.seed.value_or(scenario.seed);
  const Duration res = options.resolution.value_or(scenario.output.resolution);
  const Time end = Time::zero() + scenario.duration;

  sim::Engine engine;
  auto metrics = std::make_shared<sim::MetricRecorder>(scenario.duration, std::vector{res});
  Stream stream(scenario.stream, engine, *metrics,
                sim::RngStream::derive(seed, "stream/" + scenario.stream.name));
  std::vector<std::unique_ptr<SdkProducer>> producers;
  for (const ProducerConfig& p : scenario.producers) {
    producers.push_back(
        std::make_unique<SdkProducer>(p, scenario.base_dir, stream, engine, *metrics, seed));
  }
  stream.schedule_timeline(scenario.timeline);
  stream.start_housekeeping(Duration::seconds(60));
  for (auto& p : producers) p->start();

  const Duration step = std::max(options.progress_every, Duration::seconds(1));
  for (Time t = Time::zero(); t < end;) {
    t = std::min(end, t + step);
    engine.run_until(t);
    if (options.progress) options.progress(t.to_seconds() / end.to_seconds());
  }
  for (auto& p : producers) p->finish(end);

  Result r;
  r.scenario_name = scenario.name;
  r.seed = seed;
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
    s.retained_bytes = stream.retention(sh.index).retained_bytes();
    s.retention_runs = stream.retention(sh.index).runs().size();
    s.series_bytes = stream.shard_series(sh.index, 0).row;
    s.series_records = stream.shard_series(sh.index, 1).row;
    s.series_throttled = stream.shard_series(sh.index, 2).row;
    s.peak_records_per_sec = peak_per_sec(*metrics, s.series_records, res);
    s.peak_bytes_per_sec = peak_per_sec(*metrics, s.series_bytes, res);
    r.shards.push_back(std::move(s));
  }
  for (auto& p : producers) {
    ProducerResult pr;
    pr.name = p->config().name;
    pr.type = "sdk";
    pr.instances = p->config().instances;
    pr.counts = p->counts();
    pr.record_latency_us = p->record_latency_us();
    pr.request_latency_us = p->request_latency_us();
    pr.backoff_us = p->backoff_us();
    pr.attempts = p->attempts_histogram();
    pr.random_keys = p->keys().random_keys();
    pr.distinct_keys = p->keys().size();
    if (!pr.random_keys) {
      pr.hottest_keys = hottest_keys(*p, stream, scenario.output.top_n);
      for (std::size_t i = 0; i < p->config().keys.hot.size(); ++i) {
        pr.hot_keys.push_back({p->keys().name(i),
                               core::ShardMap::shard_id(stream.route(p->keys().hash(i))),
                               p->key_counts()[i]});
      }
    }
    pr.offered_peak_records_per_sec = peak_per_sec(*metrics, p->produced_series().row, res);
    pr.offered_peak_bytes_per_sec = peak_per_sec(*metrics, p->produced_bytes_series().row, res);
    r.producers.push_back(std::move(pr));
  }
  r.metrics = std::move(metrics);
  return r;
}

ProducerCounts Result::totals() const {
  ProducerCounts t;
  for (const ProducerResult& p : producers) {
    const ProducerCounts& c = p.counts;
    t.produced += c.produced;
    t.accepted += c.accepted;
    t.failed_attempts_exhausted += c.failed_attempts_exhausted;
    t.failed_buffer_full += c.failed_buffer_full;
    t.rejected_too_large += c.rejected_too_large;
    t.pending += c.pending;
    t.produced_bytes += c.produced_bytes;
    t.accepted_bytes += c.accepted_bytes;
    t.throttled_entries += c.throttled_entries;
    t.internal_failure_entries += c.internal_failure_entries;
    t.retried_entries += c.retried_entries;
    t.requests += c.requests;
    t.failed_bytes += c.failed_bytes;
  }
  return t;
}

}  // namespace kinesim::models
