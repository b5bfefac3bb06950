#include "models/consumer/lambda_consumer.h"

#include <algorithm>

#include "models/core/uint128.h"

namespace kinesim::models {

using sim::Duration;
using sim::Time;
using Piece = LambdaConsumer::Piece;

namespace {

constexpr ConsumerKind kLambdaKind = {"lambda",
                                      false,
                                      "RecordsRead",
                                      "BytesRead",
                                      "RecordsProcessed",
                                      "ThrottledGetRecords",
                                      "MillisBehindLatest"};

bool is_zero(const sim::Distribution& d) {
  return d.kind == sim::Distribution::Kind::kFixed && d.value == 0;
}

// floor(total * k / n), exactly: the amount of the first k of n records when `total` is spread
// over them. Partitions built from it sum exactly to `total`.
uint64_t share(uint64_t total, uint64_t k, uint64_t n) {
  if (n == 0) return 0;
  return static_cast<uint64_t>(static_cast<core::uint128>(total) * k / n);
}

// The same for a duration (never negative here: spans and summed delays).
Duration share(Duration total, uint64_t k, uint64_t n) {
  if (n == 0 || total <= Duration()) return Duration();
  return Duration::nanos(
      static_cast<int64_t>(share(static_cast<uint64_t>(total.count_nanos()), k, n)));
}

// Arrival of record i of the n records of a slice (spread evenly over its span, as retention
// reads them).
Time arrival(const RecordSlice& s, uint64_t i) {
  if (s.records <= 1) return s.first_arrival;
  const Duration span = s.last_arrival - s.first_arrival;
  return s.first_arrival + share(span, i, s.records - 1);
}

// Records [from, to) of `p` as a piece.
Piece part(const Piece& p, uint64_t from, uint64_t to) {
  const RecordSlice& s = p.slice;
  const uint64_t n = s.records;
  Piece out;
  out.stride = p.stride;
  out.queued = p.queued;
  RecordSlice& o = out.slice;
  o.first_sequence = s.first_sequence + from * p.stride;
  o.records = to - from;
  o.user_records = share(s.user_records, to, n) - share(s.user_records, from, n);
  o.bytes = share(s.bytes, to, n) - share(s.bytes, from, n);
  o.first_arrival = arrival(s, from);
  o.last_arrival = arrival(s, to - 1);
  // The write delay goes with the user records.
  const uint64_t u_to = share(s.user_records, to, n), u_from = share(s.user_records, from, n);
  o.write_delay_sum = share(s.write_delay_sum, u_to, s.user_records) -
                      share(s.write_delay_sum, u_from, s.user_records);
  return out;
}

// Records of `p` that arrived before `cutoff` (a prefix: arrivals grow along it).
uint64_t count_before(const Piece& p, Time cutoff) {
  const RecordSlice& s = p.slice;
  if (s.records == 0 || s.first_arrival >= cutoff) return 0;
  if (s.last_arrival < cutoff) return s.records;
  uint64_t lo = 0, hi = s.records;  // arrival(lo) < cutoff <= arrival(hi) (hi may be n)
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    (arrival(s, mid) < cutoff ? lo : hi) = mid;
  }
  return hi;
}

std::vector<RecordSlice>& slices_of(const std::vector<Piece>& pieces,
                                    std::vector<RecordSlice>& out) {
  out.clear();
  for (const Piece& p : pieces) out.push_back(p.slice);
  return out;
}

// Splits `pieces` (holding `records` records) at record k: the first k stay, the rest are returned.
std::vector<Piece> split_off(std::vector<Piece>& pieces, uint64_t k) {
  std::vector<Piece> rest;
  uint64_t seen = 0;
  std::vector<Piece> keep;
  for (const Piece& p : pieces) {
    const uint64_t n = p.slice.records;
    if (seen >= k) {
      rest.push_back(p);
    } else if (seen + n <= k) {
      keep.push_back(p);
    } else {
      keep.push_back(part(p, 0, k - seen));
      rest.push_back(part(p, k - seen, n));
    }
    seen += n;
  }
  pieces = std::move(keep);
  return rest;
}

uint64_t bytes_of(const std::vector<Piece>& pieces) {
  uint64_t b = 0;
  for (const Piece& p : pieces) b += p.slice.bytes;
  return b;
}

}  // namespace

