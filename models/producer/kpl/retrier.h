// The KPL's retrier (aws/kinesis/core/retrier.h, SPEC §7), without backoff: it judges each
// Kinesis record of a PutRecords reply, and sends the user records of a failed one (throttled,
// internal failure, request timeout, wrong shard) back to the aggregator with deadline
// now + RecordMaxBufferedTime/2, unless RecordTtl has passed since they were put: those fail as
// expired. FailIfThrottled fails a throttled record at once. As in the KPL's
// succeed_if_correct_shard, a record the stream accepted on a shard other than the predicted one
// is a wrong-shard put: the stream keeps it, and its user records go again.
//
// Pure steps: judge() and retry() read the record and `now`, and hand records to requeue back.
#pragma once

#include <cstdint>

#include "models/producer/kpl/records.h"
#include "models/producer/kpl_config.h"
#include "sim/time.h"

namespace kinesim::models::kpl {

class Retrier {
 public:
  // What a reply means for one Kinesis record.
  enum class Verdict : uint8_t {
    kSucceeded,        // accepted on the predicted shard
    kWrongShard,       // accepted on another shard: retried (the stream holds a copy)
    kThrottled,        // retried
    kFailedThrottled,  // throttled with FailIfThrottled: fails at once
    kInternalFailure,  // retried
    kTimedOut,         // the request passed RequestTimeout: retried
  };

  // What retry() did with a record's user records.
  struct Retried {
    uint64_t requeued = 0;
    uint64_t expired = 0;          // past RecordTtl: failed
    uint64_t expired_bytes = 0;    // their user bytes
    uint64_t expired_retries = 0;  // their sends beyond the first
  };

  explicit Retrier(const KplConfig& config)
      : retry_delay_(config.record_max_buffered_time / 2),
        record_ttl_(config.record_ttl),
        fail_if_throttled_(config.fail_if_throttled) {}

  Verdict judge(const PutEntry& e, bool timed_out) const {
    if (timed_out) return Verdict::kTimedOut;
    switch (e.outcome) {
      case PutOutcome::kAccepted:
        return e.actual == e.predicted ? Verdict::kSucceeded : Verdict::kWrongShard;
      case PutOutcome::kThrottled:
        return fail_if_throttled_ ? Verdict::kFailedThrottled : Verdict::kThrottled;
      case PutOutcome::kInternalFailure:
        break;
    }
    return Verdict::kInternalFailure;
  }

  // Each user record of `e` that is not yet past RecordTtl goes to requeue(record) with its new
  // deadline, in order; the others expire.
  template <typename Requeue>
  Retried retry(const PutEntry& e, sim::Time now, Requeue&& requeue) const {
    Retried r;
    for (HeldUserRecord u : e.users) {
      if (now - u.created >= record_ttl_) {
        ++r.expired;
        r.expired_bytes += u.bytes();
        r.expired_retries += u.attempts - 1u;  // sent at least once
        continue;
      }
      ++r.requeued;
      u.deadline = now + retry_delay_;
      requeue(u);
    }
    return r;
  }

  sim::Duration retry_delay() const { return retry_delay_; }

 private:
  sim::Duration retry_delay_;  // RecordMaxBufferedTime / 2
  sim::Duration record_ttl_;
  bool fail_if_throttled_;
};

}  // namespace kinesim::models::kpl
