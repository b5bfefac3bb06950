// The Kinesis Agent tailing an application's logs (SPEC §7). Each instance is one host running
// one agent process that tails one or more file patterns ("flows"): for each, the application
// writes one line per user record at the flow's rate (or at the times of a trace) and rotates its
// file every rotation_interval, keeping rotated_files_tracked rotated files; the agent tails the
// lines into a buffer per flow that it flushes as one PutRecords at the flow's maxBufferSizeRecords
// / maxBufferSizeBytes / maxBufferAgeMillis (agent.json's per-flow settings, the agent's by
// default, as are its partitionKeyOption, backoff and truncatedRecordTerminator), keeps at most
// agent::kPublishQueueCapacity buffers queued per flow (then it stops reading that flow: the
// backlog stays in the files) and at most max_in_flight requests open for the whole process,
// resends failed entries in order after a backoff (min ... max, x multiplier, +/- jitter) and never
// gives up. A line over the stream's record size limit is truncated to the limit
// (truncatedRecordTerminator), as the agent's FileTailer does. It checkpoints, per flow, the line
// up to which everything was sent every checkpoint_interval; a restart loses its buffers and
// in-flight replies and resumes from the saved checkpoints, so records already accepted after them
// are sent again (duplicates), and lines rotated away before the agent read them are lost.
//
// Each flow on a host is its LogFiles (agent/log_files.h), the agent's Tailer
// (agent/tailer.h) and Publisher (agent/publisher.h), each state plus pure steps; the producer
// wires them to the engine.
//
// Files are line counts, not text: a generated line's key and size are a pure function of
// (instance seed, flow, line index), so lines are re-derived when read (or re-read after a
// restart) instead of being stored. A trace's lines cannot be re-derived: the rows are kept from
// the flow's saved checkpoint (or the oldest line not yet written) to the furthest row drawn.
// The agent keeps one status byte per line from its saved checkpoint to the furthest line it
// read: memory is bounded by the checkpoint interval, the publish queue and the downtime, not by
// the simulated duration.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/producer/producer.h"
#include "models/producer/producer_config.h"
#include "models/stream/stream.h"
#include "models/workload/durations.h"
#include "models/workload/keys.h"
#include "sim/engine.h"
#include "sim/histogram.h"
#include "sim/metrics.h"

namespace kinesim::models {

// Partition-key bytes of an Agent record: DETERMINISTIC is the MD5 hex of the line (32
// characters); RANDOM is Double.toString(nextDouble(1e6)), typically 17-18 characters (assumed).
inline constexpr uint32_t kAgentDeterministicKeyBytes = 32;
inline constexpr uint32_t kAgentRandomKeyBytes = 18;

// Figures only the Agent has, summed over instances (max_* : the largest).
struct AgentTotals {
  uint64_t rotations = 0;
  // Lines cut to the record size limit as read (FileTailer.RecordsTruncated): a line read again
  // after a restart counts again.
  uint64_t records_truncated = 0;
  uint64_t checkpoints_saved = 0;
  uint64_t restarts = 0;
  uint64_t lines_reread = 0;  // lines read again after a restart (from the checkpoint on)
  uint64_t max_backlog_lines = 0;
  // The most trace rows one flow of one host held at once (kept for re-reads after a restart).
  uint64_t max_trace_rows = 0;
};

// One flow's figures, summed over instances (details "flow/<filePattern>/..." of an agent with
// listed flows): lines_written = records_accepted + lines_lost + what is still pending (or, with
// a stream limit below the key size, rejected as too large).
struct AgentFlowTotals {
  uint64_t lines_written = 0;
  uint64_t records_accepted = 0;  // lines the stream accepted (once each)
  uint64_t duplicates = 0;        // acceptances after the first
  uint64_t lines_lost = 0;        // rotated away before the agent read them
  uint64_t records_truncated = 0;
};

class AgentProducer : public Producer {
 public:
  // Throws std::invalid_argument for non-positive intervals or buffer sizes, or a DETERMINISTIC
  // agent mixing trace and generated flows; ScenarioError for an unreadable trace.
  AgentProducer(const ProducerConfig& config, const std::string& base_dir, Stream& stream,
                sim::Engine& engine, sim::MetricRecorder& metrics, uint64_t seed);
  AgentProducer(const AgentProducer&) = delete;
  AgentProducer& operator=(const AgentProducer&) = delete;
  ~AgentProducer() override;

  void start() override;
  void finish(sim::Time end) override;
  ProducerResult result(const Stream& stream, uint32_t top_n) override;
  // Every instance (host) of this producer stops now and comes back after `downtime`; a
  // restart while down extends the downtime.
  void restart(sim::Duration downtime) override;

  const ProducerConfig& config() const override { return config_; }
  const ProducerCounts& counts() const override { return counts_; }
  const AgentTotals& totals() const { return totals_; }

 private:
  class Instance;
  class Flow;
  struct FlowSpec;
  friend class Instance;
  friend class Flow;

  ProducerConfig config_;
  Stream& stream_;
  sim::Engine& engine_;
  sim::MetricRecorder& metrics_;
  // The DETERMINISTIC flows' keys (the workload's or their traces'); random keys if none is.
  KeySpace keys_;
  // RANDOM keys with a trace: the trace's keys, only to share its rows among instances.
  KeySpace trace_keys_;
  // The keys of RANDOM flows of an agent whose other flows have DETERMINISTIC keys (keys_).
  KeySpace random_key_space_;
  DurationSampler latency_;  // the stream's put latency, drawn from each instance's RNG
  std::vector<std::unique_ptr<FlowSpec>> flows_;  // what each flow's instances share
  std::vector<std::unique_ptr<Instance>> instances_;
  ProducerCounts counts_;
  AgentTotals totals_;
  std::vector<KeyCounts> key_counts_;
  sim::LogHistogram record_latency_us_;
  sim::LogHistogram request_latency_us_;
  sim::LogHistogram backoff_us_;
  std::vector<uint64_t> attempts_;
  // Key -> shard on the stream as it is now: keys_'s, random_key_space_'s.
  KeyRouter router_;
  KeyRouter random_router_;
  sim::SeriesId s_records_, s_bytes_, s_accepted_, s_throttled_, s_failed_, s_retried_, s_sent_,
      s_duplicates_, s_lost_;

  KeyCounts& key_counts(uint64_t key);  // grows as a trace names new keys
};

}  // namespace kinesim::models
