// Workload pieces the producers share: key names and their lengths, and RecordSource (records
// drawn ahead must be exactly the records drawn one at a time).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/producer/producer_config.h"
#include "models/workload/arrivals.h"
#include "models/workload/keys.h"
#include "models/workload/record_source.h"

namespace kinesim::models {
namespace {

TEST(DecimalDigits, MatchesTheLengthOfTheDecimalText) {
  std::vector<uint64_t> values = {0, 1, 9, UINT64_MAX, UINT64_MAX - 1};
  uint64_t p = 1;
  for (int i = 0; i < 19; ++i) {
    p *= 10;
    values.insert(values.end(), {p - 2, p - 1, p, p + 1});
  }
  for (uint64_t b = 1; b != 0; b <<= 1) values.insert(values.end(), {b - 1, b, b + 1});
  for (const uint64_t v : values) {
    EXPECT_EQ(decimal_digits(v), std::to_string(v).size()) << v;
  }
}

TEST(KeySpace, PartitionKeyBytesIsTheLengthOfTheKeyName) {
  KeysConfig c;
  c.dist = KeysConfig::Dist::kHot;
  c.hot = {{"celebrity", 0.2}, {"x", 0.1}};
  c.count = 100'001;
  c.prefix = "user-";
  KeySpace keys(c);
  std::vector<uint64_t> ids = {0, 1, 2, 3, 10, 11, 12, 101, 102, 1'001, 10'001, 100'001, 100'002};
  for (const uint64_t id : ids) {
    EXPECT_EQ(keys.partition_key_bytes(id), keys.name(id).size()) << keys.name(id);
  }
  EXPECT_EQ(keys.name(0), "celebrity");
  EXPECT_EQ(keys.name(2), "user-0");
  EXPECT_EQ(keys.name(100'002), "user-100000");
}

TEST(KeySpace, AHotKeyNamedLikeOneOfTheRestsKeysIsItsTwin) {
  // hot "user-17" beside the rest's "user-0" ... "user-19999": the same name, hash and shard.
  KeysConfig c;
  c.dist = KeysConfig::Dist::kHot;
  c.hot = {{"user-17", 0.2}, {"user-017", 0.1}, {"user-20000", 0.1}, {"celebrity", 0.1}};
  c.count = 20'000;
  c.prefix = "user-";
  KeySpace keys(c);
  using Twin = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(keys.twins(), (std::vector<Twin>{{0, 4 + 17}}));
  EXPECT_EQ(keys.name(0), keys.name(4 + 17));
  EXPECT_EQ(keys.hash(0), keys.hash(4 + 17));
}

TEST(KeySpace, ExplicitHashKeyRecordsCarryTheDocumentedPartitionKey) {
  // docs/scenarios.md: records carry `partition_key` ("pk" by default), also when no hash keys
  // are listed and each record draws its hash key uniformly; its bytes count towards the limits.
  KeysConfig c;
  c.dist = KeysConfig::Dist::kExplicitHashKeys;
  c.explicit_partition_key = "tenant-a";
  const KeySpace uniform(c);
  EXPECT_EQ(uniform.partition_key_bytes(12345), 8u);
  c.explicit_hash_keys = {{core::uint128{1} << 127, 1.0}};
  const KeySpace listed(c);
  EXPECT_EQ(listed.partition_key_bytes(0), 8u);
}

TEST(KeySpace, ExplicitHashKeysAreNamedByTheirHashKeyNotTheSharedPartitionKey) {
  // hottest_keys listed "pk" once per hash key: every record carries the one partition key, and
  // what tells the keys apart is the ExplicitHashKey.
  KeysConfig c;
  c.dist = KeysConfig::Dist::kExplicitHashKeys;
  c.explicit_hash_keys = {{core::uint128{1}, 1.0}, {core::uint128{1} << 127, 1.0}};
  const KeySpace keys(c);
  EXPECT_EQ(keys.name(0), "1");
  EXPECT_EQ(keys.name(1), "170141183460469231731687303715884105728");
  EXPECT_EQ(keys.partition_key_bytes(1), 2u);  // "pk"
}

TEST(SizeSampler, HoldsALognormalTailDrawAtTheLargestSizeNotBelowIt) {
  // Sigma 4 around 10 MiB: about one draw in 4,000 lies beyond 4 GiB.
  Distribution d;
  d.kind = Distribution::Kind::kLognormal;
  d.mean = 10.0 * 1024 * 1024;
  d.sigma = 4;
  const SizeSampler sizes(d);
  sim::RngStream rng = sim::RngStream::derive(1, "sizes");
  uint32_t largest = 0;
  int held = 0;
  for (int i = 0; i < 100'000; ++i) {
    const uint32_t v = sizes.sample(rng);
    largest = std::max(largest, v);
    held += v == kMaxSizeBytes ? 1 : 0;
  }
  EXPECT_EQ(largest, kMaxSizeBytes);
  EXPECT_GT(held, 5);
  EXPECT_LT(held, 60);
}

// Fast mode's tabulated lognormal is the rounded lognormal itself: the central table and the
// table of the values outside it (both tails, 1e-4 of the mass) together. Over 4,000,000 draws,
// 50 bins of about equal probability pass a chi-square test at 0.1 %, and the draws beyond the
// lognormal's 3e-5 quantile on each side (only the outside table holds them) number 120 ± 5
// standard deviations: a draw that never reached the outside table, or put its values at the
// wrong sizes, fails.
TEST(SizeSampler, TabulatedLognormalDrawsTheRoundedLognormalWithBothTails) {
  Distribution d;
  d.kind = Distribution::Kind::kLognormal;
  d.mean = 300;
  d.sigma = 0.5;
  SizeSampler sizes(d);
  sizes.tabulate();
  const double mu = std::log(d.mean) - 0.5 * d.sigma * d.sigma;
  // P(draw <= x) for the continuous lognormal; a rounded draw k is <= c - 1 when the continuous
  // one is below c - 0.5.
  const auto cdf = [&](double x) {
    return x <= 0 ? 0.0 : 0.5 * std::erfc(-(std::log(x) - mu) / (d.sigma * std::sqrt(2.0)));
  };
  const auto quantile_size = [&](double z) { return std::round(std::exp(mu + d.sigma * z)); };
  // Cut points at the standard normal's quantiles j / 50, by bisection on erfc.
  const auto normal_quantile = [](double p) {
    double lo = -10, hi = 10;
    for (int i = 0; i < 200; ++i) {
      const double mid = 0.5 * (lo + hi);
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  };
  constexpr std::size_t kBins = 50;
  std::vector<double> cuts;  // bin j holds sizes in [cuts[j - 1], cuts[j])
  for (std::size_t j = 1; j < kBins; ++j) {
    cuts.push_back(quantile_size(normal_quantile(static_cast<double>(j) / kBins)));
  }
  const double low = quantile_size(normal_quantile(3e-5));
  const double high = quantile_size(normal_quantile(1 - 3e-5));
  std::vector<uint64_t> counts(kBins, 0);
  uint64_t below = 0, above = 0;
  constexpr uint64_t kDraws = 4'000'000;
  sim::RngStream rng = sim::RngStream::derive(7, "tabulated sizes");
  for (uint64_t i = 0; i < kDraws; ++i) {
    const auto v = static_cast<double>(sizes.sample_tabulated(rng));
    const auto bin = std::upper_bound(cuts.begin(), cuts.end(), v) - cuts.begin();
    ++counts[static_cast<std::size_t>(bin)];
    below += v < low ? 1 : 0;
    above += v > high ? 1 : 0;
  }
  double chi2 = 0;
  for (std::size_t j = 0; j < kBins; ++j) {
    const double from = j == 0 ? 0.0 : cdf(cuts[j - 1] - 0.5);
    const double to = j == kBins - 1 ? 1.0 : cdf(cuts[j] - 0.5);
    const double expected = (to - from) * static_cast<double>(kDraws);
    const double diff = static_cast<double>(counts[j]) - expected;
    chi2 += diff * diff / expected;
  }
  EXPECT_LT(chi2, 85.35);  // chi-square, 49 degrees of freedom, 0.1 %
  // Expected counts beyond the tail cuts, from the same distribution function.
  const double expect_below = cdf(low - 0.5) * static_cast<double>(kDraws);
  const double expect_above = (1 - cdf(high + 0.5)) * static_cast<double>(kDraws);
  EXPECT_NEAR(static_cast<double>(below), expect_below, 5 * std::sqrt(expect_below));
  EXPECT_NEAR(static_cast<double>(above), expect_above, 5 * std::sqrt(expect_above));
  EXPECT_GT(expect_below, 100.0);
  EXPECT_GT(expect_above, 100.0);
}

ProducerConfig poisson_producer() {
  ProducerConfig c;
  c.name = "p";
  c.instances = 3;
  c.rate.profile = RateConfig::Profile::kSchedule;
  // 500 records/s for 2 s, then nothing: the source ends.
  c.rate.steps = {{sim::Duration(), 500}, {sim::Duration::seconds(2), 0}};
  c.keys.dist = KeysConfig::Dist::kZipf;
  c.keys.count = 1000;
  c.keys.s = 1.1;
  c.record_size.kind = Distribution::Kind::kLognormal;
  c.record_size.mean = 300;
  c.record_size.sigma = 0.5;
  return c;
}

TEST(RecordSource, DrawsTheSameRecordsAsDrawingOneAtATime) {
  const ProducerConfig c = poisson_producer();
  KeySpace keys(c.keys);
  const SizeSampler sizes(c.record_size);
  RecordSource source(c, 1, 42, keys, sizes, nullptr);
  // The same streams, drawn by hand one record at a time.
  ArrivalProcess arrivals(c.rate, c.instances, 1, c.start,
                          sim::RngStream::derive(42, "producer/p/1/arrivals"));
  sim::RngStream rng = sim::RngStream::derive(42, "producer/p/1/records");
  uint64_t n = 0;
  for (const DrawnRecord* r = source.front(); r != nullptr; r = source.front()) {
    const sim::Time t = arrivals.next();
    ASSERT_NE(t, sim::Time::max());
    EXPECT_EQ(r->created, t);
    const uint64_t key = keys.sample(rng);
    EXPECT_EQ(r->key, key);
    EXPECT_EQ(r->data_bytes, sizes.sample(rng));
    EXPECT_EQ(r->pk_bytes, keys.name(key).size());
    EXPECT_EQ(r->bytes(), uint64_t{r->data_bytes} + r->pk_bytes);
    source.pop();
    ++n;
  }
  EXPECT_EQ(arrivals.next(), sim::Time::max());
  // Poisson at 500/s over 2 s, one instance in three: about 333 records.
  EXPECT_GT(n, 250u);
  EXPECT_LT(n, 420u);
}

// Evenly spaced arrivals sit exactly at k / rate (to the nanosecond), however long the run:
// adding 10 ms gaps one by one in doubles ended an hour 360,000 records later short of 3,600 s,
// and the record at exactly the run's end was lost. Across a schedule step the spacing starts
// afresh from the step at the new rate.
TEST(ArrivalProcess, EvenlySpacedArrivalsDoNotDriftOverAnHour) {
  RateConfig rate;
  rate.profile = RateConfig::Profile::kConstant;
  rate.records_per_sec = 100;
  ArrivalProcess one(rate, 1, 0, Duration(), sim::RngStream::derive(1, "a"));
  for (int64_t k = 1; k <= 360'000; ++k) {
    ASSERT_EQ(one.next().nanos(), k * 10'000'000) << "arrival " << k;
  }
  // 1,500/s from 40 min: the 1,800,000th arrival is at exactly 1 h.
  rate.records_per_sec = 1500;
  ArrivalProcess late(rate, 1, 0, Duration::minutes(40), sim::RngStream::derive(1, "b"));
  sim::Time t;
  for (int k = 0; k < 1'800'000; ++k) t = late.next();
  EXPECT_EQ(t, sim::Time::zero() + Duration::hours(1));
  // Three instances of 300/s together: every 1/300 s, instance 1 a third of its gap later.
  rate.records_per_sec = 300;
  ArrivalProcess second(rate, 3, 1, Duration(), sim::RngStream::derive(1, "c"));
  EXPECT_EQ(second.next().nanos(), 13'333'333);  // (1 + 1/3) / 100 s
  for (int k = 0; k < 99; ++k) second.next();
  EXPECT_EQ(second.next().nanos(), 1'013'333'333);  // the 101st, (101 + 1/3) / 100 s
  // A schedule: 10/s until 1 s, then 4/s: the first arrival after the step at 1.25 s.
  RateConfig steps;
  steps.profile = RateConfig::Profile::kSchedule;
  steps.poisson = false;
  steps.steps = {{Duration(), 10}, {Duration::seconds(1), 4}};
  ArrivalProcess stepped(steps, 1, 0, Duration(), sim::RngStream::derive(1, "d"));
  std::vector<int64_t> ms;
  for (int k = 0; k < 12; ++k) ms.push_back(stepped.next().nanos() / 1'000'000);
  EXPECT_EQ(ms,
            (std::vector<int64_t>{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1250, 1500}));
}

// Poisson arrivals drawn a window at a time are a Poisson process of the profile's rate: over
// 400 seeds of a schedule (nothing until 10 s, 500/s until 40 s, 2,000/s until 41 s, then
// nothing), counts in an interval straddling window boundaries have the Poisson mean and
// variance, and gaps inside a segment are exponential (Kolmogorov-Smirnov), across the windows'
// edges too.
TEST(PoissonWindows, DrawAPoissonProcessOfTheProfilesRate) {
  RateConfig rate;
  rate.profile = RateConfig::Profile::kSchedule;
  rate.steps = {{sim::Duration::seconds(10), 500},
                {sim::Duration::seconds(40), 2000},
                {sim::Duration::seconds(41), 0}};
  constexpr int kSeeds = 400;
  const double a = 20.3, b = 20.5;  // 100 expected; windows are 256 / 500 s wide from 10 s
  double sum = 0, sq = 0, total = 0;
  std::vector<double> gaps;
  for (int seed = 0; seed < kSeeds; ++seed) {
    // Two instances share the rate: each draws at half of it.
    PoissonWindows w(rate, 2, sim::Duration(), sim::RngStream(static_cast<uint64_t>(seed)));
    double in = 0, last = -1;
    uint64_t n = 0;
    for (sim::Time t = w.next(); t != sim::Time::max(); t = w.next()) {
      const double x = t.to_seconds();
      ASSERT_GE(x, 10.0);
      ASSERT_LE(x, 41.0);
      ASSERT_GE(x, last);
      if (x >= a && x < b) ++in;
      if (seed < 20 && last >= 10.0 && x < 40.0) gaps.push_back(x - last);
      last = x;
      ++n;
    }
    sum += in;
    sq += in * in;
    total += static_cast<double>(n);
  }
  const double mean = sum / kSeeds;
  const double var = sq / kSeeds - mean * mean;
  const double expected = 250 * (b - a);
  EXPECT_NEAR(mean, expected, 5 * std::sqrt(expected / kSeeds));
  EXPECT_NEAR(var / mean, 1.0, 0.25);  // the dispersion of a Poisson count
  const double per_run = 250 * 30 + 1000 * 1;
  EXPECT_NEAR(total / kSeeds, per_run, 5 * std::sqrt(per_run / kSeeds));
  // Gaps inside the 500/s segment: Exp(250) for one of two instances.
  std::sort(gaps.begin(), gaps.end());
  double d = 0;
  const auto n = static_cast<double>(gaps.size());
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    const double f = 1 - std::exp(-250 * gaps[i]);
    d = std::max({d, std::abs(f - static_cast<double>(i) / n),
                  std::abs(f - static_cast<double>(i + 1) / n)});
  }
  EXPECT_LT(d, 1.95 / std::sqrt(n)) << gaps.size() << " gaps";  // KS at 0.1 %
}

TEST(RecordSource, PopHandsBackTheRecordEnteringTheWindow) {
  const ProducerConfig c = poisson_producer();
  KeySpace keys(c.keys);
  const SizeSampler sizes(c.record_size);
  RecordSource ahead(c, 0, 7, keys, sizes, nullptr);
  RecordSource plain(c, 0, 7, keys, sizes, nullptr);
  std::vector<DrawnRecord> seen;
  while (plain.front() != nullptr) {
    seen.push_back(*plain.front());
    plain.pop();
  }
  ASSERT_GT(seen.size(), RecordSource::kLookahead);
  std::size_t i = 0;
  ASSERT_NE(ahead.front(), nullptr);
  for (;;) {
    EXPECT_EQ(ahead.front()->created, seen[i].created);
    const DrawnRecord* entered = ahead.pop();
    ++i;
    const std::size_t expected = i + RecordSource::kLookahead - 1;
    if (expected < seen.size()) {
      ASSERT_NE(entered, nullptr);
      EXPECT_EQ(entered->created, seen[expected].created);
      EXPECT_EQ(entered->key, seen[expected].key);
    } else {
      EXPECT_EQ(entered, nullptr);
    }
    if (ahead.front() == nullptr) break;
  }
  EXPECT_EQ(i, seen.size());
}

}  // namespace
}  // namespace kinesim::models
