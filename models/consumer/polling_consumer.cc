#include "models/consumer/polling_consumer.h"

namespace kinesim::models {

using sim::Duration;
using sim::Time;

namespace {

bool is_zero(const sim::Distribution& d) {
  return d.kind == sim::Distribution::Kind::kFixed && d.value == 0;
}

ConsumerKind polling_kind(const PollingConfig& c) {
  return {"polling",          c.deaggregate,    "RecordsRead",       "BytesRead",
          "RecordsProcessed", "ThrottledCalls", "MillisBehindLatest"};
}

}  // namespace

PollingConsumer::PollingConsumer(const ConsumerConfig& config, Stream& stream, sim::Engine& engine,
                                 sim::MetricRecorder& metrics, uint64_t seed)
    : Consumer(config, config.polling.reader, polling_kind(config.polling), stream, engine, metrics,
               seed),
      per_batch_(config.polling.processing_per_batch),
      per_record_(config.polling.processing_per_record),
      batch_cost_(!is_zero(config.polling.processing_per_batch)),
      record_cost_(!is_zero(config.polling.processing_per_record)) {}

Time PollingConsumer::on_batch(ShardReader& reader, Time now, const ReadBatch& batch) {
  if (!batch_cost_ && !record_cost_) {
    processed(now, batch.slices);
    return now;
  }
  Duration cost;
  if (batch_cost_) cost += per_batch_.sample(rng());
  if (record_cost_) {
    uint64_t n = 0;
    for (const RecordSlice& s : batch.slices) n += units(s);
    cost += per_record_.sample(rng()) * static_cast<int64_t>(n);
  }
  const core::ShardIndex shard = reader.shard();
  if (in_process_.size() <= shard) in_process_.resize(std::size_t{shard} + 1);
  in_process_[shard] = batch.slices;
  engine().schedule(now + cost, [this, shard] { batch_done(shard); });
  return now + cost;
}

void PollingConsumer::batch_done(core::ShardIndex shard) {
  processed(engine().now(), in_process_[shard]);
  in_process_[shard].clear();
}

}  // namespace kinesim::models
