#include "models/producer/kpl_producer.h"

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>
#include <string>

#include "models/client/client_results.h"
#include "models/core/aggregation.h"
#include "models/core/shard_map.h"
#include "models/producer/kpl/aggregator.h"
#include "models/producer/kpl/collector.h"
#include "models/producer/kpl/limiter.h"
#include "models/producer/kpl/records.h"
#include "models/producer/kpl/retrier.h"
#include "models/producer/pool.h"
#include "models/workload/arrivals.h"
#include "models/workload/record_source.h"
#include "sim/rng.h"

namespace kinesim::models {

using kpl::HeldUserRecord;
using kpl::kNever;
using kpl::PutEntry;
using kpl::PutRecordsRequest;
using sim::Time;

namespace {

// Fast mode's user-record keys (docs/design.md, "Fast mode"): an individual key is its key id; a
// key of the rest is kDistinctKeyBit | generation << 32 | category, a category of the key table
// of that generation (KplProducer::fast_gens_).
uint64_t rest_key(uint32_t generation, uint32_t category) {
  return kpl::kDistinctKeyBit | uint64_t{generation} << 32 | category;
}
bool is_rest(uint64_t key) { return (key & kpl::kDistinctKeyBit) != 0; }
uint32_t generation_of(uint64_t key) { return static_cast<uint32_t>(key >> 32) & 0x7FFF'FFFFu; }
uint32_t category_of(uint64_t key) { return static_cast<uint32_t>(key); }

}  // namespace

// One producer instance: its workload, its copy of the shard map, the KPL's stages, and the
// events that drive them (the tick, and per request its arrival and reply). The only place that
// touches the engine, the stream and the books.
class KplProducer::Pipeline final : public EpochListener {
 public:
  Pipeline(KplProducer& p, uint32_t index, uint64_t seed)
      : p_(p),
        k_(p.config_.kpl),
        source_(p.config_, index, seed, p.keys_, p.sizes_, p.trace_.get()),
        net_rng_(sim::RngStream::derive(
            seed, "producer/" + p.config_.name + "/" + std::to_string(index) + "/network")),
        map_(p.stream_.map()),
        map_epoch_(p.stream_.epoch()),
        aggregator_(k_, entries_, p.fast_keys_ != nullptr),
        limiter_(k_),
        collector_(k_, requests_),
        retrier_(k_) {
    if (p.fast_keys_ != nullptr) {
      const ProducerConfig& c = p.config_;
      const std::string name = "producer/" + c.name + "/" + std::to_string(index);
      const sim::RngStream arrivals = sim::RngStream::derive(seed, name + "/arrivals");
      fast_.emplace(Fast{ArrivalProcess(c.rate, c.instances, index, c.start, arrivals),
                         std::nullopt, sim::RngStream::derive(seed, name + "/keys")});
      if (c.fidelity.fixed_map) fast_->depth = Fast::kRing;
      if (fast_->even.poisson()) {
        fast_->poisson.emplace(c.rate, c.instances, c.start, arrivals);
      }
    }
  }

  void start() {
    const Time first = Time::zero() + p_.config_.start;
    schedule_tick(std::max(first, p_.engine_.now()));
  }

  // User records still held at `end`.
  uint64_t held() const { return held_; }

 private:
  // Where the aggregator's flushed records go.
  struct ToLimiter {
    kpl::Limiter& limiter;
    void operator()(PutEntry* e) const { limiter.enqueue(e); }
  };
  ToLimiter to_limiter() { return {limiter_}; }

  uint64_t max_record_bytes() const { return p_.stream_.config().max_record_bytes; }

  // ---- the tick: aggregator, limiter, collector -------------------------------------------

