// What a shard holds, without storing records: runs of (time span, first sequence number,
// bytes, records), merged while they start within `granularity` of each other and trimmed
// once older than the retention period. Memory is bounded by retention / granularity,
// whatever the simulated duration. Consumers read positions by sequence number.
#pragma once

#include <cstdint>
#include <deque>

#include "sim/time.h"

namespace kinesim::models {

struct RetentionRun {
  sim::Time start;  // arrival time of the first record
  sim::Time end;    // arrival time of the last record
  uint64_t first_sequence = 0;
  uint64_t bytes = 0;
  uint64_t records = 0;       // Kinesis records
  uint64_t user_records = 0;  // user records inside them (more than `records` with KPL aggregation)
};

class RetentionLog {
 public:
  RetentionLog(sim::Duration retention, sim::Duration granularity)
      : retention_(retention), granularity_(granularity) {}

  void append(sim::Time at, uint64_t first_sequence, uint64_t bytes, uint64_t records,
              uint64_t user_records) {
    if (!runs_.empty() && at - runs_.back().start < granularity_) {
      RetentionRun& r = runs_.back();
      r.end = at;
      r.bytes += bytes;
      r.records += records;
      r.user_records += user_records;
    } else {
      runs_.push_back({at, at, first_sequence, bytes, records, user_records});
    }
    bytes_ += bytes;
    records_ += records;
    user_records_ += user_records;
  }

  // Drops runs whose newest record is older than the retention period.
  void trim(sim::Time now) {
    const sim::Time horizon = now - retention_;
    while (!runs_.empty() && runs_.front().end < horizon) {
      bytes_ -= runs_.front().bytes;
      records_ -= runs_.front().records;
      user_records_ -= runs_.front().user_records;
      expired_bytes_ += runs_.front().bytes;
      expired_records_ += runs_.front().records;
      runs_.pop_front();
    }
  }

  const std::deque<RetentionRun>& runs() const { return runs_; }
  uint64_t retained_bytes() const { return bytes_; }
  uint64_t retained_records() const { return records_; }
  uint64_t retained_user_records() const { return user_records_; }
  uint64_t expired_records() const { return expired_records_; }
  uint64_t expired_bytes() const { return expired_bytes_; }

 private:
  sim::Duration retention_;
  sim::Duration granularity_;
  std::deque<RetentionRun> runs_;
  uint64_t bytes_ = 0;
  uint64_t records_ = 0;
  uint64_t user_records_ = 0;
  uint64_t expired_bytes_ = 0;
  uint64_t expired_records_ = 0;
};

}  // namespace kinesim::models
