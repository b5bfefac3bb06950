// Enhanced fan-out (SPEC §4): consumer registration limits, SubscribeToShard's limits and
// lifetime as pure state, and through the stream each consumer's own 2 MiB/s per shard.
#include "models/stream/enhanced_fan_out.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "models/core/limits.h"
#include "models/stream/stream.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/rng.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using core::kMiB;
using sim::Duration;
using sim::Time;

using testing::at_ms;

EnhancedFanOut registry() {
  const core::EfoLimits l;
  return EnhancedFanOut(l, Duration::millis(l.registration_ms), l.burst_bytes_per_consumer_shard);
}

// Registers `n` consumers at one per second (within the call rate and the CREATING limit).
void register_many(EnhancedFanOut& e, int n, uint32_t max) {
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(e.register_consumer(at_ms(1'000 * i), "c" + std::to_string(i), max).outcome,
              ReadOutcome::kOk);
  }
}

TEST(EnhancedFanOut, TwentyConsumersRegisterAndTheTwentyFirstIsRefused) {
  EnhancedFanOut e = registry();
  register_many(e, 20, 20);
  EXPECT_EQ(e.consumer_count(), 20u);
  EXPECT_EQ(e.register_consumer(at_ms(60'000), "one-too-many", 20).outcome,
            ReadOutcome::kLimitExceeded);
  // Deregistering one makes room again.
  EXPECT_EQ(e.deregister_consumer(3), ReadOutcome::kOk);
  EXPECT_EQ(e.register_consumer(at_ms(61'000), "one-too-many", 20).outcome, ReadOutcome::kOk);
}

TEST(EnhancedFanOut, NoMoreThanFiveConsumersAreCreatingAtOnce) {
  EnhancedFanOut e = registry();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(e.register_consumer(at_ms(100 * i), "c" + std::to_string(i), 20).outcome,
              ReadOutcome::kOk);
  }
  EXPECT_EQ(e.creating_count(at_ms(1'000)), 5u);
  EXPECT_EQ(e.register_consumer(at_ms(1'000), "sixth", 20).outcome, ReadOutcome::kLimitExceeded);
  // Registration takes 5 s (assumed): the first is ACTIVE at 5 s, making room.
  EXPECT_EQ(e.status(at_ms(4'999), 0), ConsumerStatus::kCreating);
  EXPECT_EQ(e.status(at_ms(5'000), 0), ConsumerStatus::kActive);
  EXPECT_EQ(e.register_consumer(at_ms(5'000), "sixth", 20).outcome, ReadOutcome::kOk);
}

TEST(EnhancedFanOut, AConsumerNameIsRegisteredOnce) {
  EnhancedFanOut e = registry();
  ASSERT_EQ(e.register_consumer(Time::zero(), "app", 20).outcome, ReadOutcome::kOk);
  EXPECT_EQ(e.register_consumer(at_ms(1'000), "app", 20).outcome, ReadOutcome::kResourceInUse);
}

TEST(EnhancedFanOut, SubscribingAgainWithinFiveSecondsIsResourceInUse) {
  EnhancedFanOut e = registry();
  ASSERT_EQ(e.register_consumer(Time::zero(), "app", 20).outcome, ReadOutcome::kOk);
  EXPECT_EQ(e.subscribe(at_ms(1'000), 0, 0), ReadOutcome::kResourceInUse);  // still CREATING
  EXPECT_EQ(e.subscribe(at_ms(10'000), 0, 0), ReadOutcome::kOk);
  EXPECT_EQ(e.subscribe(at_ms(10'500), 0, 0), ReadOutcome::kLimitExceeded);  // 1 call/s
  EXPECT_EQ(e.subscribe(at_ms(12'000), 0, 0), ReadOutcome::kResourceInUse);
  EXPECT_EQ(e.subscribe(at_ms(15'000), 0, 0), ReadOutcome::kOk);
  // Another shard is another pair.
  EXPECT_EQ(e.subscribe(at_ms(15'000), 0, 1), ReadOutcome::kOk);
}

TEST(EnhancedFanOut, ASubscriptionLastsFiveMinutes) {
  EnhancedFanOut e = registry();
  ASSERT_EQ(e.register_consumer(Time::zero(), "app", 20).outcome, ReadOutcome::kOk);
  EXPECT_EQ(e.subscription(at_ms(10'000), 0, 0), ReadOutcome::kResourceNotFound);
  ASSERT_EQ(e.subscribe(at_ms(10'000), 0, 0), ReadOutcome::kOk);
  const Time end = at_ms(10'000) + Duration::minutes(5);
  EXPECT_EQ(e.subscription(end - Duration::nanos(1), 0, 0), ReadOutcome::kOk);
  EXPECT_EQ(e.subscription(end, 0, 0), ReadOutcome::kSubscriptionEnded);
  ASSERT_EQ(e.subscribe(end, 0, 0), ReadOutcome::kOk);  // renewed
  EXPECT_EQ(e.subscription(end, 0, 0), ReadOutcome::kOk);
}

struct Bench {
  explicit Bench(StreamConfig c = {})
      : metrics(Duration::minutes(10), {Duration::seconds(1)}),
        stream(c, engine, metrics, sim::RngStream(3)) {}
  ConsumerId active_consumer(const std::string& name, Time at) {
    const RegisterConsumerReply r = stream.register_consumer(at, name);
    EXPECT_EQ(r.outcome, ReadOutcome::kOk);
    return r.consumer;
  }
  double counter_total(const std::string& name) const {
    return testing::counter_total(metrics, name);
  }
  sim::Engine engine;
  sim::MetricRecorder metrics;
  Stream stream;
};

TEST(EnhancedFanOut, OnDemandAdvantageStreamsTakeFiftyConsumers) {
  StreamConfig c;
  c.mode = CapacityMode::kOnDemandAdvantage;
  Bench b(c);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(b.stream.register_consumer(at_ms(1'000 * i), "c" + std::to_string(i)).outcome,
              ReadOutcome::kOk);
  }
  EXPECT_EQ(b.stream.register_consumer(at_ms(60'000), "c50").outcome, ReadOutcome::kLimitExceeded);
  Bench provisioned;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(
        provisioned.stream.register_consumer(at_ms(1'000 * i), "c" + std::to_string(i)).outcome,
        ReadOutcome::kOk);
  }
  EXPECT_EQ(provisioned.stream.register_consumer(at_ms(60'000), "c20").outcome,
            ReadOutcome::kLimitExceeded);
}

TEST(EnhancedFanOut, TwoConsumersEachGetTwoMiBPerSecondFromTheSameShard) {
  StreamConfig c;
  c.write.bytes_per_sec = 8 * kMiB;  // enough backlog for both to read flat out
  c.write.burst_bytes = 100 * kMiB;
  Bench b(c);
  // 100 MiB waiting in the shard.
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(b.stream.put(Time::zero(), 0, kMiB, Time::zero()), PutOutcome::kAccepted);
    if (i % 10 == 9) b.stream.end_request(Time::zero(), PutApi::kPutRecords, 10, 10 * kMiB);
  }
  const ConsumerId a = b.active_consumer("a", Time::zero());
  const ConsumerId z = b.active_consumer("z", Time::zero());
  const Time start = at_ms(10'000);
  ShardPosition pos[2];
  for (const ConsumerId id : {a, z}) {
    const SubscribeReply s =
        b.stream.subscribe_to_shard(start, id, 0, StartingPosition::trim_horizon());
    ASSERT_EQ(s.outcome, ReadOutcome::kOk);
    pos[id] = s.position;
  }
  uint64_t bytes[2] = {0, 0};
  for (int64_t ms = 10'000; ms < 30'000; ms += 50) {  // a push every 50 ms for 20 s
    for (const ConsumerId id : {a, z}) {
      const SubscribeToShardEvent e = b.stream.efo_read(at_ms(ms), id, 0, pos[id], 10 * kMiB);
      ASSERT_EQ(e.outcome, ReadOutcome::kOk);
      bytes[id] += e.batch.bytes;
      pos[id] = e.batch.next;
    }
  }
  for (const uint64_t got : bytes) {
    // 2 MiB/s for 20 s plus the full 2 MiB bucket at the start, to within one 1 MiB record.
    EXPECT_GE(got, 41 * kMiB);
    EXPECT_LE(got, 42 * kMiB);
  }
  // Neither touched the shared polling limits.
  EXPECT_EQ(b.counter_total("stream/ReadProvisionedThroughputExceeded"), -1);
  EXPECT_EQ(b.counter_total("a/SubscribeToShardEvent.Bytes"), static_cast<double>(bytes[0]));
  EXPECT_EQ(b.counter_total("shardId-000000000000/OutgoingBytes"),
            static_cast<double>(bytes[0] + bytes[1]));
}

TEST(EnhancedFanOut, PushesStopWhenTheSubscriptionEndsUntilItIsRenewed) {
  Bench b;
  const ConsumerId c = b.active_consumer("app", Time::zero());
  const Time start = at_ms(5'000);
  const SubscribeReply s = b.stream.subscribe_to_shard(start, c, 0, StartingPosition::latest());
  ASSERT_EQ(s.outcome, ReadOutcome::kOk);
  EXPECT_EQ(s.ends_at, start + Duration::minutes(5));
  EXPECT_EQ(b.stream.efo_read(s.ends_at, c, 0, s.position, kMiB).outcome,
            ReadOutcome::kSubscriptionEnded);
  EXPECT_EQ(b.stream.subscribe_to_shard(s.ends_at, c, 0, StartingPosition::latest()).outcome,
            ReadOutcome::kOk);
  EXPECT_EQ(b.stream.efo_read(s.ends_at, c, 0, s.position, kMiB).outcome, ReadOutcome::kOk);
  EXPECT_EQ(b.counter_total("app/SubscribeToShard.Success"), 2);
}

TEST(EnhancedFanOut, TheStreamCountsSubscribeCallsOverTheRateAsRateExceeded) {
  Bench b;
  const ConsumerId c = b.active_consumer("app", Time::zero());
  ASSERT_EQ(b.stream.subscribe_to_shard(at_ms(6'000), c, 0, StartingPosition::latest()).outcome,
            ReadOutcome::kOk);
  EXPECT_EQ(b.stream.subscribe_to_shard(at_ms(6'100), c, 0, StartingPosition::latest()).outcome,
            ReadOutcome::kLimitExceeded);
  EXPECT_EQ(b.stream.subscribe_to_shard(at_ms(8'000), c, 0, StartingPosition::latest()).outcome,
            ReadOutcome::kResourceInUse);
  EXPECT_EQ(b.counter_total("app/SubscribeToShard.RateExceeded"), 1);
  EXPECT_EQ(b.counter_total("app/SubscribeToShard.Success"), 1);
}

TEST(EnhancedFanOut, ThePropagationDelayIsAParameterDefaultingToSeventyMilliseconds) {
  Bench b;
  EXPECT_EQ(b.stream.efo_propagation(), Duration::millis(70));
  StreamConfig c;
  c.read.efo.propagation_ms = 120;
  Bench slower(c);
  EXPECT_EQ(slower.stream.efo_propagation(), Duration::millis(120));
}

}  // namespace
}  // namespace kinesim::models