  void tick() {
    const Time now = p_.engine_.now();
    if (p_.stream_.epoch() != map_epoch_) request_refresh();
    // Aggregate records created up to now, in time order with the reducers' deadlines.
    // deadline_at never exceeds the earliest live deadline: records lower it as they add
    // deadlines, and it is recomputed exactly before a flush (a size flush may have made the
    // entry at the front stale).
    Time deadline_at = aggregator_.next_deadline();
    for (;;) {
      const DrawnRecord* next = front();
      const Time record_at = next != nullptr ? next->created : kNever;
      if (deadline_at <= record_at) {
        if (deadline_at > now) break;
        deadline_at = aggregator_.next_deadline();
        if (deadline_at <= record_at && deadline_at <= now) {
          aggregator_.flush_next_due(to_limiter());
          deadline_at = aggregator_.next_deadline();
        }
        continue;
      }
      if (record_at > now) break;
      deadline_at = std::min(deadline_at, put_user_record(*next));
      if (const DrawnRecord* ahead = pop()) p_.prefetch_key(ahead->key);
    }
    flush_produced();
    limiter_.drain(
        now, [this](PutEntry* e) { collector_.collect(e); },
        [this, now](PutEntry* e) { expire_users(e, now); });  // waited past RecordTtl
    if (collector_.due(now)) collector_.flush();
    try_send();
    last_tick_ = now;
    if (held_ > 0) {
      schedule_tick(now + kpl::kLimiterDrainInterval);
    } else if (const DrawnRecord* next = front()) {
      // Idle: with nothing held, the ticks before the next record would only look at the
      // epoch. Sleep to the tick that takes that record (ticks stay on the 25 ms grid); a
      // reshard meanwhile wakes the pipeline at the grid tick after it, the one that would
      // have noticed it. Thousands of idle instances then cost nothing between records.
      const Time at = grid_tick_at_or_after(next->created);
      if (at > now + kpl::kLimiterDrainInterval && !waiting_epoch_) {
        waiting_epoch_ = true;
        p_.stream_.notify_on_epoch_change(*this);
      }
      schedule_tick(at);
    }
  }

  void on_epoch_change(Time now) override {
    waiting_epoch_ = false;
    const Time at = grid_tick_at_or_after(now);
    if (at < next_tick_) schedule_tick(at);
  }

  // The first tick of the 25 ms grid (last_tick_ + k x 25 ms, k >= 1) at or after `t`.
  Time grid_tick_at_or_after(Time t) const {
    const sim::Duration interval = kpl::kLimiterDrainInterval;
    const int64_t ahead = (t - last_tick_).count_nanos();
    const int64_t steps =
        ahead <= 0 ? 1 : (ahead + interval.count_nanos() - 1) / interval.count_nanos();
    return last_tick_ + interval * std::max<int64_t>(1, steps);
  }

  // One tick pending at a time: a later schedule supersedes an earlier one (a wake-up
  // before the sleep ends).
  void schedule_tick(Time at) {
    next_tick_ = at;
    const uint64_t generation = ++tick_generation_;
    p_.engine_.schedule(at, [this, generation] {
      if (generation == tick_generation_) tick();
    });
  }

  // ---- records --------------------------------------------------------------------------

  // The next user record, drawn ahead (nullptr when there are no more).
  const DrawnRecord* front() { return fast_ ? fast_front() : source_.front(); }
  // Drops front(); returns a record drawn ahead whose key was just looked up, for the caller to
  // prefetch its key's state (exact mode always, fast mode with a fixed shard map), or nullptr.
  // Both modes also ask for the reducer key slot of the record kAggregateAhead places ahead.
  const DrawnRecord* pop() { return fast_ ? fast_pop() : exact_pop(); }
  // Exact mode's pop(). With numbered keys the record kAggregateAhead places ahead has its route
  // in cache by now (prefetched when its key was looked up); random keys would route, an MD5,
  // twice, and are not asked for.
  const DrawnRecord* exact_pop() {
    const DrawnRecord* ahead = source_.pop();
    if (!p_.keys_.random_keys()) {
      if (const DrawnRecord* near = source_.ahead(kAggregateAhead)) {
        aggregator_.prefetch(near->key, predicted_shard(near->key));
      }
    }
    return ahead;
  }

