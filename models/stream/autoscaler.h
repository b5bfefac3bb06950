// A provisioned-mode autoscaler like amazon-kinesis-scaling-utils, as pure state: fed the
// stream's write utilisation once a minute, it decides when to call UpdateShardCount and to
// what, or why it does not. The stream carries the decision out and logs it.
#pragma once

#include <cstdint>
#include <string>

#include "models/stream/stream_config.h"
#include "sim/time.h"

namespace kinesim::models {

struct AutoscaleDecision {
  enum class Kind : uint8_t { kNone, kScaleUp, kScaleDown, kSkip };
  Kind kind = Kind::kNone;
  uint32_t target = 0;     // kScaleUp, kScaleDown: the UpdateShardCount target
  std::string reason;      // the utilisation and threshold; for kSkip, why no call was made
  std::string blocked_by;  // kSkip only: the obstacle alone (the stream logs each one once)
};

// What the stream tells the autoscaler besides utilisation.
struct AutoscaleConstraints {
  bool updating = false;                         // the stream is UPDATING
  sim::Time cooldown_until = sim::Time::zero();  // the last action completed + cooldown
  uint32_t calls_last_24h = 0;                   // UpdateShardCount calls in the rolling 24 h
};

class Autoscaler {
 public:
  explicit Autoscaler(const AutoscalerConfig& config) : config_(config) {}

  // One minute's utilisation (percent of the open shards' write capacity, the larger of bytes
  // and records, offered = accepted + throttled). After scale_up_after of consecutive minutes
  // above the threshold: ceil(n x (1 + pct/100)), at most 2n, max_shards and 10,000; after
  // scale_down_after below: ceil(n x (1 - pct/100)), at least ceil(n/2) and min_shards. A
  // blocked decision is a kSkip with its reason; the streak is kept, so it is retried next
  // minute. A decision made resets both streaks.
  AutoscaleDecision observe_minute(sim::Time now, double utilisation_pct, uint32_t open_shards,
                                   const AutoscaleConstraints& constraints);

  uint32_t minutes_above() const { return above_; }
  uint32_t minutes_below() const { return below_; }

 private:
  AutoscalerConfig config_;
  uint32_t above_ = 0;
  uint32_t below_ = 0;
};

}  // namespace kinesim::models
