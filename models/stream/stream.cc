#include "models/stream/stream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "models/core/errors.h"
#include "models/core/uint128.h"
#include "models/stream/reshard.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

WriteRate configured_peak(const StreamConfig& c) {
  return {static_cast<double>(c.on_demand.previous_peak_bytes_per_sec),
          static_cast<double>(c.on_demand.previous_peak_records_per_sec)};
}

// Provisioned: the configured count. On-demand: CreateStream makes enough shards to back the
// first admission limit (see capacity.h), at least the configured count.
uint32_t initial_open_shards(const StreamConfig& c) {
  if (c.mode == CapacityMode::kProvisioned) return c.shards;
  return backing_shards(c, on_demand_limit(c, c.mode, configured_peak(c)), c.shards);
}

std::string rate_text(WriteRate r) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.0f B/s and %.0f records/s", r.bytes_per_sec, r.records_per_sec);
  return buf;
}

// The open shards' total write rate. On-demand opens shards with headroom over its admission
// limit (capacity.h), so this caps the limit only while shards are still on their way, as after a
// switch from provisioned: the shards there take what they always took, their whole rate.
WriteRate backed_by(const StreamConfig& c, std::size_t open) {
  const auto n = static_cast<double>(open);
  return {n * static_cast<double>(c.write.bytes_per_sec),
          n * static_cast<double>(c.write.records_per_sec)};
}

}  // namespace

Stream::Stream(const StreamConfig& config, sim::Engine& engine, sim::MetricRecorder& metrics,
               sim::RngStream rng)
    : config_(config),
      engine_(engine),
      metrics_(metrics),
      rng_(rng),
      internal_failure_rate_(config.internal_failure_rate),
      map_(core::ShardMap::uniform(initial_open_shards(config))),
      mode_(config.mode),
      peak_(configured_peak(config), config.on_demand.surge_window),
      autoscaler_(config.autoscaler) {
  const std::string& n = config_.name;
  incoming_bytes_ = metrics_.add_counter(n + "/IncomingBytes");
  incoming_records_ = metrics_.add_counter(n + "/IncomingRecords");
  throttled_ = metrics_.add_counter(n + "/WriteProvisionedThroughputExceeded");
  open_shards_ = metrics_.add_gauge(n + "/OpenShardCount");
  for (auto [series, prefix] :
       {std::pair{&put_record_, "PutRecord"}, {&put_records_, "PutRecords"}}) {
    const std::string p = n + "/" + prefix;
    series->requests = metrics_.add_counter(p + ".Requests");
    series->success = metrics_.add_counter(p + ".Success");
    series->bytes = metrics_.add_counter(p + ".Bytes");
    series->latency_sum_ms = metrics_.add_counter(p + ".Latency.Sum");
    series->total_records = metrics_.add_counter(p + ".TotalRecords");
    series->successful_records = metrics_.add_counter(p + ".SuccessfulRecords");
    series->failed_records = metrics_.add_counter(p + ".FailedRecords");
    series->throttled_records = metrics_.add_counter(p + ".ThrottledRecords");
  }
  add_shard_states();
  capacity_history_.emplace_back(Time::zero(), static_cast<uint32_t>(map_.open_count()));
  metrics_.set(open_shards_, Time::zero(), static_cast<double>(map_.open_count()));
  record_capacity(Time::zero());
  capacity_ticks_ = mode_ != CapacityMode::kProvisioned || config_.autoscaler.enabled;
  if (mode_ != CapacityMode::kProvisioned) {
    admission_on_ = true;
    apply_on_demand_limit(Time::zero());
    char multiplier[32];
    std::snprintf(multiplier, sizeof multiplier, "%g", config_.on_demand.peak_multiplier);
    const std::string advantage =
        mode_ == CapacityMode::kOnDemandAdvantage
            ? " or, if higher, On-demand Advantage's committed minimum or warm throughput"
            : "";
    log(Time::zero(), "capacity", "completed",
        std::string(api_name(mode_)) + ": " + std::to_string(map_.open_count()) +
            " shards back the admission limit of " + rate_text(admission_.limit()) + " (" +
            multiplier + " x the previous peak " + rate_text(peak_.previous()) + advantage +
            ", shards with " +
            std::to_string(static_cast<int>(std::lround((kOnDemandShardHeadroom - 1) * 100))) +
            " % headroom)");
  }
}

