#include "models/producer/kpl_producer.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <optional>

#include "models/client/client_results.h"
#include "models/core/aggregation.h"
#include "models/core/shard_map.h"
#include "models/producer/pool.h"
#include "models/stream/token_bucket.h"
#include "models/workload/record_source.h"
#include "sim/rng.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
// Upper bound of the protobuf framing one user record adds to an aggregate beyond its data and
// key bytes: tags and length varints of the record, its fields and its key-table entry.
constexpr uint64_t kMaxRecordOverhead = 48;

struct UserRecord {
  uint64_t key = 0;
  int64_t created_ns = 0;
  int64_t deadline_ns = 0;  // when its reducer must flush at the latest
  uint32_t data_bytes = 0;
  uint16_t pk_bytes = 0;
  uint16_t attempts = 0;  // sends so far
  uint64_t bytes() const { return uint64_t{data_bytes} + pk_bytes; }
};

// One Kinesis record: an aggregate of user records, or one user record sent raw.
struct KinesisRecord {
  std::vector<UserRecord> users;
  uint64_t wire_bytes = 0;  // what the stream and the PUT payload units see
  int64_t ready_ns = 0;     // when it left the aggregator
  int64_t deadline_ns = kNever;
  int64_t oldest_ns = kNever;  // earliest creation among its user records
  core::ShardIndex predicted = 0;
  core::ShardIndex actual = 0;  // where the stream put it (set on arrival)
  PutOutcome outcome = PutOutcome::kAccepted;
  void clear() {
    users.clear();
    wire_bytes = 0;
    deadline_ns = kNever;
    oldest_ns = kNever;
  }
};

struct Reducer {
  core::AggregateSizer sizer;
  KinesisRecord* rec = nullptr;
  int64_t deadline_ns = kNever;
  uint32_t generation = 0;
};

// A reducer deadline to check; stale when the reducer has flushed since (generation differs).
struct DeadlineEntry {
  int64_t at_ns;
  core::ShardIndex shard;
  uint32_t generation;
};

struct ShardLimiter {
  TokenBucket records;
  TokenBucket bytes;
  std::deque<KinesisRecord*> queue;
  bool active = false;  // listed in Instance::active_limiters_
};

struct Request {
  std::vector<KinesisRecord*> recs;
  uint64_t bytes = 0;
  Time sent;
  Duration latency;
  bool timed_out = false;
};

}  // namespace

class KplProducer::Instance {
 public:
  Instance(KplProducer& p, uint32_t index, uint64_t seed)
      : p_(p),
        k_(p.config_.kpl),
        source_(p.config_, index, seed, p.keys_, p.sizes_, p.trace_.get()),
        net_rng_(sim::RngStream::derive(
            seed, "producer/" + p.config_.name + "/" + std::to_string(index) + "/network")),
        map_(p.stream_.map()),
        map_epoch_(p.stream_.epoch()) {
    retry_delay_ns_ = k_.record_max_buffered_time.count_nanos() / 2;
  }

  void start() {
    const Time first = Time::zero() + p_.config_.start;
    p_.engine_.schedule(std::max(first, p_.engine_.now()), [this] { tick(); });
  }

  // User records still held at `end`.
  uint64_t held() const { return held_; }

 private:
  uint64_t max_record_bytes() const { return p_.stream_.config().max_record_bytes; }

  // ---- workload -------------------------------------------------------------------------

  // A new user record enters the KPL (addUserRecord) at its creation time.
  void put_user_record(const DrawnRecord& d) {
    const UserRecord r{d.key,
                       d.created_ns,
                       d.created_ns + k_.record_max_buffered_time.count_nanos(),
                       d.data_bytes,
                       static_cast<uint16_t>(d.pk_bytes),
                       0};
    ProducerCounts& c = p_.counts_;
    ++c.produced;
    c.produced_bytes += r.bytes();
    ++produced_since_flush_;
    produced_bytes_since_flush_ += r.bytes();
    if (!p_.keys_.random_keys()) p_.key_tally(r.key).offer(r.bytes());
    if (r.bytes() > max_record_bytes()) {
      ++c.rejected_too_large;
      return;
    }
    ++held_;
    aggregate(r, r.created_ns);
  }

