// Consumers reading by enhanced fan-out, in closed forms: each gets its own 2 MiB/s per shard and
// never touches the shared 5 calls/s, records reach it the propagation delay after they land,
// subscriptions are renewed every 5 minutes, a backlog drains at 2 MiB/s, parents come before
// children, and the consumer-shard-hours the bill counts.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/consumer/consumer.h"
#include "models/core/limits.h"
#include "models/cost/cost.h"
#include "models/world/world.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using core::kMiB;
using sim::Duration;
using testing::consumer_named;
using testing::counter_total;
using testing::expect_conserved;
using testing::OneProducer;
using testing::polling_consumer;

ConsumerConfig fan_out_consumer(std::string name) {
  ConsumerConfig c = polling_consumer(std::move(name));
  c.polling.reader.retrieval = Retrieval::kFanOut;
  return c;
}

Scenario steady(double records_per_sec, Duration duration, uint32_t shards = 1) {
  OneProducer o;
  o.records_per_sec = records_per_sec;
  o.duration = duration;
  o.shards = shards;
  o.profile = RateConfig::Profile::kConstant;
  return testing::one_producer_scenario(o);
}

TEST(FanOutConsumers, TenConsumersOnOneShardThrottleNothingAndEachReadsEverything) {
  Scenario s = steady(200, Duration::minutes(5));
  for (int i = 0; i < 10; ++i) s.consumers.push_back(fan_out_consumer("efo-" + std::to_string(i)));
  const Result r = run_scenario(s);
  ASSERT_EQ(r.consumers.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    const ConsumerResult& c = consumer_named(r, "efo-" + std::to_string(i));
    EXPECT_FALSE(c.polling);
    EXPECT_EQ(c.retrieval, "fanout");
    EXPECT_EQ(c.counts.get_records_calls, 0u);
    EXPECT_EQ(c.counts.get_shard_iterator_calls, 0u);
    EXPECT_EQ(c.counts.throttled_calls, 0u);
    EXPECT_EQ(c.counts.lost_to_retention, 0u);
    // At most 5 CREATING at once: the first five register at 0 s and are ACTIVE at 5 s (LATEST
    // from then); the other five are refused until then, registered at 5 s, ACTIVE at 10 s.
    const bool first_wave = i < 5;
    EXPECT_EQ(c.registered_at, sim::Time::zero() + Duration::seconds(first_wave ? 0 : 5));
    EXPECT_EQ(c.counts.registration_refused, first_wave ? 0u : 5u) << c.name;
    EXPECT_NEAR(static_cast<double>(c.counts.in_scope), 200.0 * (first_wave ? 295 : 290), 10.0);
    EXPECT_GE(c.counts.processed + 40, c.counts.in_scope);  // at most a push in flight
    expect_conserved(c);
  }
  // The shared limits never saw them: no GetRecords series at all.
  EXPECT_EQ(counter_total(*r.metrics, r.stream.name + "/ReadProvisionedThroughputExceeded"), -1);
  // Every consumer's own SubscribeToShardEvent series counts what was pushed to it (the last
  // push may still be on its way at the end).
  const ConsumerResult& c0 = consumer_named(r, "efo-0");
  EXPECT_NEAR(counter_total(*r.metrics, "efo-0/SubscribeToShardEvent.Records"),
              static_cast<double>(c0.counts.records_read), 40.0);
}