LambdaConsumer::LambdaConsumer(const ConsumerConfig& config, Stream& stream, sim::Engine& engine,
                               sim::MetricRecorder& metrics, uint64_t seed)
    : Consumer(config, config.lambda.reader, kLambdaKind, stream, engine, metrics, seed),
      lambda_(config.lambda),
      stream_(stream),
      clock_(engine),
      per_batch_(config.lambda.duration),
      per_record_(config.lambda.duration_per_record),
      record_cost_(!is_zero(config.lambda.duration_per_record)),
      max_batch_bytes_(config.lambda.payload_limit_bytes / 4 * 3) {
  for (const PoisonRecord& p : lambda_.poison_records) poison_.push_back({p, false});
  const std::string n = config.name + "/";
  series_age_ = metrics.add_gauge(n + "IteratorAge");
  series_invocations_ = metrics.add_counter(n + "Invocations");
  series_errors_ = metrics.add_counter(n + "Errors");
  series_throttles_ = metrics.add_counter(n + "Throttles");
  series_retries_ = metrics.add_counter(n + "Retries");
  series_bisected_ = metrics.add_counter(n + "BatchesBisected");
  series_discarded_ = metrics.add_counter(n + "RecordsDiscarded");
  series_on_failure_ = metrics.add_counter(n + "RecordsSentToOnFailure");
  series_concurrent_ = metrics.add_gauge(n + "ConcurrentExecutions");
}

LambdaConsumer::ShardEsm& LambdaConsumer::esm(core::ShardIndex shard) {
  if (shards_.size() <= shard) shards_.resize(std::size_t{shard} + 1);
  ShardEsm& st = shards_[shard];
  if (st.subs.empty()) st.subs.resize(lambda_.parallelization_factor);
  return st;
}

void LambdaConsumer::resolve_poison(Time now) {
  for (PoisonState& p : poison_) {
    if (p.resolved || p.spec.at > now) continue;
    // The first record at or after `at`: in the named shard, or whichever shard got one first.
    std::optional<core::ShardIndex> best;
    Time best_arrival = Time::max();
    uint64_t best_sequence = 0;
    for (std::size_t s = 0; s < stream_.shard_count(); ++s) {
      const auto shard = static_cast<core::ShardIndex>(s);
      if (p.spec.shard && *p.spec.shard != shard) continue;
      const RetentionLog& log = stream_.retention(shard);
      const ShardPosition pos = log.position_at(p.spec.at);
      if (pos.sequence >= log.tip().sequence) continue;
      const Time a = log.arrival_of(pos.sequence);
      if (a < best_arrival) {
        best = shard;
        best_arrival = a;
        best_sequence = pos.sequence;
      }
    }
    if (!best) continue;
    p.resolved = true;
    esm(*best).poison.push_back(best_sequence);
  }
}

uint64_t LambdaConsumer::poison_index(const ShardEsm& st, const Batch& b) const {
  uint64_t first = b.records;  // none
  for (const uint64_t q : st.poison) {
    uint64_t index = 0;
    for (const Piece& p : b.pieces) {
      const RecordSlice& s = p.slice;
      if (q >= s.first_sequence && (q - s.first_sequence) % p.stride == 0 &&
          (q - s.first_sequence) / p.stride < s.records) {
        first = std::min(first, index + (q - s.first_sequence) / p.stride);
        break;
      }
      index += s.records;
    }
  }
  return first;
}

void LambdaConsumer::push_piece(core::ShardIndex shard, uint32_t sub, const Piece& piece,
                                Time now) {
  SubBatcher& s = esm(shard).subs[sub];
  if (piece.slice.records == 0) return;
  if (s.queue.empty()) open_window(shard, sub, now, now);
  s.queue.push_back(piece);
  s.queue.back().queued = now;
  s.queued_records += piece.slice.records;
  s.queued_bytes += piece.slice.bytes;
}

