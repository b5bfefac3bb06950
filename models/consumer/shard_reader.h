// One consumer's reader of one shard through the shared (polling) limits, on the engine: it gets
// an iterator (GetShardIterator), calls GetRecords every poll interval while the previous batch's
// processing is done (a fixed rate: calls keep their phase), waits about an interval after a
// throttled call (0.5..1.5 of it at random, as an SDK's jittered backoff: the refusals move among
// the readers of a shard instead of starving the one whose phase comes last), refreshes an
// expired iterator,
// and stops at the end of a closed shard, telling its consumer (which then starts the children:
// parents first). Batches go to the consumer's processing through ReaderHost.
//
// Its books are exact: the reader starts at a position fixed by its consumer (the scope start),
// asks GetShardIterator for it by sequence number, and carries the position from read to read,
// so records in scope (tip at the end - scope start) = read + lost to retention + unread.
#pragma once

#include <cstdint>

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
};

// What every reader of one consumer shares.
struct ReaderContext {
  Stream& stream;
  sim::Engine& engine;
  sim::RngStream& rng;  // the consumer's: call latencies
  const ReaderConfig& config;
  const DurationSampler& latency;
  ReaderHost& host;
};

class ShardReader {
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

  // Ends a hold (on_batch returned kHold): the reader reads on from `at` (at least the poll
  // interval after its last call, unless it was behind and fetches while behind). No-op when
  // the reader is not held.
  void resume(sim::Time at);
  bool held() const { return held_; }

  core::ShardIndex shard() const { return shard_; }
  State state() const { return state_; }
  const ShardReadBooks& books() const { return books_; }

 private:
  void request_iterator();
  void poll();
  void on_reply();
  void schedule_poll(sim::Time at);
  // The wait after a throttled call: the poll interval times a uniform 0.5..1.5.
  sim::Duration backoff();
  void end_of_shard(sim::Time at);
  // The shard expired (closed and past retention): whatever was unread is lost.
  void expired_shard(sim::Time now);
  // GetShardIterator's argument for the reader's next position: AT_SEQUENCE_NUMBER if that
  // record was issued, else AFTER_SEQUENCE_NUMBER of the last one (the tip), else TRIM_HORIZON.
  StartingPosition resume_position() const;

  ReaderContext ctx_;
  core::ShardIndex shard_;
  State state_ = State::kWaiting;
  sim::Duration first_poll_delay_;
  ShardIterator iterator_;
  GetRecordsReply reply_;  // the call in flight (one at a time)
  sim::Time last_call_;
  bool held_ = false;         // on_batch returned kHold and resume() has not come yet
  bool held_at_end_ = false;  // the held batch ended a closed shard
  bool last_behind_ = false;  // the last served reply was behind the tip
  ShardReadBooks books_;
};

}  // namespace kinesim::models
