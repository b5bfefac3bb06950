// Numbers, money, sizes and times as the reports write them: thousands separators, a few
// significant digits, "31 %", "$1,234.56", "1.4 MiB/s", "12h53m". Shared by cost notes and every
// report; nothing here knows Kinesis beyond the word "shard".
#pragma once

#include <cstdint>
#include <string>

#include "sim/time.h"

namespace kinesim::models {

// Text: "1,400"; "1,400" / "62.5" / "0.25" for rates; "31 %", "12.3 %", "0.45 %" for fractions;
// "$1,234.56" / "$0.0014" for money; "1.4 MiB" and "1.4 MiB/s" for bytes and byte rates.
std::string with_thousands(uint64_t value);
std::string rate_text(double value);
std::string percent_text(double fraction);
std::string money_text(double dollars);
std::string bytes_text(double bytes);
std::string bytes_rate_text(double bytes_per_sec);
// "1 shard", "2 shards", "1,000 shards".
std::string shards_text(uint64_t count);
// A time into the run as a clock reading: "0s", "36m", "12h53m", "25m30s", "1m2.5s".
std::string clock_text(sim::Duration since_start);
std::string clock_text(sim::Time at);

}  // namespace kinesim::models
