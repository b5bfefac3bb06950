// A token bucket in exact integer arithmetic on virtual time, for limits whose edges matter:
// "5 GetRecords calls per second" must admit the fifth call of every second and refuse the
// sixth whatever the phase, which a floating-point bucket (token_bucket.h) decides by rounding.
//
// Contract: the level is kept in nano-tokens (tokens x 1e9), so a rate of r tokens per second
// accrues exactly r nano-tokens per nanosecond. The level never rises above `depth`; it may fall
// below zero when a caller takes more than the bucket holds (debt), and refills from there at the
// same rate. Amounts and depths up to ~9.2e9 tokens fit (int64 nano-tokens).
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace kinesim::models {

class IntegerTokenBucket {
 public:
  static constexpr int64_t kNanoTokens = 1'000'000'000;  // nano-tokens per token

  IntegerTokenBucket() = default;
  // Starts full at `start`.
  IntegerTokenBucket(uint64_t rate_per_sec, uint64_t depth, sim::Time start = sim::Time::zero())
      : rate_(static_cast<int64_t>(rate_per_sec)),
        depth_(static_cast<int64_t>(depth) * kNanoTokens),
        level_(depth_),
        last_ns_(start.nanos()) {}

  // Adds what accrued since the last refill; idempotent at equal times. The product elapsed x
  // rate is only formed when it stays below the room left, so it cannot overflow.
  void refill(sim::Time now) {
    const int64_t elapsed = now.nanos() - last_ns_;
    if (elapsed <= 0) return;
    last_ns_ = now.nanos();
    if (rate_ == 0 || level_ >= depth_) return;
    const int64_t room = depth_ - level_;
    if (elapsed >= (room + rate_ - 1) / rate_) {
      level_ = depth_;
    } else {
      level_ += elapsed * rate_;
    }
  }
  bool has(uint64_t amount) const { return level_ >= static_cast<int64_t>(amount) * kNanoTokens; }
  bool in_debt() const { return level_ < 0; }
  void take(uint64_t amount) { level_ -= static_cast<int64_t>(amount) * kNanoTokens; }
  // Whole tokens held, rounded down (negative in debt).
  int64_t tokens() const {
    return level_ >= 0 ? level_ / kNanoTokens : -((-level_ + kNanoTokens - 1) / kNanoTokens);
  }
  int64_t depth() const { return depth_ / kNanoTokens; }
  // How long from the last refill until the bucket holds `amount` tokens (zero if it does).
  sim::Duration time_until(uint64_t amount) const {
    const int64_t short_by = static_cast<int64_t>(amount) * kNanoTokens - level_;
    if (short_by <= 0) return sim::Duration();
    if (rate_ == 0) return sim::Duration::max();
    return sim::Duration::nanos((short_by + rate_ - 1) / rate_);
  }

 private:
  int64_t rate_ = 0;   // tokens per second = nano-tokens per nanosecond
  int64_t depth_ = 0;  // nano-tokens
  int64_t level_ = 0;  // nano-tokens
  int64_t last_ns_ = 0;
};

}  // namespace kinesim::models
