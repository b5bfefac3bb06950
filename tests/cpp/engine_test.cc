#include "sim/engine.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace kinesim::sim {

struct EngineTestPeer {
  static void renumber(Engine& e) { e.renumber(); }
};

namespace {

using namespace kinesim::sim::literals;

TEST(Engine, RunsEventsInTimeOrder) {
  Engine e;
  std::vector<int> order;
  e.schedule(Time::zero() + 30_ms, [&] { order.push_back(3); });
  e.schedule(Time::zero() + 10_ms, [&] { order.push_back(1); });
  e.schedule(Time::zero() + 20_ms, [&] { order.push_back(2); });
  e.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(e.now(), Time::zero() + 30_ms);
  EXPECT_EQ(e.events_run(), 3u);
}

TEST(Engine, BreaksTiesByPriorityThenInsertionOrder) {
  Engine e;
  std::vector<int> order;
  const Time t = Time::zero() + 5_s;
  e.schedule(
      t, [&] { order.push_back(1); }, Priority::kLow);
  e.schedule(t, [&] { order.push_back(2); });
  e.schedule(t, [&] { order.push_back(3); });
  e.schedule(
      t, [&] { order.push_back(4); }, Priority::kUrgent);
  e.schedule(t, [&] { order.push_back(5); });
  e.run();
  EXPECT_EQ(order, (std::vector<int>{4, 2, 3, 5, 1}));
}

TEST(Engine, KeepsFifoOrderAmongManyEqualTimes) {
  Engine e;
  std::vector<int> order;
  for (int i = 0; i < 1000; ++i)
    e.schedule(Time::zero() + 1_s, [&order, i] { order.push_back(i); });
  e.run();
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
}

TEST(Engine, CancelledEventNeverRuns) {
  Engine e;
  int ran = 0;
  const EventId a = e.schedule(Time::zero() + 1_s, [&] { ran += 1; });
  e.schedule(Time::zero() + 2_s, [&] { ran += 10; });
  EXPECT_TRUE(e.cancel(a));
  EXPECT_FALSE(e.cancel(a)) << "a second cancel is a no-op";
  EXPECT_EQ(e.pending(), 1u);
  e.run();
  EXPECT_EQ(ran, 10);
}

TEST(Engine, StaleIdDoesNotCancelTheEventThatReusedItsSlot) {
  Engine e;
  int ran = 0;
  const EventId first = e.schedule(Time::zero() + 1_s, [&] { ran += 1; });
  e.run();
  const EventId second = e.schedule(Time::zero() + 2_s, [&] { ran += 10; });
  EXPECT_EQ(first.slot, second.slot) << "slot is reused";
  EXPECT_FALSE(e.cancel(first));
  e.run();
  EXPECT_EQ(ran, 11);
}

TEST(Engine, HandlerMayScheduleAndCancel) {
  Engine e;
  std::vector<int64_t> times;
  EventId victim;
  e.schedule(Time::zero() + 1_s, [&] {
    times.push_back(e.now().nanos());
    e.schedule_in(1_s, [&] { times.push_back(e.now().nanos()); });
    e.cancel(victim);
  });
  victim = e.schedule(Time::zero() + 3_s, [&] { times.push_back(-1); });
  e.run();
  EXPECT_EQ(times, (std::vector<int64_t>{1'000'000'000, 2'000'000'000}));
}

TEST(Engine, RunUntilIncludesEventsAtTheBoundaryAndAdvancesClock) {
  Engine e;
  int ran = 0;
  e.schedule(Time::zero() + 10_s, [&] { ++ran; });
  e.schedule(Time::zero() + 11_s, [&] { ++ran; });
  e.run_until(Time::zero() + 10_s);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(e.now(), Time::zero() + 10_s);
  e.run_until(Time::zero() + 60_s);
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(e.now(), Time::zero() + 60_s);
}

TEST(Engine, RunUntilWithABudgetReturnsAfterThatManyEventsAndResumesInOrder) {
  Engine e;
  std::vector<int> ran;
  for (int i = 1; i <= 10; ++i)
    e.schedule(Time::zero() + Duration::seconds(i), [&, i] { ran.push_back(i); });
  EXPECT_FALSE(e.run_until(Time::zero() + 20_s, 4));
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(e.now(), Time::zero() + 4_s);  // not advanced past what ran
  EXPECT_FALSE(e.run_until(Time::zero() + 20_s, 4));
  EXPECT_TRUE(e.run_until(Time::zero() + 20_s, 4));
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(e.now(), Time::zero() + 20_s);
}

TEST(Engine, RunUntilDoesNotRunALaterEventBehindACancelledOne) {
  Engine e;
  int ran = 0;
  const EventId early = e.schedule(Time::zero() + 1_s, [&] { ran += 1; });
  e.schedule(Time::zero() + 5_s, [&] { ran += 10; });
  e.cancel(early);
  e.run_until(Time::zero() + 2_s);
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(e.now(), Time::zero() + 2_s);
}

TEST(Engine, StopEndsTheRunAfterTheCurrentHandler) {
  Engine e;
  int ran = 0;
  e.schedule(Time::zero() + 1_s, [&] {
    ++ran;
    e.stop();
  });
  e.schedule(Time::zero() + 2_s, [&] { ++ran; });
  e.run();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(e.pending(), 1u);
  e.run();
  EXPECT_EQ(ran, 2);
}

TEST(Engine, RejectsSchedulingInThePast) {
  Engine e;
  e.schedule(Time::zero() + 5_s, [] {});
  e.run();
  EXPECT_THROW(e.schedule(Time::zero() + 4_s, [] {}), std::invalid_argument);
}

TEST(Engine, HandlerExceptionPropagatesAndEngineStaysUsable) {
  Engine e;
  int ran = 0;
  e.schedule(Time::zero() + 1_s, [] { throw std::runtime_error("boom"); });
  e.schedule(Time::zero() + 2_s, [&] { ++ran; });
  EXPECT_THROW(e.run(), std::runtime_error);
  EXPECT_EQ(e.pending(), 1u);
  e.run();
  EXPECT_EQ(ran, 1);
}

TEST(Engine, NextTimeSkipsCancelledEvents) {
  Engine e;
  const EventId a = e.schedule(Time::zero() + 1_s, [] {});
  e.schedule(Time::zero() + 2_s, [] {});
  e.cancel(a);
  ASSERT_TRUE(e.next_time().has_value());
  EXPECT_EQ(*e.next_time(), Time::zero() + 2_s);
}

TEST(Engine, ManyRandomEventsComeOutSorted) {
  Engine e;
  uint64_t x = 12345;
  std::vector<int64_t> seen;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const auto t = static_cast<int64_t>(x >> 40);
    e.schedule(Time::from_nanos(t), [&] { seen.push_back(e.now().nanos()); });
  }
  e.run();
  ASSERT_EQ(seen.size(), 20000u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST(Engine, RenumberingSequencesKeepsTieOrder) {
  Engine e;
  std::vector<int> order;
  const Time t = Time::zero() + 1_s;
  for (int i = 0; i < 50; ++i) {
    e.schedule(
        t + Duration::nanos(i % 3), [&order, i] { order.push_back(i); },
        i % 2 == 0 ? Priority::kNormal : Priority::kHigh);
    if (i % 10 == 0) EngineTestPeer::renumber(e);
  }
  EngineTestPeer::renumber(e);
  std::vector<int> expected;
  for (int ns = 0; ns < 3; ++ns) {
    for (int pri = 0; pri < 2; ++pri) {
      for (int i = 0; i < 50; ++i) {
        if (i % 3 == ns && (i % 2 == 0) == (pri == 1)) expected.push_back(i);
      }
    }
  }
  e.run();
  EXPECT_EQ(order, expected);
}

TEST(Duration, FormatsWithTheLargestExactUnit) {
  EXPECT_EQ(to_string(Duration::millis(250)), "250ms");
  EXPECT_EQ(to_string(Duration::hours(2)), "2h");
  EXPECT_EQ(to_string(Duration::seconds(90)), "90s");
  EXPECT_EQ(to_string(Duration::nanos(1'500)), "1500ns");
  EXPECT_EQ(to_string(Duration()), "0s");
}

TEST(Duration, ConvertsSecondsByRoundingToNearestNanosecond) {
  EXPECT_EQ(Duration::from_seconds(0.1).count_nanos(), 100'000'000);
  EXPECT_EQ(Duration::from_seconds(1e-9 * 2.6).count_nanos(), 3);
  EXPECT_THROW(Duration::from_seconds(1e30), std::out_of_range);
}

}  // namespace
}  // namespace kinesim::sim
