// A move-only callable stored inline: the engine keeps one per pending event, so scheduling never
// touches the heap allocator. A capture too large for the buffer is a compile error, not a
// silent allocation.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace kinesim::sim {

template <typename Signature, std::size_t Capacity>
class InlineFunction;

// Contract: holds any nothrow-move-constructible callable of at most Capacity bytes and
// alignment <= alignof(std::max_align_t). Calling an empty InlineFunction is undefined; check
// with operator bool.
template <typename R, typename... Args, std::size_t Capacity>
class InlineFunction<R(Args...), Capacity> {
 public:
  InlineFunction() = default;

  template <typename F, typename D = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<D, InlineFunction> &&
                                        std::is_invocable_r_v<R, D&, Args...>>>
  InlineFunction(F&& f) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly
    static_assert(sizeof(D) <= Capacity, "callable too large for InlineFunction: capture less");
    static_assert(alignof(D) <= alignof(std::max_align_t), "callable over-aligned");
    static_assert(std::is_nothrow_move_constructible_v<D>, "callable must be nothrow-movable");
    ::new (static_cast<void*>(&storage_)) D(std::forward<F>(f));
    ops_ = &kOpsFor<D>;
  }

  InlineFunction(InlineFunction&& other) noexcept { move_from(other); }
  // Trivially copyable callables (lambdas capturing pointers and ids: nearly all) move by
  // memcpy and need no destructor call, which keeps the engine's hot path free of indirect
  // calls other than the invocation itself.
  InlineFunction& operator=(InlineFunction&& other) noexcept {
    if (this != &other) {
      reset();
      move_from(other);
    }
    return *this;
  }
  InlineFunction(const InlineFunction&) = delete;
  InlineFunction& operator=(const InlineFunction&) = delete;
  ~InlineFunction() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }

  R operator()(Args... args) { return ops_->invoke(&storage_, std::forward<Args>(args)...); }

  void reset() {
    if (ops_ != nullptr) {
      if (ops_->destroy != nullptr) ops_->destroy(&storage_);
      ops_ = nullptr;
    }
  }

 private:
  struct Ops {
    R (*invoke)(void*, Args...);
    void (*move_to)(void* from, void* to);
    void (*destroy)(void*);
  };

  template <typename D>
  static constexpr bool kTrivial =
      std::is_trivially_copyable_v<D>&& std::is_trivially_destructible_v<D>;

  template <typename D>
  static constexpr Ops kOpsFor = {
      [](void* s, Args... args) -> R { return (*static_cast<D*>(s))(std::forward<Args>(args)...); },
      kTrivial<D> ? nullptr
                  : +[](void* from, void* to) {
                      ::new (to) D(std::move(*static_cast<D*>(from)));
                      static_cast<D*>(from)->~D();
                    },
      kTrivial<D> ? nullptr : +[](void* s) { static_cast<D*>(s)->~D(); }};

  void move_from(InlineFunction& other) noexcept {
    if (other.ops_ != nullptr) {
      if (other.ops_->move_to == nullptr) {
        std::memcpy(&storage_, &other.storage_, Capacity);
      } else {
        other.ops_->move_to(&other.storage_, &storage_);
      }
      ops_ = other.ops_;
      other.ops_ = nullptr;
    }
  }

  alignas(std::max_align_t) std::byte storage_[Capacity];
  const Ops* ops_ = nullptr;
};

}  // namespace kinesim::sim
