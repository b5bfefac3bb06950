#include "models/stream/stream.h"

#include <algorithm>
#include <memory>

#include "models/core/errors.h"
#include "models/core/uint128.h"
#include "models/stream/reshard.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

// Retention runs merge records arriving within this span: retention / 1440 (one minute for
// the default 24 h), but never finer than a second. Bounds memory per shard to ~1440 runs.
Duration retention_granularity(uint32_t retention_hours) {
  const Duration g = Duration::hours(retention_hours) / 1440;
  return std::max(g, Duration::seconds(1));
}

}  // namespace

Stream::Stream(const StreamConfig& config, sim::Engine& engine, sim::MetricRecorder& metrics,
               sim::RngStream rng)
    : config_(config),
      engine_(engine),
      metrics_(metrics),
      rng_(rng),
      internal_failure_rate_(config.internal_failure_rate),
      map_(core::ShardMap::uniform(config.shards)) {
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
}

void Stream::add_shard_states() {
  const StreamConfig& c = config_;
  const Duration retention = Duration::hours(c.retention_hours);
  const Duration granularity = retention_granularity(c.retention_hours);
  while (shards_.size() < map_.shards().size()) {
    const std::string id = core::ShardMap::shard_id(static_cast<core::ShardIndex>(shards_.size()));
    ShardState s(ShardWriteBuckets(static_cast<double>(c.write.bytes_per_sec),
                                   static_cast<double>(c.write.burst_bytes),
                                   static_cast<double>(c.write.records_per_sec),
                                   static_cast<double>(c.write.burst_records)),
                 RetentionLog(retention, granularity));
    s.incoming_bytes = metrics_.add_counter(id + "/IncomingBytes");
    s.incoming_records = metrics_.add_counter(id + "/IncomingRecords");
    s.throttled = metrics_.add_counter(id + "/WriteProvisionedThroughputExceeded");
    shards_.push_back(std::move(s));
  }
}

void Stream::end_request(Time now, PutApi api, uint64_t entries, uint64_t request_bytes) {
  uint64_t accepted = 0;
  uint64_t throttled = 0;
  uint64_t failed = 0;
  uint64_t accepted_bytes = 0;
  for (const core::ShardIndex i : touched_) {
    ShardState& s = shards_[i];
    if (s.pending_records > 0) {
      s.retention.append(now, s.next_sequence, s.pending_bytes, s.pending_records);
      s.next_sequence += s.pending_records;
      metrics_.add(s.incoming_bytes, now, static_cast<double>(s.pending_bytes));
      metrics_.add(s.incoming_records, now, static_cast<double>(s.pending_records));
    }
    if (s.pending_throttled > 0) {
      metrics_.add(s.throttled, now, static_cast<double>(s.pending_throttled));
    }
    s.totals.accepted_records += s.pending_records;
    s.totals.accepted_bytes += s.pending_bytes;
    s.totals.throttled_records += s.pending_throttled;
    s.totals.throttled_bytes += s.pending_throttled_bytes;
    s.totals.internal_failures += s.pending_failed;
    accepted += s.pending_records;
    accepted_bytes += s.pending_bytes;
    throttled += s.pending_throttled;
    failed += s.pending_failed;
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

void Stream::schedule_timeline(const std::vector<TimelineAction>& actions) {
  for (std::size_t i = 0; i < actions.size(); ++i) {
    // Agent restarts belong to producers; the world schedules them.
    if (actions[i].kind == TimelineAction::Kind::kAgentRestart) continue;
    const Time at = Time::zero() + actions[i].at;
    engine_.schedule(
        at, [this, &actions, i] { apply(actions[i], i); }, sim::Priority::kHigh);
  }
}

void Stream::apply(const TimelineAction& action, std::size_t index) {
  (void)index;
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
    case TimelineAction::Kind::kAgentRestart:
      return;  // not shard-map actions
  }
  if (updating_) {
    log(now, name, "ResourceInUseException", detail + ": the stream is UPDATING");
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
  updating_ = true;
  log(now, name, "started", detail + "; stream UPDATING");
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

void Stream::finish_update(Time now) {
  const std::size_t before = shards_.size();
  add_shard_states();
  for (std::size_t i = 0; i < before; ++i) {
    if (!map_.shards()[i].open && shards_[i].closed_at == Time::max()) shards_[i].closed_at = now;
  }
  updating_ = false;
  ++epoch_;
  capacity_history_.emplace_back(now, static_cast<uint32_t>(map_.open_count()));
  metrics_.set(open_shards_, now, static_cast<double>(map_.open_count()));
}

void Stream::start_housekeeping(Duration period) {
  engine_.schedule_in(
      period,
      [this, period] {
        const Time now = engine_.now();
        const Duration retention = Duration::hours(config_.retention_hours);
        for (std::size_t i = 0; i < shards_.size(); ++i) {
          ShardState& s = shards_[i];
          s.retention.trim(now);
          if (!s.expired && s.closed_at != Time::max() && now - s.closed_at >= retention) {
            s.expired = true;
            log(now, "expire", "completed",
                core::ShardMap::shard_id(static_cast<core::ShardIndex>(i)) +
                    " passed retention after closing; EXPIRED");
          }
        }
        metrics_.set(open_shards_, now, static_cast<double>(map_.open_count()));
        start_housekeeping(period);
      },
      sim::Priority::kLow);
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
