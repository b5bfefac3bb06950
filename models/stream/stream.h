// One Kinesis data stream on virtual time: the real ShardMap, per-shard write buckets,
// sequence numbers and retention, and the capacity timeline (split, merge, UpdateShardCount,
// with the stream UPDATING meanwhile) and the capacity modes: on-demand admission and growth
// (capacity.h), the provisioned autoscaler (autoscaler.h) and mode switches. Producers call put()
// once per request entry and end_request() once per request; metrics are flushed per request and
// shard, not per record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/core/pricing.h"
#include "models/core/shard_map.h"
#include "models/stream/autoscaler.h"
#include "models/stream/capacity.h"
#include "models/stream/enhanced_fan_out.h"
#include "models/stream/integer_token_bucket.h"
#include "models/stream/read_limits.h"
#include "models/stream/retention.h"
#include "models/stream/shard_iterator.h"
#include "models/stream/stream_config.h"
#include "models/stream/stream_results.h"
#include "models/stream/timeline_action.h"
#include "models/stream/token_bucket.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/rng.h"

namespace kinesim::models {

enum class PutOutcome : uint8_t { kAccepted, kThrottled, kInternalFailure };

enum class PutApi : uint8_t { kPutRecord, kPutRecords };

// One shard's metric series.
struct ShardSeries {
  sim::SeriesId incoming_bytes{};    // IncomingBytes
  sim::SeriesId incoming_records{};  // IncomingRecords
  sim::SeriesId throttled{};         // WriteProvisionedThroughputExceeded
  // The read side's, registered at the shard's first read (has_read_series): a run without
  // readers keeps exactly the write series.
  bool has_read_series = false;
  sim::SeriesId outgoing_bytes{};    // OutgoingBytes (GetRecords and EFO)
  sim::SeriesId outgoing_records{};  // OutgoingRecords (GetRecords and EFO)
  sim::SeriesId read_throttled{};    // ReadProvisionedThroughputExceeded
  sim::SeriesId iterator_age_ms{};   // IteratorAgeMilliseconds (gauge; GetRecords only)
};

// Told once when records next land in a shard or when the shard closes: enhanced fan-out
// readers that have caught up wait for this instead of asking again and again.
class ArrivalListener {
 public:
  virtual void on_arrival(sim::Time now, core::ShardIndex shard) = 0;

 protected:
  ~ArrivalListener() = default;
};

// Told once when the set of open shards next changes (Stream::epoch): a producer that sleeps
// through idle time learns of a reshard when it lands, as one that kept ticking would.
class EpochListener {
 public:
  virtual void on_epoch_change(sim::Time now) = 0;

 protected:
  ~EpochListener() = default;
};

class Stream {
 public:
  Stream(const StreamConfig& config, sim::Engine& engine, sim::MetricRecorder& metrics,
         sim::RngStream rng);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  const StreamConfig& config() const { return config_; }
  const core::ShardMap& map() const { return map_; }
  // Changes whenever the set of open shards changes; producers re-route cached keys then.
  uint64_t epoch() const { return epoch_; }
  bool updating() const { return updating_; }
  core::ShardIndex route(core::uint128 hash) const { return map_.route(hash); }