  // Fast mode (docs/design.md, "Fast mode"): Poisson arrivals a window at a time (evenly spaced
  // ones at exact mode's times), each record's key drawn as a category of the key table (an
  // individual key, or the rest of a shard's keys of one length) and its size from the
  // tabulated sampler.
  const DrawnRecord* fast_front() {
    Fast& f = *fast_;
    if (f.count == 0 && !fast_draw()) return nullptr;
    return &fast_resolve(f.head);
  }
  // Drops fast_front(). With a fixed shard map the ring is kept full (Fast::depth records
  // drawn ahead: the same draws in the same order) and what the records ahead will touch is
  // asked for in stages, each in time for the next: a record's alias column when it is drawn
  // (kRing - 1 ahead), its key's tallies and route when its key is resolved (kResolveAhead, the
  // record returned for the caller to prefetch), its reducer's key slot kAggregateAhead. Without
  // a fixed map it returns nullptr and the next record is drawn when asked for, under the map
  // of that moment.
  const DrawnRecord* fast_pop() {
    Fast& f = *fast_;
    f.head = (f.head + 1) % Fast::kRing;
    --f.count;
    if (f.depth == 1) return nullptr;
    while (f.count < f.depth && fast_draw()) {
    }
    if (f.count > kAggregateAhead) {
      const DrawnRecord& near = f.ring[(f.head + kAggregateAhead) % Fast::kRing].record;
      aggregator_.prefetch(near.key,
                           is_rest(near.key) ? rest_shard(near.key) : predicted_shard(near.key));
    }
    if (f.count <= kResolveAhead) return nullptr;
    return &fast_resolve((f.head + kResolveAhead) % Fast::kRing);
  }
  static constexpr std::size_t kResolveAhead = 8;
  static constexpr std::size_t kAggregateAhead = 4;
  static constexpr std::size_t kRetryPrefetch = 8;
  // Draws the next record's numbers at the ring's tail (its arrival, its key category's alias
  // draw, its size); false once the arrivals have ended.
  bool fast_draw() {
    Fast& f = *fast_;
    if (f.ended) return false;
    const Time t = f.poisson ? f.poisson->next() : f.even.next();
    if (t == Time::max()) {
      f.ended = true;
      return false;
    }
    Fast::Ahead& a = f.ring[(f.head + f.count) % Fast::kRing];
    ++f.count;
    a.generation = p_.fast_current_generation();
    const sim::CompactAlias::View alias = p_.fast_gens_[a.generation]->alias.view();
    a.category = alias.draw(f.rng);
    if (f.depth > 1) alias.prefetch(a.category);
    a.record.created = t;
    a.record.data_bytes = p_.sizes_.sample_tabulated(f.rng);
    a.resolved = false;
    return true;
  }
  // The record drawn in ring[at] with its key (an individual key's id, or its rest category)
  // and partition-key bytes, read from its table.
  DrawnRecord& fast_resolve(std::size_t at) {
    auto& a = fast_->ring[at];
    if (a.resolved) return a.record;
    const FastKeys::Table& table = *p_.fast_gens_[a.generation];
    const uint32_t category = table.alias.view().resolve(a.category);
    a.record.key = p_.fast_keys_->individual(category) ? p_.fast_keys_->individual_key(category)
                                                       : rest_key(a.generation, category);
    a.record.pk_bytes = table.pk_bytes[category];
    a.resolved = true;
    return a.record;
  }

  // A key's tallies: none for random keys, nor for fast mode's rest of the keys.
  KeyCounts* tally(uint64_t key) {
    if (fast_) return is_rest(key) ? nullptr : &p_.key_tally(key);
    return p_.keys_.random_keys() ? nullptr : &p_.key_tally(key);
  }

  // A key of the rest drawn under an older shard map, moved to the stream's current one. The
  // record keeps the key it is given, so it moves once.
  uint64_t rebase(uint64_t key) {
    const uint32_t now_gen = p_.fast_current_generation();
    const uint32_t gen = generation_of(key);
    if (gen == now_gen) return key;
    return rest_key(now_gen, p_.fast_keys_->move(*p_.fast_gens_[gen], category_of(key),
                                                 *p_.fast_gens_[now_gen], fast_->rng));
  }

  // Where a key of the rest routes under the table of its generation.
  core::ShardIndex rest_shard(uint64_t key) const {
    return p_.fast_gens_[generation_of(key)]->shard[category_of(key)];
  }

