// The capacity modes a stream can run in, with the one table of their names: the scenario's
// ("PROVISIONED", as the Kinesis API spells StreamModeDetails) and the reports' ("provisioned").
// Every parser and printer of a mode name reads this table.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kinesim::models {

enum class CapacityMode : uint8_t { kProvisioned, kOnDemand, kOnDemandAdvantage };

struct CapacityModeName {
  CapacityMode mode;
  std::string_view api;   // scenario JSON and summary.json: the API's StreamMode spelling
  std::string_view text;  // human reports and the cost table
};

inline constexpr std::array<CapacityModeName, 3> kCapacityModes = {{
    {CapacityMode::kProvisioned, "PROVISIONED", "provisioned"},
    {CapacityMode::kOnDemand, "ON_DEMAND", "on-demand Standard"},
    {CapacityMode::kOnDemandAdvantage, "ON_DEMAND_ADVANTAGE", "On-demand Advantage"},
}};

// The API names in table order, for "expected one of ..." messages.
inline constexpr std::array<std::string_view, 3> kCapacityModeApiNames = {
    kCapacityModes[0].api, kCapacityModes[1].api, kCapacityModes[2].api};

constexpr const CapacityModeName& capacity_mode_name(CapacityMode mode) {
  return kCapacityModes[static_cast<std::size_t>(mode)];
}
// "PROVISIONED", "ON_DEMAND", "ON_DEMAND_ADVANTAGE".
constexpr std::string_view api_name(CapacityMode mode) { return capacity_mode_name(mode).api; }
// "provisioned", "on-demand Standard", "On-demand Advantage".
constexpr std::string_view mode_text(CapacityMode mode) { return capacity_mode_name(mode).text; }
// The mode an API name names, or nullopt.
constexpr std::optional<CapacityMode> parse_capacity_mode(std::string_view api) {
  for (const CapacityModeName& m : kCapacityModes) {
    if (m.api == api) return m.mode;
  }
  return std::nullopt;
}

static_assert(capacity_mode_name(CapacityMode::kOnDemand).mode == CapacityMode::kOnDemand &&
                  capacity_mode_name(CapacityMode::kOnDemandAdvantage).mode ==
                      CapacityMode::kOnDemandAdvantage,
              "kCapacityModes is indexed by CapacityMode");

}  // namespace kinesim::models
