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

}  // namespace kinesim::sim
