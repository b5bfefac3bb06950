// One consumer's reader of one shard, on the engine, in one of two modes (ReaderConfig::retrieval).
//
// Polling, through the shard's shared limits: it gets
// an iterator (GetShardIterator), calls GetRecords every poll interval while the previous batch's
// processing is done (a fixed rate: calls keep their phase; or, when its config says so, paced
// by the last reply: see ReaderConfig::paced_by_reply), waits about an interval after a
// throttled call (0.5..1.5 of it at random, as an SDK's jittered backoff: the refusals move among
// the readers of a shard instead of starving the one whose phase comes last), refreshes an
// expired iterator,
// and stops at the end of a closed shard, telling its consumer (which then starts the children:
// parents first). Batches go to the consumer's processing through ReaderHost.
//
// Enhanced fan-out, for a consumer registered on the stream: it subscribes to the shard at its
// next position (SubscribeToShard, AT_SEQUENCE_NUMBER as KCL does with its checkpoint), renews
// the subscription when it ends (every 5 minutes), and takes pushes from the consumer-shard's
// own 2 MiB/s: a push reads what has landed and reaches the reader the stream's propagation delay
// later (≈ 70 ms). Caught up, the reader waits for the next records to land (Stream::
// notify_on_arrival) and is pushed them at once; while records keep coming it is pushed again
// every push_gap (pushes overlap on their way), never while the consumer is still processing a
// batch (KCL requests the next event when done), and a batch that arrives during processing
// waits for it. A refused SubscribeToShard
// (ResourceInUse within 5 s of a success, LimitExceeded over 1 call/s) is tried again after
// resubscribe_wait. No GetShardIterator and no GetRecords: the shared limits never see it.
//
// Its books are exact: the reader starts at a position fixed by its consumer (the scope start),
// asks GetShardIterator for it by sequence number, and carries the position from read to read,
// so records in scope (tip at the end - scope start) = read + lost to retention + unread.
#pragma once

#include <cstdint>
#include <deque>

#include "models/core/shard_map.h"
#include "models/stream/read_batch.h"
#include "models/stream/retention.h"
#include "models/stream/shard_iterator.h"
#include "models/stream/stream.h"
#include "models/workload/durations.h"
#include "sim/engine.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace kinesim::models {

class ShardReader;
struct ReaderConfig;

// What a reader tells its consumer.
class ReaderHost {
 public:
  // A served call reached the reader at `now` (after its latency), records or not.
  virtual void on_served(ShardReader& reader, sim::Time now, const ReadBatch& batch) = 0;
  // A served call with records: the consumer takes them (copying what it keeps) and returns when
  // the reader may read on (its processing done), at least `now`; or ShardReader::kHold when it
  // cannot tell yet: the reader then waits for ShardReader::resume().
  virtual sim::Time on_batch(ShardReader& reader, sim::Time now, const ReadBatch& batch) = 0;
  // A call refused for the shard's shared limits reached the reader at `now`.
  virtual void on_throttled(ShardReader& reader, sim::Time now) = 0;
  // The reader is done with its shard at `now`: read to SHARD_END and processed, or the closed
  // shard expired before it got there (its unread records were lost to retention).
  virtual void on_shard_end(ShardReader& reader, sim::Time now) = 0;

 protected:
  ~ReaderHost() = default;
};

// A reader's counts; amounts are Kinesis records and user records side by side.
struct ShardReadBooks {
  ShardPosition scope_start;  // where the consumer's scope in this shard begins
  ShardPosition next;         // the next record to read
  // The furthest `next` the consumer's books stand at: records before it are processed, held or
  // lost. Equal to `next` unless the consumer rewound the reader (restart_at) to re-read records
  // it had already read, as a KCL worker resuming from a checkpoint does.
  ShardPosition frontier;
  uint64_t lost_records = 0;  // trimmed by retention before the reader got to them
  uint64_t lost_user_records = 0;
  uint64_t records_read = 0;
  uint64_t user_records_read = 0;
  uint64_t bytes_read = 0;
  uint64_t calls = 0;  // GetRecords, throttled ones too
  uint64_t throttled = 0;
  uint64_t empty = 0;
  uint64_t iterator_calls = 0;  // GetShardIterator
  uint64_t expired_iterators = 0;
  uint64_t subscribe_calls = 0;  // SubscribeToShard (enhanced fan-out), refused ones too
  uint64_t subscribe_refused = 0;
  uint64_t events = 0;  // SubscribeToShardEvents that reached the reader, empty ones too
};

// What every reader of one consumer shares.
struct ReaderContext {
  Stream& stream;
  sim::Engine& engine;
  sim::RngStream& rng;  // the consumer's: call latencies
  const ReaderConfig& config;
  const DurationSampler& latency;
  ReaderHost& host;
  ConsumerId consumer = 0;  // enhanced fan-out: its registration (unused when polling)
};