void Stream::record_capacity(Time now) {
  capacity_changes_.push_back({now, mode_, static_cast<uint32_t>(map_.open_count()), billed_});
}

std::vector<CapacitySegment> Stream::capacity_segments(Time end) const {
  std::vector<CapacitySegment> out;
  for (std::size_t i = 0; i < capacity_changes_.size(); ++i) {
    const CapacityChange& c = capacity_changes_[i];
    const bool last = i + 1 == capacity_changes_.size();
    const Time to = last ? end : std::min(end, capacity_changes_[i + 1].at);
    const core::PutBilling& billed_to = last ? billed_ : capacity_changes_[i + 1].billed;
    if (to <= c.at) continue;  // superseded at the same instant (or after the end)
    out.push_back({c.at, to, c.mode, c.open_shards,
                   billed_to.payload_units - c.billed.payload_units,
                   billed_to.billed_bytes - c.billed.billed_bytes});
  }
  return out;
}

void Stream::add_shard_states() {
  const StreamConfig& c = config_;
  const Duration retention = Duration::hours(c.retention_hours);
  const Duration granularity = RetentionLog::coarse_granularity(c.retention_hours);
  while (shards_.size() < map_.shards().size()) {
    const std::string id = core::ShardMap::shard_id(static_cast<core::ShardIndex>(shards_.size()));
    ShardState s(ShardWriteBuckets(static_cast<double>(c.write.bytes_per_sec),
                                   static_cast<double>(c.write.burst_bytes),
                                   static_cast<double>(c.write.records_per_sec),
                                   static_cast<double>(c.write.burst_records)),
                 RetentionLog(retention, granularity, c.read.retention_fine_granularity,
                              c.read.retention_recent_window));
    s.series.incoming_bytes = metrics_.add_counter(id + "/IncomingBytes");
    s.series.incoming_records = metrics_.add_counter(id + "/IncomingRecords");
    s.series.throttled = metrics_.add_counter(id + "/WriteProvisionedThroughputExceeded");
    shards_.push_back(std::move(s));
  }
}

void Stream::end_request(Time now, PutApi api, uint64_t entries, uint64_t request_bytes) {
  uint64_t accepted = request_accepted_;
  uint64_t throttled = 0;
  uint64_t failed = 0;
  uint64_t accepted_bytes = request_accepted_bytes_;
  request_accepted_ = request_accepted_bytes_ = 0;
  for (const core::ShardIndex i : touched_) {
    ShardState& s = shards_[i];
    if (s.pending_records > 0) {
      append_accepted(now, s, s.pending_records, s.pending_bytes, s.pending_user_records,
                      s.pending_write_delay);
      if (!s.waiting.empty()) wake(now, i);
    }
    if (s.pending_throttled > 0) {
      metrics_.add(s.series.throttled, now, static_cast<double>(s.pending_throttled));
    }
    s.totals.throttled_records += s.pending_throttled;
    s.totals.throttled_bytes += s.pending_throttled_bytes;
    s.totals.internal_failures += s.pending_failed;
    accepted += s.pending_records;
    accepted_bytes += s.pending_bytes;
    throttled += s.pending_throttled;
    failed += s.pending_failed;
    s.pending_user_records = 0;
    s.pending_write_delay = Duration();
    s.pending_records = s.pending_bytes = s.pending_throttled = s.pending_throttled_bytes =
        s.pending_failed = 0;
  }
  touched_.clear();
  const auto d = [](uint64_t v) { return static_cast<double>(v); };
  if (accepted > 0) {
    metrics_.add(incoming_bytes_, now, d(accepted_bytes));
    metrics_.add(incoming_records_, now, d(accepted));
  }
  if (throttled > 0) metrics_.add(throttled_, now, d(throttled));
  const ApiSeries& a = api == PutApi::kPutRecords ? put_records_ : put_record_;
  metrics_.add(a.requests, now, 1);
  metrics_.add(a.total_records, now, d(entries));
  metrics_.add(a.bytes, now, d(request_bytes));
  if (accepted > 0) metrics_.add(a.successful_records, now, d(accepted));
  if (throttled + failed > 0) metrics_.add(a.failed_records, now, d(throttled + failed));
  if (throttled > 0) metrics_.add(a.throttled_records, now, d(throttled));
  // PutRecord succeeds when its record is accepted; a PutRecords call succeeds as a call even
  // with failed entries (CloudWatch counts the call).
  if (api == PutApi::kPutRecords || accepted > 0) metrics_.add(a.success, now, 1);
}

