#include "models/consumer/shard_reader.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "models/consumer/reader_config.h"

namespace kinesim::models {

using sim::Duration;
using sim::Time;

ShardReader::ShardReader(const ReaderContext& ctx, core::ShardIndex shard,
                         ShardPosition scope_start)
    : ctx_(ctx), shard_(shard) {
  books_.scope_start = scope_start;
  books_.next = scope_start;
}

void ShardReader::start(Time at, Duration first_poll_delay) {
  state_ = State::kReading;
  first_poll_delay_ = first_poll_delay;
  ctx_.engine.schedule(at, [this] { request_iterator(); });
}

StartingPosition ShardReader::resume_position() const {
  const uint64_t at = books_.next.sequence;
  if (at < ctx_.stream.next_sequence(shard_)) return StartingPosition::at_sequence(at);
  if (at > 0) return StartingPosition::after_sequence(at - 1);
  return StartingPosition::trim_horizon();
}

void ShardReader::request_iterator() {
  const Time now = ctx_.engine.now();
  ++books_.iterator_calls;
  const GetShardIteratorReply reply =
      ctx_.stream.get_shard_iterator(now, shard_, resume_position());
  const Time back = now + ctx_.latency.sample(ctx_.rng);
  switch (reply.outcome) {
    case ReadOutcome::kOk:
      iterator_ = reply.iterator;
      // The stream can only estimate the amounts before a trimmed sequence number; the reader
      // carries them exactly.
      iterator_.position = books_.next;
      schedule_poll(back + first_poll_delay_);
      first_poll_delay_ = Duration();
      return;
    case ReadOutcome::kThrottled:
      ctx_.engine.schedule(now + backoff(), [this] { request_iterator(); });
      return;
    case ReadOutcome::kResourceNotFound:
      expired_shard(back);
      return;
    default:
      throw std::logic_error("shard reader: GetShardIterator failed with " +
                             std::string(aws_error_name(reply.outcome)));
  }
}

Duration ShardReader::backoff() {
  const double interval = ctx_.config.poll_interval.to_seconds();
  return Duration::from_seconds(interval * ctx_.rng.uniform(0.5, 1.5));
}

void ShardReader::schedule_poll(Time at) {
  ctx_.engine.schedule(std::max(at, ctx_.engine.now()), [this] { poll(); });
}

void ShardReader::poll() {
  const Time now = ctx_.engine.now();
  last_call_ = now;
  ++books_.calls;
  reply_ = ctx_.stream.get_records(now, iterator_, ctx_.config.limit);
  const Duration latency = ctx_.latency.sample(ctx_.rng);
  ctx_.stream.record_get_records_latency(now, latency);
  ctx_.engine.schedule(now + latency, [this] { on_reply(); });
}

void ShardReader::on_reply() {
  const Time now = ctx_.engine.now();
  switch (reply_.outcome) {
    case ReadOutcome::kOk:
      break;
    case ReadOutcome::kThrottled:
      ++books_.throttled;
      ctx_.host.on_throttled(*this, now);
      schedule_poll(last_call_ + backoff());
      return;
    case ReadOutcome::kExpiredIterator:
      ++books_.expired_iterators;
      request_iterator();
      return;
    case ReadOutcome::kResourceNotFound:
      expired_shard(now);
      return;
    default:
      throw std::logic_error("shard reader: GetRecords failed with " +
                             std::string(aws_error_name(reply_.outcome)));
  }
  const ReadBatch& b = reply_.batch;
  books_.lost_records += b.trimmed_records;
  books_.lost_user_records += b.trimmed_user_records;
  books_.records_read += b.records;
  books_.user_records_read += b.user_records;
  books_.bytes_read += b.bytes;
  books_.next = b.next;
  ctx_.host.on_served(*this, now, b);
  Time ready = now;
  last_behind_ = b.behind_latest > Duration();
  if (b.records > 0) {
    ready = std::max(now, ctx_.host.on_batch(*this, now, b));
  } else {
    ++books_.empty;
  }
  if (ready == kHold) {
    held_ = true;
    held_at_end_ = b.shard_end;
    if (!b.shard_end) iterator_ = *reply_.next_iterator;
    return;
  }
  if (b.shard_end) {
    // Parents first: the children start once this shard's last batch is processed.
    ctx_.engine.schedule(ready, [this] { end_of_shard(ctx_.engine.now()); });
    return;
  }
  iterator_ = *reply_.next_iterator;
  if (ctx_.config.fetch_while_behind && last_behind_) {
    schedule_poll(ready);
  } else {
    schedule_poll(std::max(last_call_ + ctx_.config.poll_interval, ready));
  }
}

void ShardReader::resume(Time at) {
  if (!held_) return;
  held_ = false;
  if (held_at_end_) {
    ctx_.engine.schedule(std::max(at, ctx_.engine.now()),
                         [this] { end_of_shard(ctx_.engine.now()); });
  } else if (ctx_.config.fetch_while_behind && last_behind_) {
    schedule_poll(at);
  } else {
    schedule_poll(std::max(last_call_ + ctx_.config.poll_interval, at));
  }
}

void ShardReader::expired_shard(Time now) {
  const ShardPosition tip = ctx_.stream.retention(shard_).tip();
  books_.lost_records += tip.sequence - books_.next.sequence;
  books_.lost_user_records += tip.user_records_before - books_.next.user_records_before;
  books_.next = tip;
  ctx_.engine.schedule(now, [this] { end_of_shard(ctx_.engine.now()); });
}

void ShardReader::end_of_shard(Time at) {
  state_ = State::kDone;
  ctx_.host.on_shard_end(*this, at);
}

}  // namespace kinesim::models
