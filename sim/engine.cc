#include "sim/engine.h"

#include <algorithm>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>

namespace kinesim::sim {

void Engine::throw_past(Time at) const {
  throw std::invalid_argument("cannot schedule an event at " + to_string(at) +
                              ", before the current time " + to_string(now_));
}

void Engine::throw_too_many() {
  throw std::length_error("more than " + std::to_string(kSlotMask + 1) + " events pending at once");
}

bool Engine::cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_used_) return false;
  Slot& s = slot(id.slot);
  if (s.generation != id.generation || !s.pending) return false;
  s.pending = false;
  s.fn.reset();
  --live_;
  return true;  // the slot is released when its heap entry surfaces
}

bool Engine::run_until(Time until, uint64_t max_events) {
  stopped_ = false;
  for (uint64_t ran = 0; !stopped_; ++ran) {
    const std::optional<Time> next = next_time();
    if (!next || *next > until) break;
    if (ran == max_events) return false;
    step();
  }
  if (!stopped_ && until > now_) now_ = until;
  return true;
}

void Engine::run_until(Time until) { run_until(until, std::numeric_limits<uint64_t>::max()); }

void Engine::run() {
  stopped_ = false;
  while (!stopped_ && step()) {
  }
}

std::optional<Time> Engine::next_time() {
  // Cancelled entries at the top are discarded so the answer is the next event that will run.
  while (size_ > 0 && !slot(slot_of(top())).pending) {
    release_slot(slot_of(pop_min()));
  }
  if (size_ == 0) return std::nullopt;
  return Time::from_nanos(time_of(top()));
}

void Engine::grow_heap(std::size_t min_capacity) {
  const std::size_t capacity = std::max<std::size_t>({min_capacity, capacity_ * 2, 64});
  std::unique_ptr<Entry[], AlignedFree> buffer(static_cast<Entry*>(
      ::operator new[]((capacity + kHeapOffset) * sizeof(Entry), std::align_val_t{64})));
  if (size_ > 0) std::copy(heap_, heap_ + size_, buffer.get() + kHeapOffset);
  buffer_ = std::move(buffer);
  heap_ = buffer_.get() + kHeapOffset;
  capacity_ = capacity;
}

void Engine::renumber() {
  // Reassign sequence numbers 0..n-1 in current (time, key) order; a sorted array is a heap.
  std::sort(heap_, heap_ + size_);
  for (std::size_t k = 0; k < size_; ++k) {
    const Entry e = heap_[k];
    const uint64_t priority_bits = static_cast<uint64_t>(e) >> (kSeqBits + kSlotBits);
    heap_[k] = make_entry(time_of(e), (priority_bits << (kSeqBits + kSlotBits)) |
                                          (uint64_t{k} << kSlotBits) | slot_of(e));
  }
  next_seq_ = size_;
}

void Engine::reserve(std::size_t n) {
  if (n > capacity_) grow_heap(n);
  free_slots_.reserve(n);
  while (chunks_.size() * kChunkSize < n) chunks_.push_back(std::make_unique<Slot[]>(kChunkSize));
}

}  // namespace kinesim::sim
