// Scenario JSON -> validated Scenario. Every error names the JSON path, the value found and
// what was expected; unknown keys are rejected with a did-you-mean. All errors of a document
// are collected, so a user fixes them in one pass.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "models/errors/scenario_error.h"
#include "models/scenario/scenario.h"

namespace kinesim::models {

// Parses and validates. `base_dir` resolves relative file paths (trace files).
Scenario load_scenario(const nlohmann::json& doc, const std::string& base_dir = "");
// As above from text; JSON syntax errors become a ScenarioError at "$" with line and column.
Scenario load_scenario_text(std::string_view text, const std::string& base_dir = "");
// Reads the file (ScenarioError if unreadable); base_dir is the file's directory.
Scenario load_scenario_file(const std::string& path);

// "250ms", "1.5s", "2m", "1h", "1d", "500us", "10ns" (a bare number is rejected: units are
// required). Units: ns, us (or µs), ms, s, m (or min), h, d; sums like "1h30m" are accepted.
// Returns nullopt if malformed, negative, not a whole number of nanoseconds, or beyond int64 ns.
std::optional<sim::Duration> parse_duration(std::string_view text);
// A metric resolution a run can keep: at least 1 ms (finer only burns memory) and dividing a
// minute (else the CloudWatch minute buckets break). `output.resolution` and a run's override.
bool valid_resolution(sim::Duration resolution);
inline constexpr std::string_view kResolutionExpected =
    R"(a duration of at least 1ms that divides 60s, like "1m", "10s", "1s")";
// "512KiB", "1MiB", "1.5KB" (KB = 1000 bytes, KiB = 1024), "100B", or a bare integer of bytes.
// Units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB (case-sensitive, no space). Returns nullopt if
// malformed, not a whole number of bytes, or beyond uint64.
std::optional<uint64_t> parse_size(std::string_view text);

// The keys the loader accepts in each kind of JSON object, by a path pattern in which "[]"
// stands for any array element ("$.producers[].rate"). Kept as data so that a test can check
// docs/scenario.schema.json against it.
struct AllowedKeys {
  std::string_view path;
  std::span<const std::string_view> keys;
};
std::span<const AllowedKeys> scenario_allowed_keys();

}  // namespace kinesim::models