class ShardReader final : private ArrivalListener {
 public:
  enum class State : uint8_t { kWaiting, kReading, kDone };
  // on_batch's answer when the consumer will say later (resume()) when the reader may read on.
  static constexpr sim::Time kHold = sim::Time::max();

  // A reader of `shard` whose scope begins at `scope_start`; it waits until start().
  ShardReader(const ReaderContext& ctx, core::ShardIndex shard, ShardPosition scope_start);
  ShardReader(const ShardReader&) = delete;
  ShardReader& operator=(const ShardReader&) = delete;

  // Asks for an iterator at `at` and polls `first_poll_delay` after it arrives (a phase, so that
  // readers started together do not call in step).
  void start(sim::Time at, sim::Duration first_poll_delay = sim::Duration());

  // Stops reading now: events already scheduled for this reader are ignored (a KCL worker lost
  // the shard's lease). The consumer dropped what it held beyond `frontier` (at most the
  // reader's frontier): those records count as unread again, pending until read afresh.
  void stop(ShardPosition frontier);
  // Starts again at `at` from `from` (a checkpoint, at most the frontier), after stop() or while
  // waiting. Records from `from` to the frontier are re-read: they add nothing to the books'
  // lost or pending (the consumer tells them apart as duplicates).
  void restart_at(sim::Time at, ShardPosition from);
  // Ends a hold (on_batch returned kHold): the reader reads on from `at` (at least the poll
  // interval after its last call, unless it was behind and fetches while behind). No-op when
  // the reader is not held.
  void resume(sim::Time at);
  bool held() const { return held_; }

  core::ShardIndex shard() const { return shard_; }
  State state() const { return state_; }
  const ShardReadBooks& books() const { return books_; }

 private:
  // Schedules `fn` at `at` unless the reader is stopped or restarted before then.
  template <typename Fn>
  void schedule(sim::Time at, Fn fn);
  void request_iterator();
  // Enhanced fan-out.
  void subscribe();
  void push();
  void on_push();
  void on_arrival(sim::Time now, core::ShardIndex shard) override;
  // Reads again at max(`at`, the last push + push_gap) if records wait or the shard closed, else
  // waits for the next ones to land.
  void next_push(sim::Time at);
  void wake();  // an arrival or the subscription's end while waiting
  void poll();
  void on_reply();
  void schedule_poll(sim::Time at);
  // The wait after a throttled call: the poll interval times a uniform 0.5..1.5.
  sim::Duration backoff();
  void end_of_shard(sim::Time at);
  // The shard expired (closed and past retention): whatever was unread is lost.
  void expired_shard(sim::Time now);
  // Books a served batch (either mode) and hands it to the consumer; returns when the reader may
  // read on.
  sim::Time take(sim::Time now, const ReadBatch& batch);
  // GetShardIterator's argument for the reader's next position: AT_SEQUENCE_NUMBER if that
  // record was issued, else AFTER_SEQUENCE_NUMBER of the last one (the tip), else TRIM_HORIZON.
  StartingPosition resume_position(const ShardPosition& next) const;

  ReaderContext ctx_;
  core::ShardIndex shard_;
  State state_ = State::kWaiting;
  sim::Duration first_poll_delay_;
  ShardIterator iterator_;
  GetRecordsReply reply_;  // the call in flight (one at a time)
  sim::Time last_call_;
  // Enhanced fan-out: pushes on their way (each takes the propagation delay, so at most two
  // with the 50 ms gap and 70 ms delay), where the last push ended, and until when the consumer
  // is processing the last delivered batch (no push while it is).
  static constexpr std::size_t kMaxInFlight = 2;
  std::deque<SubscribeToShardEvent> in_flight_;
  ShardPosition pushed_to_;
  sim::Time busy_until_ = sim::Time::zero();
  bool push_blocked_ = false;
  uint32_t parked_ = 0;  // pushes that arrived while held, delivered by resume()
  sim::Time subscription_ends_ = sim::Time::zero();
  sim::Time renewal_at_ = sim::Time::zero();  // the subscription end a wake is scheduled for
  bool waiting_for_arrival_ = false;
  bool listening_ = false;    // registered with Stream::notify_on_arrival
  bool held_ = false;         // on_batch returned kHold and resume() has not come yet
  bool held_at_end_ = false;  // the held batch ended a closed shard
  bool last_behind_ = false;  // the last served reply was behind the tip
  ShardReadBooks books_;
  uint64_t generation_ = 0;  // bumped by stop() and restart_at(): older events are stale
};

}  // namespace kinesim::models
