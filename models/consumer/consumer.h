// What every consumer model (a polling app, Firehose) shares: the seat of a client, one
// ShardReader per shard it reads (parents before children), the books of ConsumerCounts and the
// ConsumerResult the reports read. A type says what it does with a batch (on_batch) and calls
// processed() when records are done; the base keeps everything else.
//
// Scope: when the consumer starts it fixes its starting position in every shard then open (LATEST:
// the tip; TRIM_HORIZON: the oldest retained record, in closed shards with data too; AT_TIMESTAMP:
// the first record at or after the timestamp). Shards created later are in scope from their first
// record and read once their parents are done. Records in scope end processed, pending (unread,
// or read and held by the type) or lost to retention; ConsumerCounts::conserved() checks it.
//
// End-to-end latency (creation -> processed) and propagation (arrival in the stream -> the batch
// reaching the consumer) are recorded per slice of a batch, not per record: a slice's records are
// taken to arrive evenly over its arrival span and to carry its mean write delay (retention keeps
// no more), and are recorded as up to kLatencyGroups equal groups at their midpoints.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "models/client/client.h"
#include "models/client/client_results.h"
#include "models/consumer/consumer_config.h"
#include "models/consumer/reader_config.h"
#include "models/consumer/shard_reader.h"
#include "models/stream/stream.h"
#include "models/workload/durations.h"
#include "sim/engine.h"
#include "sim/histogram.h"
#include "sim/metrics.h"
#include "sim/rng.h"

namespace kinesim::models {

// How a type names its metric series ("<consumer>/<name>") and what it counts.
struct ConsumerKind {
  const char* type;               // "polling", "firehose"
  bool deaggregates;              // counts user records (else Kinesis records)
  const char* records_read;       // counter, in the consumer's unit
  const char* bytes_read;         // counter
  const char* records_processed;  // counter, in the consumer's unit
  const char* throttled_calls;    // counter
  const char* millis_behind;      // gauge: MillisBehindLatest of its reads, ms
};

class Consumer : public Client, protected ReaderHost {
 public:
  static constexpr uint64_t kLatencyGroups = 8;

  Consumer(const ConsumerConfig& config, const ReaderConfig& reader, const ConsumerKind& kind,
           Stream& stream, sim::Engine& engine, sim::MetricRecorder& metrics, uint64_t seed);
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  const ConsumerConfig& config() const { return config_; }
  const ReaderConfig& reader_config() const { return reader_; }
  const std::string& name() const final { return config_.name; }
  void start() final;
  void finish(sim::Time end) final;
  void report(ClientResults& out, const Stream& stream, uint32_t top_n) final;
  // Complete once finish() ran.
  const ConsumerCounts& counts() const { return counts_; }
  ConsumerResult result() const;

 protected:
  // The records of `slice` in the consumer's unit.
  uint64_t units(const RecordSlice& slice) const {
    return kind_.deaggregates ? slice.user_records : slice.records;
  }
  // The type is done with these records at `at`: they count as processed, with their latency.
  void processed(sim::Time at, std::span<const RecordSlice> slices);
  // Records read again and processed again (a KCL worker resuming from a checkpoint): counted
  // as duplicates, never as processed. They were not held (on_served holds fresh records only).
  void reprocessed(uint64_t units) { counts_.duplicates += units; }
  // Fresh records the type held and will never process where they are (a worker died with
  // them): no longer held; the reader will read them again (restart_at) and they are pending.
  void dropped(uint64_t units) { held_ -= units; }
  // `reader`'s shard may be read from now (its parents are done): by default it starts at once,
  // `phase` into its poll interval. A type that hands shards out (KCL leases) starts it later.
  virtual void on_shard_ready(ShardReader& reader, sim::Time now, sim::Duration phase) {
    reader.start(now, phase);
  }
  // The type gave these read records up unprocessed (Lambda: retries or age ran out).
  void discarded(std::span<const RecordSlice> slices);
  // These records, read and held by the type, were trimmed by retention before it was done with
  // them (Lambda: a batch retried until its records expired): lost to retention in `shard`.
  void lost_while_held(core::ShardIndex shard, std::span<const RecordSlice> slices);
  // Figures of the type's own, added to the result.
  virtual void add_details(ConsumerResult& /*out*/) const {}

  sim::Engine& engine() { return engine_; }
  sim::MetricRecorder& metrics() { return metrics_; }
  sim::RngStream& rng() { return rng_; }

  // ReaderHost (on_batch is the type's).
  void on_served(ShardReader& reader, sim::Time now, const ReadBatch& batch) override;
  void on_throttled(ShardReader& reader, sim::Time now) override;
  void on_shard_end(ShardReader& reader, sim::Time now) override;

 private:
  void begin();
  // Enhanced fan-out: RegisterStreamConsumer, tried again every second while refused; the
  // readers open once the consumer is ACTIVE.
  void register_on_stream();
  // Fixes the scope in every shard open now and starts their readers.
  void open_readers();
  // Whether every parent of `shard` is done for this consumer (or was never in its scope).
  bool parents_done(core::ShardIndex shard) const;
  ShardReader& add_reader(core::ShardIndex shard, ShardPosition scope_start);
  void grow_to_stream();

  ConsumerConfig config_;
  ReaderConfig reader_;
  ConsumerKind kind_;
  Stream& stream_;
  sim::Engine& engine_;
  sim::MetricRecorder& metrics_;
  sim::RngStream rng_;
  DurationSampler latency_;
  std::deque<ShardReader> readers_;  // stable addresses: events hold them
  std::vector<int32_t> reader_of_;   // by shard index: index into readers_, or -1
  std::vector<bool> done_;           // by shard index: read to the end, or never in scope
  std::size_t shards_at_begin_ = 0;
  bool begun_ = false;
  ConsumerId efo_id_ = 0;
  sim::Time registered_at_ = sim::Time::max();
  uint64_t registration_refused_ = 0;
  double consumer_shard_hours_ = 0;
  // Parents first, checked rather than assumed: records read from shards that have a parent, and
  // those of them read while a parent was not yet done (must stay 0). Reported as details
  // ChildRecordsRead and ChildRecordsReadBeforeParentsDone once a child shard has been read.
  uint64_t child_records_read_ = 0;
  uint64_t child_records_before_parents_ = 0;
  uint64_t held_ = 0;                // read and not yet processed, in the consumer's unit
  std::vector<uint64_t> lost_held_;  // by shard index: lost_while_held, in the consumer's unit
  ConsumerCounts counts_;
  std::vector<ShardLoss> lost_by_shard_;
  sim::LogHistogram behind_ms_;
  sim::LogHistogram end_to_end_us_;
  sim::LogHistogram propagation_us_;
  sim::SeriesId series_read_{}, series_bytes_{}, series_processed_{}, series_throttled_{},
      series_behind_{};
};

}  // namespace kinesim::models
