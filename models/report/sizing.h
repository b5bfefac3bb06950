// The classic sizing formula (SPEC §10) on the mean and the peak load of a run, beside what the
// simulation saw with the shards it had, and the sentence that compares them. Above cost in the
// layers: it reads the report layer's key, shard and capacity analyses.
#pragma once

#include <cstdint>
#include <string>

#include "models/world/result.h"

namespace kinesim::models {

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
