#include "models/consumer/consumer.h"

#include <algorithm>

#include "sim/distribution.h"

namespace kinesim::models {

using sim::Duration;
using sim::Time;

namespace {

// Records `n` records of `slice`, spread evenly over its arrival span, into `h` (microseconds):
// each of up to Consumer::kLatencyGroups equal groups at its midpoint, with `extra` added (the
// write delay for end-to-end latency, zero for propagation), measured at `at`.
void record_spread(sim::LogHistogram& h, Time at, const RecordSlice& slice, uint64_t n,
                   Duration extra) {
  if (n == 0) return;
  const uint64_t groups = std::min(n, Consumer::kLatencyGroups);
  const Duration span = slice.last_arrival - slice.first_arrival;
  for (uint64_t g = 0; g < groups; ++g) {
    const uint64_t count = n * (g + 1) / groups - n * g / groups;
    // Midpoint of the group, as a fraction of the span: (2g + 1) / (2 groups).
    const Time arrival = slice.first_arrival +
                         span / static_cast<int64_t>(2 * groups) * static_cast<int64_t>(2 * g + 1);
    const Duration latency = std::max(Duration(), at - arrival + extra);
    h.record(static_cast<uint64_t>(latency.count_nanos() / 1'000), count);
  }
}

}  // namespace

Consumer::Consumer(const ConsumerConfig& config, const ReaderConfig& reader,
                   const ConsumerKind& kind, Stream& stream, sim::Engine& engine,
                   sim::MetricRecorder& metrics, uint64_t seed)
    : config_(config),
      reader_(reader),
      kind_(kind),
      stream_(stream),
      engine_(engine),
      metrics_(metrics),
      rng_(sim::RngStream::derive(seed, "consumer/" + config.name)),
      latency_(config.read_latency) {
  const std::string p = config_.name + "/";
  series_read_ = metrics_.add_counter(p + kind_.records_read);
  series_bytes_ = metrics_.add_counter(p + kind_.bytes_read);
  series_processed_ = metrics_.add_counter(p + kind_.records_processed);
  series_throttled_ = metrics_.add_counter(p + kind_.throttled_calls);
  series_behind_ = metrics_.add_gauge(p + kind_.millis_behind);
}

void Consumer::start() {
  engine_.schedule(Time::zero() + config_.start, [this] { begin(); });
}

void Consumer::grow_to_stream() {
  const std::size_t n = stream_.shard_count();
  if (reader_of_.size() < n) {
    reader_of_.resize(n, -1);
    done_.resize(n, false);
  }
}

ShardReader& Consumer::add_reader(core::ShardIndex shard, ShardPosition scope_start) {
  grow_to_stream();
  reader_of_[shard] = static_cast<int32_t>(readers_.size());
  return readers_.emplace_back(
      ReaderContext{stream_, engine_, rng_, reader_, latency_, *this, efo_id_}, shard, scope_start);
}

void Consumer::begin() {
  if (reader_.retrieval == Retrieval::kFanOut) {
    register_on_stream();
  } else {
    open_readers();
  }
}

void Consumer::register_on_stream() {
  const Time now = engine_.now();
  const RegisterConsumerReply reply = stream_.register_consumer(now, config_.name);
  if (reply.outcome != ReadOutcome::kOk) {
    // LimitExceeded: 20 consumers registered (50 in On-demand Advantage), 5 CREATING, or
    // 5 calls/s. KCL keeps trying; so does the model, and the result counts the refusals.
    ++registration_refused_;
    engine_.schedule(now + Duration::seconds(1), [this] { register_on_stream(); });
    return;
  }
  efo_id_ = reply.consumer;
  registered_at_ = now;
  engine_.schedule(reply.active_at, [this] { open_readers(); });
}

void Consumer::open_readers() {
  const Time now = engine_.now();
  begun_ = true;
  shards_at_begin_ = stream_.shard_count();
  grow_to_stream();
  const bool latest = reader_.initial_position == InitialPosition::kLatest;
  // Index order is parents first: a shard's parents always have lower indices.
  for (const core::Shard& s : stream_.map().shards()) {
    // A trim due at this instant comes first: its records are gone when the reader starts.
    const RetentionLog& log = stream_.retention_at(s.index, now);
    const bool in_scope =
        s.open || (!latest && !stream_.expired(s.index) && log.retained_records() > 0);
    if (!in_scope) {
      done_[s.index] = true;
      continue;
    }
    ShardPosition scope;
    switch (reader_.initial_position) {
      case InitialPosition::kLatest:
        scope = log.tip();
        break;
      case InitialPosition::kTrimHorizon:
        scope = log.oldest();
        break;
      case InitialPosition::kAtTimestamp:
        scope = log.position_at(reader_.timestamp);
        break;
    }
    ShardReader& r = add_reader(s.index, scope);
    if (parents_done(s.index)) {
      // A random phase within the poll interval: consumers started together do not poll in step.
      // Pushes need none.
      const auto phase = reader_.retrieval == Retrieval::kFanOut
                             ? Duration()
                             : Duration::nanos(static_cast<int64_t>(rng_.below(
                                   static_cast<uint64_t>(reader_.poll_interval.count_nanos()))));
      on_shard_ready(r, now, phase);
    }
  }
}

bool Consumer::parents_done(core::ShardIndex shard) const {
  const core::Shard& s = stream_.map().shards()[shard];
  const auto done = [&](core::ShardIndex p) { return p < done_.size() && done_[p]; };
  return (!s.parent || done(*s.parent)) && (!s.adjacent_parent || done(*s.adjacent_parent));
}

void Consumer::on_served(ShardReader& reader, Time now, const ReadBatch& batch) {
  const uint64_t n = kind_.deaggregates ? batch.user_records : batch.records;
  // Only records beyond the reader's frontier are new to the books; a rewound reader (KCL)
  // re-reads some it already counted.
  const ShardPosition& f = reader.books().frontier;
  const ShardPosition& e = batch.next;
  const uint64_t fresh_records =
      e.sequence - std::clamp(f.sequence, e.sequence - batch.records, e.sequence);
  const uint64_t fresh_user =
      e.user_records_before - std::clamp(f.user_records_before,
                                         e.user_records_before - batch.user_records,
                                         e.user_records_before);
  const uint64_t fresh = kind_.deaggregates ? fresh_user : fresh_records;
  const core::Shard& shard = stream_.map().shards()[reader.shard()];
  if (fresh > 0 && (shard.parent || shard.adjacent_parent)) {
    child_records_read_ += fresh;
    if (!parents_done(reader.shard())) child_records_before_parents_ += fresh;
  }
  held_ += fresh;
  // MillisBehindLatest is whole milliseconds (a long in the GetRecords reply), in the summary's
  // histogram and in the metric series alike.
  const uint64_t behind_ms = static_cast<uint64_t>(batch.behind_latest.count_nanos() / 1'000'000);
  behind_ms_.record(behind_ms);
  metrics_.set(series_behind_, now, static_cast<double>(behind_ms));
  if (n > 0) {
    metrics_.add(series_read_, now, static_cast<double>(n));
    metrics_.add(series_bytes_, now, static_cast<double>(batch.bytes));
  }
  for (const RecordSlice& s : batch.slices) {
    record_spread(propagation_us_, now, s, units(s), Duration());
  }
}

void Consumer::on_throttled(ShardReader& /*reader*/, Time now) {
  metrics_.add(series_throttled_, now);
}

void Consumer::on_shard_end(ShardReader& reader, Time now) {
  grow_to_stream();
  done_[reader.shard()] = true;
  for (const core::ShardIndex child : stream_.map().children(reader.shard())) {
    if (!parents_done(child)) continue;  // a merge: the other parent is not done yet
    if (reader_of_[child] >= 0) {
      ShardReader& waiting = readers_[static_cast<std::size_t>(reader_of_[child])];
      if (waiting.state() == ShardReader::State::kWaiting) on_shard_ready(waiting, now, {});
    } else {
      on_shard_ready(add_reader(child, ShardPosition{}), now, {});  // from its first record
    }
  }
}

void Consumer::processed(Time at, std::span<const RecordSlice> slices) {
  uint64_t total = 0;
  for (const RecordSlice& s : slices) {
    const uint64_t n = units(s);
    total += n;
    record_spread(end_to_end_us_, at, s, n, s.mean_write_delay());
  }
  held_ -= total;
  counts_.processed += total;
  if (total > 0) metrics_.add(series_processed_, at, static_cast<double>(total));
}

void Consumer::discarded(std::span<const RecordSlice> slices) {
  uint64_t total = 0;
  for (const RecordSlice& s : slices) total += units(s);
  held_ -= total;
  counts_.discarded += total;
}

void Consumer::lost_while_held(core::ShardIndex shard, std::span<const RecordSlice> slices) {
  uint64_t total = 0;
  for (const RecordSlice& s : slices) total += units(s);
  held_ -= total;
  if (lost_held_.size() <= shard) lost_held_.resize(std::size_t{shard} + 1, 0);
  lost_held_[shard] += total;
}

void Consumer::finish(Time end) {
  grow_to_stream();
  consumer_shard_hours_ = registered_at_ < end ? stream_.shard_hours(registered_at_, end) : 0.0;
  ConsumerCounts& c = counts_;
  c.in_scope = c.pending = c.lost_to_retention = 0;
  c.records_read = c.user_records_read = c.bytes_read = 0;
  c.get_records_calls = c.throttled_calls = c.empty_calls = 0;
  c.get_shard_iterator_calls = c.expired_iterators = 0;
  c.subscribe_calls = c.subscribe_refused = c.events = 0;
  lost_by_shard_.clear();
  const auto unit = [&](uint64_t records, uint64_t user_records) {
    return kind_.deaggregates ? user_records : records;
  };
  std::vector<uint64_t> lost(stream_.shard_count(), 0);
  for (const ShardReader& r : readers_) {
    const ShardReadBooks& b = r.books();
    const ShardPosition tip = stream_.retention(r.shard()).tip();
    c.in_scope += unit(tip.sequence - b.scope_start.sequence,
                       tip.user_records_before - b.scope_start.user_records_before);
    c.pending += unit(tip.sequence - b.frontier.sequence,
                      tip.user_records_before - b.frontier.user_records_before);
    lost[r.shard()] = unit(b.lost_records, b.lost_user_records);
    c.lost_to_retention += lost[r.shard()];
    c.records_read += b.records_read;
    c.user_records_read += b.user_records_read;
    c.bytes_read += b.bytes_read;
    c.get_records_calls += b.calls;
    c.throttled_calls += b.throttled;
    c.empty_calls += b.empty;
    c.get_shard_iterator_calls += b.iterator_calls;
    c.expired_iterators += b.expired_iterators;
    c.subscribe_calls += b.subscribe_calls;
    c.subscribe_refused += b.subscribe_refused;
    c.events += b.events;
  }
  c.registration_refused = registration_refused_;
  // Shards created after it began that it has not reached: in scope from their first record.
  if (begun_) {
    for (std::size_t s = shards_at_begin_; s < stream_.shard_count(); ++s) {
      if (reader_of_[s] >= 0) continue;
      const ShardPosition tip = stream_.retention(static_cast<core::ShardIndex>(s)).tip();
      c.in_scope += unit(tip.sequence, tip.user_records_before);
      c.pending += unit(tip.sequence, tip.user_records_before);
    }
  }
  c.pending += held_;
  for (std::size_t s = 0; s < lost_held_.size() && s < lost.size(); ++s) {
    lost[s] += lost_held_[s];
    c.lost_to_retention += lost_held_[s];
  }
  for (std::size_t s = 0; s < lost.size(); ++s) {
    if (lost[s] > 0) {
      lost_by_shard_.push_back(
          {core::ShardMap::shard_id(static_cast<core::ShardIndex>(s)), lost[s]});
    }
  }
}

ConsumerResult Consumer::result() const {
  ConsumerResult r;
  r.name = config_.name;
  r.type = kind_.type;
  r.unit = kind_.deaggregates ? "user records" : "Kinesis records";
  r.initial_position = std::string(initial_position_name(reader_.initial_position));
  r.polling = reader_.retrieval == Retrieval::kPolling;
  r.retrieval = std::string(retrieval_name(reader_.retrieval));
  // The calls it makes to an idle shard: one per interval, or, paced by the last reply, one per
  // wait after an empty reply plus the call's mean latency.
  const double interval = reader_.paced_by_reply ? reader_.after_empty_wait.to_seconds() +
                                                       sim::mean_of(config_.read_latency)
                                                 : reader_.poll_interval.to_seconds();
  r.calls_per_sec_per_shard = r.polling ? 1.0 / interval : 0.0;
  r.registered_at = registered_at_;
  r.consumer_shard_hours = consumer_shard_hours_;
  r.start = config_.start;
  r.counts = counts_;
  r.lost_by_shard = lost_by_shard_;
  r.millis_behind_ms = behind_ms_;
  r.end_to_end_us = end_to_end_us_;
  r.propagation_us = propagation_us_;
  r.series_read = series_read_.row;
  r.series_processed = series_processed_.row;
  r.series_throttled = series_throttled_.row;
  r.series_behind = series_behind_.row;
  add_details(r);
  if (child_records_read_ > 0) {
    r.details.emplace_back("ChildRecordsRead", static_cast<double>(child_records_read_));
    r.details.emplace_back("ChildRecordsReadBeforeParentsDone",
                           static_cast<double>(child_records_before_parents_));
  }
  return r;
}

void Consumer::report(ClientResults& out, const Stream& /*stream*/, uint32_t /*top_n*/) {
  out.consumers.push_back(result());
}

}  // namespace kinesim::models