void Stream::record_latency(Time now, PutApi api, Duration latency) {
  const ApiSeries& a = api == PutApi::kPutRecords ? put_records_ : put_record_;
  metrics_.add(a.latency_sum_ms, now, latency.to_millis());
}

void Stream::log(Time at, std::string action, std::string outcome, std::string detail) {
  timeline_.push_back({at, std::move(action), std::move(outcome), std::move(detail)});
}

void Stream::expect_mode_switches() { capacity_ticks_ = true; }

void Stream::apply(const TimelineAction& action) {
  const Time now = engine_.now();
  const char* name = action.kind == TimelineAction::Kind::kSplit   ? "split"
                     : action.kind == TimelineAction::Kind::kMerge ? "merge"
                                                                   : "update_shard_count";
  std::string detail;
  switch (action.kind) {
    case TimelineAction::Kind::kSplit:
      detail = action.shard;
      break;
    case TimelineAction::Kind::kMerge:
      detail = action.shard + " + " + action.adjacent_shard;
      break;
    case TimelineAction::Kind::kUpdateShardCount:
      detail = std::to_string(map_.open_count()) + " -> " + std::to_string(action.target);
      break;
    case TimelineAction::Kind::kSwitchMode:
      apply_switch(action);
      return;
    case TimelineAction::Kind::kAgentRestart:
    case TimelineAction::Kind::kKclWorkerFailure:
    case TimelineAction::Kind::kKclWorkerRestart:
    case TimelineAction::Kind::kKclDeploy:
    case TimelineAction::Kind::kKclWorkerAdded:
    case TimelineAction::Kind::kKclWorkerRemoved:
      throw std::logic_error("a client's timeline action was routed to the stream");
  }
  if (updating_) {
    log(now, name, "ResourceInUseException", detail + ": the stream is UPDATING");
    return;
  }
  if (mode_ != CapacityMode::kProvisioned) {
    log(now, name, "ValidationException",
        detail + ": resharding is managed by Kinesis in on-demand mode");
    return;
  }
  if (action.kind == TimelineAction::Kind::kUpdateShardCount) {
    // At most N UpdateShardCount calls in any rolling 24 hours (SPEC §2).
    const Time day_ago = now - Duration::hours(24);
    std::erase_if(update_shard_count_calls_, [&](Time t) { return t <= day_ago; });
    const core::StreamLimits limits;
    if (update_shard_count_calls_.size() >= limits.update_shard_count_calls_per_day) {
      log(now, name, "LimitExceededException",
          detail + ": more than " + std::to_string(limits.update_shard_count_calls_per_day) +
              " UpdateShardCount calls in 24 h");
      return;
    }
  }
  // Validate on a copy now, as AWS validates the call; the change lands when UPDATING ends.
  core::ShardMap next = map_;
  try {
    apply_action(next, action);
    if (action.kind == TimelineAction::Kind::kUpdateShardCount) {
      update_shard_count_calls_.push_back(now);
    }
  } catch (const core::KinesisError& e) {
    log(now, name, e.name(), detail + ": " + e.message());
    return;
  }
  start_reshard(std::move(next), name, detail);
}

