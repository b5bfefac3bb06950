#include "models/producer/sdk_producer.h"

#include <algorithm>
#include <boost/sort/pdqsort/pdqsort.hpp>
#include <cmath>
#include <deque>
#include <optional>
#include <type_traits>

#include "models/client/client_results.h"
#include "models/producer/fast_keys.h"
#include "models/producer/pool.h"
#include "models/workload/arrivals.h"
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
  // Fast mode: the billing quantities of its records, which the stream bills for those it
  // accepts.
  core::PutBilling billing;
  uint32_t attempt = 1;  // 1 = first try
  Time sent;
  Duration latency;
  // Fast mode: the records' keys are categories of this table (fast_keys.h); how many records
  // have an individual key (tallied per key) and how many are too large (new batches only);
  // and whether the stream accepted every entry (then `outcomes` is not filled).
  std::shared_ptr<FastKeys::Table> table;
  uint32_t individual = 0;
  uint32_t too_large = 0;
  bool all_accepted = false;
  // The records' latencies at the reply are already in the histogram (arrive).
  bool latencies_recorded = false;
  // Fast mode: the records are in creation order (a retry of entries judged in creation order).
  bool in_creation_order = false;
  void clear() {
    records.clear();
    outcomes.clear();
    bytes = 0;
    billing = {};
    attempt = 1;
    table.reset();
    individual = too_large = 0;
    all_accepted = false;
    latencies_recorded = false;
    in_creation_order = false;
  }
};

double seconds_of(Time t) { return t.to_seconds(); }

// What a batch counts while it forms (written to it when it closes).
struct Forming {
  // The limits, copied here so that fast mode's drawing thread reads nothing another writes.
  uint64_t max_record_bytes = 0;
  uint64_t max_batch_bytes = 0;
  uint64_t max_records = 0;
  uint32_t individual_below = 0;  // fast mode: categories below this are individual keys
  uint64_t bytes = 0;             // of the sendable records
  core::PutBilling billing;       // of the sendable records (Batch::billing)
  uint64_t sendable = 0;
  uint32_t individual = 0;  // fast mode: records with an individual key
  uint32_t too_large = 0;   // fast mode: records too large to send
  void close(Batch& b) const {
    b.bytes = bytes;
    b.billing = billing;
    b.individual = individual;
    b.too_large = too_large;
  }
};

}  // namespace

// Fast mode: a batch as drawn (form_fast_batch), before it opens as a Batch.
struct SdkProducer::DrawnBatch {
  std::vector<PendingRecord> records;
  std::size_t count = 0;  // the batch is records[0, count) (a draw-ahead slot keeps its size)
  Forming counts;
  Time close_at;
};

class SdkProducer::Instance {
 public:
  Instance(SdkProducer& p, uint32_t index, uint64_t seed)
      : p_(p),
        index_(index),
        source_(p.config_, index, seed, p.keys_, p.sizes_, p.trace_.get()),
        net_rng_(sim::RngStream::derive(
            seed, "producer/" + p.config_.name + "/" + std::to_string(index) + "/network")) {
    const ProducerConfig& c = p.config_;
    if (p.fast_keys_ != nullptr) {
      const std::string name = "producer/" + c.name + "/" + std::to_string(index);
      fast_.emplace(ArrivalProcess(c.rate, c.instances, index, c.start,
                                   sim::RngStream::derive(seed, name + "/arrivals")),
                    sim::RngStream::derive(seed, name + "/batches"));
    }
    max_records_ = c.sdk.api == SdkConfig::Api::kPutRecord ? 1 : c.sdk.max_batch_records;
    if (fast_) {
      fast_->limits = start_forming();
      fast_->linger_s = c.sdk.linger.to_seconds();
    }
    api_ = c.sdk.api == SdkConfig::Api::kPutRecord ? PutApi::kPutRecord : PutApi::kPutRecords;
  }

  void start() { fast_ ? form_fast_batch() : form_batch(); }

