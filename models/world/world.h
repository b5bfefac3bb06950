// The whole simulated system of one scenario: the engine, the stream, the producers, wired
// together in one place, run to the scenario's end, and turned into a Result.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "models/scenario/scenario.h"
#include "models/world/result.h"

namespace kinesim::models {

struct RunOptions {
  std::optional<uint64_t> seed;             // overrides the scenario's seed
  std::optional<sim::Duration> resolution;  // overrides output.resolution
  // Called with the simulated fraction done (0..1), at most every `progress_every` of
  // simulated time. May throw to abort the run.
  std::function<void(double)> progress;
  sim::Duration progress_every = sim::Duration::seconds(60);
};

// Runs `scenario` and returns its result. Deterministic: same scenario and seed, same result.
// Throws ScenarioError for problems only a run can see (e.g. an invalid timeline action on the
// shard map as it will be, a malformed trace row).
Result run_scenario(const Scenario& scenario, const RunOptions& options = {});

// Checks what can be checked without running: the timeline replayed on the shard map (ignoring
// timing), trace files readable. Throws ScenarioError.
void check_scenario(const Scenario& scenario);

}  // namespace kinesim::models
