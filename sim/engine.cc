#include "sim/engine.h"

#include <stdexcept>
#include <string>

namespace kinesim::sim {

void Engine::throw_past(Time at) const {
  throw std::invalid_argument("cannot schedule an event at " + to_string(at) +
                              ", before the current time " + to_string(now_));
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

void Engine::run_until(Time until) {
  stopped_ = false;
  while (!stopped_) {
    const std::optional<Time> next = next_time();
    if (!next || *next > until) break;
    step();
  }
  if (!stopped_ && until > now_) now_ = until;
}

void Engine::run() {
  stopped_ = false;
  while (!stopped_ && step()) {
  }
}

std::optional<Time> Engine::next_time() {
  // Cancelled entries at the top are discarded so the answer is the next event that will run.
  while (!heap_.empty() && !slot(heap_.front().slot).pending) {
    release_slot(pop_min().slot);
  }
  if (heap_.empty()) return std::nullopt;
  return Time::from_nanos(heap_.front().time);
}

void Engine::reserve(std::size_t n) {
  heap_.reserve(n);
  free_slots_.reserve(n);
  while (chunks_.size() * kChunkSize < n) chunks_.push_back(std::make_unique<Slot[]>(kChunkSize));
}

}  // namespace kinesim::sim