  // Records still held at `end` (buffered, waiting for a retry, or in flight).
  void finish(Time end, ProducerCounts& counts) {
    if (forming_ != nullptr) {
      for (const PendingRecord& r : forming_->records) {
        if (r.created > end) continue;
        account_produced(r);
        p_.metrics_.add(p_.s_records_, 1.0, p_.s_bytes_, static_cast<double>(r.bytes()), r.created);
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

  // Fast mode's draw of a record (a category and a size) under one table, by value: kept in
  // Fast, it is all the drawing reads besides the tables themselves (see Fast).
  struct Drawer {
    sim::CompactAlias::View categories;
    const uint32_t* pk_bytes;
    SizeSampler::Tabulated sizes;
    PendingRecord draw(sim::RngStream& rng, Time created) const {
      PendingRecord r;
      r.created = created;
      const uint32_t category = categories.sample(rng);
      r.key = category;
      r.pk_bytes = pk_bytes[category];
      r.data_bytes = sizes.sample(rng);
      return r;
    }
  };

  // Generates records into a new batch until it closes (full, or linger after its first
  // record), and schedules the close. The record that did not fit stays first in the source.
  void form_batch() { fill_batch(source_, nullptr); }

  // What fill_batch takes records from: front() is the next record (nullptr when there are no
  // more) and pop() takes it, returning the record after it when that one is already drawn.
  // Exact mode's RecordSource is one; fast mode's evenly spaced arrivals are EvenSource.
  template <typename Source>
  void fill_batch(Source& source, std::shared_ptr<FastKeys::Table> table) {
    const DrawnRecord* next = source.front();
    if (next == nullptr) return;
    Batch* b = acquire();
    b->table = std::move(table);
    b->in_creation_order = true;  // records come in arrival order
    const SdkConfig& sdk = p_.config_.sdk;
    const Time deadline = next->created + sdk.linger;
    Time close_at = deadline;
    Forming forming = start_forming();
    for (;;) {
      if (next->bytes() <= forming.max_record_bytes && forming.sendable > 0 &&
          forming.bytes + next->bytes() > forming.max_batch_bytes) {
        close_at = next->created;  // next opens the following batch
        break;
      }
      add_record(b->records, *next, forming);
      if (const DrawnRecord* ahead = source.pop()) p_.prefetch_key(ahead->key);
      if (forming.sendable >= forming.max_records) {
        close_at = b->records.back().created;
        break;
      }
      next = source.front();
      if (next == nullptr || next->created > deadline) break;
    }
    forming.close(*b);
    forming_ = b;
    p_.engine_.schedule(std::max(close_at, p_.engine_.now()), [this] { on_close(); });
  }

  Forming start_forming() const {
    Forming f;
    f.max_record_bytes = max_record_bytes();
    f.max_batch_bytes = p_.config_.sdk.max_batch_bytes;
    f.max_records = max_records_;
    f.individual_below = fast_ ? p_.fast_keys_->individual_count() : 0;
    return f;
  }
  // Puts a record into a forming batch's records; fast mode also counts its individual keys and
  // the records too large to send.
  static void add_record(std::vector<PendingRecord>& records, const PendingRecord& r, Forming& f) {
    records.push_back(r);
    const bool too_large = r.bytes() > f.max_record_bytes;
    f.individual += r.key < f.individual_below ? 1U : 0U;
    f.too_large += too_large ? 1U : 0U;
    f.bytes += too_large ? 0 : r.bytes();
    if (!too_large) f.billing.add(r.bytes());
    f.sendable += too_large ? 0U : 1U;
  }

  // Fast mode (docs/design.md, "Fast mode"), for Poisson arrivals: the batch's first record
  // arrives after the previous batch closed (memorylessness), or is the record whose bytes
  // closed it. Given the first record at t0, the further arrivals in (t0, t0 + linger] number
  // M ~ Poisson(mass of the window); their sizes are drawn in order until the batch is full by
  // count or bytes at record j <= M, which then arrived at the j-th of M order statistics, a
  // Beta(j, M - j + 1) fraction of the window's mass; the records before it are iid uniform in
  // mass up to there. Keys are drawn as categories (individual keys, or the rest by shard).
  // With draw-ahead, another thread has drawn the batch (draw_fast_batch, the same draws).
  void form_fast_batch() {
    Fast& f = *fast_;
    if (!f.arrivals.poisson()) {
      form_fast_even_batch();
      return;
    }
    if (p_.draw_ahead_ != nullptr) {
      // The records are copied, not taken: the slot is drawn into again, and a batch's memory
      // stays with the run's thread (memory handed back and forth between the threads would
      // cost a transfer between the cores for every cache line either writes).
      if (DrawnBatch* d = p_.draw_ahead_->front(index_)) {
        open_batch(*d, p_.draw_ahead_table_)
            ->records.assign(d->records.begin(),
                             d->records.begin() + static_cast<std::ptrdiff_t>(d->count));
      }
      p_.draw_ahead_->pop(index_);
      return;
    }
    const std::shared_ptr<FastKeys::Table>& table = p_.fast_table();
    if (draw_fast_batch(table, f.drawn)) {
      // Drawn on this thread: the batch takes the records' vector (and leaves its own, empty,
      // to draw the next batch into) instead of a copy.
      Batch* b = open_batch(f.drawn, table);
      b->records.swap(f.drawn.records);
    }
  }

 public:
  // Draws the instance's next fast batch into `d` under `table`; false once its arrivals have
  // ended. Touches only the instance's Fast state and what the producer holds read-only, so
  // another thread may call it (SdkProducer::draw_ahead_) while the table stays the stream's.
  bool draw_fast_batch(const std::shared_ptr<FastKeys::Table>& table, DrawnBatch& d) {
    Fast& f = *fast_;
    d.records.clear();
    PendingRecord first;
    if (f.carry) {
      rebase_carry(table);
      first = *f.carry;
      f.carry.reset();
      f.carry_table.reset();
    } else {
      const Time t0 = f.arrivals.next();
      if (t0 == Time::max()) return false;
      first = drawer(table).draw(f.rng, t0);
    }
    const Drawer& drawer = *f.drawer;
    std::vector<PendingRecord>& records = d.records;
    const double t0 = seconds_of(first.created);
    const double deadline = t0 + f.linger_s;
    f.window.reset(f.arrivals.profile(), t0, deadline);
    const double window_mass = f.window.mass();
    const uint64_t arrivals = window_mass > 0 ? f.rng.poisson(window_mass) : 0;
    // How the batch ended: at the deadline, or at arrival `cut` (0 ... arrivals) full by count
    // (that record is its last) or by bytes (that record opens the next batch).
    enum class End : uint8_t { kDeadline, kCount, kBytes };
    End how = End::kDeadline;
    uint64_t cut = 0;
    Forming& forming = d.counts;
    forming = f.limits;
    PendingRecord next = first;
    for (uint64_t j = 0;; ++j) {
      const bool too_large = next.bytes() > forming.max_record_bytes;
      if (!too_large && forming.sendable > 0 &&
          forming.bytes + next.bytes() > forming.max_batch_bytes) {
        how = End::kBytes;
        cut = j;
        break;
      }
      add_record(records, next, forming);
      if (forming.sendable >= forming.max_records) {
        how = End::kCount;
        cut = j;
        break;
      }
      if (j == arrivals) break;
      next = drawer.draw(f.rng, Time());
    }
    // Where the batch ends, in seconds and in mass from t0.
    double end = deadline;
    double end_mass = window_mass;
    if (how != End::kDeadline) {
      end_mass = cut == 0 ? 0.0
                          : window_mass * f.rng.beta(static_cast<double>(cut),
                                                     static_cast<double>(arrivals - cut + 1));
      end = cut == 0 ? t0 : f.window.time_at(end_mass);
    }
    const Time close_at = std::max(first.created, time_of(end));
    // The inner records (1 ... cut - 1, or all after the first) at iid uniform mass positions.
    const std::size_t inner_end = how == End::kCount ? records.size() - 1 : records.size();
    if (f.window.constant()) {
      // At a constant rate, uniform in mass is uniform in time: no inversion per record. The
      // rate may fall to 0 within the window (a schedule's step): the records lie where it is
      // positive, up to where the mass reaches end_mass.
      const Time from = std::clamp(time_of(f.window.start()), first.created, close_at);
      const Time to = std::clamp(time_of(f.window.time_at(end_mass)), from, close_at);
      const auto span = static_cast<double>((to - from).count_nanos());
      for (std::size_t i = 1; i < inner_end; ++i) {
        records[i].created = from + Duration::nanos(static_cast<int64_t>(f.rng.uniform() * span));
      }
    } else {
      for (std::size_t i = 1; i < inner_end; ++i) {
        records[i].created = std::clamp(time_of(f.window.time_at(f.rng.uniform() * end_mass)),
                                        first.created, close_at);
      }
    }
    if (how == End::kCount && cut > 0) records.back().created = close_at;
    if (how == End::kBytes) {
      next.created = close_at;
      f.carry = next;
      f.carry_table = table;
    }
    f.arrivals.restart_at(end);
    d.close_at = close_at;
    d.count = records.size();
    return true;
  }
  // Draw-ahead: draws the next batch into Fast::drawn, then hands it to `slot` with stores that
  // do not fetch the slot's cache lines, which the run's thread read the last time
  // (sim::copy_for_other_core).
  bool draw_ahead_into(const std::shared_ptr<FastKeys::Table>& table, DrawnBatch& slot) {
    static_assert(std::is_trivially_copyable_v<PendingRecord> && sizeof(PendingRecord) % 8 == 0);
    const DrawnBatch& d = fast_->drawn;
    if (!draw_fast_batch(table, fast_->drawn)) return false;
    if (slot.records.size() < d.count) slot.records.resize(d.count);
    sim::copy_for_other_core(slot.records.data(), d.records.data(),
                             d.count * sizeof(PendingRecord));
    slot.count = d.count;
    slot.counts = d.counts;
    slot.close_at = d.close_at;
    return true;
  }
  bool poisson() const { return fast_ && fast_->arrivals.poisson(); }

 private:
  // A drawn batch opens as a Batch, which closes at the drawn time; returned without its
  // records (the caller gives them).
  Batch* open_batch(const DrawnBatch& d, const std::shared_ptr<FastKeys::Table>& table) {
    Batch* b = acquire();
    b->table = table;
    d.counts.close(*b);
    forming_ = b;
    p_.engine_.schedule(std::max(d.close_at, p_.engine_.now()), [this] { on_close(); });
    return b;
  }

  // Fast mode for evenly spaced arrivals: their times are what exact mode has (no draw), so the
  // batch closes as exact mode closes it; only the keys (as categories) and sizes are drawn.
  // The record after a batch, already drawn, waits in Fast::carry.
  class EvenSource {
   public:
    EvenSource(Instance& i, const std::shared_ptr<FastKeys::Table>& table) : i_(i), table_(table) {}
    const DrawnRecord* front() {
      Fast& f = *i_.fast_;
      if (f.carry) {
        i_.rebase_carry(table_);
        return &*f.carry;
      }
      const Time t = f.arrivals.next();
      if (t == Time::max()) return nullptr;
      f.carry = i_.draw_fast(table_, t);
      f.carry_table = table_;
      return &*f.carry;
    }
    const DrawnRecord* pop() {
      i_.fast_->carry.reset();
      i_.fast_->carry_table.reset();
      return nullptr;
    }

   private:
    Instance& i_;
    const std::shared_ptr<FastKeys::Table>& table_;
  };

  void form_fast_even_batch() {
    const std::shared_ptr<FastKeys::Table>& table = p_.fast_table();
    EvenSource source(*this, table);
    fill_batch(source, table);
  }

  // Moves Fast::carry, drawn under an older shard map, to `table` (a rest key's new shard).
  void rebase_carry(const std::shared_ptr<FastKeys::Table>& table) {
    Fast& f = *fast_;
    if (f.carry_table == table) return;
    const auto category = static_cast<uint32_t>(f.carry->key);
    if (!p_.fast_keys_->individual(category)) {
      f.carry->key = p_.fast_keys_->move(*f.carry_table, category, *table, f.rng);
    }
    f.carry_table = table;
  }

  // The drawer of `table` (made anew when the table changes; Fast holds the table it reads).
  const Drawer& drawer(const std::shared_ptr<FastKeys::Table>& table) {
    Fast& f = *fast_;
    if (f.drawer_table != table) {
      f.drawer.emplace(Drawer{table->alias.view(), table->pk_bytes.data(), p_.sizes_.tabulated()});
      f.drawer_table = table;
    }
    return *f.drawer;
  }
  PendingRecord draw_fast(const std::shared_ptr<FastKeys::Table>& table, Time created) {
    return drawer(table).draw(fast_->rng, created);
  }

  // The tallies of a record's key: none for random keys; in fast mode its category's (one slot
  // for all of the rest of the keys, see DrawingProducer::fast_tally).
  KeyCounts* key_tally(const PendingRecord& r) {
    if (fast_) return &p_.fast_tally(static_cast<uint32_t>(r.key));
    return p_.keys_.random_keys() ? nullptr : &p_.key_counts_[r.key];
  }
  // Fast mode: 1 when the record's key is individual (Batch::individual counts them).
  uint32_t individual_of(const PendingRecord& r) const {
    return fast_ && p_.fast_keys_->individual(static_cast<uint32_t>(r.key)) ? 1U : 0U;
  }

  void account_produced(const PendingRecord& r) {
    ProducerCounts& c = p_.counts_;
    ++c.produced;
    c.produced_bytes += r.bytes();
    if (KeyCounts* k = key_tally(r)) k->offer(r.bytes());
  }

  // UserRecordsProduced and UserBytesProduced count each record in the metric bucket of its
  // creation, though its batch may close in a later one. `records` were created from the
  // first's time to `until` (its close); `bytes` is theirs in all. When that span lies within
  // one bucket at every resolution (nearly always), they are added at once.
  void add_produced(const std::vector<PendingRecord>& records, Time until, uint64_t bytes) {
    if (records.empty()) return;
    sim::MetricRecorder& m = p_.metrics_;
    if (m.cell_end(records.front().created) > until) {
      m.add(p_.s_records_, static_cast<double>(records.size()), p_.s_bytes_,
            static_cast<double>(bytes), until);
      return;
    }
    for (const PendingRecord& r : records) {
      m.add(p_.s_records_, 1.0, p_.s_bytes_, static_cast<double>(r.bytes()), r.created);
    }
  }

  void on_close() {
    Batch* b = forming_;
    forming_ = nullptr;
    const Time now = p_.engine_.now();
    ProducerCounts& c = p_.counts_;
    std::size_t kept = 0;
    uint64_t produced_bytes = 0;
    if (fast_ && b->too_large == 0) {
      // Fast mode, nothing to reject: the books in bulk, and the individual keys' tallies.
      kept = b->records.size();
      produced_bytes = b->bytes;
      c.produced += kept;
      c.produced_bytes += produced_bytes;
      if (b->individual > 0) {
        for (const PendingRecord& r : b->records) key_tally(r)->offer(r.bytes());
      }
    } else {
      for (const PendingRecord& r : b->records) {
        account_produced(r);
        produced_bytes += r.bytes();
        if (r.bytes() > max_record_bytes()) {
          ++c.rejected_too_large;
        } else {
          b->records[kept++] = r;
        }
      }
    }
    add_produced(b->records, now, produced_bytes);
    b->records.resize(kept);
    const uint64_t held = ready_records_ + retry_wait_records_ + in_flight_records_;
    const uint64_t limit = p_.config_.sdk.max_buffered_records;
    if (held + kept > limit) fail_beyond(*b, limit > held ? limit - held : 0, now);
    if (b->records.empty()) {
      release(b);
    } else {
      ready_.push_back(b);
      ready_records_ += b->records.size();
    }
    fast_ ? form_fast_batch() : form_batch();
    try_send();
  }

  // The buffer holds `room` more records (max_buffered_records less those waiting to be sent,
  // waiting for a retry and in flight): the closing batch keeps its first `room` records in
  // creation order, and the later ones fail as buffer full. (A fast batch's inner records are in
  // draw order; their keys and sizes are independent of their times, so sorting them by time
  // gives the creation order with the same law.)
  void fail_beyond(Batch& b, std::size_t room, Time now) {
    if (!b.in_creation_order) {
      std::sort(
          b.records.begin(), b.records.end(),
          [](const PendingRecord& x, const PendingRecord& y) { return x.created < y.created; });
      b.in_creation_order = true;
    }
    ProducerCounts& c = p_.counts_;
    for (std::size_t i = room; i < b.records.size(); ++i) {
      const PendingRecord& r = b.records[i];
      b.bytes -= r.bytes();
      b.billing.remove(r.bytes());
      b.individual -= individual_of(r);
      c.failed_bytes += r.bytes();
    }
    const std::size_t failed = b.records.size() - room;
    c.failed_buffer_full += failed;
    p_.metrics_.add(p_.s_failed_, now, static_cast<double>(failed));
    b.records.resize(room);
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
    fast_ ? arrive<true>(b, now) : arrive<false>(b, now);
    stream.end_request(now, api_, b->records.size(), b->bytes);
    p_.engine_.schedule(b->sent + b->latency, [this, b] { on_reply(b); });
  }

  // Both modes: the entries of each shard are judged together (Stream::put_all) when the
  // shard's buckets hold enough for all of them, which is exactly when put() one by one accepts
  // them all: a shard's two buckets only fall while a request is judged, and shards do not
  // share buckets. The shards that cannot take all of them, and whole requests when the
  // on-demand admission or internal failures make the order across shards matter, are judged
  // entry by entry in creation order. Exact mode's records are in creation order; fast mode's
  // records carry key categories (routed by the table they were drawn under) and a new batch's
  // judged records are put in creation order first.
  template <bool kFast>
  void arrive(Batch* b, Time now) {
    Stream& stream = p_.stream_;
    const FastKeys::Table* table = nullptr;
    if constexpr (kFast) {
      const std::shared_ptr<FastKeys::Table>& current = p_.fast_table();
      FastKeys& keys = *p_.fast_keys_;
      if (b->table != current) {
        for (PendingRecord& r : b->records) {
          const auto category = static_cast<uint32_t>(r.key);
          if (!keys.individual(category)) {
            r.key = keys.move(*b->table, category, *current, fast_->rng);
          }
        }
        b->table = current;
      }
      table = current.get();
    }
    std::vector<ShardGroup>& groups = p_.judge_groups_;
    if (groups.size() < stream.shard_count()) groups.resize(stream.shard_count());
    std::vector<core::ShardIndex>& shards = p_.judge_shards_;
    shards.resize(b->records.size());
    std::vector<core::ShardIndex>& touched = p_.judge_touched_;
    // Without a branch: a request's records reach a shard a few times each, so whether a record
    // is its shard's first would be a coin toss for the branch predictor.
    touched.resize(b->records.size());
    std::size_t touched_count = 0;
    for (std::size_t i = 0; i < b->records.size(); ++i) {
      const PendingRecord& r = b->records[i];
      core::ShardIndex s;
      if constexpr (kFast) {
        s = table->shard[r.key];
      } else {
        s = p_.shard_for(r.key);
      }
      shards[i] = s;
      ShardGroup& g = groups[s];
      touched[touched_count] = s;
      touched_count += g.records == 0 ? 1 : 0;
      ++g.records;
      g.bytes += r.bytes();
      g.write_delay += now - r.created;
    }
    touched.resize(touched_count);
    const bool one_by_one =
        stream.draws_internal_failures() || !stream.admits_all(now, b->records.size(), b->bytes);
    bool any_binding = one_by_one;
    // Billed for the entries put_all accepts: the request's billing quantities less those of
    // the entries judged one by one, which put() bills itself when it accepts them.
    core::PutBilling billing = b->billing;
    for (const core::ShardIndex s : touched) {
      ShardGroup& g = groups[s];
      g.accepted = !one_by_one && stream.put_all(now, s, g.records, g.bytes, g.write_delay);
      any_binding |= !g.accepted;
    }
    if (any_binding) {
      // The shards that cannot take all their entries judge them one by one in creation order,
      // as exact mode does. A new batch's records are not in creation order: a record's key and
      // size are independent of its time and of every other record's, so giving the judged
      // records their own times sorted, in request order, draws the same batch, now in creation
      // order. Failed entries keep that order into their retry. The judged entries are listed
      // without a branch: whether a record's shard took all its entries is a coin toss.
      std::vector<uint32_t>& judged = p_.judged_entries_;
      judged.resize(b->records.size());
      std::size_t n = 0;
      for (std::size_t i = 0; i < b->records.size(); ++i) {
        judged[n] = static_cast<uint32_t>(i);
        n += groups[shards[i]].accepted ? 0U : 1U;
      }
      judged.resize(n);
      for (const uint32_t i : judged) billing.remove(b->records[i].bytes());
      if (kFast && !b->in_creation_order) {
        std::vector<Time>& times = p_.fast_times_;
        times.resize(n);
        for (std::size_t k = 0; k < n; ++k) times[k] = b->records[judged[k]].created;
        // Boost's branchless pattern-defeating quicksort: on the Zipf workload of bench/ (hot
        // shards judged one by one) 1.03x faster in all than std::sort; any sort gives the
        // same sequence.
        boost::sort::pdqsort_branchless(times.begin(), times.end());
        for (std::size_t k = 0; k < n; ++k) b->records[judged[k]].created = times[k];
      }
      for (const core::ShardIndex s : touched) {
        ShardGroup& g = groups[s];
        // A shard whose records bucket is empty throttles every entry: judged at once.
        g.throttled = !g.accepted && !one_by_one && stream.throttle_all(now, s, g.records, g.bytes);
      }
      std::fill(b->outcomes.begin(), b->outcomes.end(), PutOutcome::kAccepted);
      for (const uint32_t i : judged) {
        const PendingRecord& r = b->records[i];
        b->outcomes[i] = groups[shards[i]].throttled
                             ? PutOutcome::kThrottled
                             : stream.put(now, shards[i], r.bytes(), r.created);
      }
    }
    stream.bill(billing);
    b->all_accepted = !any_binding;
    // Every entry accepted: the latencies the reply would record, recorded now, while the
    // records are in the cache, when the reply comes within the run (it always does then: a
    // reply is never cancelled). The histogram's counts, min and max do not depend on the order
    // of the values it is given, nor its sum while that stays below 2^53 us (285 years).
    const Time reply_at = b->sent + b->latency;
    if (b->all_accepted && reply_at <= p_.config_.fidelity.run_end) {
      p_.record_latency_us_.record_each(b->records, [reply_at](const PendingRecord& r) {
        return static_cast<uint64_t>((reply_at - r.created).count_nanos() / 1000);
      });
      b->latencies_recorded = true;
    }
    for (const core::ShardIndex s : touched) groups[s] = ShardGroup();
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
    if (b->all_accepted) {
      // Every entry accepted: the same books, kept in bulk where they can be.
      accepted = b->records.size();
      c.accepted_bytes += b->bytes;
      if (p_.attempts_.size() <= b->attempt) p_.attempts_.resize(b->attempt + 1);
      p_.attempts_[b->attempt] += accepted;
      if (!b->latencies_recorded) {
        p_.record_latency_us_.record_each(b->records, [now](const PendingRecord& r) {
          return static_cast<uint64_t>((now - r.created).count_nanos() / 1000);
        });
      }
      if (fast_ ? b->individual > 0 : !p_.keys_.random_keys()) {
        for (const PendingRecord& r : b->records) ++key_tally(r)->accepted;
      }
    } else {
      for (std::size_t i = 0; i < b->records.size(); ++i) {
        const PendingRecord& r = b->records[i];
        KeyCounts* k = key_tally(r);
        if (b->outcomes[i] == PutOutcome::kAccepted) {
          ++accepted;
          c.accepted_bytes += r.bytes();
          p_.record_latency_us_.record(
              static_cast<uint64_t>((now - r.created).count_nanos() / 1000));
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
        if (retry == nullptr) {
          retry = acquire();
          retry->table = b->table;
          retry->in_creation_order = fast_.has_value();  // request order is creation order
        }
        retry->records.push_back(r);
        retry->bytes += r.bytes();
        retry->billing.add(r.bytes());
        retry->individual += individual_of(r);
      }
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

  // Fast mode's draws (see form_fast_batch). On cache lines of its own: with draw-ahead another
  // thread writes it, while this one writes the instance's other members.
  struct alignas(64) Fast {
    Fast(ArrivalProcess a, sim::RngStream r) : arrivals(std::move(a)), rng(r) {}
    ArrivalProcess arrivals;
    sim::RngStream rng;  // counts, positions, keys, sizes, moves
    RateWindow window;
    // The record that closed the last batch by its bytes (or, evenly spaced, came after it).
    std::optional<PendingRecord> carry;
    std::shared_ptr<FastKeys::Table> carry_table;
    DrawnBatch drawn;  // the batch being drawn
    // What the drawing reads besides: the drawer of the table last drawn under, and the limits.
    std::optional<Drawer> drawer;
    std::shared_ptr<FastKeys::Table> drawer_table;
    Forming limits;
    double linger_s = 0;
  };

  SdkProducer& p_;
  uint32_t index_;  // the instance's lane in SdkProducer::draw_ahead_
  RecordSource source_;
  std::optional<Fast> fast_;
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
  if (config_.fidelity.draw_ahead && !instances_.empty() && instances_.front()->poisson()) {
    // Four batches ahead per instance: enough that the run rarely waits for the thread, few
    // enough that the slots stay small beside the run's own memory.
    constexpr std::size_t kDepth = 4;
    draw_ahead_table_ = fast_table();
    // Each slot sized here for twice an instance's batch at its peak rate (a larger batch grows
    // it on the drawing thread).
    const double per_batch = config_.fidelity.peak_records_per_sec /
                             static_cast<double>(instances_.size()) *
                             config_.sdk.linger.to_seconds();
    const auto room = static_cast<std::size_t>(
        std::min(static_cast<double>(config_.sdk.max_batch_records) + 1, 2 * per_batch + 16));
    draw_ahead_ = std::make_unique<sim::DrawAhead<DrawnBatch>>(
        instances_.size(), kDepth,
        [this](std::size_t lane, DrawnBatch& d, bool ahead) {
          return ahead ? instances_[lane]->draw_ahead_into(draw_ahead_table_, d)
                       : instances_[lane]->draw_fast_batch(draw_ahead_table_, d);
        },
        [room](DrawnBatch& d) { d.records.resize(room); });
  }
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