  // Judges one entry (data + partition key bytes) against its shard's limits at `now`.
  // `user_records` is how many user records the Kinesis record carries (a KPL aggregate's
  // count; 1 otherwise): retention keeps it so consumers can deaggregate. `created` is when the
  // record was created (for an aggregate, the mean creation time of its user records): retention
  // keeps the summed write delay so readers can tell end-to-end latency. Always inlined: exact
  // mode calls it for every entry, and GCC stopped inlining it into the SDK producer's request
  // loop when fast mode's code beside that loop grew (exact SDK 1.03x slower, paired runs).
  [[gnu::always_inline]] PutOutcome put(sim::Time now, core::ShardIndex shard, uint64_t bytes,
                                        sim::Time created, uint32_t user_records = 1) {
    ShardState& s = shards_[shard];
    touch(shard, s);
    if (internal_failure_rate_ > 0 && rng_.uniform() < internal_failure_rate_) [[unlikely]] {
      ++s.pending_failed;
      return PutOutcome::kInternalFailure;
    }
    // On-demand: the stream-level limit first, so a rejected record takes no shard tokens.
    const bool admitted = !admission_on_ || admission_.admits(now, bytes);
    if (!admitted || !s.buckets.try_take(now, bytes)) {
      ++s.pending_throttled;
      s.pending_throttled_bytes += bytes;
      return PutOutcome::kThrottled;
    }
    if (admission_on_) admission_.take(bytes);
    ++s.pending_records;
    s.pending_bytes += bytes;
    s.pending_user_records += user_records;
    s.pending_write_delay += (now - created) * user_records;
    billed_.add(bytes);
    return PutOutcome::kAccepted;
  }
  // Fast mode (docs/design.md): the `records` entries of one request bound for `shard`, judged
  // together. When the shard's buckets (and the on-demand admission) hold enough for all of
  // them, accepts them all, as put() one by one would, and returns true; otherwise judges none
  // and returns false, and the caller puts them one by one in request order. `write_delay` is
  // their summed (now - created). The caller bills the entries it accepts (bill()), as put()
  // bills each entry. Never used when internal failures are drawn (each entry draws its own). When
  // nothing else of the request reached the shard and no reader waits on it, the accepted entries'
  // books (retention, sequence numbers, IncomingBytes / IncomingRecords, totals) are summed with
  // the shard's earlier such entries and kept once a new retention run or metric bucket begins, or
  // when anything reads them (`defer_accepted`); else end_request keeps them, as for put().
  bool put_all(sim::Time now, core::ShardIndex shard, uint64_t records, uint64_t bytes,
               sim::Duration write_delay) {
    ShardState& s = shards_[shard];
    if (internal_failure_rate_ > 0) return false;
    if (admission_on_ && !admission_.admits_all(now, records, bytes)) return false;
    if (!s.buckets.try_take_all(now, records, bytes)) return false;
    if (admission_on_) admission_.take_all(records, bytes);
    if (s.waiting.empty() && s.untouched()) {
      // The shard's only entries in this request, and no listener to wake in end_request: its
      // books as end_request would keep them, without a second pass over the shard.
      defer_accepted(now, s, records, bytes, write_delay);
      request_accepted_ += records;
      request_accepted_bytes_ += bytes;
      return true;
    }
    touch(shard, s);
    s.pending_records += records;
    s.pending_bytes += bytes;
    s.pending_user_records += records;
    s.pending_write_delay += write_delay;
    return true;
  }
  // Fast mode: bills entries put_all() accepted, at once: their summed billing quantities. A
  // producer sums them over a request, on the thread that draws its batches when it has one.
  void bill(const core::PutBilling& accepted) { billed_.add(accepted); }
  // Fast mode: the `records` entries of one request bound for `shard`, `bytes` in all, when the
  // shard's records bucket holds less than one token now. put() would then throttle each of
  // them (tokens do not accrue within an instant, and the on-demand admission takes nothing from
  // a throttled entry), so all are throttled at once and it returns true; otherwise it judges
  // none and returns false. Never used when internal failures are drawn.
  bool throttle_all(sim::Time now, core::ShardIndex shard, uint64_t records, uint64_t bytes) {
    ShardState& s = shards_[shard];
    if (internal_failure_rate_ > 0) return false;
    s.buckets.refill(now);
    if (s.buckets.records().has(1.0)) return false;
    touch(shard, s);
    s.pending_throttled += records;
    s.pending_throttled_bytes += bytes;
    return true;
  }
  // Whether the on-demand admission (if any) would admit `records` records of `bytes` in all now:
  // when it would not, the order of a request's entries across shards matters and fast mode
  // judges the request one entry at a time.
  bool admits_all(sim::Time now, uint64_t records, uint64_t bytes) {
    return !admission_on_ || admission_.admits_all(now, records, bytes);
  }
  bool draws_internal_failures() const { return internal_failure_rate_ > 0; }
  // Closes a request: appends accepted records to retention and flushes per-shard metrics.
  void end_request(sim::Time now, PutApi api, uint64_t entries, uint64_t request_bytes);
  // A reply reached the client after `latency` (for PutRecord(s).Latency).
  void record_latency(sim::Time now, PutApi api, sim::Duration latency);

  // Carries out a timeline action of the stream's (reshard, UpdateShardCount, mode switch) now,
  // as Kinesis would answer the call: refused while UPDATING, validated, landing after
  // reshard_duration. The world's timeline dispatcher calls it at the action's time.
  void apply(const TimelineAction& action);
  // The timeline will switch capacity modes: run the minute capacity tick from the start.
  void expect_mode_switches();
  // Housekeeping every `period`: retention trimming and expiry of closed shards; and, when the
  // stream is on-demand, autoscaled or switches modes, the capacity decisions of the minute.
  void start_housekeeping(sim::Duration period);

