#include <gtest/gtest.h>

#include "models/core/pricing.h"

namespace kinesim::core {
namespace {

TEST(Pricing, TableCarriesItsDateSourceAndSpecPrices) {
  EXPECT_STREQ(kUsEast1Prices.region, "us-east-1");
  EXPECT_STRNE(kUsEast1Prices.version.date, "");
  EXPECT_DOUBLE_EQ(kUsEast1Prices.provisioned.shard_hour, 0.015);
  EXPECT_DOUBLE_EQ(kUsEast1Prices.provisioned.per_million_put_payload_units, 0.014);
  EXPECT_DOUBLE_EQ(kUsEast1Prices.on_demand.stream_hour, 0.04);
  EXPECT_DOUBLE_EQ(kUsEast1Prices.on_demand.ingest_per_gb, 0.08);
  EXPECT_DOUBLE_EQ(kUsEast1Prices.advantage.ingest_per_gb, 0.032);
  EXPECT_DOUBLE_EQ(kUsEast1Prices.advantage.stream_hour, 0.0);
}

TEST(Pricing, PutPayloadUnitsRoundUpPer25KB) {
  EXPECT_EQ(put_payload_units(0), 1u);
  EXPECT_EQ(put_payload_units(1), 1u);
  EXPECT_EQ(put_payload_units(25 * 1024), 1u);
  EXPECT_EQ(put_payload_units(25 * 1024 + 1), 2u);
  EXPECT_EQ(put_payload_units(1024 * 1024), 41u);
}

TEST(Pricing, OnDemandBillsEachRecordRoundedUpToOneKB) {
  EXPECT_EQ(on_demand_billed_bytes(1), 1024u);
  EXPECT_EQ(on_demand_billed_bytes(1024), 1024u);
  EXPECT_EQ(on_demand_billed_bytes(1025), 2048u);
}

TEST(Limits, ShardWriteLimitsMatchTheSpec) {
  constexpr ShardWriteLimits w;
  EXPECT_EQ(w.bytes_per_sec, 1048576u);
  EXPECT_EQ(w.records_per_sec, 1000u);
  constexpr PutLimits p;
  EXPECT_EQ(p.max_records_per_request, 500u);
  EXPECT_EQ(p.max_request_bytes, 10u * 1048576u);
}

}  // namespace
}  // namespace kinesim::core
