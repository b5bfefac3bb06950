// What clients report of a run, as plain data: a producer's counts (what became of every user
// record), its per-key tallies and the ProducerResult the reports read. Consumers' results join
// here. No model code, so results and reports include this rather than the models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/histogram.h"

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
  uint32_t instances = 1;
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

// Every client's result of a run, as the world collects them (Client::report).
struct ClientResults {
  std::vector<ProducerResult> producers;
};

}  // namespace kinesim::models