void Stream::start_reshard(core::ShardMap next, const char* name, std::string detail) {
  updating_ = true;
  log(engine_.now(), name, "started", detail + "; stream UPDATING");
  engine_.schedule_in(
      config_.reshard_duration,
      [this, next = std::make_shared<core::ShardMap>(std::move(next)), name] {
        map_ = std::move(*next);
        finish_update(engine_.now());
        log(engine_.now(), name, "completed",
            std::to_string(map_.open_count()) + " open shards; stream ACTIVE");
      },
      sim::Priority::kHigh);
}

void Stream::apply_switch(const TimelineAction& action) {
  const Time now = engine_.now();
  const CapacityMode to = action.mode;
  const std::string detail = std::string(api_name(mode_)) + " -> " + std::string(api_name(to));
  if (updating_) {
    log(now, "switch_mode", "ResourceInUseException", detail + ": the stream is UPDATING");
    return;
  }
  if (to == mode_) {
    log(now, "switch_mode", "ValidationException", detail + ": the stream is already in that mode");
    return;
  }
  // At most N capacity-mode switches in any rolling 24 hours (SPEC §5).
  const Time day_ago = now - Duration::hours(24);
  std::erase_if(mode_switches_, [&](Time t) { return t <= day_ago; });
  const uint32_t per_day = core::StreamLimits{}.capacity_mode_switches_per_day;
  if (mode_switches_.size() >= per_day) {
    log(now, "switch_mode", "LimitExceededException",
        detail + ": more than " + std::to_string(per_day) + " capacity mode switches in 24 h");
    return;
  }
  // Switching to provisioned may set the shard count (action.target, 0 keeps it), validated as
  // UpdateShardCount validates; it lands with the switch.
  std::shared_ptr<core::ShardMap> next;
  if (to == CapacityMode::kProvisioned && action.target != 0 &&
      action.target != map_.open_count()) {
    next = std::make_shared<core::ShardMap>(map_);
    try {
      next->update_shard_count(action.target);
    } catch (const core::KinesisError& e) {
      log(now, "switch_mode", e.name(), detail + ": " + e.message());
      return;
    }
  }
  mode_switches_.push_back(now);
  updating_ = true;
  log(now, "switch_mode", "started",
      detail + (next ? " with " + std::to_string(action.target) + " shards" : "") +
          "; stream UPDATING");
  engine_.schedule_in(
      config_.reshard_duration,
      [this, to, next] {
        const Time t = engine_.now();
        mode_ = to;
        if (next) {
          map_ = std::move(*next);
          finish_update(t);  // records the capacity change, ends UPDATING
          capacity_changes_.pop_back();
        }
        updating_ = false;
        if (to == CapacityMode::kProvisioned) {
          // The stream keeps its shards; the user owns the count from now on.
          admission_on_ = false;
        } else {
          // The peak served so far counts as the previous peak; shards follow at the next tick.
          WriteRate p = peak_.previous();
          p.bytes_per_sec = std::max(p.bytes_per_sec, run_peak_.bytes_per_sec);
          p.records_per_sec = std::max(p.records_per_sec, run_peak_.records_per_sec);
          peak_.reset(p);
          admission_on_ = true;
          apply_on_demand_limit(t);
        }
        record_capacity(t);
        log(t, "switch_mode", "completed",
            std::string(api_name(to)) + ", " + std::to_string(map_.open_count()) + " open shards" +
                (admission_on_ ? "; admission limit " + rate_text(admission_.limit()) : "") +
                "; stream ACTIVE");
      },
      sim::Priority::kHigh);
}

void Stream::keep_deferred(ShardState& s) {
  ShardState::DeferredBooks& d = s.deferred;
  s.retention.append_span(d.first, d.last, s.next_sequence, d.bytes, d.records, d.records,
                          d.write_delay);
  s.next_sequence += d.records;
  metrics_.add(s.series.incoming_bytes, static_cast<double>(d.bytes), s.series.incoming_records,
               static_cast<double>(d.records), d.first);
  s.totals.accepted_records += d.records;
  s.totals.accepted_bytes += d.bytes;
  d = ShardState::DeferredBooks();
}

