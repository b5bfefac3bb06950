// The stream's read side (SPEC §4): GetShardIterator, GetRecords against the shard's shared
// limits, enhanced fan-out, and their CloudWatch metrics (SPEC §9). The pure parts live in
// retention.h (positions, reads), read_limits.h (the shared limits) and enhanced_fan_out.h
// (consumers and subscriptions); this file wires them to a shard and records the metrics.
#include <algorithm>
#include <limits>

#include "models/stream/stream.h"

namespace kinesim::models {

using sim::Duration;
using sim::Time;

bool Stream::readable(core::ShardIndex shard) const {
  return shard < shards_.size() && !shards_[shard].expired;
}

Stream::ShardReadState& Stream::read_state(core::ShardIndex shard, Time now) {
  if (reads_.size() < shards_.size()) reads_.resize(shards_.size());
  ShardReadState& r = reads_[shard];
  if (!r.started) {
    // Buckets start full: a shard nobody has read has its whole allowance.
    const core::ShardReadLimits& l = config_.read.polling;
    r.started = true;
    r.limiter = ShardReadLimiter(l, config_.read.enforce_records_per_sec, now);
    r.iterator_calls = IntegerTokenBucket(l.get_shard_iterator_calls_per_sec,
                                          l.burst_get_shard_iterator_calls, now);
  }
  return r;
}

void Stream::add_read_series() {
  if (!has_read_series_) {
    const std::string p = config_.name + "/";
    read_series_.success = metrics_.add_counter(p + "GetRecords.Success");
    read_series_.bytes = metrics_.add_counter(p + "GetRecords.Bytes");
    read_series_.records = metrics_.add_counter(p + "GetRecords.Records");
    read_series_.latency_sum_ms = metrics_.add_counter(p + "GetRecords.Latency.Sum");
    read_series_.iterator_age_ms = metrics_.add_gauge(p + "GetRecords.IteratorAgeMilliseconds");
    read_series_.throttled = metrics_.add_counter(p + "ReadProvisionedThroughputExceeded");
    has_read_series_ = true;
  }
}

void Stream::add_shard_read_series(core::ShardIndex shard) {
  ShardSeries& s = shards_[shard].series;
  if (!s.has_read_series) {
    const std::string id = core::ShardMap::shard_id(shard) + "/";
    s.outgoing_bytes = metrics_.add_counter(id + "OutgoingBytes");
    s.outgoing_records = metrics_.add_counter(id + "OutgoingRecords");
    s.read_throttled = metrics_.add_counter(id + "ReadProvisionedThroughputExceeded");
    s.iterator_age_ms = metrics_.add_gauge(id + "IteratorAgeMilliseconds");
    s.has_read_series = true;
  }
}

EnhancedFanOut& Stream::efo() {
  if (!efo_) {
    // The push bucket holds at least the largest record, so any record can be pushed.
    const core::EfoLimits& l = config_.read.efo;
    efo_.emplace(l, Duration::millis(l.registration_ms),
                 std::max(l.burst_bytes_per_consumer_shard, config_.max_record_bytes));
  }
  return *efo_;
}

ReadOutcome Stream::resolve(core::ShardIndex shard, const StartingPosition& at,
                            ShardPosition& out) {
  const ShardState& state = settled(shard);
  const RetentionLog& log = state.retention;
  const uint64_t issued = state.next_sequence;
  switch (at.type) {
    case ShardIteratorType::kTrimHorizon:
      out = log.oldest();
      return ReadOutcome::kOk;
    case ShardIteratorType::kLatest:
      out = log.tip();
      return ReadOutcome::kOk;
    case ShardIteratorType::kAtSequenceNumber:
      if (at.sequence >= issued) return ReadOutcome::kInvalidArgument;
      out = log.position_of(at.sequence);
      return ReadOutcome::kOk;
    case ShardIteratorType::kAfterSequenceNumber:
      if (at.sequence >= issued) return ReadOutcome::kInvalidArgument;
      out = log.position_of(at.sequence + 1);
      return ReadOutcome::kOk;
    case ShardIteratorType::kAtTimestamp:
      out = log.position_at(at.timestamp);
      return ReadOutcome::kOk;
  }
  return ReadOutcome::kInvalidArgument;
}

GetShardIteratorReply Stream::get_shard_iterator(Time now, core::ShardIndex shard,
                                                 const StartingPosition& at) {
  GetShardIteratorReply reply;
  if (!readable(shard)) {
    reply.outcome = ReadOutcome::kResourceNotFound;
    return reply;
  }
  ShardReadState& r = read_state(shard, now);
  r.iterator_calls.refill(now);
  if (!r.iterator_calls.has(1)) {
    reply.outcome = ReadOutcome::kThrottled;
    return reply;
  }
  r.iterator_calls.take(1);
  reply.outcome = resolve(shard, at, reply.iterator.position);
  reply.iterator.shard = shard;
  reply.iterator.issued_at = now;
  return reply;
}

ReadBatch Stream::read_batch(Time now, core::ShardIndex shard, const ShardPosition& from,
                             uint64_t max_records, uint64_t max_bytes) {
  const RetentionLog& log = settled(shard).retention;
  ReadBatch b;
  const LogRead read = log.read(from, max_records, max_bytes, &b.slices);
  b.records = read.records;
  b.user_records = read.user_records;
  b.bytes = read.bytes;
  b.next = read.next;
  b.trimmed_records = read.trimmed_records;
  b.trimmed_user_records = read.trimmed_user_records;
  if (read.next.sequence < log.tip().sequence) {
    b.behind_latest = std::max(Duration(), now - log.arrival_of(read.next.sequence));
  } else if (!map_.shards()[shard].open) {
    b.shard_end = true;
    b.child_shards = map_.children(shard);
  }
  b.iterator_age =
      b.slices.empty() ? b.behind_latest : std::max(Duration(), now - b.slices.back().last_arrival);
  const ShardSeries& s = shards_[shard].series;
  if (b.records > 0) {
    metrics_.add(s.outgoing_bytes, now, static_cast<double>(b.bytes));
    metrics_.add(s.outgoing_records, now, static_cast<double>(b.records));
  }
  return b;
}

GetRecordsReply Stream::get_records(Time now, const ShardIterator& iterator, uint32_t limit) {
  GetRecordsReply reply;
  const core::ShardIndex shard = iterator.shard;
  const core::ShardReadLimits& l = config_.read.polling;
  if (!readable(shard)) {
    reply.outcome = ReadOutcome::kResourceNotFound;
    return reply;
  }
  // An expired iterator or a bad Limit is refused before it counts against the shard's calls.
  if (now - iterator.issued_at >= Duration::millis(l.iterator_lifetime_ms)) {
    reply.outcome = ReadOutcome::kExpiredIterator;
    return reply;
  }
  if (limit < 1 || limit > l.max_records_per_call) {
    reply.outcome = ReadOutcome::kInvalidArgument;
    return reply;
  }
  ShardReadState& r = read_state(shard, now);
  add_read_series();
  add_shard_read_series(shard);
  const ReadGrant grant = r.limiter.admit(now, limit);
  if (!grant.admitted) {
    reply.outcome = ReadOutcome::kThrottled;
    metrics_.add(read_series_.throttled, now);
    metrics_.add(shards_[shard].series.read_throttled, now);
    return reply;
  }
  reply.batch = read_batch(now, shard, iterator.position, grant.max_records, grant.max_bytes);
  r.limiter.charge(reply.batch.records, reply.batch.bytes);
  if (!reply.batch.shard_end) reply.next_iterator = ShardIterator{shard, reply.batch.next, now};
  metrics_.add(read_series_.success, now);
  if (reply.batch.records > 0) {
    metrics_.add(read_series_.bytes, now, static_cast<double>(reply.batch.bytes));
    metrics_.add(read_series_.records, now, static_cast<double>(reply.batch.records));
  }
  // Gauges keep the largest value of each bucket: the stream's is the oldest shard's.
  const double age_ms = reply.batch.iterator_age.to_millis();
  metrics_.set(read_series_.iterator_age_ms, now, age_ms);
  metrics_.set(shards_[shard].series.iterator_age_ms, now, age_ms);
  return reply;
}

void Stream::record_get_records_latency(Time now, Duration latency) {
  add_read_series();
  metrics_.add(read_series_.latency_sum_ms, now, latency.to_millis());
}

RegisterConsumerReply Stream::register_consumer(Time now, const std::string& name) {
  const core::EfoLimits& l = config_.read.efo;
  const uint32_t max =
      mode_ == CapacityMode::kOnDemandAdvantage ? l.max_consumers_advantage : l.max_consumers;
  const RegisterConsumerReply reply = efo().register_consumer(now, name, max);
  if (reply.outcome == ReadOutcome::kOk) {
    // CloudWatch's ConsumerName dimension: one set of series per consumer, named after it.
    const std::string p = name + "/";
    consumer_series_.resize(std::size_t{reply.consumer} + 1);
    ConsumerSeries& c = consumer_series_[reply.consumer];
    c.subscribe_success = metrics_.add_counter(p + "SubscribeToShard.Success");
    c.subscribe_rate_exceeded = metrics_.add_counter(p + "SubscribeToShard.RateExceeded");
    c.event_bytes = metrics_.add_counter(p + "SubscribeToShardEvent.Bytes");
    c.event_records = metrics_.add_counter(p + "SubscribeToShardEvent.Records");
    c.event_success = metrics_.add_counter(p + "SubscribeToShardEvent.Success");
    c.event_millis_behind = metrics_.add_gauge(p + "SubscribeToShardEvent.MillisBehindLatest");
  }
  return reply;
}

ReadOutcome Stream::deregister_consumer(ConsumerId consumer) {
  return efo().deregister_consumer(consumer);
}

ConsumerStatus Stream::consumer_status(Time now, ConsumerId consumer) const {
  return efo_ ? efo_->status(now, consumer) : ConsumerStatus::kDeleted;
}

SubscribeReply Stream::subscribe_to_shard(Time now, ConsumerId consumer, core::ShardIndex shard,
                                          const StartingPosition& at) {
  SubscribeReply reply;
  EnhancedFanOut& e = efo();
  if (!readable(shard) || !e.registered(consumer)) {
    reply.outcome = ReadOutcome::kResourceNotFound;
    return reply;
  }
  reply.outcome = resolve(shard, at, reply.position);
  if (reply.outcome != ReadOutcome::kOk) return reply;
  reply.outcome = e.subscribe(now, consumer, shard);
  const ConsumerSeries& c = consumer_series_[consumer];
  if (reply.outcome == ReadOutcome::kLimitExceeded) metrics_.add(c.subscribe_rate_exceeded, now);
  if (reply.outcome == ReadOutcome::kOk) {
    metrics_.add(c.subscribe_success, now);
    reply.ends_at = e.subscription_ends_at(consumer, shard);
  }
  return reply;
}

SubscribeToShardEvent Stream::efo_read(Time now, ConsumerId consumer, core::ShardIndex shard,
                                       const ShardPosition& from, uint64_t max_bytes) {
  SubscribeToShardEvent event;
  if (!readable(shard) || !efo_) {
    event.outcome = ReadOutcome::kResourceNotFound;
    return event;
  }
  event.outcome = efo_->subscription(now, consumer, shard);
  if (event.outcome != ReadOutcome::kOk) return event;
  add_shard_read_series(shard);
  const uint64_t budget = std::min(max_bytes, efo_->push_budget(now, consumer, shard));
  event.batch = read_batch(now, shard, from, std::numeric_limits<uint64_t>::max(), budget);
  efo_->charge(consumer, shard, event.batch.bytes);
  const ConsumerSeries& c = consumer_series_[consumer];
  metrics_.add(c.event_success, now);
  if (event.batch.records > 0) {
    metrics_.add(c.event_bytes, now, static_cast<double>(event.batch.bytes));
    metrics_.add(c.event_records, now, static_cast<double>(event.batch.records));
  }
  metrics_.set(c.event_millis_behind, now,  // whole milliseconds, as the event carries it
               static_cast<double>(event.batch.behind_latest.count_nanos() / 1'000'000));
  return event;
}

}  // namespace kinesim::models
