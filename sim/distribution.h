// A positive real-valued distribution as data (fixed, uniform, lognormal by mean, or weighted
// points): what a scenario says of record sizes (bytes) or latencies (seconds). The samplers that
// draw from it live with the models that use it.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace kinesim::sim {

struct Distribution {
  enum class Kind : uint8_t { kFixed, kUniform, kLognormal, kHistogram };
  Kind kind = Kind::kFixed;
  double value = 0;  // kFixed
  double min = 0;    // kUniform: [min, max]
  double max = 0;
  double mean = 0;  // kLognormal: arithmetic mean, and sigma in log space
  double sigma = 0;
  // kHistogram: (value, weight) points; a sample is one of the values, drawn by weight.
  std::vector<std::pair<double, double>> points;
};

// The distribution's expected value (a histogram's weighted mean; 0 for a histogram of no weight).
inline double mean_of(const Distribution& d) {
  switch (d.kind) {
    case Distribution::Kind::kFixed:
      return d.value;
    case Distribution::Kind::kUniform:
      return (d.min + d.max) / 2;
    case Distribution::Kind::kLognormal:
      return d.mean;
    case Distribution::Kind::kHistogram: {
      double sum = 0, weight = 0;
      for (const auto& [v, w] : d.points) {
        sum += v * w;
        weight += w;
      }
      return weight > 0 ? sum / weight : 0;
    }
  }
  return 0;
}

}  // namespace kinesim::sim
