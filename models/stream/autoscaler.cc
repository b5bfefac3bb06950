#include "models/stream/autoscaler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "models/core/limits.h"

namespace kinesim::models {
namespace {

uint32_t minutes_of(sim::Duration d) {
  return static_cast<uint32_t>(
      std::max<int64_t>(1, (d + sim::Duration::seconds(59)) / sim::Duration::minutes(1)));
}

std::string pct_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", v);
  return buf;
}

}  // namespace

AutoscaleDecision Autoscaler::observe_minute(sim::Time now, double utilisation_pct,
                                             uint32_t open_shards,
                                             const AutoscaleConstraints& constraints) {
  if (utilisation_pct > config_.scale_up_threshold_pct) {
    ++above_;
    below_ = 0;
  } else if (utilisation_pct < config_.scale_down_threshold_pct) {
    ++below_;
    above_ = 0;
  } else {
    above_ = below_ = 0;
  }
  AutoscaleDecision d;
  const uint32_t n = open_shards;
  const core::StreamLimits limits;
  if (above_ >= minutes_of(config_.scale_up_after)) {
    const double grown = std::ceil(n * (1 + config_.scale_up_pct / 100.0) - 1e-9);
    const double bound = std::min({grown, 2.0 * n, static_cast<double>(config_.max_shards),
                                   static_cast<double>(limits.max_shards)});
    d.kind = AutoscaleDecision::Kind::kScaleUp;
    d.target = static_cast<uint32_t>(bound);
    d.reason = "write utilisation " + pct_text(utilisation_pct) + " above " +
               pct_text(config_.scale_up_threshold_pct) + " for " + std::to_string(above_) + " min";
  } else if (below_ >= minutes_of(config_.scale_down_after)) {
    const double shrunk = std::ceil(n * (1 - config_.scale_down_pct / 100.0) - 1e-9);
    const double bound =
        std::max({shrunk, std::ceil(n / 2.0), static_cast<double>(config_.min_shards), 1.0});
    d.kind = AutoscaleDecision::Kind::kScaleDown;
    d.target = static_cast<uint32_t>(bound);
    d.reason = "write utilisation " + pct_text(utilisation_pct) + " below " +
               pct_text(config_.scale_down_threshold_pct) + " for " + std::to_string(below_) +
               " min";
  } else {
    return d;
  }
  std::string why_not;
  if (d.target == n) {
    why_not = d.kind == AutoscaleDecision::Kind::kScaleUp
                  ? "already at the maximum of " + std::to_string(n) + " shards"
                  : "already at the minimum of " + std::to_string(n) + " shards";
  } else if (constraints.updating) {
    why_not = "the stream is UPDATING";
  } else if (now < constraints.cooldown_until) {
    why_not = "cooling down until " + sim::to_string(constraints.cooldown_until);
  } else if (constraints.calls_last_24h >= limits.update_shard_count_calls_per_day) {
    why_not = "LimitExceededException: " + std::to_string(limits.update_shard_count_calls_per_day) +
              " UpdateShardCount calls in the last 24 h";
  }
  if (!why_not.empty()) {
    d.reason += "; no call: " + why_not;
    d.blocked_by = why_not.substr(0, why_not.find(' ', why_not.find(' ') + 1));
    d.kind = AutoscaleDecision::Kind::kSkip;
    return d;
  }
  above_ = below_ = 0;
  return d;
}

}  // namespace kinesim::models