  // ---- aggregator -----------------------------------------------------------------------

  // The shard the instance's map predicts. While that map is the stream's current one, the
  // producer's shared key -> shard cache answers (one table for all instances, not one each).
  core::ShardIndex predicted_shard(uint64_t key) {
    if (map_epoch_ == p_.stream_.epoch()) return p_.shard_for(key);
    return map_.route(p_.keys_.hash(key));
  }

  // Adds a user record at `now_ns` (its creation, or the reply that sends it back).
  void aggregate(const UserRecord& r, int64_t now_ns) {
    const core::ShardIndex shard = predicted_shard(r.key);
    if (!k_.aggregation_enabled) {
      KinesisRecord* kr = recs_.acquire();
      kr->clear();
      add_user(kr, r);
      kr->predicted = shard;
      kr->wire_bytes = r.bytes();
      kr->ready_ns = now_ns;
      to_limiter(kr);
      return;
    }
    if (shard >= reducers_.size()) reducers_.resize(map_.shards().size());
    Reducer& red = reducers_[shard];
    const uint64_t pk = r.key;  // a key's id (or, for random keys, its hash bits) names it
    // The exact check costs a key lookup: skip it when even a generous bound fits (a record
    // adds at most its data, its key and kMaxRecordOverhead bytes of framing).
    if (red.rec != nullptr &&
        red.sizer.size() + r.bytes() + kMaxRecordOverhead > k_.aggregation_max_size &&
        red.sizer.put_size_if_added(pk, r.pk_bytes, std::nullopt, 0, r.data_bytes) >
            k_.aggregation_max_size) {
      flush_reducer(shard, now_ns);
    }
    if (red.rec == nullptr) {
      red.rec = recs_.acquire();
      red.rec->clear();
      red.rec->predicted = shard;
    }
    red.sizer.add(pk, r.pk_bytes, std::nullopt, 0, r.data_bytes);
    add_user(red.rec, r);
    if (r.deadline_ns < red.deadline_ns) {
      red.deadline_ns = r.deadline_ns;
      // Fresh records arrive in deadline order, and so do retries: two FIFO queues suffice.
      (r.attempts == 0 ? fresh_deadlines_ : retry_deadlines_)
          .push_back({r.deadline_ns, shard, red.generation});
      pushed_deadline_ns_ = std::min(pushed_deadline_ns_, r.deadline_ns);
    }
    if (red.sizer.count() >= k_.aggregation_max_count ||
        red.sizer.put_size() >= k_.aggregation_max_size) {
      flush_reducer(shard, now_ns);
    }
  }

  static void add_user(KinesisRecord* kr, const UserRecord& r) {
    kr->users.push_back(r);
    kr->deadline_ns = std::min(kr->deadline_ns, r.deadline_ns);
    kr->oldest_ns = std::min(kr->oldest_ns, r.created_ns);
  }

  void flush_reducer(core::ShardIndex shard, int64_t at_ns) {
    Reducer& red = reducers_[shard];
    KinesisRecord* kr = red.rec;
    // One record travels raw (data + its key); an aggregate carries key "a" (1 byte).
    kr->wire_bytes = red.sizer.count() == 1 ? kr->users.front().bytes() : red.sizer.size() + 1;
    kr->ready_ns = at_ns;
    red.rec = nullptr;
    red.sizer.clear();
    red.deadline_ns = kNever;
    ++red.generation;
    to_limiter(kr);
  }

  // The earliest live reducer deadline, dropping stale entries; kNever when none.
  int64_t next_deadline() {
    for (auto* q : {&fresh_deadlines_, &retry_deadlines_}) {
      while (!q->empty()) {
        const DeadlineEntry& e = q->front();
        const Reducer& red = reducers_[e.shard];
        if (red.generation == e.generation && red.rec != nullptr && red.deadline_ns == e.at_ns) {
          break;
        }
        q->pop_front();
      }
    }
    const int64_t a = fresh_deadlines_.empty() ? kNever : fresh_deadlines_.front().at_ns;
    const int64_t b = retry_deadlines_.empty() ? kNever : retry_deadlines_.front().at_ns;
    return std::min(a, b);
  }

