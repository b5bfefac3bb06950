// An AWS Lambda event source mapping on the stream (SPEC §8), standard (polling) retrieval or,
// with EnhancedFanOut, pushes through a registered consumer (the base's fan-out reader, held and
// resumed alike).
//
// Reading: a ShardReader per shard calls GetRecords (10,000 records a call) once a second through
// the shard's shared limits, and again at once while the reply says it is behind. What it reads is
// split among ParallelizationFactor sub-batchers per shard. Retention keeps no partition key per
// record, so the split assumes many keys spread evenly by hash: the record with sequence number s
// goes to sub-batcher s mod ParallelizationFactor (a hot key's records all land in one sub-batcher
// in reality; that skew is not modelled). Each sub-batcher keeps its records in order and runs one
// batch at a time, so order per key holds. The reader stops reading while any sub-batcher holds a
// full batch it cannot invoke yet, so a shard does not advance past a batch being retried.
//
// Batching: a sub-batcher invokes when it holds BatchSize records, or 6 MB of payload (records
// travel base64-encoded: 3/4 of the quota in record bytes), or when its first waiting record has
// waited MaximumBatchingWindowInSeconds (at once with 0); a batch is cut to fit both.
//
// Invoking: the function runs `duration` + `duration_per_record` x records; no more than
// `concurrency` invocations run at once (an invocation over it is throttled and tried again in
// 0.5..1.5 s; throttles use up no retry). An invocation fails when its batch holds a poison record
// or, at random, with probability error_rate. On failure: with ReportBatchItemFailures the
// function reports its first failed record (the poison record, else one drawn uniformly) and the
// records before it are processed; then a batch of more than one record is bisected when
// BisectBatchOnFunctionError is set (halves run in order; a split uses up no retry), else it is
// retried at once, until MaximumRetryAttempts retries have failed. Before each invocation records
// older than MaximumRecordAgeInSeconds are given up; with -1, a batch that already failed is
// retried until its oldest record is older than the stream's retention, and then counts as lost
// to retention (whole: kinesim's simplification). Records given up are discarded: to the OnFailure
// destination when one is set, else dropped; both are counted.
//
// Metrics (series "<consumer>/<name>"): IteratorAge (gauge, ms: age of the batch's last record
// when its invocation ends; also per shard as "<consumer>/<shard id>/IteratorAge"), Invocations,
// Errors, Throttles, Retries, BatchesBisected, RecordsDiscarded, RecordsSentToOnFailure,
// ConcurrentExecutions (gauge).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "models/consumer/consumer.h"
#include "models/consumer/lambda_config.h"
#include "models/stream/retention.h"
#include "models/workload/durations.h"
#include "sim/histogram.h"

namespace kinesim::models {

class LambdaConsumer final : public Consumer {
 public:
  LambdaConsumer(const ConsumerConfig& config, Stream& stream, sim::Engine& engine,
                 sim::MetricRecorder& metrics, uint64_t seed);

  // Records of consecutive sequence numbers first, first + stride, ... (stride is the
  // ParallelizationFactor: a sub-batcher's share of a slice).
  struct Piece {
    RecordSlice slice;
    uint64_t stride = 1;
    sim::Time queued = sim::Time::zero();  // when it joined its sub-batcher's queue
  };

 protected:
  sim::Time on_batch(ShardReader& reader, sim::Time now, const ReadBatch& batch) override;
  void on_shard_end(ShardReader& reader, sim::Time now) override;
  void add_details(ConsumerResult& out) const override;

 private:
  struct Batch {
    std::vector<Piece> pieces;
    uint64_t records = 0;
    uint64_t bytes = 0;
    uint32_t retries = 0;        // failed invocations counted against MaximumRetryAttempts
    bool failed_before = false;  // it (or the batch it was cut from) failed once
    // The running invocation's outcome.
    bool fails = false;
    uint64_t failed_index = 0;  // ReportBatchItemFailures: the first failed record
  };
  struct SubBatcher {
    std::deque<Piece> queue;  // read, not yet in a batch, in sequence order
    uint64_t queued_records = 0;
    uint64_t queued_bytes = 0;
    sim::Time window_opened;
    uint64_t window_generation = 0;  // a window timer of an earlier queue is stale
    std::deque<Batch> work;          // the batch being invoked or retried, then bisected halves
    bool busy = false;               // an invocation (or a throttled one's retry) is scheduled
    sim::Time failing_since = sim::Time::max();
  };
  struct ShardEsm {
    ShardReader* reader = nullptr;
    std::vector<SubBatcher> subs;
    std::vector<uint64_t> poison;  // sequence numbers of the poison records resolved here
    bool end_pending = false;      // read to its end: tell the base once drained
    sim::Duration longest_block;
    bool block_until_retention = false;
    // "<consumer>/<shard id>/IteratorAge", registered at the shard's first invocation.
    bool has_age_series = false;
    sim::SeriesId age_series{};
  };

  ShardEsm& esm(core::ShardIndex shard);
  void resolve_poison(sim::Time now);
  void enqueue(ShardEsm& st, const RecordSlice& slice, sim::Time now, core::ShardIndex shard);
  void push_piece(core::ShardIndex shard, uint32_t sub, const Piece& piece, sim::Time now);
  // Opens the batching window of the records queued since `opened` (its timer, if any).
  void open_window(core::ShardIndex shard, uint32_t sub, sim::Time opened, sim::Time now);
  bool any_full(const ShardEsm& st) const;
  void try_dispatch(core::ShardIndex shard, uint32_t sub, sim::Time now, bool window_due);
  void window_elapsed(core::ShardIndex shard, uint32_t sub, uint64_t generation);
  Batch form_batch(SubBatcher& s);
  void invoke(core::ShardIndex shard, uint32_t sub);
  void invocation_done(core::ShardIndex shard, uint32_t sub);
  void after_batch(core::ShardIndex shard, uint32_t sub, sim::Time now);
  void give_up(const std::vector<Piece>& pieces, uint64_t records);
  void end_stretch(ShardEsm& st, SubBatcher& s, sim::Time now, bool until_retention);
  void set_running(sim::Time now, int delta);
  uint64_t poison_index(const ShardEsm& st, const Batch& b) const;

  LambdaConfig lambda_;
  Stream& stream_;
  const sim::Engine& clock_;
  DurationSampler per_batch_;
  DurationSampler per_record_;
  bool record_cost_ = false;
  uint64_t max_batch_bytes_;  // record bytes that fit the payload quota once base64-encoded
  std::vector<ShardEsm> shards_;
  struct PoisonState {
    PoisonRecord spec;
    bool resolved = false;
  };
  std::vector<PoisonState> poison_;
  std::vector<RecordSlice> scratch_;
  // Concurrency.
  uint32_t running_ = 0;
  uint32_t max_running_ = 0;
  double running_seconds_ = 0;  // integral of running_ over time
  sim::Time running_since_;
  sim::Time first_use_ = sim::Time::max();
  // Books of the type.
  uint64_t invocations_ = 0, errors_ = 0, throttles_ = 0, retries_ = 0, bisected_ = 0,
           discarded_records_ = 0, on_failure_records_ = 0, on_failure_batches_ = 0,
           dropped_records_ = 0, expired_batches_ = 0, batch_records_ = 0;
  sim::LogHistogram iterator_age_ms_;
  sim::SeriesId series_age_{}, series_invocations_{}, series_errors_{}, series_throttles_{},
      series_retries_{}, series_bisected_{}, series_discarded_{}, series_on_failure_{},
      series_concurrent_{};
};

}  // namespace kinesim::models
