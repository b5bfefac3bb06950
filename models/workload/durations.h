// Durations drawn from a Distribution given in seconds (request latencies): fixed, uniform,
// lognormal (by mean and log-space sigma) or histogram points, never below 1 us.
#pragma once

#include <algorithm>

#include "models/workload/workload_config.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace kinesim::models {

class DurationSampler {
 public:
  explicit DurationSampler(const Distribution& d)
      : d_(d),
        mu_(d.kind == Distribution::Kind::kLognormal ? sim::lognormal_mu_for_mean(d.mean, d.sigma)
                                                     : 0.0) {}

  sim::Duration sample(sim::RngStream& rng) const {
    double s = 0;
    switch (d_.kind) {
      case Distribution::Kind::kFixed:
        s = d_.value;
        break;
      case Distribution::Kind::kUniform:
        s = rng.uniform(d_.min, d_.max);
        break;
      case Distribution::Kind::kLognormal:
        s = rng.lognormal(mu_, d_.sigma);
        break;
      case Distribution::Kind::kHistogram:
        s = d_.points[rng.below(d_.points.size())].first;
        break;
    }
    return sim::Duration::from_seconds(std::max(s, 1e-6));
  }

 private:
  Distribution d_;
  double mu_;
};

}  // namespace kinesim::models
