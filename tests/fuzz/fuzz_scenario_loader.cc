// libFuzzer target for the scenario loader: any bytes must either load or throw ScenarioError
// (never another exception, a crash, or a read out of bounds; ASan/UBSan watch the latter). A
// loaded scenario must also load again with the same result for a few fields, since the loader
// has no hidden state.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "models/scenario/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const kinesim::models::Scenario first = kinesim::models::load_scenario_text(text);
    const kinesim::models::Scenario second = kinesim::models::load_scenario_text(text);
    if (first.name != second.name || first.producers.size() != second.producers.size() ||
        first.timeline.size() != second.timeline.size() || first.duration != second.duration) {
      __builtin_trap();
    }
  } catch (const kinesim::models::ScenarioError& e) {
    // Invalid input is reported, which is the point; the report is never empty.
    if (e.issues().empty()) __builtin_trap();
  }
  // Any other exception escapes and libFuzzer reports it as a crash.
  return 0;
}
