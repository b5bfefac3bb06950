#include "models/world/timeline.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace kinesim::models {

void TimelineDispatcher::schedule(const std::vector<TimelineAction>& actions) {
  if (std::any_of(actions.begin(), actions.end(), [](const TimelineAction& a) {
        return a.kind == TimelineAction::Kind::kSwitchMode;
      })) {
    stream_.expect_mode_switches();
  }
  for (const TimelineAction& a : actions) {
    const sim::Time at = sim::Time::zero() + a.at;
    if (!a.targets_client()) {
      engine_.schedule(
          at, [this, &a] { stream_.apply(a); }, sim::Priority::kHigh);
      continue;
    }
    const auto it = std::find_if(clients_.begin(), clients_.end(),
                                 [&](const auto& c) { return c->name() == a.client(); });
    if (it == clients_.end()) {
      throw std::logic_error("timeline action for unknown client " + a.client());
    }
    Client* client = it->get();
    if (a.kind != TimelineAction::Kind::kAgentRestart) {
      engine_.schedule(
          at, [this, client, &a] { client_events_.push_back(client->act(engine_.now(), a)); },
          sim::Priority::kHigh);
      continue;
    }
    engine_.schedule(
        at, [this, client, &a] { restart(*client, a); }, sim::Priority::kHigh);
  }
}

void TimelineDispatcher::restart(Client& client, const TimelineAction& action) {
  client.restart(action.downtime);
  client_events_.push_back(
      {engine_.now(), "agent_restart", client.name() + " down " + sim::to_string(action.downtime),
       "every host of " + client.name() + " stops and resumes from its last saved checkpoint"});
}

}  // namespace kinesim::models
