#include "models/text/number_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

namespace kinesim::models {

std::string with_thousands(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// "12.30" -> "12.3", "31.0" -> "31".
std::string trim_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Thousands separators on the integer part of a fixed rendering.
std::string group(const std::string& s) {
  const std::size_t dot = s.find('.');
  const std::string int_part = s.substr(0, dot);
  const std::string rest = dot == std::string::npos ? "" : s.substr(dot);
  const bool negative = !int_part.empty() && int_part[0] == '-';
  const std::string digits = negative ? int_part.substr(1) : int_part;
  return (negative ? "-" : "") + with_thousands(std::stoull(digits)) + rest;
}

}  // namespace

std::string rate_text(double value) {
  if (std::abs(value) >= 100) return group(fixed(std::round(value), 0));
  if (std::abs(value) >= 1) return trim_zeros(fixed(value, 1));
  return trim_zeros(fixed(value, 2));
}

std::string percent_text(double fraction) {
  const double p = fraction * 100;
  const int decimals = p >= 100 ? 0 : p >= 1 ? 1 : 2;
  return trim_zeros(fixed(p, decimals)) + " %";
}

std::string money_text(double dollars) {
  if (dollars != 0 && std::abs(dollars) < 0.01) return "$" + trim_zeros(fixed(dollars, 4));
  return "$" + group(fixed(dollars, 2));
}

std::string bytes_text(double bytes) {
  constexpr double kKiB = 1024.0;
  constexpr double kMiB = 1024.0 * 1024.0;
  constexpr double kGiB = 1024.0 * kMiB;
  if (bytes >= kGiB) return trim_zeros(fixed(bytes / kGiB, 2)) + " GiB";
  if (bytes >= kMiB) return trim_zeros(fixed(bytes / kMiB, 2)) + " MiB";
  if (bytes >= kKiB) return trim_zeros(fixed(bytes / kKiB, 1)) + " KiB";
  return rate_text(bytes) + " B";
}

std::string bytes_rate_text(double bytes_per_sec) { return bytes_text(bytes_per_sec) + "/s"; }

std::string shards_text(uint64_t count) {
  return with_thousands(count) + (count == 1 ? " shard" : " shards");
}

std::string clock_text(sim::Duration since_start) {
  constexpr int64_t kSecond = 1'000'000'000;
  const int64_t n = since_start.count_nanos();
  if (n <= 0) return "0s";
  const int64_t hours = n / (3600 * kSecond);
  const int64_t minutes = n / (60 * kSecond) % 60;
  const int64_t nanos = n % (60 * kSecond);
  std::string out;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (nanos > 0) {
    out += nanos % kSecond == 0
               ? std::to_string(nanos / kSecond)
               : trim_zeros(fixed(static_cast<double>(nanos) / static_cast<double>(kSecond), 3));
    out += "s";
  }
  return out;
}

std::string clock_text(sim::Time at) { return clock_text(at.since_start()); }

}  // namespace kinesim::models