  const std::vector<TimelineEvent>& timeline() const { return timeline_; }
  std::size_t shard_count() const { return shards_.size(); }
  // A shard's books, with every accepted record in them (they keep the books put_all deferred
  // first, hence not const).
  const ShardTotals& totals(core::ShardIndex shard) { return settled(shard).totals; }
  const RetentionLog& retention(core::ShardIndex shard) { return settled(shard).retention; }
  // The shard's retention as a reader that starts at `now` finds it: when housekeeping trims at
  // `now` (a whole period), that trim comes first (it runs last among the instant's events).
  const RetentionLog& retention_at(core::ShardIndex shard, sim::Time now) {
    return trimmed_at(shard, now).retention;
  }
  uint64_t next_sequence(core::ShardIndex shard) { return settled(shard).next_sequence; }
  // Keeps every shard's deferred books (put_all): the run calls it when it ends, before its
  // metric series are read.
  void settle_books();
  bool expired(core::ShardIndex shard) const { return shards_[shard].expired; }
  // Open-shard count over time, for cost: (time, open shards) at every change.
  const std::vector<std::pair<sim::Time, uint32_t>>& capacity_history() const {
    return capacity_history_;
  }
  // Billing quantities of accepted records (SPEC §6).
  uint64_t put_payload_units() const { return billed_.payload_units; }
  uint64_t on_demand_billed_bytes() const { return billed_.billed_bytes; }
  // The shard's metric series (CloudWatch's shard-level names); settle_books() first for their
  // amounts.
  const ShardSeries& shard_series(core::ShardIndex shard) const { return shards_[shard].series; }
  sim::Time closed_at(core::ShardIndex shard) const { return shards_[shard].closed_at; }

  // The read side (SPEC §4; defined in stream_read.cc). Polling readers: GetShardIterator (5
  // calls/s per shard) and GetRecords against the shard's shared limits (read_limits.h).
  GetShardIteratorReply get_shard_iterator(sim::Time now, core::ShardIndex shard,
                                           const StartingPosition& at);
  // `limit`: GetRecords' Limit, 1..10,000.
  GetRecordsReply get_records(sim::Time now, const ShardIterator& iterator,
                              uint32_t limit = core::ShardReadLimits{}.max_records_per_call);
  // A GetRecords reply reached its reader after `latency` (GetRecords.Latency); the stream does
  // not draw read latencies, the reader does.
  void record_get_records_latency(sim::Time now, sim::Duration latency);
  // Enhanced fan-out: RegisterStreamConsumer (20 consumers, 50 in On-demand Advantage),
  // DeregisterStreamConsumer, SubscribeToShard, and the pushes of a subscription: each takes
  // at most `max_bytes` from the consumer-shard's own 2 MiB/s bucket. The reader adds
  // efo_propagation() between a record's arrival and its push.
  RegisterConsumerReply register_consumer(sim::Time now, const std::string& name);
  ReadOutcome deregister_consumer(ConsumerId consumer);
  ConsumerStatus consumer_status(sim::Time now, ConsumerId consumer) const;
  SubscribeReply subscribe_to_shard(sim::Time now, ConsumerId consumer, core::ShardIndex shard,
                                    const StartingPosition& at);
  SubscribeToShardEvent efo_read(sim::Time now, ConsumerId consumer, core::ShardIndex shard,
                                 const ShardPosition& from, uint64_t max_bytes);
  // Calls `listener` once, at the end of the next request that adds records to `shard` or when
  // the shard closes, whichever comes first.
  void notify_on_arrival(core::ShardIndex shard, ArrivalListener& listener) {
    shards_[shard].waiting.push_back(&listener);
  }
  // Calls `listener` once, when the epoch next changes.
  void notify_on_epoch_change(EpochListener& listener) { epoch_waiting_.push_back(&listener); }
  sim::Duration efo_propagation() const {
    return sim::Duration::millis(config_.read.efo.propagation_ms);
  }
  // Shard-hours of open shards from 0 to `end`, and from `from` to `end`.
  double shard_hours(sim::Time end) const;
  double shard_hours(sim::Time from, sim::Time end) const;
  // The capacity mode now, and the on-demand admission limit (meaningful in on-demand modes).
  CapacityMode mode() const { return mode_; }
  WriteRate admission_limit() const { return admission_.limit(); }
  WriteRate previous_peak() const { return peak_.previous(); }
  // Mode and open shards over [0, end), with the billing quantities accepted in each stretch.
  std::vector<CapacitySegment> capacity_segments(sim::Time end) const;

