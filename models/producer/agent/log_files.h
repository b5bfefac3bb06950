// One flow's log files as the application leaves them on disk (SPEC §7): it appends lines to
// the current file and, every rotation_interval, renames it and starts a new one, keeping
// rotated_files_tracked rotated files; older ones are deleted, with whatever the agent had not
// read of them. Files are line counts with their first and last write times, not text.
//
// State plus pure steps: the flow writes each line at its time and rotates when
// next_rotation() comes; nothing here reads a clock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>

#include "models/producer/agent/records.h"
#include "sim/time.h"

namespace kinesim::models::agent {

// One log file: lines [first_line, first_line + lines), written between `first` and `last`.
struct LogFile {
  uint64_t first_line = 0;
  uint64_t lines = 0;
  uint64_t bytes = 0;
  sim::Time first;
  sim::Time last;
};

class LogFiles {
 public:
  LogFiles(sim::Duration rotation_interval, uint32_t rotated_files_tracked)
      : rotation_interval_(rotation_interval),
        rotated_files_tracked_(rotated_files_tracked),
        next_rotation_(add_saturated(sim::Time::zero(), rotation_interval)) {
    files_.push_back(LogFile{});
  }

  // Appends line written() to the current file at `at`.
  void write(sim::Time at, uint64_t bytes) {
    LogFile& f = files_.back();
    if (f.lines == 0) f.first = at;
    f.last = at;
    ++f.lines;
    f.bytes += bytes;
    ++written_;
  }

  // The current file is renamed and a new one starts at next_rotation(). Returns true when the
  // oldest rotated file beyond those tracked was deleted: lines before first_line() are gone.
  bool rotate() {
    files_.push_back(LogFile{written_, 0, 0, next_rotation_, next_rotation_});
    next_rotation_ = add_saturated(next_rotation_, rotation_interval_);
    bool deleted = false;
    while (files_.size() > std::size_t{rotated_files_tracked_} + 1) {
      files_.pop_front();
      deleted = true;
    }
    return deleted;
  }

  // When a line written so far was written: interpolated within its file, whose first and last
  // write times are all that is kept.
  sim::Time written_at(uint64_t line) const {
    auto it = std::upper_bound(files_.begin(), files_.end(), line,
                               [](uint64_t l, const LogFile& f) { return l < f.first_line; });
    const LogFile& f = *(it - 1);
    if (f.lines <= 1) return f.first;
    const double frac = static_cast<double>(line - f.first_line) / static_cast<double>(f.lines - 1);
    return f.first + sim::Duration::nanos(static_cast<int64_t>(
                         static_cast<double>((f.last - f.first).count_nanos()) * frac));
  }

  uint64_t written() const { return written_; }                      // lines written so far
  uint64_t first_line() const { return files_.front().first_line; }  // oldest line on disk
  sim::Time next_rotation() const { return next_rotation_; }         // kNever: it never rotates
  const std::deque<LogFile>& files() const { return files_; }        // oldest first

 private:
  sim::Duration rotation_interval_;
  uint32_t rotated_files_tracked_;
  sim::Time next_rotation_;
  std::deque<LogFile> files_;  // the rotated ones kept, then the current one
  uint64_t written_ = 0;
};

}  // namespace kinesim::models::agent
