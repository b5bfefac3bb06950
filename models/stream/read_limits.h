// The shared (polling) read limits of one shard, split among all its polling readers (SPEC §4):
// 5 GetRecords calls/s, 2 MiB/s, at most 10,000 records and 10 MiB per call, and optionally
// 2,000 records/s. State plus two pure steps: admit() judges a call and says how much it may
// return, charge() takes what it returned. The stream reads retention in between.
//
// Every call counts against the call bucket, an empty one too; a call refused by the call bucket
// takes no token (there is none), so readers beyond the 5 calls/s share are refused, not
// starved. The byte bucket (like the optional records bucket) may be overdrawn by one call up to
// `debt_bytes` and refuses calls while it is in debt; that is where "10 MiB, then 5 s of
// throttling" and "any other overrun, about 1 s" come from (see core::ShardReadLimits).
#pragma once

#include <algorithm>
#include <cstdint>

#include "models/core/limits.h"
#include "models/stream/integer_token_bucket.h"
#include "sim/time.h"

namespace kinesim::models {

// What an admitted call may return; nothing when it was refused.
struct ReadGrant {
  bool admitted = false;  // false: ProvisionedThroughputExceededException
  uint64_t max_records = 0;
  uint64_t max_bytes = 0;
};

class ShardReadLimiter {
 public:
  ShardReadLimiter() = default;
  // Starts with full buckets at `start`; `records_per_sec_on` applies limits.records_per_sec.
  ShardReadLimiter(const core::ShardReadLimits& limits, bool records_per_sec_on,
                   sim::Time start = sim::Time::zero())
      : limits_(limits),
        records_on_(records_per_sec_on),
        calls_(limits.get_records_calls_per_sec, limits.burst_get_records_calls, start),
        bytes_(limits.bytes_per_sec, limits.burst_bytes, start),
        records_(limits.records_per_sec, limits.burst_records, start) {}

  // A GetRecords call with `limit` records at `now` (limit already validated: 1..10,000).
  ReadGrant admit(sim::Time now, uint32_t limit) {
    calls_.refill(now);
    if (!calls_.has(1)) return {};
    calls_.take(1);
    bytes_.refill(now);
    if (bytes_.in_debt()) return {};
    uint64_t max_records = std::min<uint64_t>(limit, limits_.max_records_per_call);
    if (records_on_) {
      records_.refill(now);
      if (records_.in_debt()) return {};
      max_records = std::min(
          max_records, static_cast<uint64_t>(records_.tokens()) + uint64_t{limits_.debt_records});
    }
    const uint64_t max_bytes = std::min(
        limits_.max_bytes_per_call, static_cast<uint64_t>(bytes_.tokens()) + limits_.debt_bytes);
    return {true, max_records, max_bytes};
  }
  // What the admitted call returned.
  void charge(uint64_t records, uint64_t bytes) {
    bytes_.take(bytes);
    if (records_on_) records_.take(records);
  }

  const IntegerTokenBucket& calls() const { return calls_; }
  const IntegerTokenBucket& bytes() const { return bytes_; }
  const IntegerTokenBucket& records() const { return records_; }

 private:
  core::ShardReadLimits limits_;
  bool records_on_ = false;
  IntegerTokenBucket calls_;
  IntegerTokenBucket bytes_;
  IntegerTokenBucket records_;
};

}  // namespace kinesim::models
