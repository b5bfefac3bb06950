// What clients report of a run, as plain data: a producer's counts (what became of every user
// record), its per-key tallies and the ProducerResult the reports read; a consumer's counts
// (what became of every record in its scope) and the ConsumerResult. No model code, so results
// and reports include this rather than the models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/histogram.h"
#include "sim/time.h"

namespace kinesim::models {

// What became of a producer's user records. Every record produced ends in exactly one of
// accepted, failed_* , rejected_too_large, lost or pending: see accounted().
struct ProducerCounts {
  uint64_t produced = 0;
  uint64_t accepted = 0;
  uint64_t failed_attempts_exhausted = 0;  // SDK/Agent: retries used up
  uint64_t failed_buffer_full = 0;         // producer buffer over its bound
  uint64_t failed_expired = 0;             // KPL: RecordTtl passed (or FailIfThrottled)
  uint64_t rejected_too_large = 0;         // over the stream's record size limit
  uint64_t lost = 0;                       // Agent: rotated away before it was read
  uint64_t pending = 0;                    // buffered, waiting or in flight at the end
  uint64_t produced_bytes = 0;
  uint64_t accepted_bytes = 0;
  // What the stream judged, in PutRecords entries (Kinesis records: one per user record for the
  // SDK and the Agent, one per aggregate for the KPL). A shard's 1,000 records/s limit counts
  // these; an entry sent k times counts k times.
  uint64_t accepted_entries = 0;   // Agent duplicates and KPL wrong-shard puts included
  uint64_t throttled_entries = 0;  // refused for throughput
  uint64_t internal_failure_entries = 0;
  // The same attempts in user records: every user record inside each judged entry.
  uint64_t user_record_attempts = 0;
  uint64_t throttled_user_records = 0;  // inside throttled entries
  uint64_t retried_entries = 0;         // user records sent again (SDK, Agent: one entry each)
  uint64_t requests = 0;
  uint64_t failed_bytes = 0;
  uint64_t duplicates = 0;  // Agent: records accepted again after a restart (not in accounted())

  uint64_t failed() const {
    return failed_attempts_exhausted + failed_buffer_full + failed_expired;
  }
  // Records whose fate is known or pending; equals `produced` when nothing is miscounted.
  uint64_t accounted() const { return accepted + failed() + rejected_too_large + lost + pending; }
  bool conserved() const { return accounted() == produced; }
  uint64_t entry_attempts() const {
    return accepted_entries + throttled_entries + internal_failure_entries;
  }
  ProducerCounts& operator+=(const ProducerCounts& o);
};

// Per-key tallies (numbered keys only).
struct KeyCounts {
  uint64_t offered = 0;  // records produced with this key
  uint64_t offered_bytes = 0;
  uint64_t throttled = 0;  // entry attempts throttled
  uint64_t accepted = 0;
  void offer(uint64_t bytes) {
    ++offered;
    offered_bytes += bytes;
  }
};

struct KeyResult {
  std::string key;
  std::string shard_id;  // where it routed at the end of the run
  KeyCounts counts;
};

struct ProducerResult {
  std::string name;
  std::string type;
  std::string fidelity = "exact";  // how it ran: "exact" or "fast"
  // Why fast mode, asked for, fell back to exact, or what it approximated.
  std::string fidelity_note;
  uint32_t instances = 1;
  sim::Duration start;  // when it began producing (its rates count from then)
  ProducerCounts counts;
  sim::LogHistogram record_latency_us;
  sim::LogHistogram request_latency_us;
  sim::LogHistogram backoff_us;
  std::vector<uint64_t> attempts;       // attempts[k]: accepted records that needed k attempts
  std::vector<KeyResult> hottest_keys;  // by records offered
  std::vector<KeyResult> hot_keys;      // the scenario's named hot keys
  uint64_t distinct_keys = 0;
  bool random_keys = false;
  double offered_peak_records_per_sec = 0;  // highest metric bucket
  double offered_peak_bytes_per_sec = 0;
  // Figures only this producer type has, in a fixed order (e.g. the KPL's
  // UserRecordsPerKinesisRecord, the Agent's rotations); summary.json lists them under "details".
  std::vector<std::pair<std::string, double>> details;
};

// What became of the records in a consumer's scope, and what its reads cost. The fates are
// counted in the consumer's unit: user records for types that de-aggregate KPL records (Firehose,
// a polling app with deaggregate), Kinesis records for the others (ConsumerResult::unit).
// Records in scope are those that arrived in a shard at or after the consumer's starting
// position there (the first iterator it got; from the first record for shards created after it
// started); each ends processed, pending or lost to retention: see conserved(). Records
// processed again are counted apart, as duplicates.
struct ConsumerCounts {
  uint64_t in_scope = 0;
  uint64_t processed = 0;
  uint64_t pending = 0;            // unread, or read and not yet processed, at the end
  uint64_t lost_to_retention = 0;  // trimmed before the consumer read them (or, Lambda, while
                                   // it retried them)
  // Given up by the consumer without being processed: Lambda's records whose retries or age ran
  // out (sent to its OnFailure destination or dropped).
  uint64_t discarded = 0;
  uint64_t duplicates = 0;  // processed again (not in conserved())
  // What GetRecords returned, in both units and bytes.
  uint64_t records_read = 0;  // Kinesis records
  uint64_t user_records_read = 0;
  uint64_t bytes_read = 0;
  uint64_t get_records_calls = 0;  // every call, throttled ones too
  uint64_t throttled_calls = 0;    // ProvisionedThroughputExceededException (shared limits)
  uint64_t empty_calls = 0;        // served calls that returned no record
  uint64_t get_shard_iterator_calls = 0;
  uint64_t expired_iterators = 0;  // ExpiredIteratorException, then a fresh iterator
  // Enhanced fan-out: SubscribeToShard calls (refused ones too), the refused ones
  // (ResourceInUse, LimitExceeded), and the SubscribeToShardEvents that reached it.
  uint64_t subscribe_calls = 0;
  uint64_t subscribe_refused = 0;
  uint64_t events = 0;
  uint64_t registration_refused = 0;  // RegisterStreamConsumer refused, then tried again

