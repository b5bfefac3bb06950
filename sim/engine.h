// The discrete-event kernel: a virtual clock and a queue of pending events ordered by
// (time, priority, insertion sequence). Ties at equal time and priority run in the order they
// were scheduled, so a run is a pure function of its inputs. Exceptions thrown by a handler
// propagate out of step()/run*(); the event that threw is consumed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sim/inline_function.h"
#include "sim/time.h"

namespace kinesim::sim {

// Lower runs first among events at the same instant.
enum class Priority : uint8_t { kUrgent = 0, kHigh = 1, kNormal = 2, kLow = 3 };

// Names one scheduled event so it can be cancelled. Stale ids (already run or cancelled) are
// recognised by their generation and ignored.
struct EventId {
  uint32_t slot = UINT32_MAX;
  uint32_t generation = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

class Engine {
 public:
  // 48 bytes hold `this` plus a handful of ids or sizes: enough for every model handler.
  using Handler = InlineFunction<void(), 48>;

  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Time now() const { return now_; }

  // Schedules `fn` at `at` (>= now(), else std::invalid_argument).
  EventId schedule(Time at, Handler fn, Priority priority = Priority::kNormal);
  EventId schedule_in(Duration delay, Handler fn, Priority priority = Priority::kNormal) {
    return schedule(now_ + delay, std::move(fn), priority);
  }
  // Returns true if the event was pending and will now never run.
  bool cancel(EventId id);

  // Runs the earliest pending event; returns false when there is none.
  bool step();
  // Runs every event with time <= `until` (unless stop() is called), then sets now() = until.
  void run_until(Time until);
  // Runs until no event is pending or stop() is called.
  void run();
  // Makes the current run*() return after the running handler finishes.
  void stop() { stopped_ = true; }

  std::size_t pending() const { return live_; }
  std::optional<Time> next_time();
  uint64_t events_run() const { return events_run_; }

  // Pre-sizes the queue and the handler pool for `n` simultaneously pending events.
  void reserve(std::size_t n);

 private:
  // A heap entry is 24 bytes: ordering key plus the index of the handler's pool slot.
  struct Entry {
    int64_t time;
    uint64_t order;  // priority in the top 8 bits, insertion sequence below
    uint32_t slot;
  };
  static bool before(const Entry& a, const Entry& b) {
    return a.time < b.time || (a.time == b.time && a.order < b.order);
  }

  struct Slot {
    Handler fn;
    uint32_t generation = 0;
    bool pending = false;
  };
  // Slots live in fixed chunks so a handler may schedule (and grow the pool) while it runs.
  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  Slot& slot(uint32_t i) { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }
  uint32_t acquire_slot();
  void release_slot(uint32_t i);

  [[noreturn]] void throw_past(Time at) const;
  void push(Entry e);
  Entry pop_min();

  Time now_ = Time::zero();
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
  std::size_t live_ = 0;
  bool stopped_ = false;
  std::vector<Entry> heap_;  // 4-ary min-heap on (time, order)
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::vector<uint32_t> free_slots_;
  uint32_t slots_used_ = 0;
};

// ---- hot path, inline ---------------------------------------------------------------------

inline uint32_t Engine::acquire_slot() {
  if (!free_slots_.empty()) {
    const uint32_t i = free_slots_.back();
    free_slots_.pop_back();
    return i;
  }
  if ((slots_used_ & (kChunkSize - 1)) == 0 && (slots_used_ >> kChunkBits) == chunks_.size()) {
    chunks_.push_back(std::make_unique<Slot[]>(kChunkSize));
  }
  return slots_used_++;
}

inline void Engine::release_slot(uint32_t i) {
  Slot& s = slot(i);
  s.fn.reset();
  s.pending = false;
  ++s.generation;
  free_slots_.push_back(i);
}

inline void Engine::push(Entry e) {
  std::size_t hole = heap_.size();
  heap_.push_back(e);
  Entry* h = heap_.data();
  while (hole > 0) {
    const std::size_t parent = (hole - 1) >> 2;
    if (!before(e, h[parent])) break;
    h[hole] = h[parent];
    hole = parent;
  }
  h[hole] = e;
}

inline Engine::Entry Engine::pop_min() {
  Entry* h = heap_.data();
  const Entry top = h[0];
  const Entry last = h[heap_.size() - 1];
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return top;
  std::size_t hole = 0;
  for (;;) {
    const std::size_t first = (hole << 2) + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = first + 4 < n ? first + 4 : n;
    for (std::size_t c = first + 1; c < end; ++c) {
      if (before(h[c], h[best])) best = c;
    }
    if (!before(h[best], last)) break;
    h[hole] = h[best];
    hole = best;
  }
  h[hole] = last;
  return top;
}

inline EventId Engine::schedule(Time at, Handler fn, Priority priority) {
  if (at < now_) [[unlikely]] {
    throw_past(at);
  }
  const uint32_t i = acquire_slot();
  Slot& s = slot(i);
  s.fn = std::move(fn);
  s.pending = true;
  ++live_;
  push(Entry{at.nanos(), (static_cast<uint64_t>(priority) << 56) | next_seq_++, i});
  return EventId{i, s.generation};
}

inline bool Engine::step() {
  while (!heap_.empty()) {
    const Entry e = pop_min();
    Slot& s = slot(e.slot);
    if (!s.pending) {  // cancelled: its slot was kept until now so the heap entry stays valid
      release_slot(e.slot);
      continue;
    }
    s.pending = false;
    --live_;
    now_ = Time::from_nanos(e.time);
    ++events_run_;
    struct Release {  // frees the slot even if the handler throws
      Engine* engine;
      uint32_t i;
      ~Release() { engine->release_slot(i); }
    } release{this, e.slot};
    s.fn();
    return true;
  }
  return false;
}

}  // namespace kinesim::sim
