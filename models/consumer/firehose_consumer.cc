#include "models/consumer/firehose_consumer.h"

#include <algorithm>

namespace kinesim::models {

using sim::Duration;
using sim::Time;

namespace {

constexpr ConsumerKind kFirehoseKind = {"firehose",
                                        true,
                                        "DataReadFromKinesisStream.Records",
                                        "DataReadFromKinesisStream.Bytes",
                                        "DeliveryToS3.Records",
                                        "ThrottledGetRecords",
                                        "KinesisMillisBehindLatest"};

// Firehose's reading is fixed: LATEST, one call a second per shard, 10,000 records a call.
ReaderConfig firehose_reader() {
  ReaderConfig r;
  r.initial_position = InitialPosition::kLatest;
  r.poll_interval = Duration::seconds(1);
  r.limit = core::ShardReadLimits{}.max_records_per_call;
  return r;
}

}  // namespace

FirehoseConsumer::FirehoseConsumer(const ConsumerConfig& config, Stream& stream,
                                   sim::Engine& engine, sim::MetricRecorder& metrics, uint64_t seed)
    : Consumer(config, firehose_reader(), kFirehoseKind, stream, engine, metrics, seed),
      firehose_(config.firehose),
      delivery_latency_(config.firehose.delivery_latency) {}

Time FirehoseConsumer::on_batch(ShardReader& /*reader*/, Time now, const ReadBatch& batch) {
  if (buffer_.empty()) {
    opened_at_ = now;
    const uint64_t generation = ++generation_;
    engine().schedule(now + firehose_.buffer_interval(),
                      [this, generation] { interval_elapsed(generation); });
  }
  buffer_.insert(buffer_.end(), batch.slices.begin(), batch.slices.end());
  buffer_bytes_ += batch.bytes;
  if (buffer_bytes_ >= firehose_.buffer_bytes()) deliver(now, Trigger::kSize);
  return now;
}

void FirehoseConsumer::interval_elapsed(uint64_t generation) {
  if (generation == generation_ && !buffer_.empty()) deliver(engine().now(), Trigger::kInterval);
}

void FirehoseConsumer::deliver(Time now, Trigger trigger) {
  ++deliveries_;
  (trigger == Trigger::kSize ? by_size_ : by_interval_) += 1;
  delivered_bytes_ += buffer_bytes_;
  max_delivery_bytes_ = std::max(max_delivery_bytes_, buffer_bytes_);
  buffered_time_ += now - opened_at_;
  const uint64_t id = next_delivery_++;
  in_flight_.emplace(id, std::move(buffer_));
  buffer_.clear();
  buffer_bytes_ = 0;
  ++generation_;  // the open buffer's interval timer no longer applies
  engine().schedule(now + delivery_latency_.sample(rng()), [this, id] { delivered(id); });
}

void FirehoseConsumer::delivered(uint64_t id) {
  const auto it = in_flight_.find(id);
  processed(engine().now(), it->second);
  in_flight_.erase(it);
  ++completed_;
}

void FirehoseConsumer::add_details(ConsumerResult& out) const {
  const double n = static_cast<double>(deliveries_);
  out.details = {
      {"Deliveries", n},
      {"DeliveriesBySize", static_cast<double>(by_size_)},
      {"DeliveriesByInterval", static_cast<double>(by_interval_)},
      {"DeliveriesCompleted", static_cast<double>(completed_)},
      {"DeliveredBytes", static_cast<double>(delivered_bytes_)},
      {"MeanDeliveryBytes", deliveries_ > 0 ? static_cast<double>(delivered_bytes_) / n : 0.0},
      {"MaxDeliveryBytes", static_cast<double>(max_delivery_bytes_)},
      {"MeanBufferSeconds", deliveries_ > 0 ? buffered_time_.to_seconds() / n : 0.0},
  };
}

}  // namespace kinesim::models
