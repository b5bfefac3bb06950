// Settings of the AWS SDK producer (SPEC §7).
#pragma once

#include <cstdint>

#include "models/core/limits.h"
#include "sim/time.h"

namespace kinesim::models {

using sim::Duration;

// The AWS SDK client as a caller drives it (SPEC §7).
struct SdkConfig {
  enum class Api : uint8_t { kPutRecords, kPutRecord };
  Api api = Api::kPutRecords;
  uint32_t max_batch_records = 500;
  uint64_t max_batch_bytes = 5 * core::kMiB;
  Duration linger = Duration::millis(100);
  uint32_t max_in_flight = 4;                     // concurrent requests per instance
  Duration backoff_base = Duration::millis(100);  // SDK standard retry mode
  Duration backoff_cap = Duration::seconds(20);
  uint32_t max_attempts = 3;                  // first try included
  uint64_t max_buffered_records = 1'000'000;  // per instance; beyond it records fail (BufferFull)
};

}  // namespace kinesim::models
