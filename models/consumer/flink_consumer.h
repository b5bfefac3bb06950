// An Apache Flink job reading the stream through FlinkKinesisConsumer or KinesisStreamsSource
// (flink_config.h): a reader per shard polling through the shared limits at the source's pace,
// KPL records de-aggregated, each batch processed for processing_per_record x its user records
// before that shard is read again (the source's fetch waits on the job's operators).
#pragma once

#include <cstdint>
#include <vector>

#include "models/consumer/consumer.h"
#include "models/stream/retention.h"
#include "models/workload/durations.h"

namespace kinesim::models {

class FlinkConsumer final : public Consumer {
 public:
  FlinkConsumer(const ConsumerConfig& config, Stream& stream, sim::Engine& engine,
                sim::MetricRecorder& metrics, uint64_t seed);

 protected:
  sim::Time on_batch(ShardReader& reader, sim::Time now, const ReadBatch& batch) override;
  void add_details(ConsumerResult& out) const override;

 private:
  void batch_done(core::ShardIndex shard);

  FlinkConfig flink_;
  DurationSampler per_record_;
  bool record_cost_ = false;
  // The batch each shard's reader is processing (one at a time per reader), by shard index.
  std::vector<std::vector<RecordSlice>> in_process_;
  uint64_t batches_ = 0;
  sim::Duration busy_;  // summed processing time of the batches
};

}  // namespace kinesim::models
