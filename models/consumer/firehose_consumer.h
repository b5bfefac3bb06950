// Amazon Data Firehose reading the stream (SPEC §8): LATEST, GetRecords once a second per shard
// against the shared limits (throttled calls are retried the next second, for ever), KPL records
// de-aggregated, one buffer for the delivery stream delivered when it holds SizeInMBs (MiB of
// record data and keys, the batch that crosses the size included) or has been open
// IntervalInSeconds, whichever comes first; records count as processed when their delivery
// reaches the destination, delivery_latency later.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "models/consumer/consumer.h"
#include "models/stream/retention.h"
#include "models/workload/durations.h"

namespace kinesim::models {

class FirehoseConsumer final : public Consumer {
 public:
  FirehoseConsumer(const ConsumerConfig& config, Stream& stream, sim::Engine& engine,
                   sim::MetricRecorder& metrics, uint64_t seed);

 protected:
  sim::Time on_batch(ShardReader& reader, sim::Time now, const ReadBatch& batch) override;
  void add_details(ConsumerResult& out) const override;

 private:
  enum class Trigger : uint8_t { kSize, kInterval };
  void deliver(sim::Time now, Trigger trigger);
  void interval_elapsed(uint64_t generation);
  void delivered(uint64_t id);

  FirehoseConfig firehose_;
  DurationSampler delivery_latency_;
  std::vector<RecordSlice> buffer_;
  uint64_t buffer_bytes_ = 0;
  sim::Time opened_at_;
  uint64_t generation_ = 0;  // buffers opened: an interval timer of an earlier buffer is stale
  uint64_t next_delivery_ = 0;
  std::map<uint64_t, std::vector<RecordSlice>> in_flight_;  // deliveries on their way
  // Details.
  uint64_t deliveries_ = 0, by_size_ = 0, by_interval_ = 0, delivered_bytes_ = 0,
           max_delivery_bytes_ = 0, completed_ = 0;
  sim::Duration buffered_time_;  // summed over deliveries: opened -> delivery started
};

}  // namespace kinesim::models
