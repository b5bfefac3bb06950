// What the simulated traffic costs (SPEC §6): as simulated (each stretch of the run priced in
// the capacity mode it ran in, with the shards it had), and under the three capacity modes side
// by side for the whole traffic, whatever mode the scenario ran, and what the classic sizing
// formula (SPEC §10) would have provisioned beside what the simulation saw. Every price comes from
// core::PriceTable.
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

// Prices `result`'s traffic under every capacity mode.
CostReport price(const Result& result, const core::PriceTable& prices = core::kUsEast1Prices);

// The classic formula on one load figure.
struct SizingEstimate {
  // Kinesis records/s: what a shard's records/s limit counts (a KPL aggregate is one).
  double records_per_sec = 0;
  double user_records_per_sec = 0;  // the user records in them
  double write_kib_per_sec = 0;
  double read_kib_per_sec = 0;      // write × polling consumers
  uint32_t shards_for_write = 0;    // ceil(write KiB/s / 1024)
  uint32_t shards_for_read = 0;     // ceil(read KiB/s / 2048)
  uint32_t shards_for_records = 0;  // ceil(records/s / 1000)
  uint32_t shards = 0;              // the largest of the three, at least 1
};

struct SizingReport {
  uint32_t polling_consumers = 0;  // none until consumers exist
  SizingEstimate mean;             // produced records and bytes over the duration
  SizingEstimate peak;             // busiest metric bucket, summed over producers
  uint32_t simulated_initial_shards = 0;
  uint32_t simulated_final_shards = 0;
  uint32_t simulated_max_shards = 0;  // open shards at the widest point of the run
  uint32_t simulated_min_shards = 0;  // and at the narrowest
  double simulated_mean_shards = 0;   // time-weighted over the run
  double throttled_fraction = 0;      // throttled entry attempts / all entry attempts
  // One sentence: formula vs simulation, and why. With a fixed provisioned count it says
  // whether that count was enough and whether the formula's would do; when the count changed
  // (autoscaler, on-demand, timeline reshards) it gives the range the run went through and
  // where its throttling came from, and says that a fixed count at the formula's peak was not
  // simulated (this run cannot tell whether it would have been enough).
  std::string comparison;
};

// One sizing estimate from a load: records/s and bytes/s written, `polling_consumers` readers.
SizingEstimate sizing_estimate(double records_per_sec, double bytes_per_sec,
                               uint32_t polling_consumers);

// The formula on the mean and the peak load of `result`, beside what the simulation saw.
SizingReport size(const Result& result);

}  // namespace kinesim::models
