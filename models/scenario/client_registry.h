// The tables of client types a scenario can name, one for producers and one for consumers. Each
// entry says everything the rest of kinesim needs to know of a type: the name a scenario gives
// it, the key of its own settings object, the reader of those settings, whether the timeline may
// restart it, and how to build it for a run. The loader reads clients through them and the world
// builds them through them, so adding a type touches its own files, one entry here and the docs
// (docs/design.md's recipe).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "models/consumer/consumer.h"
#include "models/consumer/consumer_config.h"
#include "models/producer/producer.h"
#include "models/producer/producer_config.h"
#include "models/scenario/consumer_loader.h"
#include "models/scenario/json_reader.h"
#include "models/scenario/producer_loader.h"
#include "models/stream/stream.h"
#include "sim/engine.h"
#include "sim/metrics.h"

namespace kinesim::models {

// What a client is built with for one run.
struct ClientContext {
  const std::string& base_dir;  // the scenario file's folder: relative file paths
  Stream& stream;
  sim::Engine& engine;
  sim::MetricRecorder& metrics;
  uint64_t seed;
};

struct ProducerType {
  ProducerConfig::Type type;
  std::string_view name;          // producers[].type
  std::string_view settings_key;  // producers[].<key>: the type's own settings
  bool restartable;               // the timeline's agent_restart applies to it
  // Reads the settings object at `path` into `config` (issues recorded, never thrown).
  void (*read)(scenario_json::IssueList& issues, const scenario_json::Json& node,
               const std::string& path, const scenario_json::ProducerContext& ctx,
               ProducerConfig& config);
  std::unique_ptr<Producer> (*make)(const ProducerConfig& config, const ClientContext& ctx);
};

// Every producer type, in ProducerConfig::Type order.
std::span<const ProducerType> producer_types();
const ProducerType& producer_type(ProducerConfig::Type type);
// The names in table order, for the loader's "expected one of ...".
std::span<const std::string_view> producer_type_names();

// Builds the producer model `config` names.
std::unique_ptr<Producer> make_producer(const ProducerConfig& config, const ClientContext& ctx);

struct ConsumerType {
  ConsumerConfig::Type type;
  std::string_view name;          // consumers[].type
  std::string_view settings_key;  // consumers[].<key>: the type's own settings
  bool restartable;               // the timeline may restart it
  // Reads the settings object at `path` into `config` (issues recorded, never thrown).
  void (*read)(scenario_json::IssueList& issues, const scenario_json::Json& node,
               const std::string& path, const scenario_json::ConsumerContext& ctx,
               ConsumerConfig& config);
  std::unique_ptr<Consumer> (*make)(const ConsumerConfig& config, const ClientContext& ctx);
};

// Every consumer type, in ConsumerConfig::Type order.
std::span<const ConsumerType> consumer_types();
const ConsumerType& consumer_type(ConsumerConfig::Type type);
std::span<const std::string_view> consumer_type_names();

// Builds the consumer model `config` names.
std::unique_ptr<Consumer> make_consumer(const ConsumerConfig& config, const ClientContext& ctx);

}  // namespace kinesim::models
