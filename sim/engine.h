// The discrete-event kernel: a virtual clock and a queue of pending events ordered by
// (time, priority, insertion sequence). Ties at equal time and priority run in the order they
// were scheduled, so a run is a pure function of its inputs. Exceptions thrown by a handler
// propagate out of step()/run*(); the event that threw is consumed.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "sim/inline_function.h"
#include "sim/prefetch.h"
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
  // As run_until(until), but returns false once `max_events` events have run and events up to
  // `until` may remain (now() is then the last one's time); true when it got to `until` or was
  // stopped. Lets a caller look up between slices of a long run (to report progress, or to
  // stop) after a bounded amount of work, whatever span of simulated time that work covers.
  bool run_until(Time until, uint64_t max_events);
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
  // A heap entry is one unsigned 128-bit key, so four siblings share one cache line and
  // comparisons are branch-free. From the top: time (64 bits, never negative), priority
  // (2 bits), insertion sequence (36 bits), pool slot (26 bits). The sequence is renumbered in
  // order when it would wrap, so ties keep insertion order forever.
  __extension__ using Entry = unsigned __int128;
  static constexpr int kSlotBits = 26;
  static constexpr int kSeqBits = 36;
  static constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
  static constexpr uint64_t kSeqLimit = uint64_t{1} << kSeqBits;
  static uint32_t slot_of(Entry e) {
    return static_cast<uint32_t>(static_cast<uint64_t>(e) & kSlotMask);
  }
  static int64_t time_of(Entry e) { return static_cast<int64_t>(static_cast<uint64_t>(e >> 64)); }
  static Entry make_entry(int64_t time, uint64_t low) {
    return (static_cast<Entry>(static_cast<uint64_t>(time)) << 64) | low;
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
  [[noreturn]] static void throw_too_many();
  friend struct EngineTestPeer;  // exercises renumber() without 2^36 events
  void push(Entry e);
  Entry pop_min();
  const Entry& top() const { return heap_[0]; }

  Time now_ = Time::zero();
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
  std::size_t live_ = 0;
  bool stopped_ = false;
  // 4-ary min-heap on (time, key). Element k lives at heap_[k + kHeapOffset] in a buffer
  // aligned to 64 bytes, so the four children of any node fill exactly one cache line.
  static constexpr std::size_t kHeapOffset = 3;
  Entry* heap_ = nullptr;  // == buffer_ + kHeapOffset
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  struct AlignedFree {
    void operator()(Entry* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  std::unique_ptr<Entry[], AlignedFree> buffer_;
  void grow_heap(std::size_t min_capacity);
  void renumber();
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
  if (slots_used_ > kSlotMask) [[unlikely]] {
    throw_too_many();
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
  if (size_ == capacity_) [[unlikely]] {
    grow_heap(size_ + 1);
  }
  Entry* h = heap_;
  std::size_t hole = size_++;
  while (hole > 0) {
    const std::size_t parent = (hole - 1) >> 2;
    if (!(e < h[parent])) break;
    h[hole] = h[parent];
    hole = parent;
  }
  h[hole] = e;
}

// Bottom-up deletion (Floyd): walk the hole to a leaf along the smallest children, then sift
// the former last element up from there; it usually belongs near the bottom.
inline Engine::Entry Engine::pop_min() {
  Entry* h = heap_;
  const Entry top = h[0];
  const Entry last = h[--size_];
  const std::size_t n = size_;
  if (n == 0) return top;
  std::size_t hole = 0;
  for (;;) {
    const std::size_t first = (hole << 2) + 1;
    if (first + 4 <= n) {  // the common case: four children in one cache line
      const std::size_t a = h[first + 1] < h[first] ? first + 1 : first;
      const std::size_t b = h[first + 3] < h[first + 2] ? first + 3 : first + 2;
      const std::size_t best = h[b] < h[a] ? b : a;
      h[hole] = h[best];
      hole = best;
    } else {
      if (first < n) {
        std::size_t best = first;
        for (std::size_t c = first + 1; c < n; ++c) best = h[c] < h[best] ? c : best;
        h[hole] = h[best];
        hole = best;
      }
      break;
    }
  }
  while (hole > 0) {
    const std::size_t parent = (hole - 1) >> 2;
    if (!(last < h[parent])) break;
    h[hole] = h[parent];
    hole = parent;
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
  if (next_seq_ == kSeqLimit) [[unlikely]] {
    renumber();
  }
  push(make_entry(at.nanos(), (static_cast<uint64_t>(priority) << (kSeqBits + kSlotBits)) |
                                  (next_seq_++ << kSlotBits) | i));
  return EventId{i, s.generation};
}

inline bool Engine::step() {
  while (size_ > 0) {
    const Entry e = pop_min();
    const uint32_t i = slot_of(e);
    Slot& s = slot(i);
    if (size_ > 0) sim::prefetch(&slot(slot_of(top())));  // the next handler to run
    if (!s.pending) {  // cancelled: its slot was kept until now so the heap entry stays valid
      release_slot(i);
      continue;
    }
    s.pending = false;
    --live_;
    now_ = Time::from_nanos(time_of(e));
    ++events_run_;
    struct Release {  // frees the slot even if the handler throws
      Engine* engine;
      uint32_t i;
      ~Release() { engine->release_slot(i); }
    } release{this, i};
    s.fn();
    return true;
  }
  return false;
}

}  // namespace kinesim::sim