 private:
  struct ShardState {
    ShardState(ShardWriteBuckets b, RetentionLog r) : buckets(b), retention(std::move(r)) {}
    ShardWriteBuckets buckets;
    RetentionLog retention;
    ShardTotals totals;
    uint64_t next_sequence = 0;
    // Accumulated within the current request, flushed by end_request.
    uint64_t pending_records = 0;
    uint64_t pending_user_records = 0;
    sim::Duration pending_write_delay;  // summed over the accepted user records
    uint64_t pending_bytes = 0;
    uint64_t pending_throttled = 0;
    uint64_t pending_throttled_bytes = 0;
    uint64_t pending_failed = 0;
    // Nothing of the current request has reached the shard yet.
    bool untouched() const {
      return pending_records == 0 && pending_throttled == 0 && pending_failed == 0;
    }
    ShardSeries series;
    sim::Time closed_at = sim::Time::max();
    bool expired = false;
    std::vector<ArrivalListener*> waiting;  // notify_on_arrival, told once
    // Capacity minute: accepted bytes at the last tick, the last minute's rate, and since when
    // the shard has been above the on-demand split trigger (Time::max() when it is not).
    uint64_t tick_accepted_bytes = 0;
    double minute_bytes_per_sec = 0;
    sim::Time hot_since = sim::Time::max();
    // Accepted entries of put_all whose books wait (defer_accepted): all arrived in [first,
    // last], before `until`, where a new retention run or a metric bucket would begin.
    struct DeferredBooks {
      sim::Time first, last, until;
      uint64_t records = 0;
      uint64_t bytes = 0;
      sim::Duration write_delay;
    } deferred;
  };
  struct CapacityChange {
    sim::Time at;
    CapacityMode mode;
    uint32_t open_shards;
    core::PutBilling billed;  // cumulative at `at`
  };
  struct ApiSeries {
    sim::SeriesId requests, success, bytes, latency_sum_ms, total_records, successful_records,
        failed_records, throttled_records;
  };

  void add_shard_states();
  // Lists the shard for end_request when the current request first reaches it.
  void touch(core::ShardIndex shard, const ShardState& s) {
    if (s.untouched()) touched_.push_back(shard);
  }
  // Appends accepted records to the shard's retention and keeps their per-shard books (sequence
  // numbers, IncomingBytes / IncomingRecords, totals), after any it deferred.
  void append_accepted(sim::Time now, ShardState& s, uint64_t records, uint64_t bytes,
                       uint64_t user_records, sim::Duration write_delay) {
    settle(s);
    s.retention.append(now, s.next_sequence, bytes, records, user_records, write_delay);
    s.next_sequence += records;
    metrics_.add(s.series.incoming_bytes, static_cast<double>(bytes), s.series.incoming_records,
                 static_cast<double>(records), now);
    s.totals.accepted_records += records;
    s.totals.accepted_bytes += bytes;
  }
  // Fast mode's put_all: books of accepted entries (one user record each) summed while they
  // would all go into one retention run and one metric bucket, and kept at once (settle) when
  // the next would not, or when anything reads them. Integer amounts sum exactly (the metric
  // cells hold doubles, exact below 2^53), so the books are the same as kept one by one.
  void defer_accepted(sim::Time now, ShardState& s, uint64_t records, uint64_t bytes,
                      sim::Duration write_delay) {
    ShardState::DeferredBooks& d = s.deferred;
    if (now >= d.until) {
      settle(s);
      d.first = now;
      d.until = std::min(s.retention.merge_until(now), metrics_.cell_end(now));
    }
    d.last = now;
    d.records += records;
    d.bytes += bytes;
    d.write_delay += write_delay;
  }
  void settle(ShardState& s) {
    if (s.deferred.records > 0) [[unlikely]] {
      keep_deferred(s);
    }
  }
  // Out of line: exact mode never defers, and its per-request loop stays as small as before.
  void keep_deferred(ShardState& s);
  ShardState& settled(core::ShardIndex shard) {
    ShardState& s = shards_[shard];
    settle(s);
    return s;
  }
  ShardState& trimmed_at(core::ShardIndex shard, sim::Time now) {
    ShardState& s = settled(shard);
    const int64_t period = housekeeping_period_.count_nanos();
    if (period > 0 && now.nanos() % period == 0) s.retention.trim(now);
    return s;
  }
  void finish_update(sim::Time now);
  // Tells the shard's waiting listeners (each once).
  void wake(sim::Time now, core::ShardIndex shard);
  // Validated map change landing after reshard_duration with the stream UPDATING meanwhile.
  void start_reshard(core::ShardMap next, const char* name, std::string detail);
  void apply_switch(const TimelineAction& action);
  void capacity_tick(sim::Time now, sim::Duration period);
  void on_demand_tick(sim::Time now, sim::Duration period, WriteRate served);
  void autoscale_tick(sim::Time now, double utilisation_pct);
  // Sets the admission limit: multiplier x previous peak, but no more than the open shards back.
  void apply_on_demand_limit(sim::Time now);
  void record_capacity(sim::Time now);
  void log(sim::Time at, std::string action, std::string outcome, std::string detail);

