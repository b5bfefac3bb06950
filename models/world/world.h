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
  std::optional<Fidelity> fidelity;         // overrides the scenario's fidelity
  // At most this many threads (0: two where the machine has two or more cores). Only fast
  // SDK producers use a second one, to draw their batches ahead where the stream's shard map
  // cannot change (no timeline, provisioned, no autoscaler); the result is the same either way.
  uint32_t threads = 0;
  // Called with the simulated fraction done (0..1) after every `progress_every` of simulated
  // time and after every `progress_every_events` events, and with 1 at the end. The event count
  // bounds the work between two calls however much traffic a simulated minute holds, so a
  // caller can check the wall clock or a signal and stop a slow run promptly (the models read
  // no clock). May throw to abort the run.
  std::function<void(double)> progress;
  sim::Duration progress_every = sim::Duration::seconds(60);
  uint64_t progress_every_events = uint64_t{1} << 12;
};

// Runs `scenario` and returns its result. Deterministic: same scenario and seed, same result.
// Throws ScenarioError for problems only a run can see (e.g. an invalid timeline action on the
// shard map as it will be, a malformed trace row).
Result run_scenario(const Scenario& scenario, const RunOptions& options = {});

// Checks what can be checked without running: the timeline replayed on the shard map (ignoring
// timing), trace files readable. Throws ScenarioError.
void check_scenario(const Scenario& scenario);

// How `producer` runs when the scenario asks for `requested`: fast mode where it can honour the
// producer (SDK producers with Poisson arrivals), else exact with the reason in `note`.
FidelityConfig producer_fidelity(const Scenario& scenario, const ProducerConfig& producer,
                                 Fidelity requested);

}  // namespace kinesim::models