  // The shard the instance's map predicts for a key of the rest (of the current generation).
  // While the instance still has an older map, the key's category overlaps one or more of that
  // map's categories; it lies in each with the probability of the keys they share.
  core::ShardIndex predicted_rest_shard(uint64_t key) {
    FastKeys::Table& table = *p_.fast_gens_[generation_of(key)];
    if (table.epoch == map_epoch_) return table.shard[category_of(key)];
    const FastKeys::Table& mine = *p_.fast_gens_[p_.fast_generation(map_, map_epoch_)];
    return mine.shard[p_.fast_keys_->move(table, category_of(key), mine, fast_->rng)];
  }

  // UserRecordsProduced and UserBytesProduced, for the records counted since the last flush:
  // added in the metric bucket where they were created (at produced_at_, the first's time).
  void flush_produced() {
    if (produced_since_flush_ == 0) return;
    p_.metrics_.add(p_.s_.produced, static_cast<double>(produced_since_flush_),
                    p_.s_.produced_bytes, static_cast<double>(produced_bytes_since_flush_),
                    produced_at_);
    produced_since_flush_ = 0;
    produced_bytes_since_flush_ = 0;
  }

  // A new user record enters the KPL (addUserRecord) at its creation time. Returns the reducer
  // deadline it set (kNever if none).
  Time put_user_record(const DrawnRecord& d) {
    const HeldUserRecord r{d.key,
                           d.created,
                           d.created + k_.record_max_buffered_time,
                           d.data_bytes,
                           static_cast<uint16_t>(d.pk_bytes),
                           0};
    ProducerCounts& c = p_.counts_;
    ++c.produced;
    c.produced_bytes += r.bytes();
    // Records come in creation order: a record in a later metric bucket than those counted
    // since the last flush sends them to theirs first.
    if (d.created >= produced_cell_end_) {
      flush_produced();
      produced_at_ = d.created;
      produced_cell_end_ = p_.metrics_.cell_end(d.created);
    }
    ++produced_since_flush_;
    produced_bytes_since_flush_ += r.bytes();
    if (KeyCounts* t = tally(r.key)) t->offer(r.bytes());
    if (r.bytes() > max_record_bytes()) {
      ++c.rejected_too_large;
      return kNever;
    }
    ++held_;
    return aggregate(r, d.created);
  }

  // The shard the instance's map predicts. While that map is the stream's current one, the
  // producer's shared key -> shard cache answers (one table for all instances, not one each).
  core::ShardIndex predicted_shard(uint64_t key) {
    if (map_epoch_ == p_.stream_.epoch()) return p_.shard_for(key);
    return map_.route(p_.keys_.hash(key));
  }

  Time aggregate(const HeldUserRecord& r, Time now) {
    if (fast_ && is_rest(r.key)) {
      HeldUserRecord moved = r;
      moved.key = rebase(r.key);
      return aggregator_.add(moved, predicted_rest_shard(moved.key), now, to_limiter());
    }
    return aggregator_.add(r, predicted_shard(r.key), now, to_limiter());
  }

  // ---- requests ---------------------------------------------------------------------------

  void try_send() {
    while (in_flight_ < k_.max_connections) {
      PutRecordsRequest* req = collector_.take_packed();
      if (req == nullptr) break;
      send(req);
    }
  }

  void send(PutRecordsRequest* req) {
    const Time now = p_.engine_.now();
    ++in_flight_;
    ++p_.counts_.requests;
    Stats& st = p_.stats_;
    double buffering_ms = 0;
    uint64_t first_sends = 0;
    uint64_t resends = 0;  // RetriedEntries: user records sent again (a requeued one may expire)
    for (PutEntry* e : req->entries) {
      for (HeldUserRecord& u : e->users) {
        if (u.attempts++ == 0) {
          buffering_ms += (now - u.created).to_millis();
          ++first_sends;
        } else {
          ++resends;
        }
      }
    }
    if (resends > 0) {
      p_.counts_.retried_entries += resends;
      p_.metrics_.add(p_.s_.retried, now, static_cast<double>(resends));
    }
    st.buffering_ms_sum += buffering_ms;
    st.buffering_count += first_sends;
    if (first_sends > 0) {
      p_.metrics_.add(p_.s_.buffering_sum_ms, now, buffering_ms);
      p_.metrics_.add(p_.s_.buffering_count, now, static_cast<double>(first_sends));
    }
    req->sent = now;
    req->latency = p_.latency_.sample(net_rng_);
    req->timed_out = req->latency > k_.request_timeout;
    req->arrived = false;
    // A request that times out reached the stream all the same when half its latency (the way
    // there) is within RequestTimeout: the stream judges it, and what it accepts lands twice
    // once the KPL, which never learns of it, retries (duplicates).
    if (!req->timed_out || req->latency / 2 <= k_.request_timeout) {
      p_.engine_.schedule_in(req->latency / 2, [this, req] { on_arrive(req); });
    }
    if (req->timed_out) {
      p_.engine_.schedule_in(k_.request_timeout, [this, req] { on_reply(req); });
    }
  }

