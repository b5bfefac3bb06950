#include "sim/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kinesim::sim {
namespace {

using namespace kinesim::sim::literals;

TEST(MetricRecorder, CountersSumIntoOneAndSixtySecondBuckets) {
  MetricRecorder m(2_min, {1_s, 60_s});
  const SeriesId bytes = m.add_counter("IncomingBytes");
  m.add(bytes, Time::zero() + 100_ms, 10);
  m.add(bytes, Time::zero() + 900_ms, 5);
  m.add(bytes, Time::zero() + 1_s, 7);
  m.add(bytes, Time::zero() + 61_s, 1);
  EXPECT_EQ(m.counter_sums(0)(0, 0), 15);
  EXPECT_EQ(m.counter_sums(0)(0, 1), 7);
  EXPECT_EQ(m.counter_sums(0)(0, 61), 1);
  EXPECT_EQ(m.counter_sums(1)(0, 0), 22);
  EXPECT_EQ(m.counter_sums(1)(0, 1), 1);
  EXPECT_EQ(m.buckets(0), 62);
  EXPECT_EQ(m.buckets(1), 2);
}

TEST(MetricRecorder, WritesInAnyOrderAroundTheHorizonLandInTheirBuckets) {
  // The recorder remembers the last write's bucket; a write at exactly the horizon still goes to
  // the last covered bucket, and one past it to the bucket after, whatever came before.
  MetricRecorder m(10_min, {60_s});
  const SeriesId n = m.add_counter("n");
  m.add(n, Time::zero() + 599_s, 1);   // bucket 9
  m.add(n, Time::zero() + 601_s, 2);   // bucket 10, past the horizon
  m.add(n, Time::zero() + 10_min, 4);  // exactly the horizon: bucket 9
  m.add(n, Time::zero() + 600_s + 1_ms, 8);
  m.add(n, Time::zero() + 10_min, 16);
  m.add(n, Time::zero() + 5_s, 32);  // an earlier bucket again
  m.add(n, Time::zero() + 598_s, 64);
  EXPECT_EQ(m.counter_sums(0)(0, 9), 1 + 4 + 16 + 64);
  EXPECT_EQ(m.counter_sums(0)(0, 10), 2 + 8);
  EXPECT_EQ(m.counter_sums(0)(0, 0), 32);
}

TEST(MetricRecorder, GaugesKeepLastAndMaxPerBucket) {
  MetricRecorder m(1_min, {60_s});
  const SeriesId lag = m.add_gauge("IteratorAgeMilliseconds");
  m.set(lag, Time::zero() + 1_s, 5);
  m.set(lag, Time::zero() + 2_s, 50);
  m.set(lag, Time::zero() + 3_s, 20);
  EXPECT_EQ(m.gauge_last(0)(0, 0), 20);
  EXPECT_EQ(m.gauge_max(0)(0, 0), 50);
}

TEST(MetricRecorder, UnsetGaugeBucketsAreNaN) {
  MetricRecorder m(3_min, {60_s});
  const SeriesId g = m.add_gauge("g");
  m.set(g, Time::zero() + 150_s, 1);
  EXPECT_TRUE(std::isnan(m.gauge_last(0)(0, 0)));
  EXPECT_EQ(m.gauge_last(0)(0, 2), 1);
}

TEST(MetricRecorder, GrowsPastTheHorizonAndKeepsEarlierData) {
  MetricRecorder m(10_s, {1_s});
  const SeriesId c = m.add_counter("c");
  m.add(c, Time::zero() + 3_s, 2);
  m.add(c, Time::zero() + 1_h, 4);
  EXPECT_EQ(m.buckets(0), 3601);
  EXPECT_EQ(m.counter_sums(0)(0, 3), 2);
  EXPECT_EQ(m.counter_sums(0)(0, 3600), 4);
  EXPECT_EQ(m.counter_sums(0).row(0).sum(), 6);
}

TEST(MetricRecorder, SeriesAddedLaterStartEmpty) {
  MetricRecorder m(1_min, {1_s});
  const SeriesId a = m.add_counter("a");
  m.add(a, Time::zero() + 2_s, 1);
  const SeriesId b = m.add_counter("b");
  EXPECT_EQ(m.counter_sums(0)(b.row, 2), 0);
  EXPECT_EQ(m.counter_names().at(1), "b");
}

TEST(MetricRecorder, AWriteAtTheHorizonBelongsToTheLastBucketNotANewOne) {
  // A run of one hour at 1 m has 60 buckets; an event at exactly 1 h (the run's last instant)
  // must not open a 61st, all but empty.
  MetricRecorder m(1_h, {60_s});
  const SeriesId c = m.add_counter("c");
  m.add(c, Time::zero() + 59_min, 2);
  m.add(c, Time::zero() + 1_h, 3);
  EXPECT_EQ(m.buckets(0), 60);
  EXPECT_EQ(m.counter_sums(0)(0, 59), 5);
}

TEST(MetricRecorder, PeakIsPerSecondOfTheBucketTheRunCovered) {
  // 30 s at 900 records/s in a 60 s bucket: the peak is 900/s, not 27,000 / 60.
  MetricRecorder m(30_s, {60_s});
  const SeriesId c = m.add_counter("c");
  for (int s = 0; s < 30; ++s) m.add(c, Time::zero() + Duration::seconds(s), 900);
  EXPECT_DOUBLE_EQ(m.peak_per_second(c), 900.0);
}

TEST(MetricRecorder, PeakOverALifetimeCountsOnlyTheSecondsItCovered) {
  // A shard alive from 30 s to 90 s writes 100/s: each of its two buckets holds 30 s of data.
  MetricRecorder m(2_min, {60_s});
  const SeriesId c = m.add_counter("c");
  for (int s = 30; s < 90; ++s) m.add(c, Time::zero() + Duration::seconds(s), 100);
  EXPECT_DOUBLE_EQ(m.peak_per_second(c, 0, Time::zero() + 30_s, Time::zero() + 90_s), 100.0);
  EXPECT_DOUBLE_EQ(m.peak_per_second(c), 50.0) << "over the whole run each bucket is full";
}

TEST(MetricRecorder, AnAmountAtTheHorizonIsInTheLastBucketButInNoRate) {
  // 1,000/s evenly for 10 s at 1 s: the last bucket holds 1,000 and the record at exactly 10 s.
  // Its sum is 1,001; its rate over the second it covers is 1,000/s.
  MetricRecorder m(10_s, {1_s});
  const SeriesId c = m.add_counter("c");
  const SeriesId d = m.add_counter("d");
  for (int k = 1; k <= 10'000; ++k) m.add(c, 1.0, d, 2.0, Time::from_nanos(k * 1'000'000LL));
  EXPECT_EQ(m.counter_sums(0)(0, 9), 1001);
  EXPECT_DOUBLE_EQ(m.peak_per_second(c), 1000.0);
  EXPECT_DOUBLE_EQ(m.peak_per_second(d), 2000.0);
  const SeriesId both[] = {c, d};
  EXPECT_DOUBLE_EQ(m.peak_per_second(both, 0, Time::zero(), Time::zero() + 10_s), 3000.0);
}

TEST(MetricRecorder, APeakSkipsBucketsCoveredForLessThanHalfTheirWidth) {
  // A run of 60.003 s at 1 m: 500/s, then 60 records in the 3 ms tail (one request landing).
  // 60 / 0.003 s = 20,000/s is no rate; the peak is the full bucket's 500/s.
  MetricRecorder tail(Duration::millis(60'003), {60_s});
  const SeriesId c = tail.add_counter("c");
  tail.add(c, Time::zero() + 30_s, 30'000);
  tail.add(c, Time::from_nanos(60'001'000'000), 60);
  EXPECT_DOUBLE_EQ(tail.peak_per_second(c), 500.0);
  // A 30 s tail at 800/s after a minute at 100/s covers half its bucket: it counts.
  MetricRecorder half(90_s, {60_s});
  const SeriesId h = half.add_counter("h");
  half.add(h, Time::zero() + 30_s, 6'000);
  half.add(h, Time::zero() + 75_s, 24'000);
  EXPECT_DOUBLE_EQ(half.peak_per_second(h), 800.0);
  // When no bucket is covered for half its width, the partial ones are all there is.
  MetricRecorder short_run(10_s, {60_s});
  const SeriesId s = short_run.add_counter("s");
  short_run.add(s, Time::zero() + 5_s, 700);
  EXPECT_DOUBLE_EQ(short_run.peak_per_second(s), 70.0);
  // A lifetime from 50 s to 130 s: 10 s, then 60 s (full), then 10 s.
  MetricRecorder life(3_min, {60_s});
  const SeriesId l = life.add_counter("l");
  life.add(l, Time::zero() + 55_s, 10'000);
  life.add(l, Time::zero() + 90_s, 6'000);
  life.add(l, Time::zero() + 125_s, 10'000);
  EXPECT_DOUBLE_EQ(life.peak_per_second(l, 0, Time::zero() + 50_s, Time::zero() + 130_s), 100.0);
}

TEST(MetricRecorder, RejectsInvalidResolutions) {
  EXPECT_THROW(MetricRecorder(1_min, {}), std::invalid_argument);
  EXPECT_THROW(MetricRecorder(1_min, {0_s}), std::invalid_argument);
}

}  // namespace
}  // namespace kinesim::sim
