// The seat every client of the stream takes in a run: producers today, consumers next. The world
// holds a list of clients and drives each through this interface only: start on the engine,
// restart when the timeline says so, close the books at the end, and report into the run's
// ClientResults. A new client type implements it and adds one entry to the registry
// (models/scenario/client_registry.h); the world does not change.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "models/client/client_results.h"
#include "models/stream/stream_results.h"
#include "models/stream/timeline_action.h"
#include "sim/time.h"

namespace kinesim::models {

class Stream;

class Client {
 public:
  virtual ~Client() = default;
  // The scenario's name for it: timeline actions name their client by it.
  virtual const std::string& name() const = 0;
  // Schedules its first events on the engine it was built with.
  virtual void start() = 0;
  // A timeline restart: down now for `downtime`, then resumes as the type does after a restart.
  // Types that cannot restart throw; the loader accepts restarts only for types that can.
  virtual void restart(sim::Duration /*downtime*/) {
    throw std::logic_error("client " + name() + " cannot be restarted");
  }
  // A timeline action of the client's own other than a restart (a KCL worker failure, a
  // deploy), at `now`; returns what the run's timeline shows of it. Types without such actions
  // throw; the loader routes them only to the types that have them.
  virtual TimelineEvent act(sim::Time /*now*/, const TimelineAction& /*action*/) {
    throw std::logic_error("client " + name() + " has no timeline actions of its own");
  }
  // Closes the books at `end`: what is still buffered, waiting or in flight is pending.
  virtual void finish(sim::Time end) = 0;
  // Adds its result to `out`, with its `top_n` hottest keys routed on `stream` as it ends.
  virtual void report(ClientResults& out, const Stream& stream, uint32_t top_n) = 0;
};

}  // namespace kinesim::models
