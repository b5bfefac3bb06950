// The shared (polling) read limits of a shard as pure steps, driven by loops over virtual time
// without the engine: the call bucket shared by n readers, the byte bucket's debt (10 MiB then
// ~5 s; other overruns ~1 s), the per-call caps and the optional records bucket.
#include "models/stream/read_limits.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "models/core/limits.h"
#include "models/stream/integer_token_bucket.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using core::kMiB;
using sim::Duration;
using sim::Time;

using testing::at_ms;

TEST(IntegerTokenBucket, AdmitsTheFifthCallOfEverySecondAndRefusesTheSixthExactly) {
  IntegerTokenBucket b(5, 5);
  for (int64_t second = 0; second < 100; ++second) {
    const Time t = Time::zero() + Duration::seconds(second);
    b.refill(t);
    for (int call = 0; call < 5; ++call) {
      ASSERT_TRUE(b.has(1)) << "second " << second << " call " << call;
      b.take(1);
    }
    EXPECT_FALSE(b.has(1));
  }
}

TEST(IntegerTokenBucket, RefillsFromDebtAtItsRateAndStopsAtItsDepth) {
  IntegerTokenBucket b(2, 2);
  b.take(10);
  EXPECT_EQ(b.tokens(), -8);
  EXPECT_TRUE(b.in_debt());
  EXPECT_EQ(b.time_until(0), Duration::seconds(4));
  b.refill(Time::zero() + Duration::millis(3999));
  EXPECT_TRUE(b.in_debt());
  b.refill(Time::zero() + Duration::seconds(4));
  EXPECT_FALSE(b.in_debt());
  b.refill(Time::zero() + Duration::hours(1000));  // no overflow over a long idle stretch
  EXPECT_EQ(b.tokens(), 2);
}

