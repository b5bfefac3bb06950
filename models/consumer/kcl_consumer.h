// The Kinesis Client Library 2.x / 3.x as an application sees it (SPEC §8): a fleet of workers,
// one lease per shard in a lease table, each shard processed by the worker holding its lease
// (one ShardConsumer thread per shard, so a worker processes its shards' batches concurrently),
// checkpoints written by the application's policy, and processing resumed from the last
// checkpoint whenever a lease changes hands: at-least-once, the records processed since that
// checkpoint are processed again and counted as duplicates (never as processed).
//
// Leases: a live worker renews its leases every failover / 3 - 25 ms; a dead worker's leases
// expire failoverTimeMillis after its last renewal. 2.x: each worker's lease taker runs every
// (failover + 25 ms) x 2, aims at ceil(leases / workers seen in the table), takes free and
// expired leases first, else steals up to maxLeasesToStealAtOneTime from the most loaded worker
// (the loser stops at once, its batch in process dropped). 3.x: a leader (the lowest-numbered
// live worker; a dead leader's lock is taken over after 120 s) assigns free and expired leases
// every failover x 2 to the least loaded workers and every third run moves 60 % of the excess of
// each worker more than 10 % above the mean load, with a graceful hand-off (the batch in process
// finishes and is checkpointed first, so a rebalance makes no duplicates). A worker's load is
// the busy fraction of its shards' processing (seconds of processRecords per second: a model of
// the CPU that KCL 3.x measures), or its records processed when no processing time is set.
//
// Retrieval is enhanced fan-out by default (the base's reader: registration under the
// consumer's name, SubscribeToShard per leased shard, pushes from its own 2 MiB/s per shard; a
// lease taken by another worker subscribes again, ResourceInUse within 5 s of the last). With
// "polling", maxRecords is GetRecords' Limit and the reader calls every
// max(idleTimeBetweenReadsInMillis, 200 ms) + the mean GetRecords latency (KCL waits the idle
// time after a reply), after the batch is processed (KCL's prefetch is not modelled). Children
// are leased once their parents are checkpointed at SHARD_END (parents first).
#pragma once

#include <cstdint>
#include <vector>

#include "models/consumer/consumer.h"
#include "models/consumer/kcl_config.h"
#include "models/stream/retention.h"
#include "models/workload/durations.h"

namespace kinesim::models {

class KclConsumer final : public Consumer {
 public:
  KclConsumer(const ConsumerConfig& config, Stream& stream, sim::Engine& engine,
              sim::MetricRecorder& metrics, uint64_t seed);

  TimelineEvent act(sim::Time now, const TimelineAction& action) override;

  // The fleet's state (tests): live workers and the leases each holds.
  uint32_t workers_alive() const;
  std::vector<uint32_t> leases_per_worker() const;

 protected:
  void on_shard_ready(ShardReader& reader, sim::Time now, sim::Duration phase) override;
  sim::Time on_batch(ShardReader& reader, sim::Time now, const ReadBatch& batch) override;
  void on_shard_end(ShardReader& reader, sim::Time now) override;
  void add_details(ConsumerResult& out) const override;

 private:
  struct Worker {
    bool alive = true;
    bool removed = false;      // shut down for good (kcl_worker_removed)
    sim::Time renewals_from;   // the phase of its lease renewals: when it (re)started
    sim::Time died_at;         // when it last went down
    uint64_t incarnation = 0;  // bumped when it goes down: its timers of before are stale
  };
  struct Lease {
    bool exists = false;
    bool ended = false;  // checkpointed at SHARD_END
    ShardReader* reader = nullptr;
    int32_t owner = -1;          // worker index, -1: free
    ShardPosition checkpoint;    // where a new owner resumes
    ShardPosition processed_to;  // the end of what was ever processed (first time)
    ShardPosition position;      // the end of what its current owner processed
    uint64_t batch = 0;          // batches started: a finished batch of before is stale
    bool in_process = false;
    bool failed = false;             // the batch in process throws (skipped)
    std::vector<RecordSlice> fresh;  // the batch in process: records new to the books
    uint64_t fresh_units = 0;
    uint64_t duplicate_units = 0;  // and records processed before (since the checkpoint)
    ShardPosition batch_end;
    sim::Duration batch_cost;
    uint64_t since_checkpoint = 0;  // records processed since the last checkpoint
    sim::Time checkpointed_at;
    int32_t hand_off_to = -1;  // 3.x: the worker it goes to once its batch is done
    sim::Duration busy;        // processing time in the current load window (3.x)
    uint64_t records = 0;      // records processed in the current load window (3.x)
  };
  enum class Take : uint8_t { kFree, kExpired, kStolen, kAssigned, kHandedOff };

  void begin_fleet(sim::Time now);
  uint32_t add_worker(sim::Time now);
  // A worker goes down: a crash keeps its leases in its name until they expire; a graceful
  // shutdown checkpoints what it processed and frees them.
  void worker_down(uint32_t w, sim::Time now, bool graceful);
  void worker_up(uint32_t w, sim::Time now);
  void deploy_step(uint32_t w, sim::Duration downtime);
  // 2.x: worker w's lease taker, every lease_taker_interval while it lives.
  void schedule_taker(uint32_t w, sim::Time at);
  void lease_taker(uint32_t w);
  // 3.x: the leader's lease assignment, every lease_assignment_interval.
  void lease_assignment();
  int32_t leader(sim::Time now);
  void rebalance(std::vector<double>& loads, std::vector<uint32_t>& counts);
  void hand_off(std::size_t shard, int32_t to, sim::Time now);
  void finish_hand_off(Lease& lease, sim::Time now);
  double lease_load(const Lease& lease) const;
  void assign(int32_t w, core::ShardIndex shard, sim::Time now, Take how);
  // The owner stops processing the lease; what it held beyond processed_to is dropped.
  void release(Lease& lease);
  // The (new) owner starts from the lease's checkpoint.
  void resume(Lease& lease, sim::Time now);
  void checkpoint(Lease& lease, sim::Time now, ShardPosition at);
  void batch_done(core::ShardIndex shard, uint64_t batch);
  sim::Time last_renewal(const Worker& w) const;
  // Free, or its owner is dead and its last renewal is failoverTimeMillis old.
  bool available(const Lease& lease, sim::Time now) const;
  bool expired(const Lease& lease, sim::Time now) const;
  // Unexpired leases per worker.
  std::vector<uint32_t> lease_counts(sim::Time now) const;

  KclConfig kcl_;
  DurationSampler per_batch_;
  DurationSampler per_record_;
  bool batch_cost_ = false;
  bool record_cost_ = false;
  std::vector<Worker> workers_;
  std::vector<Lease> leases_;  // by shard index
  bool fleet_begun_ = false;
  // 3.x: the leader and its load windows.
  int32_t leader_ = -1;
  sim::Time leader_lock_free_at_;
  uint64_t assignment_runs_ = 0;
  bool use_busy_ = false;  // loads are processing time (else records) in this window
  // Details.
  uint64_t leases_taken_ = 0, leases_stolen_ = 0, leases_expired_ = 0, leases_lost_ = 0,
           leases_handed_off_ = 0, checkpoints_ = 0, batches_ = 0, batches_failed_ = 0,
           records_skipped_ = 0, duplicates_ = 0;
  sim::SeriesId series_taken_{}, series_lost_{}, series_duplicates_{};
};

}  // namespace kinesim::models
