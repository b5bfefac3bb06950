// Asking for a cache line ahead of its use, in a form the compiler keeps.
//
// GCC treats __builtin_prefetch as touching no memory, so it may find a function whose only work
// is a prefetch to be pure and delete calls to it: GCC 12 deleted every call of a small member
// function that prefetched a hash-table slot (kpl::Aggregator::prefetch: no prefetch instruction
// was left in the binary), and the slot then missed the cache on every record. An asm statement
// marked volatile is never deleted. Every prefetch in kinesim goes through prefetch() below.
#pragma once

namespace kinesim::sim {

// Asks for the cache line holding `p` to be loaded into every cache level (a hint: it never
// faults, and does nothing for a null pointer).
inline void prefetch(const void* p) {
  if (p == nullptr) return;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace kinesim::sim
