// Enhanced fan-out as pure state (SPEC §4): the consumers registered on a stream and, per
// consumer and shard, the SubscribeToShard limits and a 2 MiB/s push bucket of its own. Steps
// take `now` and say what Kinesis would answer; the stream reads retention for the pushes.
//
// Registration takes `registration_time` (CREATING, then ACTIVE; assumed 5 s: AWS publishes no
// figure). Deregistration removes a consumer at once (DELETING is not modelled). The 5 calls/s
// RegisterStreamConsumer limit is per account in AWS; one stream stands for the account here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/core/limits.h"
#include "models/core/shard_map.h"
#include "models/stream/integer_token_bucket.h"
#include "models/stream/read_batch.h"
#include "models/stream/read_outcome.h"
#include "models/stream/retention.h"
#include "sim/time.h"

namespace kinesim::models {

using ConsumerId = uint32_t;  // registration order; never reused

enum class ConsumerStatus : uint8_t { kCreating, kActive, kDeleted };

struct RegisterConsumerReply {
  ReadOutcome outcome = ReadOutcome::kOk;
  ConsumerId consumer = 0;
  sim::Time active_at;  // when it turns ACTIVE
};

struct SubscribeReply {
  ReadOutcome outcome = ReadOutcome::kOk;
  ShardPosition position;  // where the pushes start (StartingPosition resolved)
  sim::Time ends_at;       // the subscription lasts until then; subscribe again after
};

// What one push of a subscription carries (Records, ContinuationSequenceNumber as batch.next,
// MillisBehindLatest, ChildShards at the end of a closed shard). A slow reader just lags: the
// push bucket never refuses, it gives less.
struct SubscribeToShardEvent {
  ReadOutcome outcome = ReadOutcome::kOk;
  ReadBatch batch;
};

class EnhancedFanOut {
 public:
  // `push_depth_bytes`: the per consumer-shard bucket's depth (at least the largest record).
  EnhancedFanOut(const core::EfoLimits& limits, sim::Duration registration_time,
                 uint64_t push_depth_bytes);

  // RegisterStreamConsumer: refused over 5 calls/s or with `max_consumers` registered or 5
  // CREATING (LimitExceededException), or when the name is taken (ResourceInUseException).
  RegisterConsumerReply register_consumer(sim::Time now, std::string name, uint32_t max_consumers);
  // DeregisterStreamConsumer; ResourceNotFound for an unknown or deleted consumer.
  ReadOutcome deregister_consumer(ConsumerId consumer);

  ConsumerStatus status(sim::Time now, ConsumerId consumer) const;
  bool registered(ConsumerId consumer) const;  // known and not deleted
  const std::string& name(ConsumerId consumer) const { return consumers_.at(consumer).name; }
  std::optional<ConsumerId> find(std::string_view name) const;
  // Consumers registered now (CREATING or ACTIVE).
  uint32_t consumer_count() const { return registered_; }
  uint32_t creating_count(sim::Time now) const;

  // SubscribeToShard: ResourceNotFound for an unknown consumer, ResourceInUse while it is
  // CREATING or within 5 s of the last success, LimitExceeded over 1 call/s for the pair. On
  // success the subscription (re)starts and lasts the subscription lifetime.
  ReadOutcome subscribe(sim::Time now, ConsumerId consumer, core::ShardIndex shard);
  // kOk while the pair's subscription lasts; kSubscriptionEnded after; kResourceNotFound when it
  // never subscribed or the consumer is gone.
  ReadOutcome subscription(sim::Time now, ConsumerId consumer, core::ShardIndex shard) const;
  sim::Time subscription_ends_at(ConsumerId consumer, core::ShardIndex shard) const;
  // Bytes the pair's push bucket may send now (2 MiB/s, unaffected by other consumers), and
  // what was sent.
  uint64_t push_budget(sim::Time now, ConsumerId consumer, core::ShardIndex shard);
  void charge(ConsumerId consumer, core::ShardIndex shard, uint64_t bytes);

  const core::EfoLimits& limits() const { return limits_; }

 private:
  struct Subscription {
    bool called = false;  // buckets start at the first SubscribeToShard
    IntegerTokenBucket calls;
    IntegerTokenBucket push;
    sim::Time last_success = sim::Time::max();  // max: never
    sim::Time ends_at = sim::Time::zero();
  };
  struct Consumer {
    std::string name;
    sim::Time active_at;
    bool deleted = false;
    std::vector<Subscription> shards;  // by shard index, grown on demand
  };
  Subscription& pair(ConsumerId consumer, core::ShardIndex shard);
  const Subscription* find_pair(ConsumerId consumer, core::ShardIndex shard) const;

  core::EfoLimits limits_;
  sim::Duration registration_time_;
  uint64_t push_depth_bytes_;
  IntegerTokenBucket register_calls_;
  std::vector<Consumer> consumers_;
  uint32_t registered_ = 0;
};

}  // namespace kinesim::models
