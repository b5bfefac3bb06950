#include "models/producer/producer.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "models/core/shard_map.h"
#include "models/stream/stream.h"
#include "models/workload/keys.h"

namespace kinesim::models {

ProducerCounts& ProducerCounts::operator+=(const ProducerCounts& o) {
  produced += o.produced;
  accepted += o.accepted;
  failed_attempts_exhausted += o.failed_attempts_exhausted;
  failed_buffer_full += o.failed_buffer_full;
  failed_expired += o.failed_expired;
  rejected_too_large += o.rejected_too_large;
  lost += o.lost;
  pending += o.pending;
  produced_bytes += o.produced_bytes;
  accepted_bytes += o.accepted_bytes;
  accepted_entries += o.accepted_entries;
  throttled_entries += o.throttled_entries;
  user_record_attempts += o.user_record_attempts;
  throttled_user_records += o.throttled_user_records;
  internal_failure_entries += o.internal_failure_entries;
  retried_entries += o.retried_entries;
  requests += o.requests;
  failed_bytes += o.failed_bytes;
  duplicates += o.duplicates;
  return *this;
}

core::ShardIndex KeyRouter::route(KeySpace& keys, const Stream& stream, uint64_t key) {
  if (keys.random_keys()) return stream.route(keys.hash(key));
  if (key >= routes_.size()) routes_.resize(keys.size());
  Route& r = routes_[key];
  r = {stream.route(keys.hash(key)), epoch_tag(stream)};
  return r.shard;
}

namespace {

// A key's tallies: a hot key's with those of its twin among the rest's keys (KeySpace::twins);
// the twin itself has none of its own.
KeyCounts merged(uint64_t id, const std::vector<KeyCounts>& counts,
                 const std::vector<std::pair<uint64_t, uint64_t>>& twins) {
  KeyCounts k = counts[id];
  for (const auto& [hot, rest] : twins) {
    if (rest == id) return {};
    if (hot == id) {
      k.offered += counts[rest].offered;
      k.offered_bytes += counts[rest].offered_bytes;
      k.throttled += counts[rest].throttled;
      k.accepted += counts[rest].accepted;
    }
  }
  return k;
}

}  // namespace

std::vector<KeyResult> hottest_keys(const std::vector<KeyCounts>& counts, KeySpace& keys,
                                    const Stream& stream, uint32_t n) {
  const auto twins = keys.twins();
  // The offered count each key ranks by (only hot keys and their twins differ from counts').
  const auto offered = [&](uint64_t id) {
    return twins.empty() ? counts[id].offered : merged(id, counts, twins).offered;
  };
  std::vector<uint64_t> ids(counts.size());
  std::iota(ids.begin(), ids.end(), uint64_t{0});
  const std::size_t k = std::min<std::size_t>(n, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                    [&](uint64_t a, uint64_t b) {
                      const uint64_t oa = offered(a);
                      const uint64_t ob = offered(b);
                      return oa != ob ? oa > ob : a < b;
                    });
  std::vector<KeyResult> out;
  for (std::size_t i = 0; i < k && offered(ids[i]) > 0; ++i) {
    out.push_back(key_result(ids[i], counts, keys, stream));
  }
  return out;
}

KeyResult key_result(uint64_t id, const std::vector<KeyCounts>& counts, KeySpace& keys,
                     const Stream& stream) {
  return {keys.name(id), core::ShardMap::shard_id(stream.route(keys.hash(id))),
          merged(id, counts, keys.twins())};
}

ProducerResult common_result(const ProducerConfig& config, const char* type,
                             const ProducerTallies& t, KeySpace& keys, const Stream& stream,
                             const sim::MetricRecorder& metrics, uint32_t top_n) {
  ProducerResult pr;
  pr.name = config.name;
  pr.type = type;
  pr.fidelity = config.fidelity.mode == Fidelity::kFast ? "fast" : "exact";
  pr.fidelity_note = config.fidelity.note;
  pr.instances = config.instances;
  pr.counts = t.counts;
  pr.record_latency_us = t.record_latency_us;
  pr.request_latency_us = t.request_latency_us;
  pr.backoff_us = t.backoff_us;
  pr.attempts = t.attempts;
  pr.random_keys = keys.random_keys();
  pr.distinct_keys = keys.size() - keys.twins().size();  // a hot key and its twin are one
  if (!pr.random_keys) {
    pr.hottest_keys = hottest_keys(t.key_counts, keys, stream, top_n);
    if (config.keys.dist == KeysConfig::Dist::kHot) {
      for (std::size_t i = 0; i < config.keys.hot.size(); ++i) {
        pr.hot_keys.push_back(key_result(i, t.key_counts, keys, stream));
      }
    }
  }
  // Per second of the producer's life: a producer that starts at 30 s of a 60 s bucket sent
  // its records in 30 s.
  pr.start = config.start;
  const sim::Time born = sim::Time::zero() + config.start;
  pr.offered_peak_records_per_sec = metrics.peak_per_second(t.produced, 0, born);
  pr.offered_peak_bytes_per_sec = metrics.peak_per_second(t.produced_bytes, 0, born);
  return pr;
}

}  // namespace kinesim::models