  void flush_next_due() {
    const bool fresh = !fresh_deadlines_.empty() &&
                       (retry_deadlines_.empty() ||
                        fresh_deadlines_.front().at_ns <= retry_deadlines_.front().at_ns);
    auto& q = fresh ? fresh_deadlines_ : retry_deadlines_;
    const DeadlineEntry e = q.front();
    q.pop_front();
    flush_reducer(e.shard, e.at_ns);
  }

  // ---- limiter --------------------------------------------------------------------------

  void to_limiter(KinesisRecord* kr) {
    if (kr->predicted >= limiters_.size()) {
      const std::size_t old = limiters_.size();
      limiters_.resize(std::max<std::size_t>(map_.shards().size(), kr->predicted + 1));
      // The KPL knows the published shard limits, not the scenario's stream.
      const double f = static_cast<double>(k_.rate_limit) / 100.0;
      const core::ShardWriteLimits w;
      for (std::size_t i = old; i < limiters_.size(); ++i) {
        limiters_[i].records = TokenBucket(static_cast<double>(w.records_per_sec) * f,
                                           static_cast<double>(w.burst_records));
        limiters_[i].bytes = TokenBucket(static_cast<double>(w.bytes_per_sec) * f,
                                         static_cast<double>(w.burst_bytes));
      }
    }
    ShardLimiter& l = limiters_[kr->predicted];
    l.queue.push_back(kr);
    if (!l.active) {
      l.active = true;
      active_limiters_.push_back(kr->predicted);
    }
  }

  void drain_limiters(Time now) {
    std::size_t kept = 0;
    for (const core::ShardIndex shard : active_limiters_) {
      ShardLimiter& l = limiters_[shard];
      l.records.refill(now);
      l.bytes.refill(now);
      while (!l.queue.empty()) {
        KinesisRecord* kr = l.queue.front();
        if (kr->ready_ns > now.nanos()) break;
        if (now.nanos() - kr->oldest_ns >= k_.record_ttl.count_nanos()) {
          l.queue.pop_front();
          expire_users(kr, now);  // waited in the limiter past RecordTtl
          continue;
        }
        const auto b = static_cast<double>(kr->wire_bytes);
        if (!l.records.has(1.0) || !l.bytes.has(b)) break;
        l.records.take(1.0);
        l.bytes.take(b);
        l.queue.pop_front();
        collect(kr, now);
      }
      if (l.queue.empty()) {
        l.active = false;
      } else {
        active_limiters_[kept++] = shard;
      }
    }
    active_limiters_.resize(kept);
  }

  // ---- collector ------------------------------------------------------------------------

  void collect(KinesisRecord* kr, Time now) {
    if (collecting_ != nullptr && (collecting_->recs.size() >= k_.collection_max_count ||
                                   collecting_->bytes + kr->wire_bytes > k_.collection_max_size)) {
      flush_collector(now);
    }
    if (collecting_ == nullptr) {
      collecting_ = requests_.acquire();
      collecting_->recs.clear();
      collecting_->bytes = 0;
      collecting_->timed_out = false;
      collect_deadline_ns_ = kNever;
      early_flush_ = false;
    }
    collecting_->recs.push_back(kr);
    collecting_->bytes += kr->wire_bytes;
    collect_deadline_ns_ = std::min(collect_deadline_ns_, kr->deadline_ns);
    if (kr->predicted >= shard_bytes_.size()) shard_bytes_.resize(limiters_.size());
    if (shard_bytes_[kr->predicted] == 0) touched_shards_.push_back(kr->predicted);
    shard_bytes_[kr->predicted] += kr->wire_bytes;
    if (shard_bytes_[kr->predicted] >= kCollectorShardFlushBytes) early_flush_ = true;
  }

