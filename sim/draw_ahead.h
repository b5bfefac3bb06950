// Draws items ahead on a second thread, lane by lane, for a consumer on the calling thread: each
// lane is a sequence of items that `draw(lane, item)` produces in order from state only it
// touches (e.g. one producer instance's random streams), so the items are the same whichever
// thread draws them and however far ahead; only the wall time changes. A lane holds up to
// `depth` drawn items; taking one (pop) asks the thread to draw the lane's next into the slot it
// frees, so a lane never runs more than `depth` items ahead of its consumer and the items' storage
// (vectors keep their capacity) is reused.
//
// The thread pays only while the consumer finds its items ready. Where it does not (the drawing
// is slower than the consuming, e.g. when moving each item between the two cores costs more than
// drawing it), the thread stops for good after kSlowWindows windows of kWindow items in a row
// (not counting the first, which holds the start) in each of which the consumer waited for more
// than one item in kMaxWaitShare, and the consumer draws each lane's next items itself: the
// same items, in the same order.
//
// One consumer thread (the simulation's) calls front() and pop(); `draw` runs on the drawing
// thread, or on the consumer's once that has stopped. Written with std::thread and C++20 atomic
// wait/notify: this is a pipeline of two threads inside one run, not a pool (sweeps and plans
// spread runs with Dask).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

namespace kinesim::sim {

// Copies `bytes` (a multiple of 8) from `src` to `dst` (8-byte aligned) for a thread on another
// core to read. On x86-64 with non-temporal stores, which write whole cache lines without
// fetching them first, then a store fence, so that a release store after it publishes the copy:
// a drawing thread that wrote its items in place would fetch back, line by line, the lines the
// consumer read the last time, and wait for them (measured: the drawing then took twice as
// long, in some runs). Elsewhere, memcpy.
inline void copy_for_other_core(void* dst, const void* src, std::size_t bytes) {
#if defined(__x86_64__)
  auto* to = static_cast<long long*>(dst);
  const auto* from = static_cast<const unsigned char*>(src);
  for (std::size_t i = 0; i < bytes / 8; ++i) {
    long long word;
    std::memcpy(&word, from + 8 * i, 8);
    _mm_stream_si64(to + i, word);
  }
  _mm_sfence();
#else
  std::memcpy(dst, src, bytes);
#endif
}

template <typename Item>
class DrawAhead {
 public:
  // `draw(lane, item, ahead)` overwrites `item` with the lane's next item and returns true, or
  // returns false once the lane has no more (front() then returns nullptr for good). `ahead`
  // says whether it runs on the drawing thread (for the consumer's thread to read later, see
  // copy_for_other_core) or on the consumer's (for it to read now). An exception it throws is
  // rethrown by front() for that lane, which then has no more items.
  using Draw = std::function<bool(std::size_t lane, Item& item, bool ahead)>;
  static constexpr uint64_t kWindow = 1024;
  static constexpr uint64_t kMaxWaitShare = 4;
  static constexpr uint64_t kSlowWindows = 8;

  // `prepare` (if given) runs here, on the constructing thread, for every slot before the
  // drawing starts: to reserve an item's storage on this thread rather than the drawing one.
  DrawAhead(std::size_t lanes, std::size_t depth, Draw draw,
            const std::function<void(Item&)>& prepare = {})
      : depth_(depth == 0 ? 1 : depth),
        wake_every_(std::max<std::size_t>(1, lanes * depth_ / 4)),
        draw_(std::move(draw)),
        lanes_(lanes),
        requests_(lanes * depth_) {
    for (Lane& l : lanes_) {
      l.slots = std::make_unique<Slot[]>(depth_);
      if (prepare) {
        for (std::size_t k = 0; k < depth_; ++k) prepare(l.slots[k].item);
      }
    }
    // Every lane's first `depth` items, lane after lane, then one per request.
    for (std::size_t lane = 0; lane < lanes; ++lane) {
      for (std::size_t k = 0; k < depth_; ++k)
        requests_[request_count_++ % requests_.size()] = lane;
    }
    requested_.store(request_count_, std::memory_order_release);
    thread_ = std::thread([this] { run(); });
  }
  DrawAhead(const DrawAhead&) = delete;
  DrawAhead& operator=(const DrawAhead&) = delete;
  ~DrawAhead() { stop_thread(); }

