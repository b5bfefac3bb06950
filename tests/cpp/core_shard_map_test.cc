#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "models/core/errors.h"
#include "models/core/hash_key.h"
#include "models/core/shard_map.h"

namespace kinesim::core {
namespace {

constexpr uint128 kTwoPow64 = static_cast<uint128>(1) << 64;
constexpr uint128 kTwoPow127 = static_cast<uint128>(1) << 127;

// Runs `fn`, expecting a KinesisError; returns it (name and message) for the caller to check.
template <typename Fn>
std::pair<std::string, std::string> error_of(Fn&& fn) {
  try {
    fn();
  } catch (const KinesisError& e) {
    return {e.name(), e.message()};
  }
  ADD_FAILURE() << "no KinesisError thrown";
  return {};
}

// Open shards tile 0 ... 2^128-1 in order, with no gap or overlap, and route() agrees.
void expect_covers_hash_key_space(const ShardMap& map) {
  const auto& open = map.open_shards();
  ASSERT_FALSE(open.empty());
  EXPECT_TRUE(map.shard(open.front()).start == 0);
  EXPECT_TRUE(map.shard(open.back()).end == kMaxHashKey);
  for (std::size_t i = 0; i < open.size(); ++i) {
    const Shard& s = map.shard(open[i]);
    EXPECT_TRUE(s.open);
    EXPECT_TRUE(s.start <= s.end);
    if (i + 1 < open.size()) {
      EXPECT_TRUE(s.end + 1 == map.shard(open[i + 1]).start) << i;
    }
    EXPECT_EQ(map.route(s.start), s.index);
    EXPECT_EQ(map.route(s.end), s.index);
  }
}

uint128 distance(uint128 a, uint128 b) { return a > b ? a - b : b - a; }

// Open layout is even for `target` shards: each width within 2^64+1 of floor(2^128/target),
// the last one within 2^64+1 of the remainder.
void expect_even_layout(const ShardMap& map, uint32_t target) {
  ASSERT_EQ(map.open_count(), target);
  expect_covers_hash_key_space(map);
  if (target == 1) return;
  const uint128 step = ShardMap::uniform_step(target);
  const uint128 last_width = kMaxHashKey - step * (target - 1) + 1;
  for (std::size_t i = 0; i < target; ++i) {
    const Shard& s = map.shard(map.open_shards()[i]);
    const uint128 width = s.end - s.start + 1;
    EXPECT_TRUE(distance(width, i + 1 == target ? last_width : step) <= kTwoPow64 + 1)
        << "shard " << s.id() << " width " << to_decimal(width);
  }
}

void expect_same_shards(const ShardMap& a, const ShardMap& b) {
  ASSERT_EQ(a.shards().size(), b.shards().size());
  for (std::size_t i = 0; i < a.shards().size(); ++i) {
    const Shard& x = a.shards()[i];
    const Shard& y = b.shards()[i];
    EXPECT_EQ(x.index, y.index);
    EXPECT_TRUE(x.start == y.start && x.end == y.end) << x.id();
    EXPECT_EQ(x.parent, y.parent) << x.id();
    EXPECT_EQ(x.adjacent_parent, y.adjacent_parent) << x.id();
    EXPECT_EQ(x.open, y.open) << x.id();
  }
  EXPECT_EQ(a.open_shards(), b.open_shards());
}

// update_shard_count(target) gives an even layout, and its ops replayed one by one through
// split()/merge() on a copy of the map before it give identical shards.
std::vector<ReshardOp> update_and_check(ShardMap& map, uint32_t target) {
  ShardMap replay = map;
  const auto first_new = static_cast<ShardIndex>(map.shards().size());
  const std::vector<ReshardOp> ops = map.update_shard_count(target);
  expect_even_layout(map, target);
  ShardIndex next = first_new;
  for (const ReshardOp& op : ops) {
    for (ShardIndex child : op.children) EXPECT_EQ(child, next++);  // next unused index
    if (op.kind == ReshardOp::Kind::kSplit) {
      const auto [lo, hi] = replay.split(op.shard, op.new_starting_hash_key);
      EXPECT_EQ(op.children, (std::vector<ShardIndex>{lo, hi}));
    } else {
      EXPECT_EQ(op.children, std::vector<ShardIndex>{replay.merge(op.shard, op.adjacent_shard)});
    }
  }
  expect_same_shards(map, replay);
  return ops;
}

std::size_t count_kind(const std::vector<ReshardOp>& ops, ReshardOp::Kind kind) {
  std::size_t n = 0;
  for (const ReshardOp& op : ops) n += op.kind == kind ? 1 : 0;
  return n;
}

TEST(ShardMap, UniformLayoutsCoverTheSpaceWithEqualStepsAndARemainder) {
  for (uint32_t n : {1u, 2u, 3u, 7u, 500u, 10'000u}) {
    SCOPED_TRACE(n);
    const ShardMap map = ShardMap::uniform(n);
    ASSERT_EQ(map.shards().size(), n);
    expect_even_layout(map, n);
    if (n == 1) continue;
    const uint128 step = ShardMap::uniform_step(n);
    for (uint32_t i = 0; i < n; ++i) {
      const Shard& s = map.shards()[i];
      EXPECT_EQ(s.index, i);
      EXPECT_FALSE(s.parent.has_value());
      EXPECT_TRUE(s.start == step * i);
      if (i + 1 < n) {
        EXPECT_TRUE(s.end == step * (i + 1) - 1);
      }
    }
  }
}

TEST(ShardMap, ThreeShardsMatchTheCreateStreamBoundariesOfAws) {
  const ShardMap map = ShardMap::uniform(3);
  EXPECT_EQ(to_decimal(map.shard(0).end), "113427455640312821154458202477256070484");
  EXPECT_EQ(to_decimal(map.shard(1).start), "113427455640312821154458202477256070485");
  EXPECT_EQ(to_decimal(map.shard(2).start), "226854911280625642308916404954512140970");
  EXPECT_EQ(to_decimal(map.shard(2).end), "340282366920938463463374607431768211455");
}

TEST(ShardMap, StepIsExactForPowersOfTwo) {
  EXPECT_TRUE(ShardMap::uniform_step(2) == kTwoPow127);
  EXPECT_TRUE(ShardMap::uniform_step(4) == kTwoPow127 / 2);
  EXPECT_EQ(to_decimal(ShardMap::uniform_step(7)), "48611766702991209066196372490252601636");
}

TEST(ShardMap, RejectsZeroShardsAndMoreThanTheStreamLimit) {
  EXPECT_EQ(error_of([] { ShardMap::uniform(0); }).first, "ValidationException");
  EXPECT_EQ(error_of([] { ShardMap::uniform(10'001); }).first, "LimitExceededException");
}

TEST(ShardMap, FormatsShardIdsWithTwelveZeroPaddedDigits) {
  EXPECT_EQ(ShardMap::shard_id(0), "shardId-000000000000");
  EXPECT_EQ(ShardMap::shard_id(7), "shardId-000000000007");
  EXPECT_EQ(ShardMap::uniform(2).shard(1).id(), "shardId-000000000001");
  EXPECT_EQ(ShardMap::parse_shard_id("shardId-000000000007"), 7u);
  EXPECT_EQ(ShardMap::parse_shard_id("12"), 12u);
}

TEST(ShardMap, RejectsMalformedShardIdsAsResourceNotFound) {
  for (const char* bad : {"", "shardId-", "shardId-abc", "shard-1", "shardId--1",
                          "shardId-000002147483648", "shardId-9999999999999"}) {
    const auto [name, message] = error_of([&] { ShardMap::parse_shard_id(bad); });
    EXPECT_EQ(name, "ResourceNotFoundException") << bad;
    EXPECT_EQ(message, std::string("Could not find shard ") + bad + ".");
  }
}

TEST(ShardMap, ReportsUnknownShardsAsResourceNotFound) {
  ShardMap map = ShardMap::uniform(2);
  const auto [name, message] = error_of([&] { map.shard(5); });
  EXPECT_EQ(name, "ResourceNotFoundException");
  EXPECT_EQ(message, "Could not find shard shardId-000000000005.");
  EXPECT_EQ(error_of([&] { map.split(2, 10); }).first, "ResourceNotFoundException");
  EXPECT_EQ(error_of([&] { map.merge(1, 9); }).first, "ResourceNotFoundException");
  EXPECT_EQ(error_of([&] { map.children(3); }).first, "ResourceNotFoundException");
}

TEST(ShardMap, RoutesRangeEndsInclusively) {
  const ShardMap map = ShardMap::uniform(4);
  const uint128 step = ShardMap::uniform_step(4);
  EXPECT_EQ(map.route(0), 0u);
  EXPECT_EQ(map.route(step - 1), 0u);
  EXPECT_EQ(map.route(step), 1u);
  EXPECT_EQ(map.route(2 * step - 1), 1u);
  EXPECT_EQ(map.route(3 * step), 3u);
  EXPECT_EQ(map.route(kMaxHashKey), 3u);
}

TEST(ShardMap, RouteKeyValidatesLikePutRecord) {
  const ShardMap map = ShardMap::uniform(2);
  EXPECT_EQ(map.route_key("a", nullptr), 0u);
  EXPECT_EQ(map.route_key("abc", nullptr), 1u);  // 0x900150... >= 2^127
  const std::string zero = "0";
  const std::string max = "340282366920938463463374607431768211455";
  EXPECT_EQ(map.route_key("abc", &zero), 0u);
  EXPECT_EQ(map.route_key("a", &max), 1u);
  EXPECT_EQ(error_of([&] { map.route_key("", nullptr); }).first, "ValidationException");
  const std::string over = "340282366920938463463374607431768211456";
  EXPECT_EQ(error_of([&] { map.route_key("a", &over); }).first, "InvalidArgumentException");
}

TEST(ShardMap, SplitMakesTwoChildrenWithTheNextIndicesAndClosesTheParent) {
  ShardMap map = ShardMap::uniform(2);
  const uint128 key = kTwoPow127 / 2;
  const auto [lo, hi] = map.split(0, key);
  EXPECT_EQ(lo, 2u);
  EXPECT_EQ(hi, 3u);
  EXPECT_FALSE(map.shard(0).open);
  EXPECT_TRUE(map.shard(lo).start == 0 && map.shard(lo).end == key - 1);
  EXPECT_TRUE(map.shard(hi).start == key && map.shard(hi).end == kTwoPow127 - 1);
  EXPECT_EQ(map.shard(lo).parent, std::optional<ShardIndex>{0});
  EXPECT_EQ(map.shard(hi).parent, std::optional<ShardIndex>{0});
  EXPECT_FALSE(map.shard(hi).adjacent_parent.has_value());
  EXPECT_EQ(map.open_shards(), (std::vector<ShardIndex>{2, 3, 1}));
  EXPECT_EQ(map.route(key - 1), 2u);
  EXPECT_EQ(map.route(key), 3u);
  expect_covers_hash_key_space(map);
}

TEST(ShardMap, SplitAcceptsKeysFromStartPlusTwoToEndMinusOne) {
  ShardMap map = ShardMap::uniform(2);
  const uint128 end = kTwoPow127 - 1;
  const auto low = map.split(0, 2);
  EXPECT_TRUE(map.shard(low.first).end == 1);
  const auto high = map.split(low.second, end - 1);
  EXPECT_TRUE(map.shard(high.second).start == end - 1 && map.shard(high.second).end == end);
  expect_covers_hash_key_space(map);
}

TEST(ShardMap, RejectsSplitKeysOutsideTheShardWithTheAwsMessage) {
  ShardMap map = ShardMap::uniform(2);
  const uint128 start = kTwoPow127;
  for (const uint128 key : {start - 1, start, start + 1, kMaxHashKey}) {
    const auto [name, message] = error_of([&] { map.split(1, key); });
    EXPECT_EQ(name, "InvalidArgumentException");
    EXPECT_EQ(message, "NewStartingHashKey " + to_decimal(key) +
                           " used in SplitShard() on shard shardId-000000000001 is not both "
                           "greater than one plus the shard's StartingHashKey " +
                           to_decimal(start) + " and less than the shard's EndingHashKey " +
                           to_decimal(kMaxHashKey) + ".");
  }
  EXPECT_EQ(map.shards().size(), 2u);
  EXPECT_TRUE(map.shard(1).open);
}

TEST(ShardMap, RejectsSplitOrMergeOfAClosedShard) {
  ShardMap map = ShardMap::uniform(2);
  map.split(0, 1000);
  const std::string expected =
      "Shard shardId-000000000000 has already been merged or split, and thus is not eligible for "
      "merging or splitting.";
  const auto split_error = error_of([&] { map.split(0, 10); });
  EXPECT_EQ(split_error, std::make_pair(std::string("InvalidArgumentException"), expected));
  EXPECT_EQ(error_of([&] { map.merge(0, 1); }).second, expected);
  EXPECT_EQ(error_of([&] { map.merge(3, 0); }).second, expected);
}

TEST(ShardMap, RejectsSplitBeyondTheShardLimit) {
  ShardMap map = ShardMap::uniform(ShardMap::kMaxShards);
  const auto [name, message] = error_of([&] { map.split(0, 1000); });
  EXPECT_EQ(name, "LimitExceededException");
  EXPECT_EQ(message,
            "This request would exceed the shard limit. Current shard count: 10000. Limit: 10000. "
            "Number of additional shards that would have resulted from this request: 1.");
}

TEST(ShardMap, MergeMakesOneChildNamingBothParents) {
  ShardMap map = ShardMap::uniform(3);
  const ShardIndex child = map.merge(0, 1);
  EXPECT_EQ(child, 3u);
  EXPECT_EQ(map.shard(child).parent, std::optional<ShardIndex>{0});
  EXPECT_EQ(map.shard(child).adjacent_parent, std::optional<ShardIndex>{1});
  EXPECT_TRUE(map.shard(child).start == 0 && map.shard(child).end == map.shard(1).end);
  EXPECT_FALSE(map.shard(0).open);
  EXPECT_FALSE(map.shard(1).open);
  EXPECT_EQ(map.open_shards(), (std::vector<ShardIndex>{3, 2}));
  expect_covers_hash_key_space(map);
}

TEST(ShardMap, MergeAcceptsTheTwoShardsInEitherOrder) {
  ShardMap map = ShardMap::uniform(3);
  const ShardIndex child = map.merge(2, 1);
  EXPECT_EQ(map.shard(child).parent, std::optional<ShardIndex>{2});
  EXPECT_EQ(map.shard(child).adjacent_parent, std::optional<ShardIndex>{1});
  EXPECT_TRUE(map.shard(child).start == map.shard(1).start);
  EXPECT_TRUE(map.shard(child).end == kMaxHashKey);
  EXPECT_EQ(map.open_shards(), (std::vector<ShardIndex>{0, 3}));
  expect_covers_hash_key_space(map);
}

TEST(ShardMap, RejectsMergeOfNonAdjacentShards) {
  ShardMap map = ShardMap::uniform(3);
  const auto [name, message] = error_of([&] { map.merge(0, 2); });
  EXPECT_EQ(name, "InvalidArgumentException");
  EXPECT_EQ(message,
            "Shards shardId-000000000000 and shardId-000000000002 are not an adjacent pair of "
            "shards eligible for merging");
  EXPECT_EQ(error_of([&] { map.merge(1, 1); }).first, "InvalidArgumentException");
  EXPECT_EQ(map.open_count(), 3u);
}

TEST(ShardMap, ListsChildrenLowerRangeFirst) {
  ShardMap map = ShardMap::uniform(2);
  map.split(0, 1000);                    // 2, 3
  const ShardIndex m = map.merge(3, 1);  // 4
  EXPECT_EQ(map.children(0), (std::vector<ShardIndex>{2, 3}));
  EXPECT_EQ(map.children(1), std::vector<ShardIndex>{m});
  EXPECT_EQ(map.children(3), std::vector<ShardIndex>{m});
  EXPECT_TRUE(map.children(2).empty());
  EXPECT_EQ(boost::num_edges(map.lineage()), 4u);
}

TEST(ShardMap, OrdersEveryShardAfterItsParentsDeterministically) {
  ShardMap map = ShardMap::uniform(2);
  map.split(0, 1000);  // 2, 3
  map.merge(3, 1);     // 4
  EXPECT_EQ(map.parents_first_order(), (std::vector<ShardIndex>{1, 0, 3, 4, 2}));

  map.update_shard_count(4);
  map.update_shard_count(7);
  const std::vector<ShardIndex> order = map.parents_first_order();
  ASSERT_EQ(order.size(), map.shards().size());
  std::vector<std::size_t> position(order.size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  for (const Shard& s : map.shards()) {
    ASSERT_LT(position[s.index], order.size()) << s.id() << " missing";
    if (s.parent) {
      EXPECT_LT(position[*s.parent], position[s.index]) << s.id();
    }
    if (s.adjacent_parent) {
      EXPECT_LT(position[*s.adjacent_parent], position[s.index]) << s.id();
    }
  }
  EXPECT_EQ(order, map.parents_first_order());
}

TEST(ShardMap, UpdateShardCountReachesAnEvenLayoutThatReplaysOpByOp) {
  const std::pair<uint32_t, uint32_t> cases[] = {
      {3, 6}, {4, 2}, {5, 7}, {10, 20}, {20, 10}, {1, 2}, {2, 1},     {2, 3},
      {3, 2}, {4, 3}, {7, 5}, {6, 4},   {4, 7},   {9, 5}, {500, 999}, {1000, 500}};
  for (const auto& [from, to] : cases) {
    SCOPED_TRACE(std::to_string(from) + " -> " + std::to_string(to));
    ShardMap map = ShardMap::uniform(from);
    update_and_check(map, to);
  }
}

TEST(ShardMap, UpdateShardCountDoublesBySplitsAndHalvesByMerges) {
  ShardMap up = ShardMap::uniform(3);
  const auto ups = update_and_check(up, 6);
  EXPECT_EQ(ups.size(), 3u);
  EXPECT_EQ(count_kind(ups, ReshardOp::Kind::kSplit), 3u);
  ShardMap ten = ShardMap::uniform(10);
  EXPECT_EQ(count_kind(update_and_check(ten, 20), ReshardOp::Kind::kSplit), 10u);
  EXPECT_EQ(count_kind(update_and_check(ten, 10), ReshardOp::Kind::kMerge), 10u);
  ShardMap down = ShardMap::uniform(4);
  const auto downs = update_and_check(down, 2);
  ASSERT_EQ(downs.size(), 2u);
  EXPECT_EQ(downs[0].kind, ReshardOp::Kind::kMerge);
  EXPECT_EQ(downs[0].shard, 0u);
  EXPECT_EQ(downs[0].adjacent_shard, 1u);
  EXPECT_EQ(downs[0].children, std::vector<ShardIndex>{4});
  EXPECT_EQ(downs[1].shard, 2u);
  EXPECT_EQ(downs[1].adjacent_shard, 3u);
  EXPECT_EQ(downs[1].children, std::vector<ShardIndex>{5});
}

TEST(ShardMap, UpdateShardCountToTheSameEvenCountDoesNothing) {
  ShardMap map = ShardMap::uniform(5);
  EXPECT_TRUE(map.update_shard_count(5).empty());
  EXPECT_EQ(map.shards().size(), 5u);
}

TEST(ShardMap, UpdateShardCountLeavesShardsAlreadyOnTheTargetLayoutUntouched) {
  ShardMap map = ShardMap::uniform(6);
  map.split(0, ShardMap::uniform_step(6) / 2);  // 6, 7
  const auto ops = update_and_check(map, 6);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, ReshardOp::Kind::kMerge);
  EXPECT_EQ(ops[0].shard, 6u);
  EXPECT_EQ(ops[0].adjacent_shard, 7u);
  for (ShardIndex i = 1; i < 6; ++i) EXPECT_TRUE(map.shard(i).open);
}

TEST(ShardMap, UpdateShardCountReusesANearbyBoundaryInsteadOfCuttingASliver) {
  ShardMap map = ShardMap::uniform(1);
  map.split(0, kTwoPow127 + 5);  // 1, 2: five keys off the even boundary
  EXPECT_TRUE(update_and_check(map, 2).empty());
  const auto ops = update_and_check(map, 4);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(count_kind(ops, ReshardOp::Kind::kSplit), 2u);
  EXPECT_TRUE(map.shard(map.open_shards()[2]).start == kTwoPow127 + 5);
}

TEST(ShardMap, UpdateShardCountEvensOutAnUnevenLayout) {
  ShardMap map = ShardMap::uniform(1);
  map.split(0, 12345);
  map.split(2, kMaxHashKey - 99);
  update_and_check(map, 3);
  update_and_check(map, 5);
}

TEST(ShardMap, UpdateShardCountCanBeChained) {
  ShardMap map = ShardMap::uniform(5);
  for (uint32_t target : {7u, 10u, 6u, 12u, 11u, 6u, 3u, 2u, 1u, 2u}) {
    SCOPED_TRACE(target);
    update_and_check(map, target);
  }
}

TEST(ShardMap, UpdateShardCountScalesToAndFromTheShardLimit) {
  ShardMap map = ShardMap::uniform(5'000);
  update_and_check(map, ShardMap::kMaxShards);
  update_and_check(map, 5'000);
}

TEST(ShardMap, RejectsUpdateShardCountOutsideHalfToDouble) {
  ShardMap map = ShardMap::uniform(5);
  auto [name, message] = error_of([&] { map.update_shard_count(11); });
  EXPECT_EQ(name, "LimitExceededException");
  EXPECT_EQ(message,
            "UpdateShardCount cannot scale up over double your current open shard count. Current "
            "open shard count: 5, Target shard count: 11");
  std::tie(name, message) = error_of([&] { map.update_shard_count(2); });
  EXPECT_EQ(name, "LimitExceededException");
  EXPECT_EQ(message,
            "UpdateShardCount cannot scale down below half your current open shard count. "
            "Current open shard count: 5, Target shard count: 2");
  EXPECT_EQ(error_of([&] { map.update_shard_count(0); }).first, "ValidationException");
  EXPECT_NO_THROW(map.update_shard_count(3));  // ceil(5/2)
  ShardMap big = ShardMap::uniform(6'000);
  std::tie(name, message) = error_of([&] { big.update_shard_count(10'001); });
  EXPECT_EQ(name, "LimitExceededException");
  EXPECT_EQ(message,
            "Target shard count or number of open shards cannot be greater than 10000. Current "
            "open shard count: 6000, Target shard count: 10001");
  EXPECT_EQ(big.open_count(), 6'000u);
}

}  // namespace
}  // namespace kinesim::core
