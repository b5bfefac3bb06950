#include "models/producer/drawing_producer.h"

#include <cstdio>
#include <string>

#include "models/client/client_results.h"

namespace kinesim::models {

DrawingProducer::DrawingProducer(const ProducerConfig& config, const std::string& base_dir,
                                 Stream& stream, sim::Engine& engine, sim::MetricRecorder& metrics)
    : config_(config),
      stream_(stream),
      engine_(engine),
      metrics_(metrics),
      keys_(config.keys),
      latency_(stream.config().put_latency),
      sizes_(config.record_size),
      trace_(TraceFeed::for_producer(config, base_dir)),
      key_counts_(keys_.size()) {
  if (config.fidelity.mode == Fidelity::kFast) {
    sizes_.tabulate();
    fast_keys_ = std::make_unique<FastKeys>(keys_, config.fidelity.peak_records_per_sec,
                                            sizes_.mean() + 8.0, config.fidelity.individual_top_n,
                                            config.fidelity.repeat_window_s);
    fast_key_counts_.resize(fast_keys_->individual_count() + 1);
    if (const uint64_t n = fast_keys_->rest_repeating(); n > 0) {
      char repeats[32];
      std::snprintf(repeats, sizeof repeats, "%g", FastKeys::kIndividualRepeats);
      config_.fidelity.note = std::to_string(n) + " keys expected at least " + repeats +
                              " times per aggregation window are beyond the " +
                              std::to_string(FastKeys::kMaxIndividual) +
                              " individual keys: taken as distinct within an aggregate, they "
                              "make aggregates larger than exact mode's";
    }
  }
}

ProducerResult DrawingProducer::books_result(const char* type, const Stream& stream, uint32_t top_n,
                                             sim::SeriesId produced, sim::SeriesId produced_bytes) {
  // Fast mode's tallies by category into the individual keys' own (once: they are then zero).
  for (uint32_t c = 0; c + 1 < fast_key_counts_.size(); ++c) {
    KeyCounts& from = fast_key_counts_[c];
    KeyCounts& to = key_counts_[fast_keys_->individual_key(c)];
    to.offered += from.offered;
    to.offered_bytes += from.offered_bytes;
    to.throttled += from.throttled;
    to.accepted += from.accepted;
    from = KeyCounts();
  }
  return common_result(config_, type,
                       {counts_, key_counts_.all(), record_latency_us_, request_latency_us_,
                        backoff_us_, attempts_, produced, produced_bytes},
                       keys_, stream, metrics_, top_n);
}

}  // namespace kinesim::models