  void on_arrive(PutRecordsRequest* req) {
    const Time now = p_.engine_.now();
    Stream& stream = p_.stream_;
    for (PutEntry* e : req->entries) {
      // ExplicitHashKey = the first user record's hash key: the stream routes by it.
      HeldUserRecord& first = e->users.front();
      if (fast_ && is_rest(first.key)) {
        first.key = rebase(first.key);
        e->actual = rest_shard(first.key);
      } else {
        e->actual = p_.shard_for(first.key);
      }
      // The stream keeps the user records' summed write delay: pass their mean creation time
      // (rounded down to the nanosecond, so the sum is short by less than one ns per record).
      sim::Duration delay;
      for (const HeldUserRecord& u : e->users) delay += now - u.created;
      const auto users = static_cast<int64_t>(e->users.size());
      e->outcome = stream.put(now, e->actual, e->wire_bytes, now - delay / users,
                              static_cast<uint32_t>(users));
    }
    stream.end_request(now, PutApi::kPutRecords, req->entries.size(), req->bytes);
    req->arrived = true;
    if (!req->timed_out) {
      p_.engine_.schedule(req->sent + req->latency, [this, req] { on_reply(req); });
    }
  }

  // ---- the reply: the retrier's verdicts, then the books ----------------------------------

  void on_reply(PutRecordsRequest* req) {
    using Verdict = kpl::Retrier::Verdict;
    const Time now = p_.engine_.now();
    --in_flight_;
    if (!req->timed_out) {
      p_.stream_.record_latency(now, PutApi::kPutRecords, req->latency);
      p_.request_latency_us_.record(static_cast<uint64_t>(req->latency.count_nanos() / 1000));
    }
    // The reply touches every user record's key tallies, scattered over a large key space:
    // ask for all of them first so the misses overlap instead of queueing one by one. (Fast
    // mode's rest keys have none: their ids lie beyond the tables, and nothing is fetched.)
    for (const PutEntry* e : req->entries) {
      for (const HeldUserRecord& u : e->users) p_.prefetch_key(u.key);
    }
    ProducerCounts& c = p_.counts_;
    Stats& st = p_.stats_;
    uint64_t kinesis_put = 0;
    uint64_t kinesis_put_users = 0;
    uint64_t throttled = 0;
    for (PutEntry* e : req->entries) {
      const Verdict v = retrier_.judge(*e, req->timed_out);
      switch (v) {
        case Verdict::kTimedOut:
          ++st.errors_timeout;
          p_.metrics_.add(p_.s_.err_timeout, now);
          c.user_record_attempts += e->users.size();
          if (req->arrived && e->outcome == PutOutcome::kAccepted) {
            // In the stream already: the retry puts its user records in again.
            ++c.accepted_entries;
            c.duplicates += e->users.size();
          }
          retry_users(e, now);
          break;
        case Verdict::kSucceeded:
        case Verdict::kWrongShard:
          ++c.accepted_entries;
          c.user_record_attempts += e->users.size();
          ++kinesis_put;
          kinesis_put_users += e->users.size();
          st.kinesis_bytes_put += e->wire_bytes;
          if (v == Verdict::kSucceeded) {
            accept_users(e, now);
            break;
          }
          ++st.wrong_shard_puts;
          c.duplicates += e->users.size();
          p_.metrics_.add(p_.s_.wrong_shard, now);
          request_refresh();
          retry_users(e, now);
          break;
        case Verdict::kThrottled:
        case Verdict::kFailedThrottled:
          c.user_record_attempts += e->users.size();
          c.throttled_user_records += e->users.size();
          ++throttled;
          ++st.errors_throttled;
          for (const HeldUserRecord& u : e->users) {
            if (KeyCounts* t = tally(u.key)) ++t->throttled;
          }
          if (v == Verdict::kThrottled) {
            retry_users(e, now);
            break;
          }
          st.failed_throttled += e->users.size();
          fail_users(e, now, c.failed_attempts_exhausted);
          break;
        case Verdict::kInternalFailure:
          ++c.internal_failure_entries;
          c.user_record_attempts += e->users.size();
          ++st.errors_internal;
          p_.metrics_.add(p_.s_.err_internal, now);
          retry_users(e, now);
          break;
      }
      entries_.release(e);
    }
    c.throttled_entries += throttled;
    if (throttled > 0) {
      p_.metrics_.add(p_.s_.throttled, now, static_cast<double>(throttled));
      p_.metrics_.add(p_.s_.err_throttled, now, static_cast<double>(throttled));
    }
    if (kinesis_put > 0) {
      st.kinesis_records_put += kinesis_put;
      st.user_records_in_put += kinesis_put_users;
      p_.metrics_.add(p_.s_.kinesis_put, now, static_cast<double>(kinesis_put));
      p_.metrics_.add(p_.s_.kinesis_put_users, now, static_cast<double>(kinesis_put_users));
    }
    requests_.release(req);
    try_send();
  }