void Stream::settle_books() {
  for (ShardState& s : shards_) settle(s);
}

void Stream::finish_update(Time now) {
  add_shard_states();
  // Every shard the update closed, those it made on the way included (UpdateShardCount splits
  // and merges through intermediate shards, open for no time): their children open now.
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    if (!map_.shards()[i].open && shards_[i].closed_at == Time::max()) {
      shards_[i].closed_at = now;
      wake(now, static_cast<core::ShardIndex>(i));
    }
  }
  updating_ = false;
  ++epoch_;
  std::vector<EpochListener*> epoch_waiting;
  epoch_waiting.swap(epoch_waiting_);  // a listener may wait again from its callback
  for (EpochListener* l : epoch_waiting) l->on_epoch_change(now);
  capacity_history_.emplace_back(now, static_cast<uint32_t>(map_.open_count()));
  metrics_.set(open_shards_, now, static_cast<double>(map_.open_count()));
  record_capacity(now);
  cooldown_until_ = now + config_.autoscaler.cooldown;
  if (admission_on_) apply_on_demand_limit(now);
}

void Stream::apply_on_demand_limit(Time now) {
  const WriteRate want = on_demand_limit(config_, mode_, peak_.previous());
  const WriteRate backed = backed_by(config_, map_.open_count());
  admission_.set_limit(now, {std::min(want.bytes_per_sec, backed.bytes_per_sec),
                             std::min(want.records_per_sec, backed.records_per_sec)});
}

void Stream::capacity_tick(Time now, Duration period) {
  uint64_t acc_b = 0, acc_r = 0, off_b = 0, off_r = 0;
  const double secs = period.to_seconds();
  for (ShardState& s : shards_) {
    settle(s);
    const ShardTotals& t = s.totals;
    acc_b += t.accepted_bytes;
    acc_r += t.accepted_records;
    off_b += t.accepted_bytes + t.throttled_bytes;
    off_r += t.accepted_records + t.throttled_records;
    s.minute_bytes_per_sec = static_cast<double>(t.accepted_bytes - s.tick_accepted_bytes) / secs;
    s.tick_accepted_bytes = t.accepted_bytes;
  }
  const WriteRate served{static_cast<double>(acc_b - tick_accepted_bytes_) / secs,
                         static_cast<double>(acc_r - tick_accepted_records_) / secs};
  const WriteRate offered{static_cast<double>(off_b - tick_offered_bytes_) / secs,
                          static_cast<double>(off_r - tick_offered_records_) / secs};
  tick_accepted_bytes_ = acc_b;
  tick_accepted_records_ = acc_r;
  tick_offered_bytes_ = off_b;
  tick_offered_records_ = off_r;
  run_peak_.bytes_per_sec = std::max(run_peak_.bytes_per_sec, served.bytes_per_sec);
  run_peak_.records_per_sec = std::max(run_peak_.records_per_sec, served.records_per_sec);
  if (mode_ != CapacityMode::kProvisioned) {
    on_demand_tick(now, period, served);
  } else if (config_.autoscaler.enabled) {
    const double n = static_cast<double>(map_.open_count());
    const double by_bytes =
        offered.bytes_per_sec / (n * static_cast<double>(config_.write.bytes_per_sec));
    const double by_records =
        offered.records_per_sec / (n * static_cast<double>(config_.write.records_per_sec));
    autoscale_tick(now, 100.0 * std::max(by_bytes, by_records));
  }
}