TEST(FanOutConsumers, RecordsArriveThePropagationDelayAfterTheyLand) {
  // One record a second: each push carries it 70 ms after it landed, nothing waits for a poll.
  Scenario sparse = steady(1, Duration::minutes(5));
  sparse.consumers.push_back(fan_out_consumer("efo"));
  const Result r = run_scenario(sparse);
  const ConsumerResult& c = consumer_named(r, "efo");
  EXPECT_NEAR(static_cast<double>(c.propagation_us.quantile(0.5)) / 1000.0, 70.0, 2.0);
  EXPECT_NEAR(static_cast<double>(c.propagation_us.max()) / 1000.0, 70.0, 2.0);
  expect_conserved(c);

  // Twenty producers landing requests all the time: pushes come at most every 50 ms, so a
  // record waits 70 ms plus up to 50 ms for the next push (a poller at 200 ms: 100 + 20 ms).
  Scenario busy = steady(50, Duration::minutes(2));
  busy.producers[0].instances = 20;
  busy.producers[0].rate.profile = RateConfig::Profile::kPoisson;
  busy.consumers.push_back(fan_out_consumer("efo"));
  const Result rb = run_scenario(busy);
  const ConsumerResult& b = consumer_named(rb, "efo");
  EXPECT_NEAR(b.propagation_us.mean() / 1000.0, 95.0, 7.0);
  // p99, not max: a push may end inside a retention run, whose records are taken to have
  // arrived evenly over it.
  EXPECT_LE(static_cast<double>(b.propagation_us.quantile(0.99)) / 1000.0, 125.0);
  expect_conserved(b);
}

TEST(FanOutConsumers, SubscriptionsAreRenewedEveryFiveMinutesPerShard) {
  Scenario s = steady(10, Duration::minutes(21), 2);
  s.consumers.push_back(fan_out_consumer("efo"));
  const Result r = run_scenario(s);
  const ConsumerResult& c = consumer_named(r, "efo");
  // ACTIVE at 5 s, then subscriptions at 5 s, 5:05, 10:05, 15:05 and 20:05 on each shard.
  EXPECT_EQ(c.counts.subscribe_calls, 10u);
  EXPECT_EQ(c.counts.subscribe_refused, 0u);
  EXPECT_EQ(counter_total(*r.metrics, "efo/SubscribeToShard.Success"), 10);
  expect_conserved(c);
}

