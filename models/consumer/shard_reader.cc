#include "models/consumer/shard_reader.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "models/consumer/reader_config.h"

namespace kinesim::models {

using sim::Duration;
using sim::Time;

ShardReader::ShardReader(const ReaderContext& ctx, core::ShardIndex shard,
                         ShardPosition scope_start)
    : ctx_(ctx), shard_(shard), pushed_to_(scope_start) {
  books_.scope_start = scope_start;
  books_.next = scope_start;
  books_.frontier = scope_start;
}

template <typename Fn>
void ShardReader::schedule(Time at, Fn fn) {
  ctx_.engine.schedule(at, [this, generation = generation_, fn] {
    if (generation == generation_) fn();
  });
}

void ShardReader::stop(ShardPosition frontier) {
  ++generation_;
  state_ = State::kWaiting;
  // A stopped reader pushes no more: the stream's next arrival finds nothing waiting for it.
  push_blocked_ = waiting_for_arrival_ = false;
  if (frontier.sequence < books_.frontier.sequence) books_.frontier = frontier;
}

void ShardReader::restart_at(Time at, ShardPosition from) {
  ++generation_;
  books_.next = from;
  // Enhanced fan-out: pushes on their way to the stopped reader are dropped (re-read from `from`).
  pushed_to_ = from;
  in_flight_.clear();
  busy_until_ = Time::zero();
  push_blocked_ = waiting_for_arrival_ = false;
  start(at);
}

void ShardReader::start(Time at, Duration first_poll_delay) {
  state_ = State::kReading;
  first_poll_delay_ = first_poll_delay;
  if (ctx_.config.retrieval == Retrieval::kFanOut) {
    schedule(at, [this] { subscribe(); });
  } else {
    schedule(at, [this] { request_iterator(); });
  }
}

void ShardReader::subscribe() {
  const Time now = ctx_.engine.now();
  ++books_.subscribe_calls;
  const SubscribeReply reply =
      ctx_.stream.subscribe_to_shard(now, ctx_.consumer, shard_, resume_position(pushed_to_));
  const Time back = now + ctx_.latency.sample(ctx_.rng);
  switch (reply.outcome) {
    case ReadOutcome::kOk:
      subscription_ends_ = reply.ends_at;
      schedule(back, [this] { push(); });
      return;
    case ReadOutcome::kResourceInUse:
    case ReadOutcome::kLimitExceeded:
      ++books_.subscribe_refused;
      schedule(now + ctx_.config.resubscribe_wait, [this] { subscribe(); });
      return;
    case ReadOutcome::kResourceNotFound:
      // The shard expired; what is still on its way arrives first.
      schedule(now + ctx_.stream.efo_propagation(), [this] { expired_shard(ctx_.engine.now()); });
      return;
    default:
      throw std::logic_error("shard reader: SubscribeToShard failed with " +
                             std::string(aws_error_name(reply.outcome)));
  }
}

void ShardReader::push() {
  const Time now = ctx_.engine.now();
  if (held_ || in_flight_.size() >= kMaxInFlight || (now < busy_until_ && !in_flight_.empty())) {
    push_blocked_ = true;  // on_push (or resume) pushes again once the consumer is ready
    return;
  }
  if (now < busy_until_) {
    // Still processing, and no push on its way whose delivery would push again: the next push
    // goes when the processing ends.
    schedule(busy_until_, [this] { push(); });
    return;
  }
  push_blocked_ = false;
  if (now >= subscription_ends_) {
    // KCL subscribes again as soon as a subscription completes; it pushes once that is up.
    subscribe();
    return;
  }
  last_call_ = now;
  SubscribeToShardEvent event = ctx_.stream.efo_read(now, ctx_.consumer, shard_, pushed_to_,
                                                     std::numeric_limits<uint64_t>::max());
  switch (event.outcome) {
    case ReadOutcome::kOk:
      break;
    case ReadOutcome::kSubscriptionEnded:
    case ReadOutcome::kResourceNotFound:  // an expired shard: subscribe() finds out
      subscribe();
      return;
    default:
      throw std::logic_error("shard reader: SubscribeToShardEvent failed with " +
                             std::string(aws_error_name(event.outcome)));
  }
  pushed_to_ = event.batch.next;
  const bool last = event.batch.shard_end;
  in_flight_.push_back(std::move(event));
  schedule(now + ctx_.stream.efo_propagation(), [this] { on_push(); });
  if (!last) next_push(now + ctx_.config.push_gap);
}

void ShardReader::on_push() {
  const Time now = ctx_.engine.now();
  if (held_) {
    ++parked_;  // delivered once resume() comes, in order
    return;
  }
  if (now < busy_until_) {
    // Still processing the previous batch: this one waits (in order: every push takes the same
    // propagation delay).
    schedule(busy_until_, [this] { on_push(); });
    return;
  }
  const SubscribeToShardEvent event = std::move(in_flight_.front());
  in_flight_.pop_front();
  ++books_.events;
  const Time ready = take(now, event.batch);
  if (ready == kHold) {
    // The consumer holds the shard (Lambda retrying a batch): no push until resume().
    held_ = true;
    held_at_end_ = event.batch.shard_end;
    return;
  }
  busy_until_ = ready;
  if (event.batch.shard_end) {
    schedule(ready, [this] { end_of_shard(ctx_.engine.now()); });
    return;
  }
  if (push_blocked_) {
    push_blocked_ = false;
    schedule(ready, [this] { push(); });
  }
}

void ShardReader::next_push(Time at) {
  const bool more = pushed_to_.sequence < ctx_.stream.next_sequence(shard_) ||
                    !ctx_.stream.map().shards()[shard_].open;
  if (more) {
    schedule(at, [this] { push(); });
    return;
  }
  waiting_for_arrival_ = true;
  if (!listening_) {
    listening_ = true;
    ctx_.stream.notify_on_arrival(shard_, *this);
  }
  // An idle subscription is still renewed when it ends.
  if (renewal_at_ != subscription_ends_) {
    renewal_at_ = subscription_ends_;
    schedule(subscription_ends_, [this] { wake(); });
  }
}

void ShardReader::on_arrival(Time now, core::ShardIndex /*shard*/) {
  // Called from inside the stream: the push is an event of its own, after the request that
  // landed the records.
  listening_ = false;
  if (!waiting_for_arrival_) return;  // stopped since it listened
  schedule(std::max(now, last_call_ + ctx_.config.push_gap), [this] { wake(); });
}

void ShardReader::wake() {
  if (!waiting_for_arrival_) return;
  waiting_for_arrival_ = false;
  push();
}

StartingPosition ShardReader::resume_position(const ShardPosition& next) const {
  const uint64_t at = next.sequence;
  if (at < ctx_.stream.next_sequence(shard_)) return StartingPosition::at_sequence(at);
  if (at > 0) return StartingPosition::after_sequence(at - 1);
  return StartingPosition::trim_horizon();
}

void ShardReader::request_iterator() {
  const Time now = ctx_.engine.now();
  ++books_.iterator_calls;
  const GetShardIteratorReply reply =
      ctx_.stream.get_shard_iterator(now, shard_, resume_position(books_.next));
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
      schedule(now + backoff(), [this] { request_iterator(); });
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
  schedule(std::max(at, ctx_.engine.now()), [this] { poll(); });
}

void ShardReader::poll() {
  const Time now = ctx_.engine.now();
  last_call_ = now;
  ++books_.calls;
  reply_ = ctx_.stream.get_records(now, iterator_, ctx_.config.limit);
  const Duration latency = ctx_.latency.sample(ctx_.rng);
  ctx_.stream.record_get_records_latency(now, latency);
  schedule(now + latency, [this] { on_reply(); });
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
  const Time ready = take(now, b);
  if (ready == kHold) {
    held_ = true;
    held_at_end_ = b.shard_end;
    if (!b.shard_end) iterator_ = *reply_.next_iterator;
    return;
  }
  if (b.shard_end) {
    // Parents first: the children start once this shard's last batch is processed.
    schedule(ready, [this] { end_of_shard(ctx_.engine.now()); });
    return;
  }
  iterator_ = *reply_.next_iterator;
  const ReaderConfig& c = ctx_.config;
  if (c.paced_by_reply) {
    schedule_poll(b.records > 0 ? ready + c.after_records_wait : now + c.after_empty_wait);
    return;
  }
  if (c.fetch_while_behind && last_behind_) {
    schedule_poll(ready);
    return;
  }
  schedule_poll(std::max(last_call_ + c.poll_interval, ready));
}

Time ShardReader::take(Time now, const ReadBatch& b) {
  // Trimmed records end where the served ones begin; those before the frontier were counted
  // (processed, held or lost) when first read.
  const uint64_t trim_end = b.next.sequence - b.records;
  const uint64_t trim_end_user = b.next.user_records_before - b.user_records;
  if (trim_end > books_.frontier.sequence) {
    const uint64_t from = std::max(books_.next.sequence, books_.frontier.sequence);
    const uint64_t from_user =
        std::max(books_.next.user_records_before, books_.frontier.user_records_before);
    books_.lost_records += trim_end - from;
    books_.lost_user_records += trim_end_user - std::min(trim_end_user, from_user);
  }
  books_.records_read += b.records;
  books_.user_records_read += b.user_records;
  books_.bytes_read += b.bytes;
  books_.next = b.next;
  ctx_.host.on_served(*this, now, b);
  // After on_served, which tells the fresh records (beyond the frontier) from re-read ones.
  if (b.next.sequence > books_.frontier.sequence) books_.frontier = b.next;
  last_behind_ = b.behind_latest > Duration();
  if (b.records == 0) {
    ++books_.empty;
    return now;
  }
  return std::max(now, ctx_.host.on_batch(*this, now, b));
}

void ShardReader::resume(Time at) {
  if (!held_) return;
  held_ = false;
  if (held_at_end_) {
    schedule(std::max(at, ctx_.engine.now()), [this] { end_of_shard(ctx_.engine.now()); });
  } else if (ctx_.config.retrieval == Retrieval::kFanOut) {
    // Pushes that arrived while held are delivered first, in order, then pushing goes on.
    busy_until_ = std::max(at, ctx_.engine.now());
    for (; parked_ > 0; --parked_) schedule(busy_until_, [this] { on_push(); });
    if (push_blocked_) {
      push_blocked_ = false;
      schedule(busy_until_, [this] { push(); });
    }
  } else if (ctx_.config.fetch_while_behind && last_behind_) {
    schedule_poll(at);
  } else {
    schedule_poll(std::max(last_call_ + ctx_.config.poll_interval, at));
  }
}

void ShardReader::expired_shard(Time now) {
  const ShardPosition tip = ctx_.stream.retention(shard_).tip();
  const ShardPosition& from =
      books_.frontier.sequence > books_.next.sequence ? books_.frontier : books_.next;
  books_.lost_records += tip.sequence - from.sequence;
  books_.lost_user_records += tip.user_records_before - from.user_records_before;
  books_.next = tip;
  books_.frontier = tip;
  schedule(now, [this] { end_of_shard(ctx_.engine.now()); });
}

void ShardReader::end_of_shard(Time at) {
  state_ = State::kDone;
  ctx_.host.on_shard_end(*this, at);
}

}  // namespace kinesim::models
