#include "sim/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

namespace kinesim::sim {
namespace {

// Golden values computed by an independent Python transcription of SplitMix64 + xoshiro256**
// and of the (seed, name) derivation documented in rng.cc.
TEST(RngStream, MatchesReferenceXoshiroOutput) {
  RngStream r(42);
  EXPECT_EQ(r.next_u64(), 0x15780b2e0c2ec716ull);
  EXPECT_EQ(r.next_u64(), 0x6104d9866d113a7eull);
  EXPECT_EQ(r.next_u64(), 0xae17533239e499a1ull);
}

TEST(RngStream, DerivesEntityStreamsFromSeedAndName) {
  RngStream r = RngStream::derive(7, "producer/web/0");
  EXPECT_EQ(r.next_u64(), 0xd8e3203090051181ull);
  EXPECT_EQ(r.next_u64(), 0x06c6ff2ace62096eull);
}

TEST(RngStream, DifferentNamesGiveIndependentStreamsAndSameNameRepeats) {
  RngStream a = RngStream::derive(1, "a");
  RngStream b = RngStream::derive(1, "b");
  RngStream a2 = RngStream::derive(1, "a");
  RngStream other_seed = RngStream::derive(2, "a");
  const uint64_t va = a.next_u64();
  EXPECT_NE(va, b.next_u64());
  EXPECT_NE(va, other_seed.next_u64());
  EXPECT_EQ(va, a2.next_u64());
}

TEST(RngStream, UniformIsInUnitIntervalWithMeanOneHalf) {
  RngStream r(3);
  double sum = 0;
  constexpr int kN = 200'000;
  for (int i = 0; i < kN; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / kN, 0.5, 0.005);
}

TEST(RngStream, BelowIsUnbiasedOverSmallRange) {
  RngStream r(4);
  std::vector<int> counts(7, 0);
  constexpr int kN = 70'000;
  for (int i = 0; i < kN; ++i) ++counts[static_cast<size_t>(r.below(7))];
  for (const int c : counts) EXPECT_NEAR(c, kN / 7, 400);
}

TEST(RngStream, ExponentialHasMeanOneOverRate) {
  RngStream r(5);
  double sum = 0;
  constexpr int kN = 200'000;
  for (int i = 0; i < kN; ++i) sum += r.exponential(4.0);
  EXPECT_NEAR(sum / kN, 0.25, 0.25 * 0.01);
}

TEST(RngStream, NormalHasRequestedMeanAndDeviation) {
  RngStream r(6);
  double sum = 0;
  double sq = 0;
  constexpr int kN = 200'000;
  for (int i = 0; i < kN; ++i) {
    const double x = r.normal(10.0, 2.0);
    sum += x;
    sq += x * x;
  }
  const double mean = sum / kN;
  EXPECT_NEAR(mean, 10.0, 0.02);
  EXPECT_NEAR(std::sqrt(sq / kN - mean * mean), 2.0, 0.02);
}

TEST(RngStream, LognormalWithMuForMeanHasThatMean) {
  RngStream r(7);
  const double sigma = 0.5;
  const double mu = lognormal_mu_for_mean(800.0, sigma);
  double sum = 0;
  constexpr int kN = 400'000;
  for (int i = 0; i < kN; ++i) sum += r.lognormal(mu, sigma);
  EXPECT_NEAR(sum / kN, 800.0, 800.0 * 0.01);
}

class PoissonMean : public ::testing::TestWithParam<double> {};

TEST_P(PoissonMean, SampleMeanAndVarianceMatchTheMean) {
  const double lambda = GetParam();
  RngStream r(8);
  double sum = 0;
  double sq = 0;
  constexpr int kN = 200'000;
  for (int i = 0; i < kN; ++i) {
    const auto k = static_cast<double>(r.poisson(lambda));
    sum += k;
    sq += k * k;
  }
  const double mean = sum / kN;
  const double var = sq / kN - mean * mean;
  // 5 standard errors of the mean; variance within 3 %.
  EXPECT_NEAR(mean, lambda, 5 * std::sqrt(lambda / kN));
  EXPECT_NEAR(var / lambda, 1.0, 0.03);
}

INSTANTIATE_TEST_SUITE_P(SmallAndLargeMeans, PoissonMean,
                         ::testing::Values(0.5, 3.0, 9.99, 10.0, 50.0, 1000.0, 1e6, 1e9));

TEST(RngStream, PoissonOfSmallMeanMatchesTheProbabilityMassFunction) {
  RngStream r(9);
  constexpr int kN = 300'000;
  std::map<uint64_t, int> counts;
  for (int i = 0; i < kN; ++i) ++counts[r.poisson(2.0)];
  double p = std::exp(-2.0);
  for (uint64_t k = 0; k < 8; ++k) {
    EXPECT_NEAR(counts[k] / static_cast<double>(kN), p, 0.004) << "k=" << k;
    p *= 2.0 / static_cast<double>(k + 1);
  }
}

TEST(RngStream, RejectsInvalidParameters) {
  RngStream r(1);
  EXPECT_THROW(r.exponential(0), std::invalid_argument);
  EXPECT_THROW(r.poisson(-1), std::invalid_argument);
  EXPECT_THROW(r.poisson(NAN), std::invalid_argument);
  EXPECT_EQ(r.poisson(0), 0u);
}

TEST(AliasTable, SamplesInProportionToWeights) {
  const std::vector<double> w = {1, 0, 3, 6};
  AliasTable t(w);
  RngStream r(10);
  std::vector<int> counts(4, 0);
  constexpr int kN = 400'000;
  for (int i = 0; i < kN; ++i) ++counts[t.sample(r)];
  EXPECT_EQ(counts[1], 0) << "zero weight is never drawn";
  EXPECT_NEAR(counts[0] / static_cast<double>(kN), 0.1, 0.003);
  EXPECT_NEAR(counts[2] / static_cast<double>(kN), 0.3, 0.003);
  EXPECT_NEAR(counts[3] / static_cast<double>(kN), 0.6, 0.003);
  EXPECT_DOUBLE_EQ(t.probability(3), 0.6);
}

TEST(AliasTable, RejectsEmptyNegativeOrAllZeroWeights) {
  EXPECT_THROW(AliasTable(std::vector<double>{}), std::invalid_argument);
  EXPECT_THROW(AliasTable(std::vector<double>{1, -1}), std::invalid_argument);
  EXPECT_THROW(AliasTable(std::vector<double>{0, 0}), std::invalid_argument);
}

TEST(Zipf, FrequenciesFollowInversePowerLaw) {
  constexpr std::size_t kKeys = 1000;
  const double s = 1.1;
  Zipf z(kKeys, s);
  double h = 0;
  for (std::size_t k = 1; k <= kKeys; ++k) h += std::pow(static_cast<double>(k), -s);
  RngStream r(11);
  std::vector<int> counts(kKeys, 0);
  constexpr int kN = 1'000'000;
  for (int i = 0; i < kN; ++i) ++counts[z.sample(r)];
  for (std::size_t k : {0u, 1u, 2u, 9u, 99u}) {
    const double expected = std::pow(static_cast<double>(k + 1), -s) / h;
    EXPECT_NEAR(z.probability(k), expected, 1e-12);
    EXPECT_NEAR(counts[k] / static_cast<double>(kN), expected, 5 * std::sqrt(expected / kN) + 1e-4)
        << "rank " << k;
  }
}

}  // namespace
}  // namespace kinesim::sim
