#include "models/stream/retention.h"

#include <algorithm>
#include <limits>

#include "models/core/uint128.h"

namespace kinesim::models {
namespace {

// floor(total x part / whole): the amount an even spread gives the first `part` of `whole`
// records. 128-bit, as a coarse run's bytes times its records can pass 2^64.
uint64_t share(uint64_t total, uint64_t part, uint64_t whole) {
  if (whole == 0) return 0;
  return static_cast<uint64_t>(static_cast<core::uint128>(total) * part / whole);
}

sim::Duration share(sim::Duration total, uint64_t part, uint64_t whole) {
  return sim::Duration::nanos(
      static_cast<int64_t>(share(static_cast<uint64_t>(total.count_nanos()), part, whole)));
}

// Arrival of the `index`-th record of `r`: spread evenly between its first and last arrival.
sim::Time arrival_in(const RetentionRun& r, uint64_t index) {
  if (r.records <= 1) return r.first_arrival;
  const auto span = static_cast<uint64_t>((r.last_arrival - r.first_arrival).count_nanos());
  return r.first_arrival +
         sim::Duration::nanos(static_cast<int64_t>(share(span, index, r.records - 1)));
}

uint64_t saturating_add(uint64_t a, uint64_t b) {
  return b > std::numeric_limits<uint64_t>::max() - a ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

}  // namespace

void RetentionLog::coalesce(sim::Time now) {
  const sim::Time cutoff = now - window_;
  while (!recent_.empty() && recent_.front().last_arrival < cutoff) {
    const RetentionRun& f = recent_.front();
    if (!older_.empty() && f.first_arrival - older_.back().first_arrival < coarse_) {
      RetentionRun& r = older_.back();
      r.last_arrival = f.last_arrival;
      r.bytes += f.bytes;
      r.records += f.records;
      r.user_records += f.user_records;
      r.write_delay_sum += f.write_delay_sum;
    } else {
      older_.push_back(f);
    }
    recent_.pop_front();
  }
  if (recent_.empty()) open_until_ = sim::Time::zero();
}

void RetentionLog::trim(sim::Time now) {
  coalesce(now);
  const sim::Time horizon = now - retention_;
  for (std::deque<RetentionRun>* runs : {&older_, &recent_}) {
    while (!runs->empty() && runs->front().last_arrival < horizon) {
      const RetentionRun& r = runs->front();
      bytes_ -= r.bytes;
      records_ -= r.records;
      user_records_ -= r.user_records;
      expired_bytes_ += r.bytes;
      expired_records_ += r.records;
      expired_user_records_ += r.user_records;
      runs->pop_front();
    }
    if (!runs->empty()) break;  // the fine runs are newer than any coarse run kept
  }
  if (recent_.empty()) open_until_ = sim::Time::zero();
}

ShardPosition RetentionLog::oldest() const {
  if (run_count() == 0) return tip();
  const RetentionRun& r = run(0);
  return {r.first_sequence, r.bytes_before, r.user_records_before};
}

std::size_t RetentionLog::run_index(uint64_t sequence) const {
  const auto after = [](uint64_t s, const RetentionRun& r) { return s < r.first_sequence; };
  if (!recent_.empty() && sequence >= recent_.front().first_sequence) {
    const auto it = std::upper_bound(recent_.begin(), recent_.end(), sequence, after);
    return older_.size() + static_cast<std::size_t>(it - recent_.begin()) - 1;
  }
  const auto it = std::upper_bound(older_.begin(), older_.end(), sequence, after);
  return static_cast<std::size_t>(it - older_.begin()) - 1;
}

ShardPosition RetentionLog::position_of(uint64_t sequence) const {
  if (sequence >= end_sequence_) return tip();
  const ShardPosition first = oldest();
  if (sequence < first.sequence) {
    // Trimmed: what preceded it is known only in total, so spread that evenly.
    return {sequence, share(first.bytes_before, sequence, first.sequence),
            share(first.user_records_before, sequence, first.sequence)};
  }
  const RetentionRun& r = run(run_index(sequence));
  const uint64_t offset = sequence - r.first_sequence;
  return {sequence, r.bytes_before + share(r.bytes, offset, r.records),
          r.user_records_before + share(r.user_records, offset, r.records)};
}

ShardPosition RetentionLog::position_at(sim::Time at) const {
  // The first run whose last record arrived at or after `at`.
  std::size_t lo = 0;
  std::size_t hi = run_count();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (run(mid).last_arrival < at) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == run_count()) return tip();
  const RetentionRun& r = run(lo);
  if (at <= r.first_arrival || r.records <= 1) return position_of(r.first_sequence);
  // The first index i with first + span * i / (records - 1) >= at.
  const auto span = static_cast<core::uint128>((r.last_arrival - r.first_arrival).count_nanos());
  const auto into = static_cast<core::uint128>((at - r.first_arrival).count_nanos());
  const auto index = static_cast<uint64_t>((into * (r.records - 1) + span - 1) / span);
  return position_of(r.first_sequence + index);
}

sim::Time RetentionLog::arrival_of(uint64_t sequence) const {
  const RetentionRun& r = run(run_index(sequence));
  return arrival_in(r, sequence - r.first_sequence);
}

sim::Time RetentionLog::newest_arrival() const {
  if (run_count() == 0) return sim::Time::zero();
  return run(run_count() - 1).last_arrival;
}

LogRead RetentionLog::read(ShardPosition from, uint64_t max_records, uint64_t max_bytes,
                           std::vector<RecordSlice>* out) const {
  if (from.sequence > end_sequence_) {
    throw std::logic_error("retention: a read starts past the newest record");
  }
  LogRead result;
  ShardPosition pos = from;
  const ShardPosition first = oldest();
  if (pos.sequence < first.sequence) {
    result.trimmed_records = first.sequence - pos.sequence;
    result.trimmed_user_records = first.user_records_before > pos.user_records_before
                                      ? first.user_records_before - pos.user_records_before
                                      : 0;
    pos = {first.sequence, std::max(first.bytes_before, pos.bytes_before),
           std::max(first.user_records_before, pos.user_records_before)};
  }
  // Amounts reported are differences of the reader's carried position and the log's cumulative
  // amounts, never below what the reader already carries: a run that grew after the reader
  // stopped inside it shifts the even spread, and the reader must neither be told a negative
  // amount nor lose the total (which is exact once it reaches a run boundary or the tip).
  const uint64_t byte_limit = saturating_add(pos.bytes_before, max_bytes);
  uint64_t records_left = max_records;
  if (pos.sequence < end_sequence_ && records_left > 0) {
    for (std::size_t i = run_index(pos.sequence); i < run_count() && records_left > 0; ++i) {
      const RetentionRun& r = run(i);
      const uint64_t offset = pos.sequence - r.first_sequence;
      uint64_t end = offset + std::min(r.records - offset, records_left);
      // Whole records within the byte limit: the largest j with bytes_before + share(j) <= limit.
      if (byte_limit < r.bytes_before) {
        end = 0;
      } else if (byte_limit - r.bytes_before < r.bytes) {
        const uint64_t room = byte_limit - r.bytes_before;
        const auto fit = static_cast<uint64_t>(
            ((static_cast<core::uint128>(room) + 1) * r.records - 1) / r.bytes);
        end = std::min(end, fit);
      }
      if (end <= offset) break;
      const uint64_t bytes_before =
          std::max(pos.bytes_before, r.bytes_before + share(r.bytes, end, r.records));
      const uint64_t users_before = std::max(
          pos.user_records_before, r.user_records_before + share(r.user_records, end, r.records));
      const uint64_t taken = end - offset;
      if (out != nullptr) {
        out->push_back({pos.sequence, taken, users_before - pos.user_records_before,
                        bytes_before - pos.bytes_before, arrival_in(r, offset),
                        arrival_in(r, end - 1),
                        share(r.write_delay_sum, end, r.records) -
                            share(r.write_delay_sum, offset, r.records)});
      }
      result.records += taken;
      result.bytes += bytes_before - pos.bytes_before;
      result.user_records += users_before - pos.user_records_before;
      pos = {r.first_sequence + end, bytes_before, users_before};
      records_left -= taken;
      if (end < r.records) break;  // stopped inside the run
    }
  }
  result.next = pos;
  return result;
}

}  // namespace kinesim::models
