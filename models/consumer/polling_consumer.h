// A custom polling application ("polling", SPEC §8's "everything else"): a reader per shard
// calling GetRecords every poll_interval with its Limit, through the shards' shared limits, and
// processing each batch for processing_per_batch + processing_per_record x records before it
// reads that shard again. It de-aggregates KPL records only when asked to.
#pragma once

#include <cstdint>
#include <vector>

#include "models/consumer/consumer.h"
#include "models/stream/retention.h"
#include "models/workload/durations.h"

namespace kinesim::models {

class PollingConsumer final : public Consumer {
 public:
  PollingConsumer(const ConsumerConfig& config, Stream& stream, sim::Engine& engine,
                  sim::MetricRecorder& metrics, uint64_t seed);

 protected:
  sim::Time on_batch(ShardReader& reader, sim::Time now, const ReadBatch& batch) override;

 private:
  void batch_done(core::ShardIndex shard);

  DurationSampler per_batch_;
  DurationSampler per_record_;
  bool batch_cost_ = false;  // processing_per_batch is not zero
  bool record_cost_ = false;
  // The batch each shard's reader is processing (one at a time per reader), by shard index.
  std::vector<std::vector<RecordSlice>> in_process_;
};

}  // namespace kinesim::models
