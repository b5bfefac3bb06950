// The us-east-1 price table as versioned data (SPEC.md §6). Cost models read prices only from
// here. "Unconfirmed" prices are AWS figures we could not confirm from a second source.
#pragma once

#include <cstdint>

#include "models/core/limits.h"

namespace kinesim::core {

struct ProvisionedPrices {
  double shard_hour = 0.015;
  double per_million_put_payload_units = 0.014;  // 25 KB units, rounded up per record
  double efo_consumer_shard_hour = 0.015;
  double efo_per_gb = 0.013;
  double extended_retention_shard_hour = 0.02;  // retention 24 h - 7 d
  double long_term_retention_gb_month = 0.023;  // retention > 7 d
  double long_term_retrieval_per_gb = 0.021;    // unconfirmed
};

struct OnDemandStandardPrices {
  double stream_hour = 0.04;
  double ingest_per_gb = 0.08;     // each record rounded up to 1 KB
  double retrieval_per_gb = 0.04;  // shared throughput
  double efo_per_gb = 0.05;
  double extended_retention_gb_month = 0.10;
  double long_term_retention_gb_month = 0.023;
};

struct OnDemandAdvantagePrices {
  double stream_hour = 0.0;
  double ingest_per_gb = 0.032;
  double retrieval_per_gb = 0.016;  // unconfirmed
  double efo_per_gb = 0.016;
  double extended_retention_gb_month = 0.023;
  double long_term_retention_gb_month = 0.023;
  double minimum_per_day = 100.0;  // approximately: the 25 MiB/s commitment
};

struct PriceTable {
  DataVersion version;
  const char* region;
  ProvisionedPrices provisioned;
  OnDemandStandardPrices on_demand;
  OnDemandAdvantagePrices advantage;
  // Billing units. AWS writes "KB"; we take 1 KB = 1,024 bytes and 1 GB = 2^30 bytes (assumed).
  uint64_t put_payload_unit_bytes = 25 * kKiB;
  uint64_t on_demand_record_rounding_bytes = 1 * kKiB;
  uint64_t billing_gb_bytes = kGiB;
  double hours_per_month = 730.0;  // AWS pricing-page convention
};

inline constexpr PriceTable kUsEast1Prices = {
    {"2026-03-31",
     "aws.amazon.com/kinesis/data-streams/pricing (us-east-1) and the On-demand Advantage "
     "announcement of Nov 2025; summarised in SPEC.md §6"},
    "us-east-1",
    {},
    {},
    {}};

// PUT payload units billed for one record of `bytes` (provisioned mode): ceil(bytes / 25 KB),
// at least one. Records of at most one unit (most of them, and 0 bytes) need no division.
inline uint64_t put_payload_units(uint64_t bytes, const PriceTable& prices = kUsEast1Prices) {
  const uint64_t unit = prices.put_payload_unit_bytes;
  return bytes <= unit ? 1 : (bytes + unit - 1) / unit;
}

// Bytes billed for one record in on-demand modes: rounded up to 1 KB, at least 1 KB.
inline uint64_t on_demand_billed_bytes(uint64_t bytes, const PriceTable& prices = kUsEast1Prices) {
  const uint64_t unit = prices.on_demand_record_rounding_bytes;
  return bytes <= unit ? unit : (bytes + unit - 1) / unit * unit;
}

// The billing quantities of a set of records, summed: the PUT payload units (provisioned) and the
// bytes billed on demand that accepting all of them costs.
struct PutBilling {
  uint64_t payload_units = 0;
  uint64_t billed_bytes = 0;
  void add(uint64_t bytes) {
    payload_units += put_payload_units(bytes);
    billed_bytes += on_demand_billed_bytes(bytes);
  }
  void remove(uint64_t bytes) {
    payload_units -= put_payload_units(bytes);
    billed_bytes -= on_demand_billed_bytes(bytes);
  }
  void add(const PutBilling& other) {
    payload_units += other.payload_units;
    billed_bytes += other.billed_bytes;
  }
};

}  // namespace kinesim::core
