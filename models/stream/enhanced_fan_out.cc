#include "models/stream/enhanced_fan_out.h"

#include <utility>

namespace kinesim::models {

using sim::Duration;
using sim::Time;

EnhancedFanOut::EnhancedFanOut(const core::EfoLimits& limits, Duration registration_time,
                               uint64_t push_depth_bytes)
    : limits_(limits),
      registration_time_(registration_time),
      push_depth_bytes_(push_depth_bytes),
      register_calls_(limits.register_calls_per_sec, limits.register_calls_per_sec) {}

RegisterConsumerReply EnhancedFanOut::register_consumer(Time now, std::string name,
                                                        uint32_t max_consumers) {
  register_calls_.refill(now);
  if (!register_calls_.has(1)) return {ReadOutcome::kLimitExceeded, 0, {}};
  register_calls_.take(1);
  if (find(name)) return {ReadOutcome::kResourceInUse, 0, {}};
  if (registered_ >= max_consumers || creating_count(now) >= limits_.max_consumers_creating) {
    return {ReadOutcome::kLimitExceeded, 0, {}};
  }
  const auto id = static_cast<ConsumerId>(consumers_.size());
  consumers_.push_back({std::move(name), now + registration_time_, false, {}});
  ++registered_;
  return {ReadOutcome::kOk, id, consumers_.back().active_at};
}

ReadOutcome EnhancedFanOut::deregister_consumer(ConsumerId consumer) {
  if (!registered(consumer)) return ReadOutcome::kResourceNotFound;
  consumers_[consumer].deleted = true;
  consumers_[consumer].shards.clear();
  --registered_;
  return ReadOutcome::kOk;
}

bool EnhancedFanOut::registered(ConsumerId consumer) const {
  return consumer < consumers_.size() && !consumers_[consumer].deleted;
}

ConsumerStatus EnhancedFanOut::status(Time now, ConsumerId consumer) const {
  if (!registered(consumer)) return ConsumerStatus::kDeleted;
  return now < consumers_[consumer].active_at ? ConsumerStatus::kCreating : ConsumerStatus::kActive;
}

std::optional<ConsumerId> EnhancedFanOut::find(std::string_view name) const {
  for (std::size_t i = 0; i < consumers_.size(); ++i) {
    if (!consumers_[i].deleted && consumers_[i].name == name) return static_cast<ConsumerId>(i);
  }
  return std::nullopt;
}

uint32_t EnhancedFanOut::creating_count(Time now) const {
  uint32_t n = 0;
  for (const Consumer& c : consumers_) n += !c.deleted && now < c.active_at ? 1u : 0u;
  return n;
}

EnhancedFanOut::Subscription& EnhancedFanOut::pair(ConsumerId consumer, core::ShardIndex shard) {
  std::vector<Subscription>& shards = consumers_[consumer].shards;
  if (shard >= shards.size()) shards.resize(std::size_t{shard} + 1);
  return shards[shard];
}

const EnhancedFanOut::Subscription* EnhancedFanOut::find_pair(ConsumerId consumer,
                                                              core::ShardIndex shard) const {
  if (!registered(consumer)) return nullptr;
  const std::vector<Subscription>& shards = consumers_[consumer].shards;
  return shard < shards.size() && shards[shard].called ? &shards[shard] : nullptr;
}

ReadOutcome EnhancedFanOut::subscribe(Time now, ConsumerId consumer, core::ShardIndex shard) {
  if (!registered(consumer)) return ReadOutcome::kResourceNotFound;
  Subscription& s = pair(consumer, shard);
  if (!s.called) {
    s.called = true;
    s.calls =
        IntegerTokenBucket(limits_.subscribe_calls_per_sec, limits_.subscribe_calls_per_sec, now);
    s.push = IntegerTokenBucket(limits_.bytes_per_sec_per_consumer_shard, push_depth_bytes_, now);
  }
  s.calls.refill(now);
  if (!s.calls.has(1)) return ReadOutcome::kLimitExceeded;
  s.calls.take(1);
  if (status(now, consumer) != ConsumerStatus::kActive) return ReadOutcome::kResourceInUse;
  if (s.last_success != Time::max() &&
      now - s.last_success < Duration::millis(limits_.resubscribe_after_ms)) {
    return ReadOutcome::kResourceInUse;
  }
  s.last_success = now;
  s.ends_at = now + Duration::millis(limits_.subscription_lifetime_ms);
  return ReadOutcome::kOk;
}

ReadOutcome EnhancedFanOut::subscription(Time now, ConsumerId consumer,
                                         core::ShardIndex shard) const {
  const Subscription* s = find_pair(consumer, shard);
  if (s == nullptr || s->last_success == Time::max()) return ReadOutcome::kResourceNotFound;
  return now < s->ends_at ? ReadOutcome::kOk : ReadOutcome::kSubscriptionEnded;
}

Time EnhancedFanOut::subscription_ends_at(ConsumerId consumer, core::ShardIndex shard) const {
  const Subscription* s = find_pair(consumer, shard);
  return s == nullptr ? Time::zero() : s->ends_at;
}

uint64_t EnhancedFanOut::push_budget(Time now, ConsumerId consumer, core::ShardIndex shard) {
  Subscription& s = pair(consumer, shard);
  s.push.refill(now);
  return s.push.in_debt() ? 0 : static_cast<uint64_t>(s.push.tokens());
}

void EnhancedFanOut::charge(ConsumerId consumer, core::ShardIndex shard, uint64_t bytes) {
  pair(consumer, shard).push.take(bytes);
}

}  // namespace kinesim::models