void LambdaConsumer::open_window(core::ShardIndex shard, uint32_t sub, Time opened, Time now) {
  SubBatcher& s = esm(shard).subs[sub];
  s.window_opened = opened;
  const uint64_t generation = ++s.window_generation;
  if (lambda_.maximum_batching_window_seconds > 0) {
    const Time due =
        std::max(now, opened + Duration::seconds(lambda_.maximum_batching_window_seconds));
    engine().schedule(due,
                      [this, shard, sub, generation] { window_elapsed(shard, sub, generation); });
  }
}

void LambdaConsumer::enqueue(ShardEsm& st, const RecordSlice& slice, Time now,
                             core::ShardIndex shard) {
  const uint64_t pf = st.subs.size();
  if (pf == 1) {
    push_piece(shard, 0, Piece{slice, 1}, now);
    return;
  }
  // Offsets o = 0..pf-1 from the slice's first record: records first + o, first + o + pf, ...
  // go to sub-batcher (first + o) mod pf. Amounts are shared out in record order, exactly.
  const uint64_t n = slice.records;
  for (uint64_t o = 0; o < pf && o < n; ++o) {
    const uint64_t count = (n - 1 - o) / pf + 1;
    // The piece's amounts: records o, o + pf, ... of the slice each carry the slice's mean, so
    // its share is count / n of each amount, taken from a running partition in offset order.
    uint64_t before = 0;
    for (uint64_t e = 0; e < o; ++e) before += (n - 1 - e) / pf + 1;
    Piece p;
    p.stride = pf;
    RecordSlice& r = p.slice;
    r.first_sequence = slice.first_sequence + o;
    r.records = count;
    r.user_records =
        share(slice.user_records, before + count, n) - share(slice.user_records, before, n);
    r.bytes = share(slice.bytes, before + count, n) - share(slice.bytes, before, n);
    r.write_delay_sum =
        share(slice.write_delay_sum, before + count, n) - share(slice.write_delay_sum, before, n);
    r.first_arrival = arrival(slice, o);
    r.last_arrival = arrival(slice, o + (count - 1) * pf);
    push_piece(shard, static_cast<uint32_t>((slice.first_sequence + o) % pf), p, now);
  }
}

bool LambdaConsumer::any_full(const ShardEsm& st) const {
  return std::any_of(st.subs.begin(), st.subs.end(), [&](const SubBatcher& s) {
    return s.queued_records >= lambda_.batch_size || s.queued_bytes >= max_batch_bytes_;
  });
}

Time LambdaConsumer::on_batch(ShardReader& reader, Time now, const ReadBatch& batch) {
  if (first_use_ == Time::max()) {
    first_use_ = now;
    running_since_ = now;
  }
  resolve_poison(now);
  const core::ShardIndex shard = reader.shard();
  ShardEsm& st = esm(shard);
  st.reader = &reader;
  for (const RecordSlice& s : batch.slices) enqueue(st, s, now, shard);
  for (uint32_t j = 0; j < st.subs.size(); ++j) try_dispatch(shard, j, now, false);
  // The shard waits while a full batch cannot be invoked yet (one is running or retried).
  return any_full(esm(shard)) ? ShardReader::kHold : now;
}

void LambdaConsumer::window_elapsed(core::ShardIndex shard, uint32_t sub, uint64_t generation) {
  if (esm(shard).subs[sub].window_generation != generation) return;
  try_dispatch(shard, sub, engine().now(), true);
}

