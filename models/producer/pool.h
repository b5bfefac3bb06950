// A free list of objects with stable addresses: producers reuse their batches and requests, so
// steady state allocates nothing. Objects come back as they were released; callers clear them.
#pragma once

#include <memory>
#include <vector>

namespace kinesim::models {

template <typename T>
class Pool {
 public:
  T* acquire() {
    if (free_.empty()) {
      storage_.push_back(std::make_unique<T>());
      return storage_.back().get();
    }
    T* t = free_.back();
    free_.pop_back();
    return t;
  }
  void release(T* t) { free_.push_back(t); }
  // Takes every object back at once (e.g. an agent that stops drops all it holds), cleared.
  void release_all() {
    free_.clear();
    for (auto& t : storage_) {
      t->clear();
      free_.push_back(t.get());
    }
  }

 private:
  std::vector<std::unique_ptr<T>> storage_;
  std::vector<T*> free_;
};

}  // namespace kinesim::models