void Stream::autoscale_tick(Time now, double utilisation_pct) {
  const Time day_ago = now - Duration::hours(24);
  std::erase_if(update_shard_count_calls_, [&](Time t) { return t <= day_ago; });
  const auto open = static_cast<uint32_t>(map_.open_count());
  const AutoscaleDecision d = autoscaler_.observe_minute(
      now, utilisation_pct, open,
      {updating_, cooldown_until_, static_cast<uint32_t>(update_shard_count_calls_.size())});
  switch (d.kind) {
    case AutoscaleDecision::Kind::kNone:
      return;
    case AutoscaleDecision::Kind::kSkip:
      // A lasting obstacle is logged once, not every minute.
      if (d.blocked_by != last_skip_) log(now, "autoscale", "skipped", d.reason);
      last_skip_ = d.blocked_by;
      return;
    case AutoscaleDecision::Kind::kScaleUp:
    case AutoscaleDecision::Kind::kScaleDown:
      break;
  }
  last_skip_.clear();
  log(now, "autoscale", d.kind == AutoscaleDecision::Kind::kScaleUp ? "scale_up" : "scale_down",
      d.reason + ": UpdateShardCount " + std::to_string(open) + " -> " + std::to_string(d.target));
  TimelineAction a;
  a.kind = TimelineAction::Kind::kUpdateShardCount;
  a.target = d.target;
  apply(a);
}

void Stream::on_demand_tick(Time now, Duration period, WriteRate served) {
  const OnDemandConfig& od = config_.on_demand;
  peak_.observe_minute(served);
  // Scale-down watch: the whole minute below half of the admission limit.
  const WriteRate limit = admission_.limit();
  if (served.bytes_per_sec < limit.bytes_per_sec / 2 &&
      served.records_per_sec < limit.records_per_sec / 2) {
    if (below_half_since_ == Time::max()) {
      below_half_since_ = now - period;
      peak_since_below_ = served;
    }
    peak_since_below_.bytes_per_sec =
        std::max(peak_since_below_.bytes_per_sec, served.bytes_per_sec);
    peak_since_below_.records_per_sec =
        std::max(peak_since_below_.records_per_sec, served.records_per_sec);
  } else {
    below_half_since_ = Time::max();
  }
  // Hot shards: above the split trigger over the last minute.
  const auto trigger = static_cast<double>(od.shard_split_trigger_bytes_per_sec);
  std::vector<core::ShardIndex> due;
  for (const core::ShardIndex i : map_.open_shards()) {
    ShardState& s = shards_[i];
    if (s.minute_bytes_per_sec <= trigger) {
      s.hot_since = Time::max();
      continue;
    }
    if (s.hot_since == Time::max()) s.hot_since = now - period;
    if (now - s.hot_since >= od.shard_split_delay) due.push_back(i);
  }
  if (updating_) return;  // decisions wait until the stream is ACTIVE
  const uint32_t open = static_cast<uint32_t>(map_.open_count());
  const WriteRate want = on_demand_limit(config_, mode_, peak_.previous());
  const uint32_t need = backing_shards(config_, want, config_.shards);
  const uint32_t max_shards = core::StreamLimits{}.max_shards;
  if (need > open) {
    // Split the busiest shards at their middle, at most doubling in one operation.
    std::vector<core::ShardIndex> order = map_.open_shards();
    std::stable_sort(order.begin(), order.end(), [&](core::ShardIndex a, core::ShardIndex b) {
      return shards_[a].minute_bytes_per_sec > shards_[b].minute_bytes_per_sec;
    });
    order.resize(std::min<std::size_t>(order.size(), need - open));
    core::ShardMap next = map_;
    for (const core::ShardIndex i : order) {
      const core::Shard& sh = next.shard(i);
      next.split(i, sh.start + (sh.end - sh.start) / 2 + 1);
    }
    start_reshard(std::move(next), "split",
                  std::to_string(order.size()) + " shards at their middle: the previous peak " +
                      rate_text(peak_.previous()) + " needs " + std::to_string(need) +
                      " shards to back " + rate_text(want));
    return;
  }
  apply_on_demand_limit(now);
  if (!due.empty()) {
    core::ShardMap next = map_;
    std::string detail;
    for (const core::ShardIndex i : due) {
      if (next.open_count() >= max_shards) break;
      const core::Shard& sh = next.shard(i);
      if (sh.end - sh.start < 3) continue;  // too narrow to split
      next.split(i, sh.start + (sh.end - sh.start) / 2 + 1);
      char buf[160];
      std::snprintf(
          buf, sizeof buf,
          "%s%s averaged %.0f B/s over the last minute, above the %.0f B/s trigger since %s",
          detail.empty() ? "" : "; ", core::ShardMap::shard_id(i).c_str(),
          shards_[i].minute_bytes_per_sec, trigger, sim::to_string(shards_[i].hot_since).c_str());
      detail += buf;
    }
    if (!detail.empty())
      start_reshard(std::move(next), "split", detail + " (pure split at the middle)");
    return;
  }
  if (below_half_since_ != Time::max() && now - below_half_since_ >= od.scale_down_after) {
    // Capacity falls back to what the quiet period needed; adjacent cold pairs merge.
    const WriteRate floor = configured_peak(config_);
    peak_.reset({std::max(peak_since_below_.bytes_per_sec, floor.bytes_per_sec),
                 std::max(peak_since_below_.records_per_sec, floor.records_per_sec)});
    below_half_since_ = Time::max();
    const uint32_t keep =
        backing_shards(config_, on_demand_limit(config_, mode_, peak_.previous()), config_.shards);
    const std::vector<core::ShardIndex> order = map_.open_shards();
    core::ShardMap next = map_;
    uint32_t merges = 0;
    for (std::size_t k = 0; k + 1 < order.size() && open - merges > keep; ++k) {
      const ShardState& a = shards_[order[k]];
      const ShardState& b = shards_[order[k + 1]];
      if (a.minute_bytes_per_sec + b.minute_bytes_per_sec >= trigger) continue;
      next.merge(order[k], order[k + 1]);
      ++merges;
      ++k;
    }
    if (merges == 0) {
      apply_on_demand_limit(now);
      return;
    }
    start_reshard(std::move(next), "merge",
                  std::to_string(merges) +
                      " pairs of adjacent cold shards: below half the "
                      "admission limit for " +
                      sim::to_string(od.scale_down_after) + "; the previous peak falls back to " +
                      rate_text(peak_.previous()));
  }
}

