// What a shard holds, without storing records: runs of records (a time span, the first sequence
// number, records, user records, bytes and the records' summed write delay), trimmed once older
// than the retention period. Readers read positions by sequence number.
//
// Runs come at two granularities. A run appended within the recent window (default 60 s) merges
// only the records arriving within `fine_granularity` (default 50 ms) of its first, so a reader
// at the tip sees arrivals to within 50 ms, well under the 70-200 ms propagation delays it models
// (SPEC §4). Once a fine run is older than the window it is coalesced into the coarse runs, which
// merge records starting within `granularity` of each other (retention / 1440 in the stream: one
// minute at 24 h). Memory per shard is bounded by window / fine + retention / coarse runs,
// whatever the simulated duration.
//
// Reading a position inside a run interpolates evenly: every record of a run is taken to carry
// the run's mean bytes, user records and write delay, and its arrival times are spread evenly
// between the first and the last. Cumulative amounts at run starts are exact, so whatever a
// reader reads from one run boundary (or the tip) to another sums exactly to what was appended.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <vector>

#include "sim/time.h"

namespace kinesim::models {

struct RetentionRun {
  sim::Time first_arrival;  // arrival time of the first record
  sim::Time last_arrival;   // arrival time of the last record
  uint64_t first_sequence = 0;
  uint64_t bytes = 0;
  uint64_t records = 0;       // Kinesis records
  uint64_t user_records = 0;  // user records inside them (more than `records` with KPL aggregation)
  // Sum over its user records of (arrival - creation). int64 nanoseconds hold 2.9e2 years: e.g.
  // 1e5 user records/s at 1 s mean delay over a 6 h coarse run (8,760 h retention) is 2.2e18 ns.
  sim::Duration write_delay_sum;
  // Bytes and user records appended to the shard before this run's first record.
  uint64_t bytes_before = 0;
  uint64_t user_records_before = 0;
  uint64_t end_sequence() const { return first_sequence + records; }
  friend bool operator==(const RetentionRun&, const RetentionRun&) = default;
};

// A place in a shard's record sequence: the next record to read, and the bytes and user records
// the shard held before it. Readers carry it from read to read (inside ShardIterator, or as an
// EFO continuation), so the amounts a reader is told it read telescope exactly.
struct ShardPosition {
  uint64_t sequence = 0;
  uint64_t bytes_before = 0;
  uint64_t user_records_before = 0;
  friend bool operator==(const ShardPosition&, const ShardPosition&) = default;
};

// Consecutive records of one run, as a reader receives them.
struct RecordSlice {
  uint64_t first_sequence = 0;
  uint64_t records = 0;  // Kinesis records
  uint64_t user_records = 0;
  uint64_t bytes = 0;
  sim::Time first_arrival;
  sim::Time last_arrival;
  sim::Duration write_delay_sum;  // over its user records: creation -> arrival at the stream
  // Mean write delay of its user records (zero when it carries none).
  sim::Duration mean_write_delay() const {
    return user_records == 0 ? sim::Duration()
                             : write_delay_sum / static_cast<int64_t>(user_records);
  }
};

// What one read of the log took and where it left the reader.
struct LogRead {
  ShardPosition next;
  uint64_t records = 0;
  uint64_t user_records = 0;
  uint64_t bytes = 0;
  // Records the reader's position had already lost to retention: it resumed at the oldest
  // retained record, and these never reach it.
  uint64_t trimmed_records = 0;
  uint64_t trimmed_user_records = 0;
};

class RetentionLog {
 public:
  static constexpr sim::Duration kDefaultFineGranularity = sim::Duration::millis(50);
  static constexpr sim::Duration kDefaultRecentWindow = sim::Duration::seconds(60);
  // The stream's coarse runs merge records arriving within retention / 1440 (one minute for
  // the default 24 h), but never finer than a second: about 1,440 runs per shard, plus the fine
  // runs of the last minute.
  static sim::Duration coarse_granularity(uint32_t retention_hours) {
    return std::max(sim::Duration::hours(retention_hours) / 1440, sim::Duration::seconds(1));
  }

  RetentionLog(sim::Duration retention, sim::Duration granularity,
               sim::Duration fine_granularity = kDefaultFineGranularity,
               sim::Duration recent_window = kDefaultRecentWindow)
      : retention_(retention),
        coarse_(granularity),
        fine_(fine_granularity),
        window_(recent_window) {}

