// Timeline actions. Each is read on its own, then all are walked in time order: the capacity mode
// as switch_mode leaves it (resharding is PROVISIONED-only), the shard map as far as it is known
// before a run, and each Agent's restarts.
#include "models/scenario/timeline_loader.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/core/errors.h"
#include "models/core/shard_map.h"
#include "models/core/uint128.h"
#include "models/scenario/client_registry.h"
#include "models/scenario/scenario_keys.h"
#include "models/stream/reshard.h"

namespace kinesim::models::scenario_json {
namespace {

using std::string_view_literals::operator""sv;
using sim::Duration;
namespace keys = scenario_keys;

// In TimelineAction::Kind order.
constexpr std::array kActions = {"split"sv,
                                 "merge"sv,
                                 "update_shard_count"sv,
                                 "switch_mode"sv,
                                 "agent_restart"sv,
                                 "kcl_worker_failure"sv,
                                 "kcl_worker_restart"sv,
                                 "kcl_deploy"sv,
                                 "kcl_worker_added"sv,
                                 "kcl_worker_removed"sv};

std::string action_name(TimelineAction::Kind kind) {
  return std::string(kActions[static_cast<std::size_t>(kind)]);
}
std::string mode_name(CapacityMode mode) { return std::string(api_name(mode)); }
bool is_reshard(TimelineAction::Kind kind) {
  return kind == TimelineAction::Kind::kSplit || kind == TimelineAction::Kind::kMerge ||
         kind == TimelineAction::Kind::kUpdateShardCount;
}

bool valid_shard_id(const std::string& s) {
  constexpr std::string_view kPrefix = "shardId-";
  if (s.size() != kPrefix.size() + 12 || !s.starts_with(kPrefix)) return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(kPrefix.size()), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

struct IndexedAction {
  std::size_t index;  // position in the document, for messages
  TimelineAction action;
};

std::optional<TimelineAction> read_action(IssueList& issues, const Json& node,
                                          const std::string& path, Duration scenario_duration) {
  const ObjectReader r(issues, node, path, keys::kTimeline);
  if (!r.valid()) return std::nullopt;
  const std::size_t before = issues.size();
  TimelineAction a;
  a.at = r.duration(
              "at", Need::kRequired, [&](Duration d) { return d < scenario_duration; },
              "a time before the end of the scenario (" + sim::to_string(scenario_duration) + ")")
             .value_or(Duration());
  const auto kind = r.choice("action", Need::kRequired, kActions);
  if (!kind) return std::nullopt;
  a.kind = static_cast<TimelineAction::Kind>(*kind);
  const std::string variant = "action " + quote(kActions[*kind]);
  const std::string shard_expected = R"(a shard id like "shardId-000000000003")";
  const uint64_t max_shards = core::StreamLimits{}.max_shards;
  switch (a.kind) {
    case TimelineAction::Kind::kSplit: {
      r.reject_keys_outside(std::array{"at"sv, "action"sv, "shard"sv, "new_starting_hash_key"sv},
                            variant);
      a.shard = r.string("shard", Need::kRequired, shard_expected, valid_shard_id).value_or("");
      const auto key =
          r.string("new_starting_hash_key", Need::kOptional, "a decimal string 0..2^128-1",
                   [](const std::string& s) { return core::parse_decimal(s).has_value(); });
      if (key) a.new_starting_hash_key = core::parse_decimal(*key);
      break;
    }
    case TimelineAction::Kind::kMerge:
      r.reject_keys_outside(std::array{"at"sv, "action"sv, "shard"sv, "adjacent_shard"sv}, variant);
      a.shard = r.string("shard", Need::kRequired, shard_expected, valid_shard_id).value_or("");
      a.adjacent_shard =
          r.string("adjacent_shard", Need::kRequired, shard_expected, valid_shard_id).value_or("");
      break;
    case TimelineAction::Kind::kUpdateShardCount:
      r.reject_keys_outside(std::array{"at"sv, "action"sv, "target"sv}, variant);
      a.target =
          static_cast<uint32_t>(r.integer("target", Need::kRequired, 1, max_shards).value_or(0));
      break;
    case TimelineAction::Kind::kSwitchMode: {
      r.reject_keys_outside(std::array{"at"sv, "action"sv, "mode"sv, "shards"sv}, variant);
      const auto mode = r.choice("mode", Need::kRequired, kCapacityModeApiNames);
      if (mode) a.mode = static_cast<CapacityMode>(*mode);
      const auto shards = r.integer("shards", Need::kOptional, 1, max_shards);
      if (shards && mode && a.mode != CapacityMode::kProvisioned) {
        issues.add(r.path("shards"),
                   "key \"shards\" applies to a switch to \"PROVISIONED\" only; "
                   "an on-demand stream sizes itself");
      } else if (shards) {
        a.target = static_cast<uint32_t>(*shards);
      }
      break;
    }
    case TimelineAction::Kind::kAgentRestart:
      r.reject_keys_outside(std::array{"at"sv, "action"sv, "producer"sv, "downtime"sv}, variant);
      a.producer = r.string("producer", Need::kRequired, "the name of an agent producer",
                            [](const std::string& s) { return !s.empty(); })
                       .value_or("");
      a.downtime = r.duration("downtime", Need::kOptional).value_or(a.downtime);
      break;
    case TimelineAction::Kind::kKclWorkerFailure:
    case TimelineAction::Kind::kKclWorkerRestart:
    case TimelineAction::Kind::kKclDeploy:
    case TimelineAction::Kind::kKclWorkerAdded:
    case TimelineAction::Kind::kKclWorkerRemoved: {
      const bool has_worker = a.kind == TimelineAction::Kind::kKclWorkerFailure ||
                              a.kind == TimelineAction::Kind::kKclWorkerRestart;
      const bool has_downtime = a.kind == TimelineAction::Kind::kKclWorkerRestart ||
                                a.kind == TimelineAction::Kind::kKclDeploy;
      if (has_worker && has_downtime) {
        r.reject_keys_outside(
            std::array{"at"sv, "action"sv, "consumer"sv, "worker"sv, "downtime"sv}, variant);
      } else if (has_worker) {
        r.reject_keys_outside(std::array{"at"sv, "action"sv, "consumer"sv, "worker"sv}, variant);
      } else if (has_downtime) {
        r.reject_keys_outside(std::array{"at"sv, "action"sv, "consumer"sv, "downtime"sv}, variant);
      } else {
        r.reject_keys_outside(std::array{"at"sv, "action"sv, "consumer"sv}, variant);
      }
      a.consumer = r.string("consumer", Need::kRequired, "the name of a kcl consumer",
                            [](const std::string& s) { return !s.empty(); })
                       .value_or("");
      if (has_worker) {
        a.worker = static_cast<uint32_t>(r.integer("worker", Need::kRequired, 0, 999).value_or(0));
      }
      if (has_downtime) {
        a.downtime = r.duration(
                          "downtime", Need::kOptional, [](Duration d) { return d >= Duration(); },
                          "a duration of 0s or more")
                         .value_or(a.downtime);
      }
      break;
    }
  }
  if (issues.size() != before) return std::nullopt;
  return a;
}

// What is known before a run about the shards at each point of the timeline.
struct ShardState {
  std::optional<core::ShardMap> map;  // nullopt: not known (on-demand, or after a failed replay)
  bool ids_known = true;              // false once on-demand has split shards its own way
};

// Resharding in time order: provisioned-only, not with an autoscaler, replayed on the real
// ShardMap so that a split of a shard that will not exist, a merge of shards that are not
// adjacent or a target outside 1/2x..2x is reported before a run.
void check_reshard(IssueList& issues, const IndexedAction& ia, CapacityMode mode, const Scenario& s,
                   ShardState& shards) {
  const TimelineAction& a = ia.action;
  const std::string path = index_path("$.timeline", ia.index);
  const std::string what = "the " + action_name(a.kind) + " at " + sim::to_string(a.at);
  if (mode != CapacityMode::kProvisioned) {
    issues.add(path, what + " applies to PROVISIONED streams only; the stream is " +
                         mode_name(mode) + " by then");
    return;
  }
  if (s.stream.autoscaler.enabled) {
    issues.add(path, what +
                         " cannot be combined with stream.autoscaler, which changes the "
                         "shards at times known only during a run");
    return;
  }
  if (a.kind != TimelineAction::Kind::kUpdateShardCount && !shards.ids_known) {
    issues.add(path, what +
                         " names a shard, but after an on-demand period the shard ids are "
                         "known only during a run; use update_shard_count");
    return;
  }
  if (!shards.map) return;
  // On a copy: Kinesis refuses an invalid call and leaves the shards as they were, so the
  // actions after it are checked against those shards.
  core::ShardMap next = *shards.map;
  try {
    apply_action(next, a);
    *shards.map = std::move(next);
  } catch (const std::exception& e) {
    issues.add(path, what + " cannot apply to the shards as they are by then: " + e.what());
  }
}

// A switch needs another mode than the current one.
void check_switch(IssueList& issues, const Json& list, const IndexedAction& ia, CapacityMode mode) {
  const TimelineAction& a = ia.action;
  if (a.mode == mode) {
    issues.got(
        key_path(index_path("$.timeline", ia.index), "mode"), list[ia.index]["mode"],
        "a mode other than the stream's at " + sim::to_string(a.at) + " (" + mode_name(mode) + ")");
  }
}

// Kinesis allows 2 switches in any 24 hours; a third is not a scenario error but is simulated as
// AWS answers it (LimitExceededException), so it leaves the mode unchanged here too.
bool switch_within_limit(const std::vector<Duration>& earlier, Duration at) {
  const auto in_window = std::count_if(earlier.begin(), earlier.end(),
                                       [&](Duration t) { return t > at - Duration::hours(24); });
  return static_cast<uint64_t>(in_window) < core::StreamLimits{}.capacity_mode_switches_per_day;
}

// The producer must be an agent: false (and an issue) when it is not.
bool names_an_agent(IssueList& issues, const Json& list, const IndexedAction& ia,
                    const Scenario& s) {
  const TimelineAction& a = ia.action;
  const std::string path = key_path(index_path("$.timeline", ia.index), "producer");
  const auto producer = std::find_if(s.producers.begin(), s.producers.end(),
                                     [&](const ProducerConfig& p) { return p.name == a.producer; });
  if (producer == s.producers.end() || !producer_type(producer->type).restartable) {
    std::string agents;
    for (const ProducerConfig& p : s.producers) {
      if (producer_type(p.type).restartable) agents += (agents.empty() ? "" : ", ") + quote(p.name);
    }
    const std::string found =
        producer == s.producers.end()
            ? "no producer has that name"
            : quote(a.producer) + " has type " + quote(producer_type(producer->type).name);
    issues.got(path, list[ia.index]["producer"],
               "the name of an agent producer (" + found +
                   "; agents: " + (agents.empty() ? "none" : agents) + ")");
    return false;
  }
  return true;
}

// The producer must be an agent, and a restart cannot begin while it is still down.
void check_restart(IssueList& issues, const Json& list, const IndexedAction& ia, const Scenario& s,
                   std::map<std::string, Duration>& back_up_at) {
  if (!names_an_agent(issues, list, ia, s)) return;
  const TimelineAction& a = ia.action;
  const auto [it, first] = back_up_at.try_emplace(a.producer, a.at + a.downtime);
  if (!first && a.at < it->second) {
    issues.got(key_path(index_path("$.timeline", ia.index), "at"), list[ia.index]["at"],
               "a time at or after " + sim::to_string(it->second) +
                   ", when the previous restart "
                   "of " +
                   quote(a.producer) + " is over");
  }
  it->second = std::max(it->second, a.at + a.downtime);
}

// The kcl consumer the action names; nullptr (and an issue) when there is none of that name.
const ConsumerConfig* named_kcl(IssueList& issues, const Json& list, const IndexedAction& ia,
                                const Scenario& s) {
  const TimelineAction& a = ia.action;
  const std::string path = index_path("$.timeline", ia.index);
  const auto consumer = std::find_if(s.consumers.begin(), s.consumers.end(),
                                     [&](const ConsumerConfig& c) { return c.name == a.consumer; });
  if (consumer == s.consumers.end() || consumer->type != ConsumerConfig::Type::kKcl) {
    std::string kcls;
    for (const ConsumerConfig& c : s.consumers) {
      if (c.type == ConsumerConfig::Type::kKcl) kcls += (kcls.empty() ? "" : ", ") + quote(c.name);
    }
    issues.got(
        key_path(path, "consumer"), list[ia.index]["consumer"],
        "the name of a kcl consumer (kcl consumers: " + (kcls.empty() ? "none" : kcls) + ")");
    return nullptr;
  }
  return &*consumer;
}

bool is_kcl_action(TimelineAction::Kind kind) {
  return kind == TimelineAction::Kind::kKclWorkerFailure ||
         kind == TimelineAction::Kind::kKclWorkerRestart ||
         kind == TimelineAction::Kind::kKclDeploy ||
         kind == TimelineAction::Kind::kKclWorkerAdded ||
         kind == TimelineAction::Kind::kKclWorkerRemoved;
}

// The consumer must be a kcl consumer and the worker one it has by then (its `workers`, plus
// those kcl_worker_added earlier in the timeline).
void check_kcl(IssueList& issues, const Json& list, const IndexedAction& ia, const Scenario& s,
               std::map<std::string, uint32_t>& added) {
  const ConsumerConfig* consumer = named_kcl(issues, list, ia, s);
  if (consumer == nullptr) return;
  const TimelineAction& a = ia.action;
  const std::string path = index_path("$.timeline", ia.index);
  uint32_t& extra = added[a.consumer];
  if (a.kind == TimelineAction::Kind::kKclWorkerAdded) ++extra;
  const uint32_t workers = consumer->kcl.workers + extra;
  if ((a.kind == TimelineAction::Kind::kKclWorkerFailure ||
       a.kind == TimelineAction::Kind::kKclWorkerRestart) &&
      a.worker >= workers) {
    issues.got(key_path(path, "worker"), list[ia.index]["worker"],
               "a worker of " + quote(a.consumer) + " by then: 0.." + std::to_string(workers - 1));
  }
}

}  // namespace

std::optional<std::size_t> read_timeline(IssueList& issues, const Json& list, Scenario& s,
                                         bool shards_valid, bool& modes_valid) {
  std::vector<IndexedAction> actions;
  bool all_valid = true;
  modes_valid = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = index_path("$.timeline", i);
    if (auto a = read_action(issues, list[i], path, s.duration)) {
      actions.push_back({i, *a});
    } else {
      all_valid = false;
    }
  }
  // Listed in any order; run in time order, ties in document order.
  std::stable_sort(actions.begin(), actions.end(),
                   [](const auto& a, const auto& b) { return a.action.at < b.action.at; });
  for (const IndexedAction& ia : actions) s.timeline.push_back(ia.action);
  if (!all_valid) {
    // Later checks would guess at the invalid actions' times and shards; whom a readable action
    // names does not depend on them.
    for (const IndexedAction& ia : actions) {
      if (ia.action.kind == TimelineAction::Kind::kAgentRestart) {
        names_an_agent(issues, list, ia, s);
      } else if (is_kcl_action(ia.action.kind)) {
        named_kcl(issues, list, ia, s);
      }
    }
    return std::nullopt;
  }
  modes_valid = true;

