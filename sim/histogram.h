// A log-linear histogram of non-negative integers (e.g. latencies in microseconds), in the
// manner of HdrHistogram: values below 2^kSubBits are exact; above, each power of two is split
// into 2^kSubBits buckets, so a quantile is within 1/2^kSubBits (1.6 %) of the true value.
// Fixed memory, O(1) record.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace kinesim::sim {

class LogHistogram {
 public:
  static constexpr int kSubBits = 6;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr std::size_t kBuckets = kSub + (64 - kSubBits) * kSub;

  void record(uint64_t value, uint64_t count = 1) {
    counts_[index(value)] += count;
    total_ += count;
    if (value > max_) max_ = value;
    if (value < min_) min_ = value;
    sum_ += static_cast<double>(value) * static_cast<double>(count);
  }
  // record(value(item)) for each item, with the sum taken in integers first: the same result
  // while the sum stays below 2^53 (every partial sum of integers is then exact in a double),
  // without a floating-point addition chained from one value to the next.
  template <typename Range, typename Value>
  void record_each(const Range& items, Value value) {
    uint64_t sum = 0;
    uint64_t n = 0;
    uint64_t lo = min_;
    uint64_t hi = max_;
    for (const auto& item : items) {
      const uint64_t v = value(item);
      ++counts_[index(v)];
      sum += v;
      ++n;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    total_ += n;
    min_ = lo;
    max_ = hi;
    sum_ += static_cast<double>(sum);
  }
  void merge(const LogHistogram& o) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    if (o.max_ > max_) max_ = o.max_;
    if (o.min_ < min_) min_ = o.min_;
  }

  uint64_t count() const { return total_; }
  uint64_t max() const { return total_ ? max_ : 0; }
  uint64_t min() const { return total_ ? min_ : 0; }
  double mean() const { return total_ ? sum_ / static_cast<double>(total_) : 0.0; }

  // The smallest bucket value v such that at least q of the samples are <= v's bucket; the
  // bucket's upper bound is reported (clamped to the observed max). q in [0, 1].
  uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<uint64_t>(q * static_cast<double>(total_) + 0.5);
    if (rank < 1) rank = 1;
    if (rank > total_) rank = total_;
    uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        const uint64_t hi = upper_bound(i);
        return hi < max_ ? hi : max_;
      }
    }
    return max_;
  }

  static std::size_t index(uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const int shift = 63 - std::countl_zero(v) - kSubBits;  // >= 0
    const uint64_t top = v >> shift;                        // in [kSub, 2 kSub)
    return static_cast<std::size_t>(kSub + static_cast<uint64_t>(shift) * kSub + (top - kSub));
  }
  // Largest value that maps to bucket i.
  static uint64_t upper_bound(std::size_t i) {
    const auto ui = static_cast<uint64_t>(i);
    if (ui < kSub) return ui;
    const uint64_t shift = (ui - kSub) / kSub;
    const uint64_t top = kSub + (ui - kSub) % kSub;
    return ((top + 1) << shift) - 1;
  }

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
  double sum_ = 0;
};

}  // namespace kinesim::sim