  void accept_users(const PutEntry* e, Time now) {
    ProducerCounts& c = p_.counts_;
    uint64_t retries = 0;
    for (const HeldUserRecord& u : e->users) {
      c.accepted_bytes += u.bytes();
      p_.record_latency_us_.record(static_cast<uint64_t>((now - u.created).count_nanos() / 1000));
      if (KeyCounts* t = tally(u.key)) ++t->accepted;
      if (p_.attempts_.size() <= u.attempts) p_.attempts_.resize(u.attempts + 1u);
      ++p_.attempts_[u.attempts];
      retries += u.attempts - 1u;
    }
    const uint64_t n = e->users.size();
    c.accepted += n;
    held_ -= n;
    complete(now, n, retries);
    p_.metrics_.add(p_.s_.user_put, now, static_cast<double>(n));
  }

  void fail_users(const PutEntry* e, Time now, uint64_t& bucket) {
    uint64_t retries = 0;
    for (const HeldUserRecord& u : e->users) {
      p_.counts_.failed_bytes += u.bytes();
      retries += u.attempts > 0 ? u.attempts - 1u : 0u;
    }
    const uint64_t n = e->users.size();
    bucket += n;
    held_ -= n;
    complete(now, n, retries);
    p_.metrics_.add(p_.s_.failed, now, static_cast<double>(n));
  }

  // A Kinesis record the limiter held past RecordTtl: all its user records expire.
  void expire_users(PutEntry* e, Time now) {
    p_.stats_.user_records_expired += e->users.size();
    p_.metrics_.add(p_.s_.expired, now, static_cast<double>(e->users.size()));
    fail_users(e, now, p_.counts_.failed_expired);
    entries_.release(e);
  }

  void complete(Time now, uint64_t n, uint64_t retries) {
    p_.stats_.completed += n;
    p_.stats_.retries_sum += retries;
    p_.metrics_.add(p_.s_.retries_count, now, static_cast<double>(n));
    if (retries > 0) p_.metrics_.add(p_.s_.retries_sum, now, static_cast<double>(retries));
  }