void LambdaConsumer::try_dispatch(core::ShardIndex shard, uint32_t sub, Time now, bool window_due) {
  SubBatcher& s = esm(shard).subs[sub];
  if (s.busy) return;
  if (s.work.empty()) {
    if (s.queue.empty()) return;
    const Duration window = Duration::seconds(lambda_.maximum_batching_window_seconds);
    const bool due = window_due || now - s.window_opened >= window;
    if (s.queued_records < lambda_.batch_size && s.queued_bytes < max_batch_bytes_ && !due) {
      return;  // the window timer will come back
    }
    s.work.push_back(form_batch(s));
    if (s.queue.empty()) {
      ++s.window_generation;  // no window open
    } else {
      // The records left behind wait from when they were queued, not from when the batch
      // that went had opened its window.
      open_window(shard, sub, s.queue.front().queued, now);
    }
    ShardEsm& st = esm(shard);
    if (st.reader && st.reader->held() && !any_full(st)) st.reader->resume(now);
  }
  invoke(shard, sub);
}

LambdaConsumer::Batch LambdaConsumer::form_batch(SubBatcher& s) {
  Batch b;
  while (!s.queue.empty() && b.records < lambda_.batch_size) {
    Piece& p = s.queue.front();
    const uint64_t n = p.slice.records;
    uint64_t take = std::min<uint64_t>(n, lambda_.batch_size - b.records);
    // The payload quota: as many records as fit (always one, so that a batch is never empty).
    while (take > 0 && b.bytes + share(p.slice.bytes, take, n) > max_batch_bytes_) {
      const uint64_t room = max_batch_bytes_ > b.bytes ? max_batch_bytes_ - b.bytes : 0;
      const uint64_t fit = p.slice.bytes == 0 ? take : share(room, n, p.slice.bytes);
      take = std::min(take - 1, fit);
    }
    if (take == 0 && b.records == 0) take = 1;
    if (take == 0) break;
    const Piece head = take == n ? p : part(p, 0, take);
    if (take == n) {
      s.queue.pop_front();
    } else {
      p = part(p, take, n);
    }
    s.queued_records -= head.slice.records;
    s.queued_bytes -= head.slice.bytes;
    b.pieces.push_back(head);
    b.records += head.slice.records;
    b.bytes += head.slice.bytes;
    if (take < n) break;  // cut by size or count
  }
  return b;
}

void LambdaConsumer::set_running(Time now, int delta) {
  running_seconds_ += static_cast<double>(running_) * (now - running_since_).to_seconds();
  running_since_ = now;
  running_ = static_cast<uint32_t>(static_cast<int>(running_) + delta);
  max_running_ = std::max(max_running_, running_);
  metrics().set(series_concurrent_, now, static_cast<double>(running_));
}

void LambdaConsumer::give_up(const std::vector<Piece>& pieces, uint64_t records) {
  const Time now = engine().now();
  discarded(slices_of(pieces, scratch_));
  discarded_records_ += records;
  metrics().add(series_discarded_, now, static_cast<double>(records));
  if (lambda_.on_failure) {
    on_failure_records_ += records;
    ++on_failure_batches_;
    metrics().add(series_on_failure_, now, static_cast<double>(records));
  } else {
    dropped_records_ += records;
  }
}

void LambdaConsumer::end_stretch(ShardEsm& st, SubBatcher& s, Time now, bool until_retention) {
  if (s.failing_since == Time::max()) return;
  const Duration d = now - s.failing_since;
  if (d >= st.longest_block) {
    st.longest_block = d;
    st.block_until_retention = until_retention;
  }
  s.failing_since = Time::max();
}

