#include "models/scenario/client_registry.h"

#include "models/consumer/firehose_consumer.h"
#include "models/consumer/flink_consumer.h"
#include "models/consumer/kcl_consumer.h"
#include "models/consumer/lambda_consumer.h"
#include "models/consumer/polling_consumer.h"
#include "models/producer/agent_producer.h"
#include "models/producer/kpl_producer.h"
#include "models/producer/sdk_producer.h"
#include "models/scenario/client_loader.h"

namespace kinesim::models {
namespace {

using scenario_json::IssueList;
using scenario_json::Json;
using scenario_json::ProducerContext;

template <typename Model>
std::unique_ptr<Producer> make(const ProducerConfig& config, const ClientContext& ctx) {
  return std::make_unique<Model>(config, ctx.base_dir, ctx.stream, ctx.engine, ctx.metrics,
                                 ctx.seed);
}

constexpr std::array<ProducerType, 3> kProducerTypes = {{
    {ProducerConfig::Type::kSdk, "sdk", "sdk", false,
     [](IssueList& issues, const Json& node, const std::string& path, const ProducerContext& ctx,
        ProducerConfig& config) { scenario_json::read_sdk(issues, node, path, ctx, config.sdk); },
     make<SdkProducer>},
    {ProducerConfig::Type::kKpl, "kpl", "kpl", false,
     [](IssueList& issues, const Json& node, const std::string& path, const ProducerContext& ctx,
        ProducerConfig& config) { scenario_json::read_kpl(issues, node, path, ctx, config.kpl); },
     make<KplProducer>},
    {ProducerConfig::Type::kAgent, "agent", "agent", true,
     [](IssueList& issues, const Json& node, const std::string& path, const ProducerContext& ctx,
        ProducerConfig& config) {
       scenario_json::read_agent(issues, node, path, ctx, config.agent);
     },
     make<AgentProducer>},
}};

constexpr std::array<std::string_view, kProducerTypes.size()> kNames = [] {
  std::array<std::string_view, kProducerTypes.size()> names{};
  for (std::size_t i = 0; i < kProducerTypes.size(); ++i) names[i] = kProducerTypes[i].name;
  return names;
}();

static_assert(kProducerTypes[static_cast<std::size_t>(ProducerConfig::Type::kKpl)].type ==
                      ProducerConfig::Type::kKpl &&
                  kProducerTypes[static_cast<std::size_t>(ProducerConfig::Type::kAgent)].type ==
                      ProducerConfig::Type::kAgent,
              "kProducerTypes is indexed by ProducerConfig::Type");

template <typename Model>
std::unique_ptr<Consumer> make_consumer_of(const ConsumerConfig& config, const ClientContext& ctx) {
  return std::make_unique<Model>(config, ctx.stream, ctx.engine, ctx.metrics, ctx.seed);
}

using scenario_json::ConsumerContext;

constexpr std::array<ConsumerType, 5> kConsumerTypes = {{
    {ConsumerConfig::Type::kPolling, "polling", "polling", false,
     [](IssueList& issues, const Json& node, const std::string& path, const ConsumerContext& ctx,
        ConsumerConfig& config) {
       scenario_json::read_polling(issues, node, path, ctx, config.polling);
     },
     make_consumer_of<PollingConsumer>},
    {ConsumerConfig::Type::kFirehose, "firehose", "firehose", false,
     [](IssueList& issues, const Json& node, const std::string& path, const ConsumerContext& ctx,
        ConsumerConfig& config) {
       scenario_json::read_firehose(issues, node, path, ctx, config.firehose);
     },
     make_consumer_of<FirehoseConsumer>},
    {ConsumerConfig::Type::kFlink, "flink", "flink", false,
     [](IssueList& issues, const Json& node, const std::string& path, const ConsumerContext& ctx,
        ConsumerConfig& config) {
       scenario_json::read_flink(issues, node, path, ctx, config.flink);
     },
     make_consumer_of<FlinkConsumer>},
    {ConsumerConfig::Type::kKcl, "kcl", "kcl", false,
     [](IssueList& issues, const Json& node, const std::string& path, const ConsumerContext& ctx,
        ConsumerConfig& config) { scenario_json::read_kcl(issues, node, path, ctx, config.kcl); },
     make_consumer_of<KclConsumer>},
    {ConsumerConfig::Type::kLambda, "lambda", "lambda", false,
     [](IssueList& issues, const Json& node, const std::string& path, const ConsumerContext& ctx,
        ConsumerConfig& config) {
       scenario_json::read_lambda(issues, node, path, ctx, config.lambda);
     },
     make_consumer_of<LambdaConsumer>},
}};

constexpr std::array<std::string_view, kConsumerTypes.size()> kConsumerNames = [] {
  std::array<std::string_view, kConsumerTypes.size()> names{};
  for (std::size_t i = 0; i < kConsumerTypes.size(); ++i) names[i] = kConsumerTypes[i].name;
  return names;
}();

static_assert(kConsumerTypes[static_cast<std::size_t>(ConsumerConfig::Type::kFirehose)].type ==
                      ConsumerConfig::Type::kFirehose &&
                  kConsumerTypes[static_cast<std::size_t>(ConsumerConfig::Type::kFlink)].type ==
                      ConsumerConfig::Type::kFlink &&
                  kConsumerTypes[static_cast<std::size_t>(ConsumerConfig::Type::kKcl)].type ==
                      ConsumerConfig::Type::kKcl,
              "kConsumerTypes is indexed by ConsumerConfig::Type");
static_assert(kConsumerTypes[static_cast<std::size_t>(ConsumerConfig::Type::kLambda)].type ==
                  ConsumerConfig::Type::kLambda,
              "kConsumerTypes is indexed by ConsumerConfig::Type");

}  // namespace

std::span<const ProducerType> producer_types() { return kProducerTypes; }

const ProducerType& producer_type(ProducerConfig::Type type) {
  return kProducerTypes[static_cast<std::size_t>(type)];
}

std::span<const std::string_view> producer_type_names() { return kNames; }

std::unique_ptr<Producer> make_producer(const ProducerConfig& config, const ClientContext& ctx) {
  return producer_type(config.type).make(config, ctx);
}

std::span<const ConsumerType> consumer_types() { return kConsumerTypes; }

const ConsumerType& consumer_type(ConsumerConfig::Type type) {
  return kConsumerTypes[static_cast<std::size_t>(type)];
}

std::span<const std::string_view> consumer_type_names() { return kConsumerNames; }

std::unique_ptr<Consumer> make_consumer(const ConsumerConfig& config, const ClientContext& ctx) {
  return consumer_type(config.type).make(config, ctx);
}

}  // namespace kinesim::models