  // The retrier sends the user records back into the aggregator (re-predicted), unless expired.
  void retry_users(const PutEntry* e, Time now) {
    // Each user record goes back into its reducer's key table, likely no longer in cache: ask
    // for the slot of the record kRetryPrefetch places ahead (the shard the entry was bound for
    // is where its records go again unless the map changed, when the hint is only wasted).
    const std::vector<HeldUserRecord>& users = e->users;
    std::size_t asked = 0;
    const auto ask_up_to = [&](std::size_t n) {
      for (n = std::min(n, users.size()); asked < n; ++asked) {
        aggregator_.prefetch(users[asked].key, e->predicted);
      }
    };
    ask_up_to(kRetryPrefetch);
    std::size_t taken = 0;
    const kpl::Retrier::Retried r = retrier_.retry(*e, now, [&](const HeldUserRecord& u) {
      ask_up_to(++taken + kRetryPrefetch);
      aggregate(u, now);
    });
    if (r.expired > 0) {
      p_.counts_.failed_bytes += r.expired_bytes;
      p_.stats_.retries_sum += r.expired_retries;
      p_.counts_.failed_expired += r.expired;
      held_ -= r.expired;
      p_.stats_.user_records_expired += r.expired;
      p_.stats_.completed += r.expired;
      p_.metrics_.add(p_.s_.expired, now, static_cast<double>(r.expired));
      p_.metrics_.add(p_.s_.failed, now, static_cast<double>(r.expired));
      p_.metrics_.add(p_.s_.retries_count, now, static_cast<double>(r.expired));
    }
  }

  // ---- shard map --------------------------------------------------------------------------

  void request_refresh() {
    if (refresh_pending_) return;
    refresh_pending_ = true;
    p_.engine_.schedule_in(k_.shard_map_refresh_delay, [this] {
      map_ = p_.stream_.map();
      map_epoch_ = p_.stream_.epoch();
      ++p_.stats_.shard_map_refreshes;
      refresh_pending_ = false;
    });
  }

  // Fast mode's draws (see fast_front).
  struct Fast {
    ArrivalProcess even;  // evenly spaced arrivals (and whether they are Poisson)
    std::optional<PoissonWindows> poisson;
    sim::RngStream rng;  // keys, sizes, moves
    // Records drawn ahead: ring[head], ... (count of them); depth is how many to keep drawn.
    static constexpr std::size_t kRing = 16;
    struct Ahead {
      DrawnRecord record;  // its key and pk_bytes once resolved
      sim::CompactAlias::View::Draw category;
      uint32_t generation = 0;
      bool resolved = false;
    };
    std::array<Ahead, kRing> ring{};
    std::size_t head = 0;
    std::size_t count = 0;
    std::size_t depth = 1;
    bool ended = false;  // the arrivals have ended
  };

