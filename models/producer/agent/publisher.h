// The agent's publisher for one flow (SPEC §7): the buffer being filled, which closes at
// maxBufferSizeRecords, maxBufferSizeBytes or maxBufferAgeMillis; the buffers closed and waiting
// to be sent, at most kPublishQueueCapacity (then the tailer stops reading: the backlog stays in
// the files); the requests in flight; and the backoff after a failure: failed records go first,
// in order, after min(max, min * multiplier^(attempt-1)) * (1 +/- jitter), and the agent never
// gives up.
//
// State plus pure steps: buffers come from the host's pool, `now` is passed in; the flow opens
// requests on the engine and schedules the closes and the end of a backoff.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <vector>

#include "models/producer/agent/records.h"
#include "models/producer/pool.h"
#include "models/producer/agent_config.h"
#include "sim/time.h"

namespace kinesim::models::agent {

// publishQueueCapacity: buffers the agent's tailer may hand to its publisher before it blocks
// (Kinesis Agent default 100).
inline constexpr uint32_t kPublishQueueCapacity = 100;

class Publisher {
 public:
  // `settings` must outlive the publisher.
  Publisher(const AgentFlowSettings& settings, Pool<RecordBuffer>& buffers)
      : settings_(settings), buffers_(buffers) {}

  // ---- buffering ------------------------------------------------------------------------

  // The buffer being filled, or nullptr.
  RecordBuffer* filling() const { return filling_; }
  // Starts a buffer whose first line is read at `read_at`; it closes by maxBufferAgeMillis.
  RecordBuffer* open(sim::Time read_at) {
    filling_ = buffers_.acquire();
    filling_->deadline = add_saturated(read_at, settings_.max_buffer_age);
    return filling_;
  }
  // Whether `r` still fits in the buffer being filled by bytes. A record too large to send
  // always does (it is dropped at the close); the first sendable record always does.
  bool fits(const TailedRecord& r, bool too_large) const {
    return too_large || filling_->sendable == 0 ||
           filling_->bytes + r.bytes() <= settings_.max_buffer_size_bytes;
  }
  void add(const TailedRecord& r, bool too_large) {
    filling_->records.push_back(r);
    if (!too_large) {
      filling_->bytes += r.bytes();
      ++filling_->sendable;
    }
  }
  // At maxBufferSizeRecords.
  bool full() const { return filling_->sendable >= settings_.max_buffer_size_records; }
  // The tailer may not start a new buffer while the publish queue is at its capacity.
  bool blocks_tailer() const { return filling_ == nullptr && queued_ >= kPublishQueueCapacity; }

  // Takes the buffer being filled off for its close (see enqueue).
  RecordBuffer* close() {
    RecordBuffer* b = filling_;
    filling_ = nullptr;
    b->preread = false;
    return b;
  }
  // A closed buffer joins the publish queue; an empty one goes back to the pool.
  void enqueue(RecordBuffer* b) {
    if (b->records.empty()) {
      release(b);
      return;
    }
    ready_.push_back(b);
    ++queued_;
  }

  // ---- sending --------------------------------------------------------------------------

  // A buffer is waiting and no backoff holds the flow at `now`.
  bool can_send(sim::Time now) const { return !ready_.empty() && now >= blocked_until_; }
  // The next buffer to send, now in flight.
  RecordBuffer* send_next() {
    RecordBuffer* b = ready_.front();
    ready_.pop_front();
    in_flight_.push_back(b);
    return b;
  }
  // The reply to `b` came: it leaves the queue (the caller releases it).
  void replied(RecordBuffer* b) {
    in_flight_.erase(std::find(in_flight_.begin(), in_flight_.end(), b));
    --queued_;
  }

  // The delay after a try numbered `failed_attempt` failed, with `uniform` in [0, 1) drawn for
  // the jitter.
  sim::Duration backoff(uint32_t failed_attempt, double uniform) const {
    const AgentFlowSettings& a = settings_;
    const double exponent = static_cast<double>(std::min<uint32_t>(failed_attempt - 1, 64));
    const double base =
        std::min(a.backoff_max.to_seconds(),
                 a.backoff_min.to_seconds() * std::pow(a.backoff_multiplier, exponent));
    const double jitter = 1.0 + a.backoff_jitter * (2.0 * uniform - 1.0);
    return sim::Duration::from_seconds(base * jitter);
  }
  // `retry` holds the records of a failed try, in order: it goes first, and nothing is sent
  // before `until`.
  void requeue(RecordBuffer* retry, uint32_t failed_attempt, sim::Time until) {
    retry->attempt = failed_attempt + 1;
    ready_.push_front(retry);
    ++queued_;
    blocked_until_ = std::max(blocked_until_, until);
  }

  // The process stopped: every buffer is gone (the host takes them all back at once).
  void drop_all() {
    filling_ = nullptr;
    ready_.clear();
    in_flight_.clear();
    queued_ = 0;
    blocked_until_ = sim::Time::zero();
  }

  RecordBuffer* acquire() { return buffers_.acquire(); }
  void release(RecordBuffer* b) {
    b->clear();
    buffers_.release(b);
  }

  const std::vector<RecordBuffer*>& in_flight() const { return in_flight_; }
  uint32_t queued() const { return queued_; }  // closed buffers and retries not yet replied to
  sim::Time blocked_until() const { return blocked_until_; }

 private:
  const AgentFlowSettings& settings_;
  Pool<RecordBuffer>& buffers_;
  RecordBuffer* filling_ = nullptr;
  std::deque<RecordBuffer*> ready_;       // closed buffers and retries waiting to be sent
  std::vector<RecordBuffer*> in_flight_;  // sent, not yet replied to
  uint32_t queued_ = 0;                   // ready, waiting out a backoff, or in flight
  sim::Time blocked_until_;               // the end of the last backoff
};

}  // namespace kinesim::models::agent
