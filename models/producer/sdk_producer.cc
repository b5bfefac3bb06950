#include "models/producer/sdk_producer.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "models/client/client_results.h"
#include "models/producer/pool.h"
#include "models/workload/record_source.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

using PendingRecord = DrawnRecord;

struct Batch {
  std::vector<PendingRecord> records;
  std::vector<PutOutcome> outcomes;
  uint64_t bytes = 0;
  uint32_t attempt = 1;  // 1 = first try
  Time sent;
  Duration latency;
  void clear() {
    records.clear();
    outcomes.clear();
    bytes = 0;
    attempt = 1;
  }
};

}  // namespace

class SdkProducer::Instance {
 public:
  Instance(SdkProducer& p, uint32_t index, uint64_t seed)
      : p_(p),
        source_(p.config_, index, seed, p.keys_, p.sizes_, p.trace_.get()),
        net_rng_(sim::RngStream::derive(
            seed, "producer/" + p.config_.name + "/" + std::to_string(index) + "/network")) {
    const ProducerConfig& c = p.config_;
    max_records_ = c.sdk.api == SdkConfig::Api::kPutRecord ? 1 : c.sdk.max_batch_records;
    api_ = c.sdk.api == SdkConfig::Api::kPutRecord ? PutApi::kPutRecord : PutApi::kPutRecords;
  }

  void start() { form_batch(); }

  // Records still held at `end` (buffered, waiting for a retry, or in flight).
  void finish(Time end, ProducerCounts& counts) {
    if (forming_ != nullptr) {
      for (const PendingRecord& r : forming_->records) {
        if (r.created > end) continue;
        account_produced(r);
        if (r.bytes() > max_record_bytes()) {
          ++counts.rejected_too_large;
        } else {
          ++counts.pending;
        }
      }
    }
    counts.pending += ready_records_ + retry_wait_records_ + in_flight_records_;
  }

 private:
  uint64_t max_record_bytes() const { return p_.stream_.config().max_record_bytes; }

  // Generates records into a new batch until it closes (full, or linger after its first
  // record), and schedules the close. The record that did not fit waits in next_.
  void form_batch() {
    const DrawnRecord* next = source_.front();
    if (next == nullptr) return;
    Batch* b = acquire();
    const SdkConfig& sdk = p_.config_.sdk;
    const Time deadline = next->created + sdk.linger;
    Time close_at = deadline;
    uint64_t sendable = 0;
    for (;;) {
      const bool too_large = next->bytes() > max_record_bytes();
      if (!too_large && sendable > 0 && b->bytes + next->bytes() > sdk.max_batch_bytes) {
        close_at = next->created;  // next opens the following batch
        break;
      }
      b->records.push_back(*next);
      if (!too_large) {
        b->bytes += next->bytes();
        ++sendable;
      }
      if (const DrawnRecord* ahead = source_.pop()) p_.prefetch_key(ahead->key);
      if (sendable >= max_records_) {
        close_at = b->records.back().created;
        break;
      }
      next = source_.front();
      if (next == nullptr || next->created > deadline) break;
    }
    forming_ = b;
    p_.engine_.schedule(std::max(close_at, p_.engine_.now()), [this] { on_close(); });
  }

  void account_produced(const PendingRecord& r) {
    ProducerCounts& c = p_.counts_;
    ++c.produced;
    c.produced_bytes += r.bytes();
    if (!p_.keys_.random_keys()) p_.key_counts_[r.key].offer(r.bytes());
  }

  void on_close() {
    Batch* b = forming_;
    forming_ = nullptr;
    const Time now = p_.engine_.now();
    ProducerCounts& c = p_.counts_;
    std::size_t kept = 0;
    uint64_t produced_bytes = 0;
    for (const PendingRecord& r : b->records) {
      account_produced(r);
      produced_bytes += r.bytes();
      if (r.bytes() > max_record_bytes()) {
        ++c.rejected_too_large;
      } else {
        b->records[kept++] = r;
      }
    }
    p_.metrics_.add(p_.s_records_, now, static_cast<double>(b->records.size()));
    p_.metrics_.add(p_.s_bytes_, now, static_cast<double>(produced_bytes));
    b->records.resize(kept);
    if (kept == 0) {
      release(b);
    } else if (ready_records_ + retry_wait_records_ + in_flight_records_ + kept >
               p_.config_.sdk.max_buffered_records) {
      c.failed_buffer_full += kept;
      c.failed_bytes += b->bytes;
      p_.metrics_.add(p_.s_failed_, now, static_cast<double>(kept));
      release(b);
    } else {
      ready_.push_back(b);
      ready_records_ += kept;
    }
    form_batch();
    try_send();
  }

  void try_send() {
    while (in_flight_ < p_.config_.sdk.max_in_flight && !ready_.empty()) {
      Batch* b = ready_.front();
      ready_.pop_front();
      ready_records_ -= b->records.size();
      send(b);
    }
  }

  void send(Batch* b) {
    ++in_flight_;
    in_flight_records_ += b->records.size();
    ++p_.counts_.requests;
    b->sent = p_.engine_.now();
    b->latency = p_.latency_.sample(net_rng_);
    p_.engine_.schedule_in(b->latency / 2, [this, b] { on_arrive(b); });
  }

  void on_arrive(Batch* b) {
    const Time now = p_.engine_.now();
    Stream& stream = p_.stream_;
    b->outcomes.resize(b->records.size());
    for (std::size_t i = 0; i < b->records.size(); ++i) {
      const PendingRecord& r = b->records[i];
      b->outcomes[i] =
          stream.put(now, p_.shard_for(r.key), r.bytes(), r.created);
    }
    stream.end_request(now, api_, b->records.size(), b->bytes);
    p_.engine_.schedule(b->sent + b->latency, [this, b] { on_reply(b); });
  }