  KplProducer& p_;
  const KplConfig& k_;
  RecordSource source_;
  std::optional<Fast> fast_;
  sim::RngStream net_rng_;  // latencies
  uint64_t produced_since_flush_ = 0;
  uint64_t produced_bytes_since_flush_ = 0;
  Time produced_at_;        // creation of the first record counted since the flush
  Time produced_cell_end_;  // the end of its metric bucket (0: none yet)
  uint64_t held_ = 0;       // user records inside the pipeline (aggregator ... in flight)
  Time last_tick_ = Time::zero();
  Time next_tick_ = Time::max();
  uint64_t tick_generation_ = 0;
  bool waiting_epoch_ = false;  // registered with notify_on_epoch_change
  // The instance's own shard map, as of its last refresh.
  core::ShardMap map_;
  uint64_t map_epoch_ = 0;
  bool refresh_pending_ = false;
  Pool<PutEntry> entries_;
  Pool<PutRecordsRequest> requests_;
  kpl::Aggregator aggregator_;
  kpl::Limiter limiter_;
  kpl::Collector collector_;
  kpl::Retrier retrier_;
  uint32_t in_flight_ = 0;  // requests sent, not yet replied
};

KplProducer::KplProducer(const ProducerConfig& config, const std::string& base_dir, Stream& stream,
                         sim::Engine& engine, sim::MetricRecorder& metrics, uint64_t seed)
    : DrawingProducer(config, base_dir, stream, engine, metrics) {
  const std::string n = config_.name + "/";
  // The first six match the SDK's, for the per-producer CSV.
  s_.produced = metrics_.add_counter(n + "UserRecordsProduced");
  s_.produced_bytes = metrics_.add_counter(n + "UserBytesProduced");
  s_.user_put = metrics_.add_counter(n + "UserRecordsPut");
  s_.throttled = metrics_.add_counter(n + "ThrottledEntries");
  s_.failed = metrics_.add_counter(n + "UserRecordsFailed");
  s_.retried = metrics_.add_counter(n + "RetriedEntries");
  // KPL metrics (SPEC §9): UserRecordsPerKinesisRecord = KinesisRecordsPut.UserRecords /
  // KinesisRecordsPut; BufferingTime = .SumMs / .Count; RetriesPerRecord = .Sum / .Count.
  s_.kinesis_put = metrics_.add_counter(n + "KinesisRecordsPut");
  s_.kinesis_put_users = metrics_.add_counter(n + "KinesisRecordsPut.UserRecords");
  s_.buffering_sum_ms = metrics_.add_counter(n + "BufferingTime.SumMs");
  s_.buffering_count = metrics_.add_counter(n + "BufferingTime.Count");
  s_.retries_sum = metrics_.add_counter(n + "RetriesPerRecord.Sum");
  s_.retries_count = metrics_.add_counter(n + "RetriesPerRecord.Count");
  s_.err_throttled =
      metrics_.add_counter(n + "ErrorsByCode.ProvisionedThroughputExceededException");
  s_.err_internal = metrics_.add_counter(n + "ErrorsByCode.InternalFailure");
  s_.err_timeout = metrics_.add_counter(n + "ErrorsByCode.RequestTimeout");
  s_.expired = metrics_.add_counter(n + "UserRecordsExpired");
  s_.wrong_shard = metrics_.add_counter(n + "WrongShardPuts");
  for (uint32_t i = 0; i < config.instances; ++i) {
    pipelines_.push_back(std::make_unique<Pipeline>(*this, i, seed));
  }
}

KplProducer::~KplProducer() = default;

uint32_t KplProducer::fast_generation(const core::ShardMap& map, uint64_t epoch) {
  for (std::size_t i = fast_gens_.size(); i-- > 0;) {
    if (fast_gens_[i]->epoch == epoch) return static_cast<uint32_t>(i);
  }
  if (fast_gens_.size() > 0x7FFF'FFFFu) throw std::length_error("fast mode: too many shard maps");
  fast_gens_.push_back(fast_keys_->build(map, epoch));
  return static_cast<uint32_t>(fast_gens_.size() - 1);
}

uint32_t KplProducer::fast_current_generation() {
  if (fast_current_epoch_ != stream_.epoch()) {
    fast_current_ = fast_generation(stream_.map(), stream_.epoch());
    fast_current_epoch_ = stream_.epoch();
  }
  return fast_current_;
}

void KplProducer::start() {
  for (auto& p : pipelines_) p->start();
}

void KplProducer::finish(Time /*end*/) {
  counts_.pending = 0;
  for (auto& p : pipelines_) counts_.pending += p->held();
}

ProducerResult KplProducer::result(const Stream& stream, uint32_t top_n) {
  ProducerResult pr = books_result("kpl", stream, top_n, s_.produced, s_.produced_bytes);
  const auto ratio = [](double a, uint64_t b) { return b == 0 ? 0.0 : a / static_cast<double>(b); };
  const Stats& st = stats_;
  pr.details = {
      {"UserRecordsPut", static_cast<double>(counts_.accepted)},
      {"KinesisRecordsPut", static_cast<double>(st.kinesis_records_put)},
      {"UserRecordsPerKinesisRecord",
       ratio(static_cast<double>(st.user_records_in_put), st.kinesis_records_put)},
      {"KinesisRecordBytesMean",
       ratio(static_cast<double>(st.kinesis_bytes_put), st.kinesis_records_put)},
      {"BufferingTimeMeanMs", ratio(st.buffering_ms_sum, st.buffering_count)},
      {"RetriesPerRecord", ratio(static_cast<double>(st.retries_sum), st.completed)},
      {"ErrorsByCode.ProvisionedThroughputExceededException",
       static_cast<double>(st.errors_throttled)},
      {"ErrorsByCode.InternalFailure", static_cast<double>(st.errors_internal)},
      {"ErrorsByCode.RequestTimeout", static_cast<double>(st.errors_timeout)},
      {"UserRecordsExpired", static_cast<double>(st.user_records_expired)},
      {"FailedThrottled", static_cast<double>(st.failed_throttled)},
      {"WrongShardPuts", static_cast<double>(st.wrong_shard_puts)},
      {"ShardMapRefreshes", static_cast<double>(st.shard_map_refreshes)},
  };
  return pr;
}

}  // namespace kinesim::models
