// Amazon Data Firehose with the stream as its source (SPEC §8): it starts at LATEST, calls
// GetRecords once a second per shard against the shared limits, retries throttled calls for ever,
// de-aggregates KPL records, and delivers its buffer to the destination when the buffer reaches
// SizeInMBs or has been open IntervalInSeconds, whichever comes first.
#pragma once

#include <cstdint>

#include "models/core/limits.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

struct FirehoseConfig {
  uint64_t size_in_mbs = 5;            // SizeInMBs, 1..128 (MiB)
  uint32_t interval_in_seconds = 300;  // IntervalInSeconds, 0..900
  // From a delivery's start to the records being at the destination (assumed: 1 s fixed; it
  // depends on the destination and the object size). Seconds.
  sim::Distribution delivery_latency = [] {
    sim::Distribution d;
    d.value = 1.0;
    return d;
  }();

  uint64_t buffer_bytes() const { return size_in_mbs * core::kMiB; }
  sim::Duration buffer_interval() const {
    return sim::Duration::seconds(static_cast<int64_t>(interval_in_seconds));
  }
};

}  // namespace kinesim::models