  void flush_collector(Time now) {
    Request* req = collecting_;
    collecting_ = nullptr;
    for (const core::ShardIndex s : touched_shards_) shard_bytes_[s] = 0;
    touched_shards_.clear();
    waiting_.push_back(req);
    (void)now;
  }

  // ---- requests -------------------------------------------------------------------------

  void try_send() {
    while (in_flight_ < k_.max_connections && !waiting_.empty()) {
      Request* req = waiting_.front();
      waiting_.pop_front();
      send(req);
    }
  }

  void send(Request* req) {
    const Time now = p_.engine_.now();
    ++in_flight_;
    ++p_.counts_.requests;
    Stats& st = p_.stats_;
    double buffering_ms = 0;
    uint64_t first_sends = 0;
    for (KinesisRecord* kr : req->recs) {
      for (UserRecord& u : kr->users) {
        if (u.attempts++ == 0) {
          buffering_ms += static_cast<double>(now.nanos() - u.created_ns) * 1e-6;
          ++first_sends;
        }
      }
    }
    st.buffering_ms_sum += buffering_ms;
    st.buffering_count += first_sends;
    if (first_sends > 0) {
      p_.metrics_.add(p_.s_.buffering_sum_ms, now, buffering_ms);
      p_.metrics_.add(p_.s_.buffering_count, now, static_cast<double>(first_sends));
    }
    req->sent = now;
    req->latency = p_.latency_.sample(net_rng_);
    if (req->latency > k_.request_timeout) {
      req->timed_out = true;
      p_.engine_.schedule_in(k_.request_timeout, [this, req] { on_reply(req); });
      return;
    }
    p_.engine_.schedule_in(req->latency / 2, [this, req] { on_arrive(req); });
  }

  void on_arrive(Request* req) {
    const Time now = p_.engine_.now();
    Stream& stream = p_.stream_;
    for (KinesisRecord* kr : req->recs) {
      // ExplicitHashKey = the first user record's hash key: the stream routes by it.
      kr->actual = p_.shard_for(kr->users.front().key);
      // The stream keeps the user records' summed write delay: pass their mean creation time
      // (rounded down to the nanosecond, so the sum is short by less than one ns per record).
      sim::Duration delay;
      for (const UserRecord& u : kr->users) delay += now - Time::from_nanos(u.created_ns);
      const auto users = static_cast<int64_t>(kr->users.size());
      kr->outcome = stream.put(now, kr->actual, kr->wire_bytes, now - delay / users,
                               static_cast<uint32_t>(users));
    }
    stream.end_request(now, PutApi::kPutRecords, req->recs.size(), req->bytes);
    p_.engine_.schedule(req->sent + req->latency, [this, req] { on_reply(req); });
  }

