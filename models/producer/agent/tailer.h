// The agent's tailer for one flow, as the lines it is responsible for (SPEC §7): where it reads
// next, the line up to which everything is done (acknowledged, rejected or lost), the last saved
// checkpoint, and a status per line from the saved checkpoint to the furthest line ever read.
// A restart resumes at the saved checkpoint, so lines after it are read again; lines deleted by
// rotation before they were read are lost. The window is bounded by the checkpoint interval, the
// publish queue and the downtime, not by the simulated duration.
//
// State plus pure steps on line indices: the flow reads, marks and checkpoints; the tailer says
// what each step means (a first acceptance or a duplicate, a line lost or re-read).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace kinesim::models::agent {

class Tailer {
 public:
  // Line read_pos() joins a buffer. Returns true if this run or an earlier one had read it
  // before (a re-read after a restart).
  bool read() {
    const bool reread = read_pos_ < window_end_;
    if (!reread) {
      status_.push_back(0);
      ++window_end_;
    }
    ++read_pos_;
    return reread;
  }

  // The stream accepted `line`: true the first time, false for a duplicate.
  bool accept(uint64_t line) {
    uint8_t& s = status(line);
    if ((s & kAccepted) != 0) return false;
    s |= kAccepted;
    return true;
  }
  // This run is done with `line` (acknowledged).
  void done(uint64_t line) { status(line) |= kDone; }
  // `line` is over the record size and is dropped: true when it is rejected for the first time
  // (not if it was accepted or rejected before a restart).
  bool reject(uint64_t line) {
    uint8_t& s = status(line);
    const bool first = (s & (kFinal | kAccepted)) == 0;
    if (first) s |= kFinal;
    s |= kDone;
    return first;
  }

  // Moves past the lines done, in order.
  void advance_acked() {
    while (acked_ < window_end_ && (status(acked_) & kDone) != 0) ++acked_;
  }

  // Lines [read_pos(), line) were deleted before this run read them: reading continues at
  // `line`. Returns how many are lost (never accepted, nor rejected).
  uint64_t skip_to(uint64_t line) {
    if (line <= read_pos_) return 0;
    const uint64_t window_end = std::min(line, window_end_);
    uint64_t lost = 0;
    for (uint64_t i = std::max(read_pos_, base_); i < window_end; ++i) {
      uint8_t& s = status(i);
      if ((s & (kAccepted | kFinal)) == 0) {
        ++lost;
        s |= kFinal;
      }
      s |= kDone;
    }
    read_pos_ = line;
    advance_acked();
    if (line > window_end_) {
      const uint64_t n = line - window_end_;  // never read at all
      lost += n;
      if (acked_ == window_end_) {
        status_.clear();  // nothing outstanding: the window restarts past the deleted lines
        base_ = line;
        acked_ = line;
      } else {
        status_.insert(status_.end(), static_cast<std::size_t>(n), uint8_t{kFinal | kDone});
      }
      window_end_ = line;
    }
    return lost;
  }

  // Saves the checkpoint at acked(): the window forgets the lines before it.
  void save_checkpoint() {
    saved_ = acked_;
    while (base_ < saved_ && !status_.empty()) {
      status_.pop_front();
      ++base_;
    }
  }

  // The process stopped with `written` lines on disk: the next run reads from the saved
  // checkpoint again, and lines read ahead of the writer were never read.
  void resume_from_checkpoint(uint64_t written) {
    if (window_end_ > written) {
      status_.resize(static_cast<std::size_t>(written - base_));
      window_end_ = written;
    }
    const uint64_t resume = std::max(saved_, base_);
    for (uint64_t i = resume; i < window_end_; ++i) status(i) &= static_cast<uint8_t>(~kDone);
    read_pos_ = resume;
    acked_ = resume;
  }

  // Of `written` lines, those neither accepted nor rejected or lost.
  uint64_t pending(uint64_t written) const {
    uint64_t n = 0;
    const uint64_t lim = std::min(window_end_, written);
    for (uint64_t i = base_; i < lim; ++i) {
      if ((status_[static_cast<std::size_t>(i - base_)] & (kAccepted | kFinal)) == 0) ++n;
    }
    if (written > window_end_) n += written - window_end_;
    return n;
  }

  uint64_t read_pos() const { return read_pos_; }      // the next line to read
  uint64_t acked() const { return acked_; }            // lines before it are done
  uint64_t saved() const { return saved_; }            // the saved checkpoint
  uint64_t base() const { return base_; }              // the window's first line
  uint64_t window_end() const { return window_end_; }  // one past the furthest line read

 private:
  // A line's status, as bits.
  static constexpr uint8_t kAccepted = 1;  // the stream accepted it at least once
  static constexpr uint8_t kFinal = 2;     // rejected as too large, or lost: never sent
  static constexpr uint8_t kDone = 4;      // this run is done with it (acknowledged, skipped)

  uint8_t& status(uint64_t line) { return status_[static_cast<std::size_t>(line - base_)]; }

  uint64_t read_pos_ = 0;
  uint64_t acked_ = 0;
  uint64_t saved_ = 0;
  uint64_t base_ = 0;
  uint64_t window_end_ = 0;
  std::deque<uint8_t> status_;  // lines [base_, window_end_)
};

}  // namespace kinesim::models::agent