  const bool switches = std::any_of(actions.begin(), actions.end(), [](const IndexedAction& ia) {
    return ia.action.kind == TimelineAction::Kind::kSwitchMode;
  });
  const auto reshards = std::count_if(actions.begin(), actions.end(), [](const IndexedAction& ia) {
    return is_reshard(ia.action.kind);
  });
  // A stream that is on-demand throughout: one message for all its resharding actions.
  const bool never_provisioned = s.stream.mode != CapacityMode::kProvisioned && !switches;
  if (never_provisioned && reshards > 0) {
    issues.add("$.timeline", "got " + std::to_string(reshards) +
                                 " resharding actions, expected none: split, merge and "
                                 "update_shard_count apply to PROVISIONED streams only");
  }
  CapacityMode mode = s.stream.mode;
  ShardState shards;
  if (shards_valid && mode == CapacityMode::kProvisioned) {
    shards.map = core::ShardMap::uniform(s.stream.shards);
  }
  shards.ids_known = mode == CapacityMode::kProvisioned;
  std::vector<Duration> switch_times;
  std::map<std::string, Duration> back_up_at;
  std::map<std::string, uint32_t> kcl_added;
  for (const IndexedAction& ia : actions) {
    const TimelineAction& a = ia.action;
    switch (a.kind) {
      case TimelineAction::Kind::kSplit:
      case TimelineAction::Kind::kMerge:
      case TimelineAction::Kind::kUpdateShardCount:
        if (!never_provisioned) check_reshard(issues, ia, mode, s, shards);
        break;
      case TimelineAction::Kind::kSwitchMode: {
        const std::size_t before = issues.size();
        check_switch(issues, list, ia, mode);
        modes_valid = modes_valid && issues.size() == before;
        if (a.mode == mode || !switch_within_limit(switch_times, a.at)) break;
        switch_times.push_back(a.at);
        if (a.mode == CapacityMode::kProvisioned) {
          // On-demand has split shards its own way: only the count is known, and only if given.
          shards.map.reset();
          if (a.target > 0) shards.map = core::ShardMap::uniform(a.target);
          shards.ids_known = false;
        } else {
          shards.map.reset();
          shards.ids_known = false;
        }
        mode = a.mode;
        break;
      }
      case TimelineAction::Kind::kAgentRestart:
        check_restart(issues, list, ia, s, back_up_at);
        break;
      case TimelineAction::Kind::kKclWorkerFailure:
      case TimelineAction::Kind::kKclWorkerRestart:
      case TimelineAction::Kind::kKclDeploy:
      case TimelineAction::Kind::kKclWorkerAdded:
      case TimelineAction::Kind::kKclWorkerRemoved:
        check_kcl(issues, list, ia, s, kcl_added);
        break;
    }
  }
  if (!shards.ids_known || !shards.map || s.stream.autoscaler.enabled) return std::nullopt;
  return shards.map->shards().size();
}

std::optional<std::size_t> shard_ids_without_timeline(const Scenario& s, bool shards_valid) {
  if (!shards_valid || s.stream.mode != CapacityMode::kProvisioned || s.stream.autoscaler.enabled) {
    return std::nullopt;
  }
  return s.stream.shards;
}

}  // namespace kinesim::models::scenario_json
