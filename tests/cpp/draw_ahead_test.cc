// sim::DrawAhead: each lane's items come out in the order its draw produced them, whatever the
// order the consumer takes lanes in; a lane runs at most `depth` items ahead; a lane that ends
// stays ended; a thread too slow for its consumer stops and the consumer draws the same items;
// an exception thrown by a draw reaches the consumer; and the thread stops with the object,
// waiting or not.
#include "sim/draw_ahead.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sim/rng.h"

namespace kinesim::sim {
namespace {

struct Item {
  uint64_t lane = 0;
  uint64_t index = 0;
  bool ahead = false;             // drawn on the drawing thread
  std::vector<uint64_t> payload;  // storage a slot keeps from one item to the next
};

TEST(DrawAhead, EachLaneComesOutInItsOwnOrderWhateverOrderTheLanesAreTakenIn) {
  constexpr std::size_t kLanes = 7;
  constexpr uint64_t kItems = 2'000;
  // Only the drawing thread touches these, as an SDK instance's random streams.
  std::vector<uint64_t> next(kLanes, 0);
  std::vector<uint64_t> most_ahead(kLanes, 0);
  std::vector<std::atomic<uint64_t>> taken(kLanes);
  DrawAhead<Item> feed(kLanes, 3, [&](std::size_t lane, Item& item, bool) {
    if (next[lane] == kItems) return false;
    const uint64_t ahead = next[lane] - taken[lane].load();
    most_ahead[lane] = std::max(most_ahead[lane], ahead);
    item.lane = lane;
    item.index = next[lane]++;
    item.payload.assign(item.index % 17, item.index);
    return true;
  });
  RngStream order(7);
  std::vector<uint64_t> seen(kLanes, 0);
  std::vector<bool> done(kLanes, false);
  std::size_t ended = 0;
  while (ended < kLanes) {
    const std::size_t lane = order.below(kLanes);
    Item* item = feed.front(lane);
    if (item == nullptr) {
      EXPECT_EQ(seen[lane], kItems);
      if (!done[lane]) ++ended;
      done[lane] = true;
      feed.pop(lane);
      continue;
    }
    ASSERT_EQ(item->lane, lane);
    ASSERT_EQ(item->index, seen[lane]);
    ASSERT_EQ(item->payload.size(), item->index % 17);
    ++seen[lane];
    taken[lane].fetch_add(1);
    feed.pop(lane);
  }
  for (std::size_t lane = 0; lane < kLanes; ++lane) {
    // Each item is drawn into a slot the consumer has freed: at most depth - 1 = 2 of the lane's
    // items were drawn and not yet taken when it was drawn.
    EXPECT_LE(most_ahead[lane], 2u) << lane;
    EXPECT_EQ(feed.front(lane), nullptr);  // an ended lane stays ended
  }
}

TEST(DrawAhead, AThreadSlowerThanItsConsumerStopsAndTheConsumerDrawsTheSameItems) {
  // Each draw takes 20 us; the consumer takes items at once, so it waits for nearly every one:
  // the thread stops after kSlowWindows windows in a row that it waited in (after the first,
  // which holds the start), and the consumer draws the rest itself, each lane in order.
  constexpr std::size_t kLanes = 3;
  constexpr uint64_t kItems = 4'000;
  std::vector<uint64_t> next(kLanes, 0);
  DrawAhead<Item> feed(kLanes, 2, [&](std::size_t lane, Item& item, bool ahead) {
    if (next[lane] == kItems) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(20));
    item.lane = lane;
    item.index = next[lane]++;
    item.ahead = ahead;
    return true;
  });
  uint64_t taken = 0;
  uint64_t stopped_at = 0;
  for (uint64_t k = 0; k < kItems; ++k) {
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
      const Item* item = feed.front(lane);
      ASSERT_NE(item, nullptr);
      ASSERT_EQ(item->lane, lane);
      ASSERT_EQ(item->index, k);
      if (k == 0) {
        EXPECT_TRUE(item->ahead);
      }
      if (k + 1 == kItems) {
        EXPECT_FALSE(item->ahead);
      }
      feed.pop(lane);
      ++taken;
      if (stopped_at == 0 && !feed.drawing_ahead()) stopped_at = taken;
    }
  }
  for (std::size_t lane = 0; lane < kLanes; ++lane) EXPECT_EQ(feed.front(lane), nullptr);
  EXPECT_FALSE(feed.drawing_ahead());
  EXPECT_EQ(stopped_at, (1 + DrawAhead<Item>::kSlowWindows) * DrawAhead<Item>::kWindow);
}

TEST(DrawAhead, ADrawsExceptionReachesTheConsumerAndEndsTheLane) {
  std::vector<int> draws(2, 0);
  DrawAhead<Item> feed(2, 2, [&](std::size_t lane, Item&, bool) {
    if (lane == 1 && ++draws[lane] == 2) throw std::runtime_error("draw failed");
    return true;
  });
  EXPECT_NE(feed.front(0), nullptr);
  EXPECT_NE(feed.front(1), nullptr);
  feed.pop(1);
  EXPECT_THROW(feed.front(1), std::runtime_error);
  EXPECT_THROW(feed.front(1), std::runtime_error);
  feed.pop(0);
  EXPECT_NE(feed.front(0), nullptr);  // the other lane goes on
}

TEST(DrawAhead, StopsWithTheObjectWhetherItsThreadWaitsOrNot) {
  for (int i = 0; i < 50; ++i) {
    // Filled and waiting for a request; and destroyed at once, possibly while still drawing.
    DrawAhead<Item> idle(3, 1 + static_cast<std::size_t>(i % 4),
                         [](std::size_t, Item&, bool) { return true; });
    if (i % 2 == 0) {
      ASSERT_NE(idle.front(2), nullptr);
      idle.pop(2);
    }
  }
}

}  // namespace
}  // namespace kinesim::sim