void LambdaConsumer::invoke(core::ShardIndex shard, uint32_t sub) {
  const Time now = engine().now();
  ShardEsm& st = esm(shard);
  SubBatcher& s = st.subs[sub];
  Batch& b = s.work.front();
  // MaximumRecordAgeInSeconds: records older than it are given up before the function sees them.
  if (lambda_.maximum_record_age_seconds >= 0) {
    const Time cutoff = now - Duration::seconds(lambda_.maximum_record_age_seconds);
    uint64_t old = 0;
    for (const Piece& p : b.pieces) {
      const uint64_t k = count_before(p, cutoff);
      old += k;
      if (k < p.slice.records) break;
    }
    if (old > 0) {
      std::vector<Piece> rest = split_off(b.pieces, old);
      give_up(b.pieces, old);
      b.pieces = std::move(rest);
      b.records -= old;
      b.bytes = bytes_of(b.pieces);
      if (b.records == 0) {
        end_stretch(st, s, now, false);
        s.work.pop_front();
        after_batch(shard, sub, now);
        return;
      }
    }
  }
  // Retried until its records expire: once the batch's oldest record is past retention.
  const Duration retention = Duration::hours(stream_.config().retention_hours);
  if (b.failed_before && b.pieces.front().slice.first_arrival + retention <= now) {
    lost_while_held(shard, slices_of(b.pieces, scratch_));
    ++expired_batches_;
    end_stretch(st, s, now, true);
    s.work.pop_front();
    after_batch(shard, sub, now);
    return;
  }
  s.busy = true;
  if (lambda_.concurrency > 0 && running_ >= lambda_.concurrency) {
    ++throttles_;
    metrics().add(series_throttles_, now);
    const Duration wait = Duration::from_seconds(rng().uniform(0.5, 1.5));
    engine().schedule(now + wait, [this, shard, sub] {
      esm(shard).subs[sub].busy = false;
      invoke(shard, sub);
    });
    return;
  }
  set_running(now, +1);
  ++invocations_;
  batch_records_ += b.records;
  metrics().add(series_invocations_, now);
  if (b.failed_before) {
    ++retries_;
    metrics().add(series_retries_, now);
  }
  Duration d = per_batch_.sample(rng());
  if (record_cost_) d += per_record_.sample(rng()) * static_cast<int64_t>(b.records);
  const uint64_t poison = poison_index(st, b);
  b.fails = poison < b.records;
  b.failed_index = poison;
  if (!b.fails && lambda_.error_rate > 0 && rng().uniform() < lambda_.error_rate) {
    b.fails = true;
    b.failed_index = lambda_.report_batch_item_failures ? rng().below(b.records) : 0;
  }
  engine().schedule(now + d, [this, shard, sub] { invocation_done(shard, sub); });
}

void LambdaConsumer::invocation_done(core::ShardIndex shard, uint32_t sub) {
  const Time now = engine().now();
  set_running(now, -1);
  ShardEsm& st = esm(shard);
  SubBatcher& s = st.subs[sub];
  Batch& b = s.work.front();
  const Duration age = now - b.pieces.back().slice.last_arrival;
  iterator_age_ms_.record(
      static_cast<uint64_t>(std::max(Duration(), age).count_nanos() / 1'000'000));
  metrics().set(series_age_, now, age.to_millis());
  if (!st.has_age_series) {
    st.age_series =
        metrics().add_gauge(config().name + "/" + core::ShardMap::shard_id(shard) + "/IteratorAge");
    st.has_age_series = true;
  }
  metrics().set(st.age_series, now, age.to_millis());
  if (!b.fails) {
    processed(now, slices_of(b.pieces, scratch_));
    end_stretch(st, s, now, false);
    s.work.pop_front();
    after_batch(shard, sub, now);
    return;
  }
  ++errors_;
  metrics().add(series_errors_, now);
  if (s.failing_since == Time::max()) s.failing_since = now;
  // ReportBatchItemFailures: the records before the first failed one are done.
  if (lambda_.report_batch_item_failures && b.failed_index > 0) {
    std::vector<Piece> rest = split_off(b.pieces, b.failed_index);
    processed(now, slices_of(b.pieces, scratch_));
    b.pieces = std::move(rest);
    b.records -= b.failed_index;
    b.bytes = bytes_of(b.pieces);
  }
  if (lambda_.bisect_batch_on_function_error && b.records > 1) {
    ++bisected_;
    metrics().add(series_bisected_, now);
    Batch second;
    second.pieces = split_off(b.pieces, b.records / 2);
    second.records = b.records - b.records / 2;
    second.bytes = bytes_of(second.pieces);
    second.retries = b.retries;
    second.failed_before = true;
    b.records /= 2;
    b.bytes = bytes_of(b.pieces);
    b.failed_before = true;
    s.work.insert(s.work.begin() + 1, std::move(second));
  } else {
    ++b.retries;
    b.failed_before = true;
    if (lambda_.maximum_retry_attempts >= 0 &&
        b.retries > static_cast<uint32_t>(lambda_.maximum_retry_attempts)) {
      give_up(b.pieces, b.records);
      end_stretch(st, s, now, false);
      s.work.pop_front();
    }
  }
  after_batch(shard, sub, now);
}