  // Appends `records` records arriving at `at`, numbered from `first_sequence`, which must
  // follow the last appended record (the first append may start anywhere). `write_delay_sum`
  // is the sum of their user records' delays from creation to `at`.
  void append(sim::Time at, uint64_t first_sequence, uint64_t bytes, uint64_t records,
              uint64_t user_records, sim::Duration write_delay_sum = sim::Duration()) {
    append_span(at, at, first_sequence, bytes, records, user_records, write_delay_sum);
  }
  // Where a run holding a record arriving at `at` ends: records arriving before it merge into
  // that run. An append at `at` merges into the newest run when `at` is before its end;
  // otherwise it opens a run ending at `at + fine granularity`.
  sim::Time merge_until(sim::Time at) const { return at < open_until_ ? open_until_ : at + fine_; }
  // Appends at once the records of several appends arriving from `first` to `last`, all before
  // merge_until(first): the same runs and amounts as those appends one by one, in time order.
  // `write_delay_sum` is summed over all of them.
  void append_span(sim::Time first, sim::Time last, uint64_t first_sequence, uint64_t bytes,
                   uint64_t records, uint64_t user_records,
                   sim::Duration write_delay_sum = sim::Duration()) {
    if (appended_ && first_sequence != end_sequence_) [[unlikely]] {
      throw std::logic_error("retention: appended records must follow the last sequence number");
    }
    appended_ = true;
    if (first < open_until_) {  // within fine_ of the newest fine run's first arrival
      RetentionRun& r = recent_.back();
      r.last_arrival = last;
      r.bytes += bytes;
      r.records += records;
      r.user_records += user_records;
      r.write_delay_sum += write_delay_sum;
    } else {
      recent_.push_back({first, last, first_sequence, bytes, records, user_records, write_delay_sum,
                         appended_bytes_, appended_user_records_});
      open_until_ = first + fine_;
      coalesce(first);
    }
    end_sequence_ = first_sequence + records;
    appended_bytes_ += bytes;
    appended_user_records_ += user_records;
    bytes_ += bytes;
    records_ += records;
    user_records_ += user_records;
  }

  // Drops runs whose newest record is older than the retention period, and coalesces fine runs
  // older than the recent window (a shard no longer written keeps no fine runs).
  void trim(sim::Time now);

  // Runs oldest first: coarse runs, then the recent fine ones.
  std::size_t run_count() const { return older_.size() + recent_.size(); }
  const RetentionRun& run(std::size_t i) const {
    return i < older_.size() ? older_[i] : recent_[i - older_.size()];
  }
  std::size_t fine_run_count() const { return recent_.size(); }

  uint64_t retained_bytes() const { return bytes_; }
  uint64_t retained_records() const { return records_; }
  uint64_t retained_user_records() const { return user_records_; }
  uint64_t expired_records() const { return expired_records_; }
  uint64_t expired_bytes() const { return expired_bytes_; }
  uint64_t expired_user_records() const { return expired_user_records_; }

  // The oldest retained position (TRIM_HORIZON), the tip (LATEST: one past the newest record).
  ShardPosition oldest() const;
  ShardPosition tip() const { return {end_sequence_, appended_bytes_, appended_user_records_}; }
  // The position of record `sequence` (at most the tip's). A sequence number already trimmed has
  // no exact amounts before it: they are estimated at the mean of all that was trimmed.
  ShardPosition position_of(uint64_t sequence) const;
  // The first retained record that arrived at or after `at` (AT_TIMESTAMP); the tip if none did.
  ShardPosition position_at(sim::Time at) const;
  // Arrival time of retained record `sequence` (interpolated in its run).
  sim::Time arrival_of(uint64_t sequence) const;
  // Arrival time of the newest retained record (Time::zero() when none is retained).
  sim::Time newest_arrival() const;

  // Reads whole records in sequence order from `from` (at most the tip), at most `max_records`
  // and `max_bytes` of them, appending a slice per run to `out` when it is given. A position
  // older than the oldest retained record resumes there and reports what was lost.
  LogRead read(ShardPosition from, uint64_t max_records, uint64_t max_bytes,
               std::vector<RecordSlice>* out) const;

 private:
  // Index of the run holding retained record `sequence`.
  std::size_t run_index(uint64_t sequence) const;
  // Moves fine runs whose last record is older than the recent window into the coarse runs.
  void coalesce(sim::Time now);

  sim::Duration retention_;
  sim::Duration coarse_;
  sim::Duration fine_;
  sim::Duration window_;
  std::deque<RetentionRun> older_;   // coarse runs
  std::deque<RetentionRun> recent_;  // fine runs, all newer than older_
  // recent_.back().first_arrival + fine_ (zero while recent_ is empty): append() compares with
  // it without reaching into the deque's block, a cache miss per shard when a request spreads
  // over a hundred shards.
  sim::Time open_until_;
  bool appended_ = false;
  uint64_t end_sequence_ = 0;
  uint64_t appended_bytes_ = 0;  // ever appended
  uint64_t appended_user_records_ = 0;
  uint64_t bytes_ = 0;  // retained
  uint64_t records_ = 0;
  uint64_t user_records_ = 0;
  uint64_t expired_bytes_ = 0;
  uint64_t expired_records_ = 0;
  uint64_t expired_user_records_ = 0;
};

}  // namespace kinesim::models