  uint64_t accounted() const { return processed + pending + lost_to_retention + discarded; }
  bool conserved() const { return accounted() == in_scope; }
};

// A shard a consumer stopped advancing in while it retried a failing batch (Lambda's poison
// record): the longest stretch, from the batch's first failure to its success, discard or expiry
// (or the end of the run).
struct ShardBlock {
  std::string shard_id;
  sim::Duration longest;
  bool until_retention = false;  // the stretch ended with the batch trimmed by retention
};

// Records a consumer lost to retention in one shard.
struct ShardLoss {
  std::string shard_id;
  uint64_t records = 0;  // in the consumer's unit
};

struct ConsumerResult {
  std::string name;
  std::string type;              // "polling", "firehose"
  std::string unit;              // "user records" or "Kinesis records": the counts' unit
  std::string initial_position;  // "LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"
  // Whether it reads through the shards' shared 5 GetRecords calls/s and 2 MiB/s (polling)
  // rather than enhanced fan-out; and its GetRecords calls per second per shard when it keeps up.
  bool polling = true;
  std::string retrieval = "polling";   // "polling" or "fanout" (enhanced fan-out)
  double calls_per_sec_per_shard = 0;  // 0 for enhanced fan-out
  // Enhanced fan-out: when its registration succeeded (RegisterStreamConsumer; max() if never)
  // and the consumer-shard-hours billed from then to the end (every shard open meanwhile).
  sim::Time registered_at = sim::Time::max();
  double consumer_shard_hours = 0;
  sim::Duration start;  // when it started
  ConsumerCounts counts;
  std::vector<ShardLoss> lost_by_shard;    // shards where it lost records, by shard index
  std::vector<ShardBlock> blocked_shards;  // Lambda: shards held by a failing batch, by index
  sim::LogHistogram millis_behind_ms;      // MillisBehindLatest of every served call, in ms
  sim::LogHistogram end_to_end_us;         // record creation -> processed, in microseconds
  sim::LogHistogram propagation_us;        // arrival in the stream -> read by it, in microseconds
  // Metric rows (counters: records read and processed in its unit, throttled calls; gauge: the
  // MillisBehindLatest of its reads), named as the type names them.
  uint32_t series_read = 0, series_processed = 0, series_throttled = 0, series_behind = 0;
  // Figures only this consumer type has, in a fixed order (e.g. Firehose's deliveries);
  // summary.json lists them under "details".
  std::vector<std::pair<std::string, double>> details;
};

// Every client's result of a run, as the world collects them (Client::report).
struct ClientResults {
  std::vector<ProducerResult> producers;
  std::vector<ConsumerResult> consumers;
};

}  // namespace kinesim::models