  StreamConfig config_;
  sim::Engine& engine_;
  sim::MetricRecorder& metrics_;
  sim::RngStream rng_;
  double internal_failure_rate_;
  core::ShardMap map_;
  std::vector<ShardState> shards_;
  std::vector<core::ShardIndex> touched_;
  // Accepted by put_all() straight into the shards' books within the current request.
  uint64_t request_accepted_ = 0;
  uint64_t request_accepted_bytes_ = 0;
  uint64_t epoch_ = 0;
  std::vector<EpochListener*> epoch_waiting_;  // notify_on_epoch_change, told once
  core::PutBilling billed_;                    // the accepted records' billing quantities, summed
  bool updating_ = false;
  std::vector<sim::Time> update_shard_count_calls_;
  std::vector<TimelineEvent> timeline_;
  std::vector<std::pair<sim::Time, uint32_t>> capacity_history_;
  sim::SeriesId incoming_bytes_{}, incoming_records_{}, throttled_{}, open_shards_{};
  ApiSeries put_record_{}, put_records_{};
  // Capacity modes.
  CapacityMode mode_;
  bool admission_on_ = false;          // on-demand modes: the stream-level admission applies
  bool capacity_ticks_ = false;        // the minute tick runs capacity decisions
  sim::Duration housekeeping_period_;  // retention trims at its multiples (0: none)
  StreamAdmission admission_;
  OnDemandPeak peak_;
  Autoscaler autoscaler_;
  sim::Time cooldown_until_ = sim::Time::zero();
  std::string last_skip_;
  std::vector<sim::Time> mode_switches_;
  sim::Time below_half_since_ = sim::Time::max();
  WriteRate peak_since_below_;
  WriteRate run_peak_;  // highest minute served while ticking
  uint64_t tick_accepted_bytes_ = 0, tick_accepted_records_ = 0, tick_offered_bytes_ = 0,
           tick_offered_records_ = 0;
  std::vector<CapacityChange> capacity_changes_;

  // The read side (stream_read.cc), set up by the first read so that writes pay nothing for it.
  struct ShardReadState {
    bool started = false;
    ShardReadLimiter limiter;           // GetRecords' shared limits
    IntegerTokenBucket iterator_calls;  // GetShardIterator, 5 calls/s
  };
  struct ReadSeries {
    sim::SeriesId success, bytes, records, latency_sum_ms, iterator_age_ms, throttled;
  };
  struct ConsumerSeries {
    sim::SeriesId subscribe_success, subscribe_rate_exceeded, event_bytes, event_records,
        event_success, event_millis_behind;
  };
  ShardReadState& read_state(core::ShardIndex shard, sim::Time now);
  void add_read_series();                              // the stream's GetRecords series
  void add_shard_read_series(core::ShardIndex shard);  // the shard's Outgoing* and read series
  EnhancedFanOut& efo();
  // Resolves a starting position in `shard`; kInvalidArgument for a sequence number not issued.
  ReadOutcome resolve(core::ShardIndex shard, const StartingPosition& at, ShardPosition& out);
  // Reads for either kind of reader within the limits given.
  ReadBatch read_batch(sim::Time now, core::ShardIndex shard, const ShardPosition& from,
                       uint64_t max_records, uint64_t max_bytes);
  bool readable(core::ShardIndex shard) const;

  std::vector<ShardReadState> reads_;
  bool has_read_series_ = false;
  ReadSeries read_series_{};
  std::optional<EnhancedFanOut> efo_;
  std::vector<ConsumerSeries> consumer_series_;  // by ConsumerId
};

}  // namespace kinesim::models