void LambdaConsumer::after_batch(core::ShardIndex shard, uint32_t sub, Time now) {
  ShardEsm& st = esm(shard);
  st.subs[sub].busy = false;
  try_dispatch(shard, sub, now, false);
  if (st.reader && st.reader->held() && !any_full(st)) st.reader->resume(now);
  if (st.end_pending) {
    const bool drained = std::all_of(st.subs.begin(), st.subs.end(), [](const SubBatcher& s) {
      return s.queue.empty() && s.work.empty();
    });
    if (drained) {
      st.end_pending = false;
      Consumer::on_shard_end(*st.reader, now);
    }
  }
}

void LambdaConsumer::on_shard_end(ShardReader& reader, Time now) {
  ShardEsm& st = esm(reader.shard());
  st.reader = &reader;
  const bool drained = std::all_of(st.subs.begin(), st.subs.end(), [](const SubBatcher& s) {
    return s.queue.empty() && s.work.empty();
  });
  // Parents first: the children wait until the parent's last batch is done.
  if (drained) {
    Consumer::on_shard_end(reader, now);
  } else {
    st.end_pending = true;
  }
}

void LambdaConsumer::add_details(ConsumerResult& out) const {
  const Time end = clock_.now();
  // Stretches still failing at the end count up to it.
  std::vector<Duration> longest(shards_.size());
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    const ShardEsm& st = shards_[i];
    Duration d = st.longest_block;
    bool until_retention = st.block_until_retention;
    for (const SubBatcher& s : st.subs) {
      if (s.failing_since != Time::max() && end - s.failing_since > d) {
        d = end - s.failing_since;
        until_retention = false;
      }
    }
    if (d > Duration()) {
      out.blocked_shards.push_back(
          {core::ShardMap::shard_id(static_cast<core::ShardIndex>(i)), d, until_retention});
    }
  }
  const double running_seconds =
      running_seconds_ + static_cast<double>(running_) * (end - running_since_).to_seconds();
  const double span = first_use_ == Time::max() ? 0.0 : (end - first_use_).to_seconds();
  const auto n = [](uint64_t v) { return static_cast<double>(v); };
  out.details = {
      {"Invocations", n(invocations_)},
      {"Errors", n(errors_)},
      {"Throttles", n(throttles_)},
      {"Retries", n(retries_)},
      {"BatchesBisected", n(bisected_)},
      {"MeanBatchRecords", invocations_ > 0 ? n(batch_records_) / n(invocations_) : 0.0},
      {"RecordsDiscarded", n(discarded_records_)},
      {"RecordsSentToOnFailure", n(on_failure_records_)},
      {"BatchesSentToOnFailure", n(on_failure_batches_)},
      {"RecordsDropped", n(dropped_records_)},
      {"BatchesExpired", n(expired_batches_)},
      {"ConcurrentExecutionsMax", n(max_running_)},
      {"ConcurrentExecutionsMean", span > 0 ? running_seconds / span : 0.0},
      {"IteratorAgeP50Ms", n(iterator_age_ms_.count() > 0 ? iterator_age_ms_.quantile(0.50) : 0)},
      {"IteratorAgeP99Ms", n(iterator_age_ms_.count() > 0 ? iterator_age_ms_.quantile(0.99) : 0)},
      {"IteratorAgeMaxMs", n(iterator_age_ms_.count() > 0 ? iterator_age_ms_.max() : 0)},
  };
}

}  // namespace kinesim::models
