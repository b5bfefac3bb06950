// Virtual time: a strong type over int64 nanoseconds. No floating-point clock anywhere.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>

namespace kinesim::sim {

// A span of virtual time in integer nanoseconds (may be negative).
class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration nanos(int64_t n) { return Duration(n); }
  static constexpr Duration micros(int64_t n) { return Duration(n * 1'000); }
  static constexpr Duration millis(int64_t n) { return Duration(n * 1'000'000); }
  static constexpr Duration seconds(int64_t n) { return Duration(n * 1'000'000'000); }
  static constexpr Duration minutes(int64_t n) { return seconds(n * 60); }
  static constexpr Duration hours(int64_t n) { return seconds(n * 3600); }
  // Rounds to the nearest nanosecond; for converting sampled delays only, never for the clock.
  static Duration from_seconds(double s);
  static constexpr Duration max() { return Duration(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t count_nanos() const { return ns_; }
  constexpr double to_seconds() const { return static_cast<double>(ns_) * 1e-9; }
  constexpr double to_millis() const { return static_cast<double>(ns_) * 1e-6; }

  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(ns_ / k); }
  constexpr int64_t operator/(Duration o) const { return ns_ / o.ns_; }
  constexpr Duration operator%(Duration o) const { return Duration(ns_ % o.ns_); }
  constexpr Duration& operator+=(Duration o) {
    ns_ += o.ns_;
    return *this;
  }
  constexpr Duration& operator-=(Duration o) {
    ns_ -= o.ns_;
    return *this;
  }
  constexpr auto operator<=>(const Duration&) const = default;

 private:
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// A point on the virtual clock: nanoseconds since the start of the simulation.
class Time {
 public:
  constexpr Time() = default;
  static constexpr Time from_nanos(int64_t n) { return Time(n); }
  static constexpr Time zero() { return Time(0); }
  static constexpr Time max() { return Time(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t nanos() const { return ns_; }
  constexpr Duration since_start() const { return Duration::nanos(ns_); }
  constexpr double to_seconds() const { return static_cast<double>(ns_) * 1e-9; }

  constexpr Time operator+(Duration d) const { return Time(ns_ + d.count_nanos()); }
  constexpr Time operator-(Duration d) const { return Time(ns_ - d.count_nanos()); }
  constexpr Duration operator-(Time o) const { return Duration::nanos(ns_ - o.ns_); }
  constexpr Time& operator+=(Duration d) {
    ns_ += d.count_nanos();
    return *this;
  }
  constexpr auto operator<=>(const Time&) const = default;

 private:
  constexpr explicit Time(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// "1.5s", "250ms", "12us", "3ns", "2m", "1h": the shortest exact rendering, for logs and errors.
std::string to_string(Duration d);
std::string to_string(Time t);

namespace literals {
constexpr Duration operator""_ns(unsigned long long n) {
  return Duration::nanos(static_cast<int64_t>(n));
}
constexpr Duration operator""_us(unsigned long long n) {
  return Duration::micros(static_cast<int64_t>(n));
}
constexpr Duration operator""_ms(unsigned long long n) {
  return Duration::millis(static_cast<int64_t>(n));
}
constexpr Duration operator""_s(unsigned long long n) {
  return Duration::seconds(static_cast<int64_t>(n));
}
constexpr Duration operator""_min(unsigned long long n) {
  return Duration::minutes(static_cast<int64_t>(n));
}
constexpr Duration operator""_h(unsigned long long n) {
  return Duration::hours(static_cast<int64_t>(n));
}
}  // namespace literals

}  // namespace kinesim::sim
