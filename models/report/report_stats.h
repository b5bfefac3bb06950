// Figures derived from a Result that the cost, findings and report code share (key and shard
// loads, throttled fractions), and the number rendering they use in text. Pure functions of
// the Result, so every output is deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/text/number_text.h"
#include "models/world/result.h"

namespace kinesim::models {

// A key's load, merged by name over every producer that lists it (hottest or named hot keys).
struct KeyLoad {
  std::string key;
  std::string shard_id;
  uint64_t offered = 0;
  uint64_t offered_bytes = 0;
  uint64_t accepted = 0;
  uint64_t throttled = 0;
  // Offered, mean over the time each producer offering it existed (from its start), summed over
  // those producers: the key's rate while they all run.
  double records_per_sec = 0;
  double bytes_per_sec = 0;
  // Every producer offering the key aggregates (fewer Kinesis records than user records): its
  // records reach the shard inside aggregates, so only its bytes count against a shard.
  bool aggregated = false;
};

// Every listed key, by offered records (descending), then by name.
std::vector<KeyLoad> key_loads(const Result& result);

// True when the key alone offers more than one shard takes: records/s or bytes/s, or bytes/s
// alone for a key whose records are aggregated (the records limit then counts aggregates).
bool exceeds_shard(const KeyLoad& key, const core::ShardWriteLimits& limits);

struct ShardLoad {
  const ShardResult* shard = nullptr;
  uint64_t attempts = 0;  // accepted + throttled + internal failures
  double throttled_fraction = 0;
  sim::Time created;  // shard_lifetime()
  sim::Time closed = sim::Time::max();
  double lifetime_seconds = 0;  // created .. min(closed, end of run)
  double mean_records_per_sec = 0;
  double mean_bytes_per_sec = 0;
  double peak_offered_records_per_sec = 0;  // (incoming + throttled) in the busiest bucket
  double utilization = 0;    // max(peak records/s ÷ limit, peak bytes/s ÷ limit), accepted
  bool bytes_bound = false;  // the bytes limit gives utilization (else the records limit)
};

// When the shard opened and closed (Time::max() if open at the end). Uses created_at/closed_at;
// where a Result leaves them unset (a child at time 0, a closed shard without a close time) they
// are estimated from the shard's first and last metric bucket with data.
std::pair<sim::Time, sim::Time> shard_lifetime(const Result& result, const ShardResult& shard);

// One entry per shard, in shard order.
std::vector<ShardLoad> shard_loads(const Result& result);

double duration_seconds(const Result& result);
// The seconds a producer existed: from its `start` to the run's end (<= 0 if it never started).
double alive_seconds(const Result& result, const ProducerResult& producer);
// The writes as the stream judged them, in entries (Kinesis records), summed over every shard's
// books: what summary.json's `stream` and the summary's throttling line give, so that the
// stream's figures add up with its shards'. The producers keep their counts at the replies, so
// entries still in flight at the run's end are here and not in ProducerCounts.
struct StreamWrites {
  uint64_t accepted = 0;
  uint64_t accepted_bytes = 0;
  uint64_t throttled = 0;
  uint64_t internal_failures = 0;
  uint64_t offered() const { return accepted + throttled + internal_failures; }
  // Throttled / offered; 0 with nothing offered.
  double throttled_fraction() const;
};
StreamWrites stream_writes(const Result& result);
// Throttled entries / entry attempts (accepted + throttled + internal failures), in PutRecords
// entries, i.e. Kinesis records: the unit a shard's records/s limit counts.
double throttled_fraction(const ProducerCounts& counts);
// The same in user records: user records inside throttled entries / inside judged entries.
double user_record_throttled_fraction(const ProducerCounts& counts);
// User records the stream accepted, each acceptance once: the accepted ones and those accepted
// again (ProducerCounts::duplicates: an Agent's records re-sent after a restart, a KPL's put
// again), as the entries count each acceptance.
uint64_t user_record_acceptances(const ProducerCounts& counts);
// User record acceptances per entry accepted (a KPL aggregate holds many; 1 with no entries).
double user_records_per_entry(const ProducerCounts& counts);
// Whether the user-record view of the attempts differs from the entry view (KPL aggregation):
// then reports give both.
bool user_records_differ_from_entries(const ProducerCounts& counts);
// The widest the stream got: the OpenShardCount gauge's maximum, or the initial/final counts.
uint32_t max_open_shards(const Result& result);
// Metric buckets the outputs list: those covering the run, [0, duration), plus any bucket the
// recorder filled beyond it. The CSVs and the Python series have this many rows.
Eigen::Index bucket_count(const Result& result);
// The stream's open shard count in every bucket: the OpenShardCount gauge is set only when the
// count changes (and once a minute), so each bucket carries the last value set, from the
// initial count. One value per bucket_count().
std::vector<double> open_shard_counts(const Result& result);
// The metric row named `name` among the counters, or -1.
int64_t counter_row(const sim::MetricRecorder& metrics, const std::string& name);

}  // namespace kinesim::models
