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

TEST(MetricRecorder, RejectsInvalidResolutions) {
  EXPECT_THROW(MetricRecorder(1_min, {}), std::invalid_argument);
  EXPECT_THROW(MetricRecorder(1_min, {0_s}), std::invalid_argument);
}

}  // namespace
}  // namespace kinesim::sim
