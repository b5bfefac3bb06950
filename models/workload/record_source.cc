#include "models/workload/record_source.h"

#include <algorithm>

namespace kinesim::models {
namespace {

std::string stream_name(const WorkloadConfig& config, uint32_t index, const char* what) {
  return "producer/" + config.name + "/" + std::to_string(index) + "/" + what;
}

}  // namespace

RecordSource::RecordSource(const WorkloadConfig& config, uint32_t index, uint64_t seed,
                           KeySpace& keys, const SizeSampler& sizes, TraceFeed* trace)
    : keys_(keys),
      sizes_(sizes),
      trace_(trace),
      index_(index),
      rng_(sim::RngStream::derive(seed, stream_name(config, index, "records"))) {
  if (config.rate.profile != RateConfig::Profile::kTrace) {
    arrivals_.emplace(config.rate, config.instances, index, config.start,
                      sim::RngStream::derive(seed, stream_name(config, index, "arrivals")));
  }
}

bool RecordSource::draw(Slot& s) {
  if (exhausted_) return false;
  DrawnRecord& r = s.record;
  if (arrivals_) {
    const sim::Time t = arrivals_->next();
    if (t == sim::Time::max()) {
      exhausted_ = true;
      return false;
    }
    r.created = t;
    s.key = keys_.begin(rng_);
    keys_.prefetch(s.key);
    r.data_bytes = sizes_.sample(rng_);
  } else {
    std::optional<TraceRow> row = trace_->next(index_, keys_);
    if (!row) {
      exhausted_ = true;
      return false;
    }
    r.created = row->at;
    s.key = {keys_.intern(row->partition_key)};
    r.data_bytes = row->size;
  }
  return true;
}

void RecordSource::resolve(Slot& s) {
  s.record.key = keys_.finish(s.key);
  s.record.pk_bytes = keys_.partition_key_bytes(s.record.key);
}

void RecordSource::fill() {
  while (count_ < kDrawAhead && draw(at(count_))) ++count_;
  while (resolved_ < std::min(count_, kLookahead)) resolve(at(resolved_++));
}

const DrawnRecord* RecordSource::pop() {
  head_ = (head_ + 1) % kDrawAhead;
  --count_;
  --resolved_;
  if (draw(at(count_))) ++count_;
  if (resolved_ == count_) return nullptr;
  Slot& s = at(resolved_++);
  resolve(s);
  return &s.record;
}

}  // namespace kinesim::models
