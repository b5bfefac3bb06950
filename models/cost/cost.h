// What the simulated traffic costs (SPEC §6): as simulated (each stretch of the run priced in
// the capacity mode it ran in, with the shards it had), and under the three capacity modes side
// by side for the whole traffic, whatever mode the scenario ran. Every price comes from
// core::PriceTable. Numbers only (notes aside): the report layer renders them and the sizing
// formula (report/sizing.h) sits beside them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/core/pricing.h"
#include "models/world/result.h"

namespace kinesim::models {

// One billed item: quantity × unit_price = run_cost; per_hour = run_cost / simulated hours;
// per_month = per_hour × PriceTable::hours_per_month.
struct CostComponent {
  std::string name;  // e.g. "shard hours"
  double quantity = 0;
  std::string unit;  // e.g. "shard-hour", "GB", "million PUT payload units"
  double unit_price = 0;
  double run_cost = 0;
  double per_hour = 0;
  double per_month = 0;
  std::string note;  // why it is zero, how it was estimated
};

struct ModeCost {
  CapacityMode mode = CapacityMode::kProvisioned;
  std::string name;        // "provisioned", "on-demand Standard", "On-demand Advantage"
  bool simulated = false;  // the mode the scenario itself used
  std::vector<CostComponent> components;
  double run_cost = 0;
  double per_hour = 0;
  double per_month = 0;
  std::vector<std::string> notes;
};

struct CostReport {
  double simulated_hours = 0;
  double hours_per_month = 0;
  std::vector<ModeCost> modes;  // provisioned, on-demand Standard, On-demand Advantage
  // The run as it happened: Result::capacity_segments grouped by mode, each group priced like
  // that mode's column over its own hours and quantities (components named "<mode>: <item>";
  // per_hour and per_month are over the whole run). Equal to the simulated mode's column
  // when the run never switched modes.
  ModeCost as_simulated;
  std::size_t cheapest = 0;  // index into modes, by cost per month (first on a tie)
  std::string region;
  std::string price_date;
  std::string price_source;
};

// Consumers that read through the shards' shared limits (GetRecords), and the bytes they read
// between them (on-demand bills retrieval per GB).
uint32_t polling_consumer_count(const Result& result);
uint64_t polling_bytes_read(const Result& result);
// Enhanced fan-out consumers, the bytes pushed to them, and their consumer-shard-hours (each
// open shard for every hour a consumer was registered: provisioned mode bills them).
uint32_t fan_out_consumer_count(const Result& result);
uint64_t fan_out_bytes_read(const Result& result);
double fan_out_consumer_shard_hours(const Result& result);

// Prices `result`'s traffic under every capacity mode.
CostReport price(const Result& result, const core::PriceTable& prices = core::kUsEast1Prices);

}  // namespace kinesim::models
