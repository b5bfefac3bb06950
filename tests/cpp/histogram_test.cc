#include "sim/histogram.h"

#include <gtest/gtest.h>

#include <vector>

#include "sim/rng.h"

namespace kinesim::sim {
namespace {

TEST(LogHistogram, SmallValuesAreExact) {
  LogHistogram h;
  for (uint64_t v = 0; v < 64; ++v) h.record(v);
  EXPECT_EQ(h.quantile(0.5), 31u);
  EXPECT_EQ(h.quantile(1.0), 63u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.count(), 64u);
}

TEST(LogHistogram, EveryValueFallsInABucketWhoseUpperBoundIsWithinOnePointSixPercent) {
  for (uint64_t v : {64ull, 65ull, 127ull, 128ull, 1000ull, 123456789ull, (1ull << 62) + 12345}) {
    const std::size_t i = LogHistogram::index(v);
    ASSERT_LT(i, LogHistogram::kBuckets);
    const uint64_t hi = LogHistogram::upper_bound(i);
    EXPECT_GE(hi, v);
    EXPECT_LE(static_cast<double>(hi - v), static_cast<double>(v) / 64.0) << v;
    if (i > 0) {
      EXPECT_LT(LogHistogram::upper_bound(i - 1), v) << v;
    }
  }
  EXPECT_LT(LogHistogram::index(UINT64_MAX), LogHistogram::kBuckets);
}

TEST(LogHistogram, QuantilesOfUniformSamplesAreWithinBucketPrecision) {
  LogHistogram h;
  RngStream r(1);
  for (int i = 0; i < 100000; ++i) h.record(r.below(1'000'000));
  EXPECT_NEAR(static_cast<double>(h.quantile(0.5)), 500000.0, 500000.0 * 0.02);
  EXPECT_NEAR(static_cast<double>(h.quantile(0.99)), 990000.0, 990000.0 * 0.02);
  EXPECT_NEAR(h.mean(), 500000.0, 5000.0);
}

TEST(LogHistogram, MergeAddsCounts) {
  LogHistogram a;
  LogHistogram b;
  a.record(10, 3);
  b.record(1000, 1);
  a.merge(b);
  EXPECT_EQ(a.count(), 4u);
  EXPECT_EQ(a.max(), 1000u);
  EXPECT_EQ(a.quantile(0.75), 10u);
}

// record_each keeps the same books as record() value by value: counts per bucket (so every
// quantile), count, min, max, and the mean, to the bit while the sum stays below 2^53.
TEST(LogHistogram, RecordEachIsRecordForEveryValue) {
  RngStream rng = RngStream::derive(3, "histogram");
  LogHistogram one, each;
  one.record(5000);
  each.record(5000);
  for (int batch = 0; batch < 200; ++batch) {
    std::vector<uint64_t> values(static_cast<std::size_t>(batch % 7) * 40);
    for (uint64_t& v : values) v = static_cast<uint64_t>(rng.uniform() * 1e6) + (batch == 3);
    for (const uint64_t v : values) one.record(v);
    each.record_each(values, [](uint64_t v) { return v; });
  }
  EXPECT_EQ(each.count(), one.count());
  EXPECT_EQ(each.min(), one.min());
  EXPECT_EQ(each.max(), one.max());
  EXPECT_EQ(each.mean(), one.mean());
  for (int k = 0; k <= 1000; ++k) {
    const double q = k / 1000.0;
    EXPECT_EQ(each.quantile(q), one.quantile(q)) << q;
  }
}

}  // namespace
}  // namespace kinesim::sim
