// The timeline dispatcher: schedules each of a scenario's timeline actions at its time and
// routes it to what it acts on, the stream (reshards, UpdateShardCount, mode switches) or the
// client it names (restarts). The one place that knows both; the stream never sees a client's
// action and a client never sees the stream's.
#pragma once

#include <memory>
#include <vector>

#include "models/client/client.h"
#include "models/stream/stream.h"
#include "models/stream/timeline_action.h"
#include "sim/engine.h"

namespace kinesim::models {

class TimelineDispatcher {
 public:
  // `actions` and `clients` must outlive the run.
  TimelineDispatcher(sim::Engine& engine, Stream& stream,
                     const std::vector<std::unique_ptr<Client>>& clients)
      : engine_(engine), stream_(stream), clients_(clients) {}

  // Schedules every action. Throws std::logic_error if a client action names no client (the
  // loader rejects such scenarios first).
  void schedule(const std::vector<TimelineAction>& actions);
  // What the clients' actions did, for the run's timeline (the stream logs its own).
  const std::vector<TimelineEvent>& client_events() const { return client_events_; }

 private:
  void restart(Client& client, const TimelineAction& action);

  sim::Engine& engine_;
  Stream& stream_;
  const std::vector<std::unique_ptr<Client>>& clients_;
  std::vector<TimelineEvent> client_events_;
};

}  // namespace kinesim::models