  void on_reply(Batch* b) {
    const Time now = p_.engine_.now();
    --in_flight_;
    in_flight_records_ -= b->records.size();
    p_.stream_.record_latency(now, api_, b->latency);
    p_.request_latency_us_.record(static_cast<uint64_t>(b->latency.count_nanos() / 1000));
    ProducerCounts& c = p_.counts_;
    const uint32_t max_attempts = p_.config_.sdk.max_attempts;
    Batch* retry = nullptr;
    uint64_t accepted = 0;
    uint64_t throttled = 0;
    uint64_t failed = 0;
    for (std::size_t i = 0; i < b->records.size(); ++i) {
      const PendingRecord& r = b->records[i];
      KeyCounts* k = p_.keys_.random_keys() ? nullptr : &p_.key_counts_[r.key];
      if (b->outcomes[i] == PutOutcome::kAccepted) {
        ++accepted;
        c.accepted_bytes += r.bytes();
        p_.record_latency_us_.record(static_cast<uint64_t>((now - r.created).count_nanos() / 1000));
        if (k != nullptr) ++k->accepted;
        if (p_.attempts_.size() <= b->attempt) p_.attempts_.resize(b->attempt + 1);
        ++p_.attempts_[b->attempt];
        continue;
      }
      if (b->outcomes[i] == PutOutcome::kThrottled) {
        ++throttled;
        if (k != nullptr) ++k->throttled;
      } else {
        ++c.internal_failure_entries;
      }
      if (b->attempt >= max_attempts) {
        ++failed;
        c.failed_bytes += r.bytes();
        continue;
      }
      if (retry == nullptr) retry = acquire();
      retry->records.push_back(r);
      retry->bytes += r.bytes();
    }
    c.accepted += accepted;
    // One user record to an entry: the entry and user-record views are the same here.
    c.accepted_entries += accepted;
    c.user_record_attempts += b->records.size();
    c.throttled_entries += throttled;
    c.throttled_user_records += throttled;
    c.failed_attempts_exhausted += failed;
    p_.metrics_.add(p_.s_accepted_, now, static_cast<double>(accepted));
    if (throttled > 0) p_.metrics_.add(p_.s_throttled_, now, static_cast<double>(throttled));
    if (failed > 0) p_.metrics_.add(p_.s_failed_, now, static_cast<double>(failed));
    if (retry != nullptr) schedule_retry(retry, b->attempt);
    release(b);
    try_send();
  }

  void schedule_retry(Batch* retry, uint32_t failed_attempt) {
    const SdkConfig& sdk = p_.config_.sdk;
    // Full jitter: uniform on [0, min(cap, base * 2^(attempt-1))].
    const int shift = static_cast<int>(std::min<uint32_t>(failed_attempt - 1, 40));
    const double ceiling = std::min(sdk.backoff_cap.to_seconds(),
                                    sdk.backoff_base.to_seconds() * std::ldexp(1.0, shift));
    const Duration delay = Duration::from_seconds(net_rng_.uniform() * ceiling);
    p_.backoff_us_.record(static_cast<uint64_t>(delay.count_nanos() / 1000));
    retry->attempt = failed_attempt + 1;
    const auto n = retry->records.size();
    p_.counts_.retried_entries += n;
    p_.metrics_.add(p_.s_retried_, p_.engine_.now(), static_cast<double>(n));
    retry_wait_records_ += n;
    p_.engine_.schedule_in(delay, [this, retry] {
      retry_wait_records_ -= retry->records.size();
      ready_.push_front(retry);  // retries go before new batches
      ready_records_ += retry->records.size();
      try_send();
    });
  }

  Batch* acquire() { return batches_.acquire(); }
  void release(Batch* b) {
    b->clear();
    batches_.release(b);
  }

  SdkProducer& p_;
  RecordSource source_;
  sim::RngStream net_rng_;  // latencies and backoff jitter
  uint32_t max_records_ = 500;
  PutApi api_ = PutApi::kPutRecords;
  Batch* forming_ = nullptr;
  std::deque<Batch*> ready_;
  uint64_t ready_records_ = 0;
  uint64_t retry_wait_records_ = 0;
  uint64_t in_flight_records_ = 0;
  uint32_t in_flight_ = 0;
  Pool<Batch> batches_;
};

SdkProducer::SdkProducer(const ProducerConfig& config, const std::string& base_dir, Stream& stream,
                         sim::Engine& engine, sim::MetricRecorder& metrics, uint64_t seed)
    : DrawingProducer(config, base_dir, stream, engine, metrics) {
  const std::string& n = config_.name;
  s_records_ = metrics_.add_counter(n + "/UserRecordsProduced");
  s_bytes_ = metrics_.add_counter(n + "/UserBytesProduced");
  s_accepted_ = metrics_.add_counter(n + "/UserRecordsPut");
  s_throttled_ = metrics_.add_counter(n + "/ThrottledEntries");
  s_failed_ = metrics_.add_counter(n + "/UserRecordsFailed");
  s_retried_ = metrics_.add_counter(n + "/RetriedEntries");
  for (uint32_t i = 0; i < config.instances; ++i) {
    instances_.push_back(std::make_unique<Instance>(*this, i, seed));
  }
}

SdkProducer::~SdkProducer() = default;

void SdkProducer::start() {
  for (auto& i : instances_) i->start();
}

ProducerResult SdkProducer::result(const Stream& stream, uint32_t top_n) {
  return books_result("sdk", stream, top_n, s_records_, s_bytes_);
}

void SdkProducer::finish(Time end) {
  counts_.pending = 0;
  for (auto& i : instances_) i->finish(end, counts_);
}

}  // namespace kinesim::models