  void on_reply(Request* req) {
    const Time now = p_.engine_.now();
    --in_flight_;
    if (!req->timed_out) {
      p_.stream_.record_latency(now, PutApi::kPutRecords, req->latency);
      p_.request_latency_us_.record(static_cast<uint64_t>(req->latency.count_nanos() / 1000));
    }
    // The reply touches every user record's key tallies, scattered over a large key space:
    // ask for all of them first so the misses overlap instead of queueing one by one.
    for (const KinesisRecord* kr : req->recs) {
      for (const UserRecord& u : kr->users) p_.prefetch_key(u.key);
    }
    ProducerCounts& c = p_.counts_;
    Stats& st = p_.stats_;
    uint64_t kinesis_put = 0;
    uint64_t kinesis_put_users = 0;
    uint64_t throttled = 0;
    for (KinesisRecord* kr : req->recs) {
      if (req->timed_out) {
        ++st.errors_timeout;
        p_.metrics_.add(p_.s_.err_timeout, now);
        retry_users(kr, now);
      } else if (kr->outcome == PutOutcome::kAccepted) {
        ++kinesis_put;
        kinesis_put_users += kr->users.size();
        st.kinesis_bytes_put += kr->wire_bytes;
        if (kr->actual != kr->predicted) {
          ++st.wrong_shard_puts;
          c.duplicates += kr->users.size();
          p_.metrics_.add(p_.s_.wrong_shard, now);
          request_refresh();
          retry_users(kr, now);
        } else {
          accept_users(kr, now);
        }
      } else if (kr->outcome == PutOutcome::kThrottled) {
        ++throttled;
        ++st.errors_throttled;
        if (!p_.keys_.random_keys()) {
          for (const UserRecord& u : kr->users) ++p_.key_tally(u.key).throttled;
        }
        if (k_.fail_if_throttled) {
          st.failed_throttled += kr->users.size();
          fail_users(kr, now, c.failed_attempts_exhausted);
        } else {
          retry_users(kr, now);
        }
      } else {
        ++c.internal_failure_entries;
        ++st.errors_internal;
        p_.metrics_.add(p_.s_.err_internal, now);
        retry_users(kr, now);
      }
      recs_.release(kr);
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

  void accept_users(KinesisRecord* kr, Time now) {
    ProducerCounts& c = p_.counts_;
    uint64_t retries = 0;
    for (const UserRecord& u : kr->users) {
      c.accepted_bytes += u.bytes();
      p_.record_latency_us_.record(static_cast<uint64_t>((now.nanos() - u.created_ns) / 1000));
      if (!p_.keys_.random_keys()) ++p_.key_tally(u.key).accepted;
      if (p_.attempts_.size() <= u.attempts) p_.attempts_.resize(u.attempts + 1u);
      ++p_.attempts_[u.attempts];
      retries += u.attempts - 1u;
    }
    const uint64_t n = kr->users.size();
    c.accepted += n;
    held_ -= n;
    complete(now, n, retries);
    p_.metrics_.add(p_.s_.user_put, now, static_cast<double>(n));
  }

  void fail_users(KinesisRecord* kr, Time now, uint64_t& bucket) {
    uint64_t retries = 0;
    for (const UserRecord& u : kr->users) {
      p_.counts_.failed_bytes += u.bytes();
      retries += u.attempts > 0 ? u.attempts - 1u : 0u;
    }
    const uint64_t n = kr->users.size();
    bucket += n;
    held_ -= n;
    complete(now, n, retries);
    p_.metrics_.add(p_.s_.failed, now, static_cast<double>(n));
  }

  void expire_users(KinesisRecord* kr, Time now) {
    p_.stats_.user_records_expired += kr->users.size();
    p_.metrics_.add(p_.s_.expired, now, static_cast<double>(kr->users.size()));
    fail_users(kr, now, p_.counts_.failed_expired);
    recs_.release(kr);
  }

  void complete(Time now, uint64_t n, uint64_t retries) {
    p_.stats_.completed += n;
    p_.stats_.retries_sum += retries;
    p_.metrics_.add(p_.s_.retries_count, now, static_cast<double>(n));
    if (retries > 0) p_.metrics_.add(p_.s_.retries_sum, now, static_cast<double>(retries));
  }

  // The retrier: no backoff, back into the aggregator (re-predicted), unless expired.
  void retry_users(KinesisRecord* kr, Time now) {
    const int64_t ttl = k_.record_ttl.count_nanos();
    uint64_t expired = 0;
    uint64_t retried = 0;
    for (UserRecord u : kr->users) {
      if (now.nanos() - u.created_ns >= ttl) {
        ++expired;
        p_.counts_.failed_bytes += u.bytes();
        p_.stats_.retries_sum += u.attempts - 1u;
        continue;
      }
      ++retried;
      u.deadline_ns = now.nanos() + retry_delay_ns_;
      aggregate(u, now.nanos());
    }
    if (expired > 0) {
      p_.counts_.failed_expired += expired;
      held_ -= expired;
      p_.stats_.user_records_expired += expired;
      p_.stats_.completed += expired;
      p_.metrics_.add(p_.s_.expired, now, static_cast<double>(expired));
      p_.metrics_.add(p_.s_.failed, now, static_cast<double>(expired));
      p_.metrics_.add(p_.s_.retries_count, now, static_cast<double>(expired));
    }
    if (retried > 0) {
      p_.counts_.retried_entries += retried;
      p_.metrics_.add(p_.s_.retried, now, static_cast<double>(retried));
    }
  }

  // ---- shard map ------------------------------------------------------------------------

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

  // ---- the tick ---------------------------------------------------------------------------

  void tick() {
    const Time now = p_.engine_.now();
    if (p_.stream_.epoch() != map_epoch_) request_refresh();
    // Aggregate records created up to now, in time order with the reducers' deadlines.
    // deadline_at never exceeds the earliest live deadline: records lower it as they add
    // deadlines, and it is recomputed exactly before a flush (a size flush may have made the
    // entry at the front stale).
    int64_t deadline_at = next_deadline();
    for (;;) {
      const DrawnRecord* next = source_.front();
      const int64_t record_at = next != nullptr ? next->created_ns : kNever;
      if (deadline_at <= record_at) {
        if (deadline_at > now.nanos()) break;
        deadline_at = next_deadline();
        if (deadline_at <= record_at && deadline_at <= now.nanos()) {
          flush_next_due();
          deadline_at = next_deadline();
        }
        continue;
      }
      if (record_at > now.nanos()) break;
      pushed_deadline_ns_ = kNever;
      put_user_record(*next);
      deadline_at = std::min(deadline_at, pushed_deadline_ns_);
      if (const DrawnRecord* ahead = source_.pop()) p_.prefetch_key(ahead->key);
    }
    if (produced_since_flush_ > 0) {
      p_.metrics_.add(p_.s_.produced, now, static_cast<double>(produced_since_flush_));
      p_.metrics_.add(p_.s_.produced_bytes, now, static_cast<double>(produced_bytes_since_flush_));
      produced_since_flush_ = 0;
      produced_bytes_since_flush_ = 0;
    }
    drain_limiters(now);
    if (collecting_ != nullptr && (early_flush_ || collect_deadline_ns_ <= now.nanos() ||
                                   collecting_->recs.size() >= k_.collection_max_count)) {
      flush_collector(now);
    }
    try_send();
    if (source_.front() != nullptr || held_ > 0)
      p_.engine_.schedule_in(kLimiterDrainInterval, [this] { tick(); });
  }

  KplProducer& p_;
  const KplConfig& k_;
  RecordSource source_;
  sim::RngStream net_rng_;  // latencies
  int64_t retry_delay_ns_ = 0;
  uint64_t produced_since_flush_ = 0;
  uint64_t produced_bytes_since_flush_ = 0;
  uint64_t held_ = 0;  // user records inside the pipeline (aggregator ... in flight)
  // The instance's own shard map, as of its last refresh.
  core::ShardMap map_;
  uint64_t map_epoch_ = 0;
  bool refresh_pending_ = false;
  // Aggregator.
  std::vector<Reducer> reducers_;
  std::deque<DeadlineEntry> fresh_deadlines_;
  std::deque<DeadlineEntry> retry_deadlines_;
  int64_t pushed_deadline_ns_ = kNever;  // earliest deadline aggregate() queued since reset
  // Limiter.
  std::vector<ShardLimiter> limiters_;
  std::vector<core::ShardIndex> active_limiters_;
  // Collector.
  Request* collecting_ = nullptr;
  int64_t collect_deadline_ns_ = kNever;
  bool early_flush_ = false;
  std::vector<uint64_t> shard_bytes_;
  std::vector<core::ShardIndex> touched_shards_;
  // Requests.
  std::deque<Request*> waiting_;
  uint32_t in_flight_ = 0;
  Pool<KinesisRecord> recs_;
  Pool<Request> requests_;
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
    instances_.push_back(std::make_unique<Instance>(*this, i, seed));
  }
}

KplProducer::~KplProducer() = default;

void KplProducer::start() {
  for (auto& i : instances_) i->start();
}

void KplProducer::finish(Time /*end*/) {
  counts_.pending = 0;
  for (auto& i : instances_) counts_.pending += i->held();
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