TEST(FanOutConsumers, ABacklogDrainsAtTwoMiBPerSecondPerConsumerWhateverOthersRead) {
  // ~0.96 MiB/s written for 3 minutes; two consumers start at 60 s from TRIM_HORIZON.
  Scenario s = steady(500, Duration::minutes(3));
  s.producers[0].record_size.value = 2'000;
  s.output.resolution = Duration::seconds(1);
  for (const char* name : {"late-a", "late-b"}) {
    ConsumerConfig c = fan_out_consumer(name);
    c.start = Duration::seconds(60);
    c.polling.reader.initial_position = InitialPosition::kTrimHorizon;
    s.consumers.push_back(c);
  }
  const Result r = run_scenario(s);
  const double write = static_cast<double>(r.shards[0].totals.accepted_bytes) / 180.0;
  for (const char* name : {"late-a", "late-b"}) {
    // ACTIVE at 65 s, 65 s of writes behind; its push bucket starts full (2 MiB), then gives
    // 2 MiB/s: it gains 2 MiB/s - write on the backlog.
    const double expected = (65.0 * write - 2.0 * kMiB) / (2.0 * kMiB - write);
    const std::vector<double> bytes = testing::counter(r, std::string(name) + "/BytesRead");
    const double read = testing::sum_buckets(bytes, 70, 100);
    EXPECT_NEAR(read / 30.0 / kMiB, 2.0, 0.1) << name;
    const std::vector<double> behind =
        testing::gauge_max(r, std::string(name) + "/MillisBehindLatest");
    const std::size_t caught_up = testing::first_bucket_below(behind, 66, 1'000);
    ASSERT_GT(caught_up, 0u) << name;
    EXPECT_NEAR(static_cast<double>(caught_up) - 65.0, expected, 4.0) << name;
    expect_conserved(consumer_named(r, name));
  }
}

TEST(FanOutConsumers, TheTwentyFirstConsumerIsRefusedRegistrationAndReadsNothing) {
  Scenario s = steady(10, Duration::minutes(1));
  for (int i = 0; i < 21; ++i) s.consumers.push_back(fan_out_consumer("efo-" + std::to_string(i)));
  // Five CREATING at once: they register in waves, the 21st never.
  const Result r = run_scenario(s);
  const ConsumerResult& last = consumer_named(r, "efo-20");
  EXPECT_GT(last.counts.registration_refused, 0u);
  EXPECT_EQ(last.counts.records_read, 0u);
  EXPECT_EQ(last.registered_at, sim::Time::max());
  for (int i = 0; i < 20; ++i) {
    const ConsumerResult& c = consumer_named(r, "efo-" + std::to_string(i));
    EXPECT_NE(c.registered_at, sim::Time::max()) << c.name;
    EXPECT_GT(c.counts.records_read, 0u) << c.name;
    expect_conserved(c);
  }
}

TEST(FanOutConsumers, ConsumerShardHoursCountEveryShardFromRegistrationAndArePriced) {
  Scenario s = steady(10, Duration::hours(1), 4);
  ConsumerConfig c = fan_out_consumer("efo");
  c.start = Duration::minutes(30);
  s.consumers.push_back(c);
  s.consumers.push_back(polling_consumer("poller"));
  const Result r = run_scenario(s);
  EXPECT_DOUBLE_EQ(consumer_named(r, "efo").consumer_shard_hours, 4 * 0.5);
  EXPECT_EQ(consumer_named(r, "poller").consumer_shard_hours, 0.0);
  const CostReport cost = price(r);
  const auto line = [&](const ModeCost& m, const std::string& name) {
    for (const CostComponent& k : m.components) {
      if (k.name == name) return k;
    }
    ADD_FAILURE() << "no line " << name;
    return CostComponent{};
  };
  const ModeCost& provisioned = cost.modes[0];
  const CostComponent hours = line(provisioned, "enhanced fan-out consumer-shard hours");
  EXPECT_DOUBLE_EQ(hours.quantity, 2.0);
  EXPECT_DOUBLE_EQ(hours.run_cost, 2.0 * 0.015);
  const double gb = static_cast<double>(consumer_named(r, "efo").counts.bytes_read) /
                    static_cast<double>(core::kGiB);
  EXPECT_DOUBLE_EQ(line(provisioned, "enhanced fan-out data").quantity, gb);
  EXPECT_DOUBLE_EQ(line(cost.modes[1], "enhanced fan-out data").run_cost, gb * 0.05);
  // The poller's reads stay on the shared-throughput line.
  EXPECT_EQ(polling_bytes_read(r), consumer_named(r, "poller").counts.bytes_read);
}

TEST(FanOutConsumers, AfterASplitChildrenAreReadOnlyOnceTheParentIsDone) {
  Scenario s = steady(100, Duration::minutes(3));
  TimelineAction split;
  split.at = Duration::seconds(30);
  split.kind = TimelineAction::Kind::kSplit;
  split.shard = core::ShardMap::shard_id(0);
  s.timeline.push_back(split);
  s.consumers.push_back(fan_out_consumer("efo"));
  ConsumerConfig late = fan_out_consumer("late");
  late.start = Duration::seconds(120);
  late.polling.reader.initial_position = InitialPosition::kTrimHorizon;
  s.consumers.push_back(late);
  const Result r = run_scenario(s);
  for (const char* name : {"efo", "late"}) {
    const ConsumerResult& c = consumer_named(r, name);
    // Three shards, one subscription each at least.
    EXPECT_GE(c.counts.subscribe_calls, 3u) << name;
    EXPECT_EQ(c.counts.lost_to_retention, 0u) << name;
    EXPECT_LE(c.counts.pending, 200u) << name;
    expect_conserved(c);
  }
  EXPECT_EQ(consumer_named(r, "late").counts.in_scope, r.totals().accepted);
}

TEST(FanOutConsumers, TheSameSeedGivesTheSameResults) {
  Scenario s = steady(300, Duration::minutes(2), 2);
  s.consumers.push_back(fan_out_consumer("efo"));
  const Result a = run_scenario(s);
  const Result b = run_scenario(s);
  EXPECT_EQ(a.consumers[0].counts.processed, b.consumers[0].counts.processed);
  EXPECT_EQ(a.consumers[0].counts.events, b.consumers[0].counts.events);
  EXPECT_EQ(a.consumers[0].end_to_end_us.quantile(0.99),
            b.consumers[0].end_to_end_us.quantile(0.99));
}

}  // namespace
}  // namespace kinesim::models
