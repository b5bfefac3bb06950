#include "sim/time.h"

#include <cmath>
#include <stdexcept>

namespace kinesim::sim {

Duration Duration::from_seconds(double s) {
  const double ns = std::nearbyint(s * 1e9);
  if (!std::isfinite(ns) || ns >= 9.2e18 || ns <= -9.2e18) {
    throw std::out_of_range("duration of " + std::to_string(s) +
                            " s does not fit in int64 nanoseconds");
  }
  return Duration::nanos(static_cast<int64_t>(ns));
}

std::string to_string(Duration d) {
  struct Unit {
    int64_t ns;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"},
      {1'000'000, "ms"},        {1'000, "us"},         {1, "ns"}};
  const int64_t n = d.count_nanos();
  if (n == 0) return "0s";
  for (const Unit& u : kUnits) {
    if (n % u.ns == 0) return std::to_string(n / u.ns) + u.name;
  }
  return std::to_string(n) + "ns";
}

std::string to_string(Time t) { return to_string(t.since_start()); }

}  // namespace kinesim::sim