  // The lane's next item, waiting for the drawing thread if it is not drawn yet (or drawing it
  // here once the thread has stopped); nullptr when the lane has ended. Stays valid until
  // pop(lane).
  Item* front(std::size_t lane) {
    Lane& l = lanes_[lane];
    if (l.drawn.load(std::memory_order_acquire) == l.taken) {
      if (thread_.joinable()) {
        ++window_waits_;
        wake();  // the thread may be waiting for requests not yet woken for
        wait_while(l.drawn, l.taken);
      } else {
        fill(lane, false);  // the lane has not ended: its ending item would not have been popped
      }
    }
    Slot& s = l.slots[l.taken % depth_];
    if (s.error) std::rethrow_exception(s.error);
    return s.ended ? nullptr : &s.item;
  }
  // Done with front(lane): its slot goes back to be drawn into (not after the lane has ended).
  void pop(std::size_t lane) {
    Lane& l = lanes_[lane];
    if (l.slots[l.taken % depth_].ended) return;
    ++l.taken;
    if (!thread_.joinable()) return;
    requests_[request_count_++ % requests_.size()] = lane;
    requested_.store(request_count_, std::memory_order_release);
    // Waking the thread for every request would cost a system call each time it sleeps: it is
    // woken once a quarter of all slots wait to be drawn into, or when a lane runs dry.
    if (request_count_ - woken_at_ >= wake_every_) wake();
    if (++window_pops_ == kWindow) {
      // The first window holds the start, when the thread has drawn little: it does not count.
      const bool slow = windows_++ > 0 && window_waits_ * kMaxWaitShare > kWindow;
      slow_windows_ = slow ? slow_windows_ + 1 : 0;
      if (slow_windows_ == kSlowWindows) stop_thread();
      window_pops_ = window_waits_ = 0;
    }
  }
  // Whether the drawing thread still runs (false once it has stopped for want of speed).
  bool drawing_ahead() const { return thread_.joinable(); }

 private:
  // A slot to a cache line of its own at least: the thread writes one while the consumer reads
  // the one before.
  struct alignas(64) Slot {
    Item item{};
    bool ended = false;
    std::exception_ptr error;
  };
  struct alignas(64) Lane {
    std::unique_ptr<Slot[]> slots;
    std::atomic<uint64_t> drawn{0};  // items drawn
    uint64_t taken = 0;              // items popped (consumer only)
    bool ended = false;              // draw returned false or threw (whoever draws)
  };

  // Draws the lane's next item into its next free slot, `ahead` on the drawing thread.
  void fill(std::size_t lane, bool ahead) {
    Lane& l = lanes_[lane];
    const uint64_t n = l.drawn.load(std::memory_order_relaxed);
    Slot& s = l.slots[n % depth_];
    try {
      s.ended = !draw_(lane, s.item, ahead);
    } catch (...) {
      s.error = std::current_exception();
      s.ended = true;
    }
    l.ended = s.ended;
    l.drawn.store(n + 1, std::memory_order_release);
  }

  // Waits until `a` differs from `value`: spinning first, for up to some tens of microseconds,
  // then asleep (atomic wait). Each thread mostly finds the other's work ready, and a spinning
  // waiter costs the other thread no system call to wake it: a waiter asleep does, and then
  // each wait slows the thread that must wake it, which makes the next wait likelier.
  static void wait_while(const std::atomic<uint64_t>& a, uint64_t value) {
    for (int i = 0; i < kSpins; ++i) {
      if (a.load(std::memory_order_acquire) != value) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield");
#endif
    }
    while (a.load(std::memory_order_acquire) == value) a.wait(value, std::memory_order_acquire);
  }
  static constexpr int kSpins = 4096;

  void wake() {
    woken_at_ = request_count_;
    requested_.notify_one();
  }

  // Stops the thread once it has finished the item it draws; the requests it has not served
  // are left: front() draws those items here.
  void stop_thread() {
    if (!thread_.joinable()) return;
    stop_.store(true, std::memory_order_release);
    requested_.fetch_add(1, std::memory_order_release);  // wakes the thread (wait needs a change)
    requested_.notify_one();
    thread_.join();
  }

  void run() {
    uint64_t served = 0;
    for (;;) {
      if (requested_.load(std::memory_order_acquire) == served) wait_while(requested_, served);
      const uint64_t requested = requested_.load(std::memory_order_acquire);
      for (; served < requested; ++served) {
        if (stop_.load(std::memory_order_acquire)) return;
        const std::size_t lane = requests_[served % requests_.size()];
        Lane& l = lanes_[lane];
        if (l.ended) continue;  // the rest of a lane's first requests, after it ended
        fill(lane, true);
        l.drawn.notify_one();
      }
      if (stop_.load(std::memory_order_acquire)) return;
    }
  }

  // Three groups, each on cache lines of its own: what both threads read and neither writes once
  // drawing starts; what only the consumer writes; and what they signal each other with. A
  // member the consumer writes on every pop beside one the thread reads on every draw would move
  // that cache line between the cores each time.
  alignas(64) const std::size_t depth_;
  const std::size_t wake_every_;
  Draw draw_;
  std::vector<Lane> lanes_;
  // Lanes whose next item is asked for, in order: a ring the consumer writes and the drawing
  // thread reads. At most lanes x depth requests are outstanding, so it never overflows.
  std::vector<std::size_t> requests_;
  alignas(64) uint64_t request_count_ = 0;  // consumer only
  uint64_t woken_at_ = 0;                   // request_count_ when the consumer last woke the thread
  uint64_t window_pops_ = 0;                // items popped in the current window (consumer only)
  uint64_t window_waits_ = 0;               // of which the consumer waited for
  uint64_t windows_ = 0;                    // windows ended
  uint64_t slow_windows_ = 0;               // windows in a row the consumer waited too often in
  std::thread thread_;
  alignas(64) std::atomic<uint64_t> requested_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace kinesim::sim
