#include "models/consumer/flink_consumer.h"

namespace kinesim::models {

using sim::Duration;
using sim::Time;

namespace {

// Flink's source metric names (numRecordsIn, numBytesIn; millisBehindLatest per shard); the
// throttle counter is kinesim's, as Flink only logs ProvisionedThroughputExceededException.
constexpr ConsumerKind kFlinkKind = {"flink",
                                     true,
                                     "numRecordsIn",
                                     "numBytesIn",
                                     "numRecordsOut",
                                     "ThrottledGetRecords",
                                     "millisBehindLatest"};

bool is_zero(const sim::Distribution& d) {
  return d.kind == sim::Distribution::Kind::kFixed && d.value == 0;
}

}  // namespace

FlinkConsumer::FlinkConsumer(const ConsumerConfig& config, Stream& stream, sim::Engine& engine,
                             sim::MetricRecorder& metrics, uint64_t seed)
    : Consumer(config, config.flink.reader(), kFlinkKind, stream, engine, metrics, seed),
      flink_(config.flink),
      per_record_(config.flink.processing_per_record),
      record_cost_(!is_zero(config.flink.processing_per_record)) {}

Time FlinkConsumer::on_batch(ShardReader& reader, Time now, const ReadBatch& batch) {
  ++batches_;
  if (!record_cost_) {
    processed(now, batch.slices);
    return now;
  }
  uint64_t n = 0;
  for (const RecordSlice& s : batch.slices) n += units(s);
  const Duration cost = per_record_.sample(rng()) * static_cast<int64_t>(n);
  busy_ += cost;
  const core::ShardIndex shard = reader.shard();
  if (in_process_.size() <= shard) in_process_.resize(std::size_t{shard} + 1);
  in_process_[shard] = batch.slices;
  engine().schedule(now + cost, [this, shard] { batch_done(shard); });
  return now + cost;
}

void FlinkConsumer::batch_done(core::ShardIndex shard) {
  processed(engine().now(), in_process_[shard]);
  in_process_[shard].clear();
}

void FlinkConsumer::add_details(ConsumerResult& out) const {
  out.details = {
      {"KinesisStreamsSource",
       flink_.source == FlinkConfig::Source::kKinesisStreamsSource ? 1.0 : 0.0},
      {"Batches", static_cast<double>(batches_)},
      {"MeanBatchProcessingSeconds",
       batches_ > 0 ? busy_.to_seconds() / static_cast<double>(batches_) : 0.0},
  };
}

}  // namespace kinesim::models