void Stream::start_housekeeping(Duration period) {
  housekeeping_period_ = period;
  engine_.schedule_in(
      period,
      [this, period] {
        const Time now = engine_.now();
        const Duration retention = Duration::hours(config_.retention_hours);
        for (std::size_t i = 0; i < shards_.size(); ++i) {
          ShardState& s = shards_[i];
          settle(s);
          s.retention.trim(now);
          if (!s.expired && s.closed_at != Time::max() && now - s.closed_at >= retention) {
            s.expired = true;
            log(now, "expire", "completed",
                core::ShardMap::shard_id(static_cast<core::ShardIndex>(i)) +
                    " passed retention after closing; EXPIRED");
          }
        }
        if (capacity_ticks_) capacity_tick(now, period);
        metrics_.set(open_shards_, now, static_cast<double>(map_.open_count()));
        start_housekeeping(period);
      },
      sim::Priority::kLow);
}

void Stream::wake(Time now, core::ShardIndex shard) {
  std::vector<ArrivalListener*> waiting;
  waiting.swap(shards_[shard].waiting);  // a listener may wait again from its callback
  for (ArrivalListener* l : waiting) l->on_arrival(now, shard);
}

double Stream::shard_hours(Time from, Time end) const {
  double hours = 0;
  for (std::size_t i = 0; i < capacity_history_.size(); ++i) {
    const Time a = std::max(from, capacity_history_[i].first);
    const Time b =
        std::min(end, i + 1 < capacity_history_.size() ? capacity_history_[i + 1].first : end);
    if (b > a) hours += (b - a).to_seconds() / 3600.0 * capacity_history_[i].second;
  }
  return hours;
}

double Stream::shard_hours(Time end) const {
  double hours = 0;
  for (std::size_t i = 0; i < capacity_history_.size(); ++i) {
    const Time from = capacity_history_[i].first;
    const Time to = i + 1 < capacity_history_.size() ? capacity_history_[i + 1].first : end;
    if (to > from) hours += (to - from).to_seconds() / 3600.0 * capacity_history_[i].second;
  }
  return hours;
}

}  // namespace kinesim::models
