// The Kinesis Client Library 2.x / 3.x ("kcl", SPEC §8): a fleet of workers sharing a stream's
// shards through a lease table. Setting names are KCL's own (camelCase, from its
// ConfigsBuilder / LeaseManagementConfig / PollingConfig) where KCL has one; kinesim's additions
// (processing time, error rate, checkpoint policy) are documented in docs/scenarios.md.
#pragma once

#include <algorithm>
#include <cstdint>

#include "models/consumer/reader_config.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace kinesim::models {

struct KclConfig {
  enum class Version : uint8_t { k2x, k3x };
  // How workers read: KCL 2.x/3.x use enhanced fan-out (a consumer registered under the
  // application's name) unless given a PollingConfig.
  enum class Retrieval : uint8_t { kFanout, kPolling };

  Version version = Version::k3x;
  Retrieval retrieval = Retrieval::kFanout;
  uint32_t workers = 1;  // workers started with the application, 1..1000
  // initialPositionInStream (LATEST, KCL's default) and its timestamp.
  InitialPosition initial_position = InitialPosition::kLatest;
  sim::Time timestamp;
  // PollingConfig.maxRecords: GetRecords' Limit, 1..10,000 (default 10,000).
  uint32_t max_records = 10'000;
  // PollingConfig.idleTimeBetweenReadsInMillis: 1,500 in KCL 2.x/3.x; values under 200 are
  // raised to 200 (KCL's floor).
  int64_t idle_time_between_reads_millis = 1'500;
  static constexpr int64_t kMinIdleTimeBetweenReadsMillis = 200;
  // LeaseManagementConfig.failoverTimeMillis: a lease not renewed for this long has expired.
  int64_t failover_time_millis = 10'000;
  // LeaseManagementConfig.maxLeasesToStealAtOneTime (2.x lease taker), >= 1.
  uint32_t max_leases_to_steal_at_one_time = 1;
  // The application's checkpoint policy in processRecords: after every_records records and/or
  // every_seconds since the last checkpoint, whichever comes first; 0 = not by that measure.
  // Both 0 (the default): a checkpoint at the end of every batch (the KCL sample's habit).
  uint64_t checkpoint_every_records = 0;
  sim::Duration checkpoint_every = sim::Duration();
  // processRecords' time: per_batch once plus per_record x the batch's user records (one draw
  // of each per batch, as the polling type). Seconds; zero by default.
  sim::Distribution processing_per_batch;
  sim::Distribution processing_per_record;
  // The fraction of batches whose processRecords throws: KCL logs it and moves on (skipped).
  double processing_error_rate = 0;

  sim::Duration idle_time() const {
    return sim::Duration::millis(
        std::max(idle_time_between_reads_millis, kMinIdleTimeBetweenReadsMillis));
  }
  sim::Duration failover_time() const { return sim::Duration::millis(failover_time_millis); }
  // KCL derives its lease timers from failoverTimeMillis (epsilon 25 ms): renewals every
  // failover / 3 - 25 ms (3,308 ms), 2.x lease taking every (failover + 25 ms) x 2 (20,050 ms).
  sim::Duration lease_renewal_interval() const {
    return sim::Duration::millis(failover_time_millis / 3 - 25);
  }
  sim::Duration lease_taker_interval() const {
    return sim::Duration::millis((failover_time_millis + 25) * 2);
  }
  // 3.x: the leader's lease assignment runs every failover x 2 (20 s); every third run it also
  // rebalances workers more than 10 % above the mean load, moving 60 % of their excess.
  sim::Duration lease_assignment_interval() const {
    return sim::Duration::millis(failover_time_millis * 2);
  }
  static constexpr uint32_t kRebalanceEveryRuns = 3;
  static constexpr double kRebalanceThreshold = 0.10;
  static constexpr double kRebalanceFraction = 0.60;
  // 3.x: the leader holds a DynamoDB lock of 120 s; a dead leader is replaced when it expires.
  static constexpr int64_t kLeaderLockSeconds = 120;
};

}  // namespace kinesim::models