// n readers each polling once a second, evenly out of phase, for `seconds`: the fraction of
// their calls the shard refuses.
double throttled_fraction(int n, int seconds) {
  ShardReadLimiter limiter(core::ShardReadLimits{}, false);
  int64_t calls = 0;
  int64_t refused = 0;
  for (int64_t s = 0; s < seconds; ++s) {
    for (int r = 0; r < n; ++r) {
      const Time t = Time::zero() + Duration::seconds(s) + Duration::millis(1000 * r / n);
      const ReadGrant g = limiter.admit(t, 10'000);
      ++calls;
      if (!g.admitted) {
        ++refused;
        continue;
      }
      limiter.charge(0, 0);  // an empty stream: the calls alone count
    }
  }
  return static_cast<double>(refused) / static_cast<double>(calls);
}

TEST(ShardReadLimiter, UpToFiveReadersPollingOnceASecondAreNeverThrottled) {
  for (int n = 1; n <= 5; ++n) EXPECT_EQ(throttled_fraction(n, 600), 0.0) << n << " readers";
}

TEST(ShardReadLimiter, BeyondFiveReadersTheExtraShareOfCallsIsThrottled) {
  for (int n = 6; n <= 12; ++n) {
    const double expected = static_cast<double>(n - 5) / n;
    EXPECT_NEAR(throttled_fraction(n, 600), expected, 0.005) << n << " readers";
  }
}

TEST(ShardReadLimiter, EveryAdmittedCallCountsEvenWhenItReturnsNothing) {
  ShardReadLimiter limiter(core::ShardReadLimits{}, false);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(limiter.admit(Time::zero(), 10'000).admitted);
    limiter.charge(0, 0);
  }
  EXPECT_FALSE(limiter.admit(Time::zero(), 10'000).admitted);
  EXPECT_TRUE(limiter.admit(at_ms(200), 10'000).admitted);  // one call accrued in 200 ms
}

// Calls every 100 ms after a first call at 0 that returned `first_bytes` from a full bucket:
// when a call is first admitted again, and what it may return.
struct AfterOverrun {
  Duration admitted_again_at;
  uint64_t next_max_bytes = 0;
};
AfterOverrun overrun(uint64_t first_bytes) {
  ShardReadLimiter limiter(core::ShardReadLimits{}, false);
  const ReadGrant first = limiter.admit(Time::zero(), 10'000);
  EXPECT_TRUE(first.admitted);
  EXPECT_LE(first_bytes, first.max_bytes);
  limiter.charge(1, first_bytes);
  for (int64_t ms = 100; ms < 60'000; ms += 100) {
    const ReadGrant g = limiter.admit(at_ms(ms), 10'000);
    if (g.admitted) return {Duration::millis(ms), g.max_bytes};
  }
  return {Duration::max(), 0};
}

TEST(ShardReadLimiter, OneCallMayReturnTenMiBFromAFullBucketAndNoMore) {
  ShardReadLimiter limiter(core::ShardReadLimits{}, false);
  EXPECT_EQ(limiter.admit(Time::zero(), 10'000).max_bytes, 10 * kMiB);
}

TEST(ShardReadLimiter, ATenMiBResponseThrottlesCallsUntilItIsRepaidAboutFiveSecondsLater) {
  // The bucket is 8 MiB in debt: refused for 4 s, then a call may overdraw again (8 MiB).
  const AfterOverrun o = overrun(10 * kMiB);
  EXPECT_EQ(o.admitted_again_at, Duration::seconds(4));
  EXPECT_EQ(o.next_max_bytes, 8 * kMiB);
  // Left alone, the bucket is full again 5 s after the call: another 10 MiB response then, and
  // only then, which is AWS's "calls within the next 5 s are throttled" on average.
  ShardReadLimiter limiter(core::ShardReadLimits{}, false);
  ASSERT_TRUE(limiter.admit(Time::zero(), 10'000).admitted);
  limiter.charge(1, 10 * kMiB);
  EXPECT_LT(limiter.admit(at_ms(4'900), 10'000).max_bytes, 10 * kMiB);
  ShardReadLimiter fresh(core::ShardReadLimits{}, false);
  ASSERT_TRUE(fresh.admit(Time::zero(), 10'000).admitted);
  fresh.charge(1, 10 * kMiB);
  EXPECT_EQ(fresh.admit(at_ms(5'000), 10'000).max_bytes, 10 * kMiB);
}

TEST(ShardReadLimiter, AnOverrunOfOneSecondsShareThrottlesTheNextSecond) {
  // 4 MiB from a full 2 MiB bucket: 2 MiB in debt, repaid in 1 s.
  EXPECT_EQ(overrun(4 * kMiB).admitted_again_at, Duration::seconds(1));
  // A call within the bucket leaves no debt: the next call, 100 ms later, is admitted.
  EXPECT_EQ(overrun(2 * kMiB).admitted_again_at, Duration::millis(100));
}

TEST(ShardReadLimiter, ACallReturnsAtMostItsLimitAndTenThousandRecords) {
  ShardReadLimiter limiter(core::ShardReadLimits{}, false);
  EXPECT_EQ(limiter.admit(Time::zero(), 250).max_records, 250u);
  EXPECT_EQ(limiter.admit(at_ms(1), 10'000).max_records, 10'000u);
}

TEST(ShardReadLimiter, TheOptionalRecordsBucketHoldsReadersToTwoThousandRecordsASecond) {
  ShardReadLimiter off(core::ShardReadLimits{}, false);
  ShardReadLimiter on(core::ShardReadLimits{}, true);
  uint64_t read_off = 0;
  uint64_t read_on = 0;
  // One reader polling 5 times a second over a minute, with far more records than it can read.
  for (int64_t ms = 0; ms < 60'000; ms += 200) {
    for (auto [limiter, total] : {std::pair{&off, &read_off}, {&on, &read_on}}) {
      const ReadGrant g = limiter->admit(at_ms(ms), 10'000);
      if (!g.admitted) continue;
      limiter->charge(g.max_records, g.max_records);  // 1-byte records: bytes never bind
      *total += g.max_records;
    }
  }
  EXPECT_EQ(read_off, 300u * 10'000);
  // 2,000/s for 60 s plus the full bucket at the start, to within one call's overdraft.
  EXPECT_GE(read_on, 2'000u * 60 + 2'000 - 8'000);
  EXPECT_LE(read_on, 2'000u * 60 + 2'000 + 8'000);
}

}  // namespace
}  // namespace kinesim::models
