#include "models/producer/agent_producer.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <stdexcept>

#include "models/client/client_results.h"
#include "models/producer/agent/log_files.h"
#include "models/producer/agent/publisher.h"
#include "models/producer/agent/records.h"
#include "models/producer/agent/tailer.h"
#include "models/producer/pool.h"
#include "models/workload/arrivals.h"
#include "models/workload/trace.h"
#include "sim/rng.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

using agent::kNever;
using agent::RecordBuffer;
using agent::TailedRecord;

// A trace row kept for its line: a trace cannot be re-derived from the line index.
struct TraceLine {
  uint64_t key = 0;  // DETERMINISTIC: the trace key's id; RANDOM: unused
  uint32_t data_bytes = 0;
  Time written;
};

uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

bool is_trace(const RateConfig& rate) { return rate.profile == RateConfig::Profile::kTrace; }

// The flows the agent tails: those listed, or one of the producer's rate and record size.
std::vector<AgentFlowConfig> agent_flows(const ProducerConfig& c) {
  if (!c.agent.flows.empty()) return c.agent.flows;
  AgentFlowConfig f;
  f.rate = c.rate;
  f.record_size = c.record_size;
  f.rotation_interval = c.agent.rotation_interval;
  f.rotated_files_tracked = c.agent.rotated_files_tracked;
  return {f};
}

// A flow's agent.json settings: its own, or the agent's.
const AgentFlowSettings& settings_of(const ProducerConfig& c, const AgentFlowConfig& f) {
  return f.settings ? *f.settings : c.agent;
}

bool deterministic(const AgentFlowSettings& s) {
  return s.partition_key_option == AgentFlowSettings::PartitionKeyOption::kDeterministic;
}

// Keys named as they come (a trace's), none to start with.
KeysConfig named_keys() {
  KeysConfig k;
  k.count = 0;
  return k;
}

KeysConfig random_keys() {
  KeysConfig k;
  k.dist = KeysConfig::Dist::kRandom;
  k.random_key_bytes = kAgentRandomKeyBytes;
  return k;
}

// The keys of the DETERMINISTIC flows: the workload's keys stand for the distinct line contents
// (a trace's keys when those flows replay traces). With none, a fresh key per record.
KeysConfig agent_keys(const ProducerConfig& c) {
  bool any = false;
  bool traces = true;
  for (const AgentFlowConfig& f : agent_flows(c)) {
    if (!deterministic(settings_of(c, f))) continue;
    any = true;
    traces = traces && is_trace(f.rate);
  }
  if (!any) return random_keys();
  return traces ? named_keys() : c.keys;
}

}  // namespace

// What the instances of one flow share: its settings, sizes, keys and trace, and its figures.
struct AgentProducer::FlowSpec {
  FlowSpec(const AgentFlowConfig& c, const AgentFlowSettings& s)
      : config(c), settings(s), sizes(c.record_size) {}
  AgentFlowConfig config;
  AgentFlowSettings settings;  // its own agent.json settings, or the agent's
  SizeSampler sizes;
  KeySpace* keys = nullptr;  // the producer's keys, or its random keys for a RANDOM flow
  KeyRouter* router = nullptr;
  uint32_t pk_bytes = 0;
  std::unique_ptr<TraceFeed> trace;  // a trace-replay flow's rows, shared among instances
  std::string stream_suffix;         // of the flow's RNG streams: "" for the first flow
  AgentFlowTotals totals;            // summed over instances
};

// One flow on one host, wired to the engine: the application's lines (drawn as they are
// written) in its LogFiles, and the agent's Tailer and Publisher for it. The process-wide parts
// (up or down, requests in flight, checkpoint timer, network RNG, the buffer pool) are the
// Instance's.
class AgentProducer::Flow {
 public:
  Flow(AgentProducer& p, Instance& host, FlowSpec& spec, uint32_t index, const std::string& prefix,
       uint64_t seed);

  void start() { schedule_rotation(); }
  void pump();
  void write_until(Time t);
  bool can_send(Time now) const { return publisher_.can_send(now); }
  void send_next() { send(publisher_.send_next()); }
  void save_checkpoint() {
    tailer_.save_checkpoint();
    trim_trace();
  }
  // The process stopped: what the stream accepted of the requests in flight stays accepted.
  void account_in_flight(Time now) {
    for (const RecordBuffer* b : publisher_.in_flight()) {
      if (!b->arrived) continue;
      for (std::size_t i = 0; i < b->records.size(); ++i) {
        if (b->outcomes[i] == PutOutcome::kAccepted) {
          account_accepted(b->records[i], now, b->attempt);
        }
      }
    }
  }
  // The process stopped: buffers are gone (the host takes them back); the next run starts at
  // the saved checkpoint and knows nothing of what came after it.
  void reset_after_stop();
  void finish(Time end, ProducerCounts& counts);

 private:
  const AgentFlowSettings& settings() const { return spec_.settings; }
  KeySpace& keys() const { return *spec_.keys; }
  uint64_t max_record_bytes() const { return p_.stream_.config().max_record_bytes; }
  bool up() const;
  uint32_t generation() const;

  // ---- the application: draws, writes and rotates its lines --------------------------------

  // A line's partition key and data size: a pure function of its index, or its trace row.
  TailedRecord content(uint64_t line) {
    TailedRecord r;
    r.line = line;
    r.pk_bytes = spec_.pk_bytes;
    if (spec_.trace != nullptr) {
      const TraceLine& t = trace_lines_[static_cast<std::size_t>(line - trace_first_)];
      r.data_bytes = t.data_bytes;
      if (keys().random_keys()) {
        sim::RngStream rng(mix64(content_seed_ ^ (line * 0x9E3779B97F4A7C15ull)));
        r.key = keys().sample(rng);
      } else {
        r.key = t.key;
      }
      return r;
    }
    sim::RngStream rng(mix64(content_seed_ ^ (line * 0x9E3779B97F4A7C15ull)));
    r.key = keys().sample(rng);
    r.data_bytes = spec_.sizes.sample(rng);
    return r;
  }

  // Write time of line `line` (>= written), drawing arrivals (or trace rows) ahead as needed;
  // kNever if the workload never writes it.
  Time peek_time(uint64_t line) {
    if (spec_.trace != nullptr) {
      while (trace_first_ + trace_lines_.size() <= line) {
        if (exhausted_) return kNever;
        KeySpace& named = keys().random_keys() ? p_.trace_keys_ : keys();
        std::optional<TraceRow> row = spec_.trace->next(index_, named);
        if (!row) {
          exhausted_ = true;
          return kNever;
        }
        TraceLine t;
        t.key = keys().random_keys() ? 0 : named.intern(row->partition_key);
        t.data_bytes = row->size;
        t.written = row->at;
        trace_lines_.push_back(t);
        p_.totals_.max_trace_rows =
            std::max<uint64_t>(p_.totals_.max_trace_rows, trace_lines_.size());
      }
      return trace_lines_[static_cast<std::size_t>(line - trace_first_)].written;
    }
    const auto ahead = static_cast<std::size_t>(line - files_.written());
    while (future_.size() <= ahead) {
      if (exhausted_) return kNever;
      const Time t = arrivals_->next();
      if (t == Time::max()) {
        exhausted_ = true;
        return kNever;
      }
      future_.push_back(t);
    }
    return future_[ahead];
  }

  // Write time of a line already written: a trace row's own; a generated line's interpolated
  // within its file.
  Time written_at(uint64_t line) const {
    if (spec_.trace != nullptr) {
      return trace_lines_[static_cast<std::size_t>(line - trace_first_)].written;
    }
    return files_.written_at(line);
  }

  // Trace rows no longer needed: before the saved checkpoint and already written (a restart
  // resumes at the checkpoint at the earliest; writing needs the rows not yet written).
  void trim_trace() {
    const uint64_t keep = std::min(tailer_.base(), files_.written());
    while (trace_first_ < keep && !trace_lines_.empty()) {
      trace_lines_.pop_front();
      ++trace_first_;
    }
  }

  void write_line(Time t) {
    const TailedRecord r = content(files_.written());
    files_.write(t, r.bytes());
    ProducerCounts& c = p_.counts_;
    ++c.produced;
    c.produced_bytes += r.bytes();
    ++spec_.totals.lines_written;
    if (!keys().random_keys()) {
      KeyCounts& k = p_.key_counts(r.key);
      ++k.offered;
      k.offered_bytes += r.bytes();
    }
    p_.metrics_.add(p_.s_records_, t);
    p_.metrics_.add(p_.s_bytes_, t, static_cast<double>(r.bytes()));
    if (spec_.trace == nullptr) future_.pop_front();
  }

  // What the agent had not read of a deleted file is gone.
  void rotate() {
    ++p_.totals_.rotations;
    if (files_.rotate()) skip_to(files_.first_line());
  }

  void schedule_rotation() {
    if (files_.next_rotation() == kNever) return;
    // Urgent: a rotation at t sees the agent as it was before anything else happens at t.
    p_.engine_.schedule(
        files_.next_rotation(),
        [this] {
          write_until(p_.engine_.now());
          schedule_rotation();
        },
        sim::Priority::kUrgent);
  }

  // ---- the tailer: reads lines into buffers -------------------------------------------------

  // Reading continues at `line`; lines before it that were never accepted are lost.
  void skip_to(uint64_t line);
  void open_buffer(Time read_at) {
    publisher_.open(read_at);
    schedule_close(publisher_.filling()->deadline);
  }
  void schedule_close(Time at);
  bool add_line(Time line_written, Time read_at);
  void preread();
  void close_buffer();
  void count_truncated(uint64_t lines);
  void count_written_ahead(Time by);  // the truncated lines taken ahead written by `by`

  // ---- the publisher: PutRecords, retries with backoff --------------------------------------

  void send(RecordBuffer* b);
  void on_arrive(RecordBuffer* b);
  void account_accepted(const TailedRecord& r, Time now, uint32_t attempt);
  void on_reply(RecordBuffer* b);
  void schedule_retry(RecordBuffer* retry, uint32_t failed_attempt);

  AgentProducer& p_;
  Instance& host_;
  FlowSpec& spec_;
  uint32_t index_;                          // the host's: which trace rows are its own
  uint64_t content_seed_;                   // line contents (key, size) by line index
  std::optional<ArrivalProcess> arrivals_;  // generated lines (not a trace)

  // The application's files. future_ holds the write times of the next generated lines, drawn
  // ahead for the tailer; trace_lines_ the trace rows of lines [trace_first_, ...), written or
  // drawn ahead.
  agent::LogFiles files_;
  // When the lines taken ahead into the filling buffer that were truncated are written: each
  // counts (records_truncated) once it is, as the agent reads it then (not if a stop drops it).
  std::vector<Time> truncated_ahead_;
  std::deque<Time> future_;
  std::deque<TraceLine> trace_lines_;
  uint64_t trace_first_ = 0;
  bool exhausted_ = false;

  agent::Tailer tailer_;
  agent::Publisher publisher_;
  sim::EventId close_event_;  // of the buffer being filled
};

// One host: the agent process with its flows. Restarts, checkpoints and the in-flight limit are
// the process's; each flow has its own files, tailer, buffers and backoff.
class AgentProducer::Instance {
 public:
  Instance(AgentProducer& p, uint32_t index, uint64_t seed)
      : p_(p), net_rng_(sim::RngStream::derive(seed, prefix(p, index) + "/network")) {
    for (const auto& spec : p.flows_) {
      flows_.push_back(std::make_unique<Flow>(p, *this, *spec, index,
                                              prefix(p, index) + spec->stream_suffix, seed));
    }
  }

  // END_OF_FILE and START_OF_FILE agree here: the files are empty when the run starts.
  void start() {
    for (auto& f : flows_) f->start();
    schedule_checkpoint();
    for (auto& f : flows_) f->pump();
  }

  void stop(Duration downtime) {
    const Time now = p_.engine_.now();
    for (auto& f : flows_) f->write_until(now);
    if (up_) {
      ++p_.totals_.restarts;
      for (auto& f : flows_) f->account_in_flight(now);
      ++generation_;  // every pending event of the old run is now stale
      up_ = false;
      in_flight_ = 0;
      for (auto& f : flows_) f->reset_after_stop();
      buffers_.release_all();
    }
    const Time up_at = agent::add_saturated(now, downtime);
    if (up_at > down_until_) {
      down_until_ = up_at;
      const uint64_t seq = ++restart_seq_;
      p_.engine_.schedule(up_at, [this, seq] {
        if (seq != restart_seq_) return;
        up_ = true;
        for (auto& f : flows_) f->pump();
      });
    }
  }

  // Records still held at `end`: lines written but neither accepted, rejected nor lost.
  void finish(Time end, ProducerCounts& counts) {
    for (auto& f : flows_) f->finish(end, counts);
  }

  // Sends what the flows have ready, taking them in turn, while requests may be opened.
  void try_send() {
    const Time now = p_.engine_.now();
    const std::size_t n = flows_.size();
    std::size_t idle = 0;
    while (in_flight_ < p_.config_.agent.max_in_flight && idle < n) {
      Flow& f = *flows_[next_flow_];
      next_flow_ = (next_flow_ + 1) % n;
      if (f.can_send(now)) {
        f.send_next();
        idle = 0;
      } else {
        ++idle;
      }
    }
  }

  bool up() const { return up_; }
  uint32_t generation() const { return generation_; }
  sim::RngStream& net_rng() { return net_rng_; }
  Pool<RecordBuffer>& buffers() { return buffers_; }
  void opened() { ++in_flight_; }
  void closed() { --in_flight_; }

 private:
  static std::string prefix(const AgentProducer& p, uint32_t index) {
    return "producer/" + p.config_.name + "/" + std::to_string(index);
  }

  // The agent saves every flow's offsets together.
  void schedule_checkpoint() {
    p_.engine_.schedule_in(p_.config_.agent.checkpoint_interval, [this] {
      if (up_) {
        for (auto& f : flows_) f->save_checkpoint();
        ++p_.totals_.checkpoints_saved;
      }
      schedule_checkpoint();
    });
  }

  AgentProducer& p_;
  sim::RngStream net_rng_;  // latencies and backoff jitter
  std::vector<std::unique_ptr<Flow>> flows_;
  std::size_t next_flow_ = 0;  // the flow try_send() looks at first
  bool up_ = true;
  uint32_t generation_ = 0;  // bumped by a stop: events of the old run are ignored
  uint64_t restart_seq_ = 0;
  Time down_until_;
  uint32_t in_flight_ = 0;
  Pool<RecordBuffer> buffers_;
};

// ---- Flow, out of line: what needs the Instance ----------------------------------------------

AgentProducer::Flow::Flow(AgentProducer& p, Instance& host, FlowSpec& spec, uint32_t index,
                          const std::string& prefix, uint64_t seed)
    : p_(p),
      host_(host),
      spec_(spec),
      index_(index),
      content_seed_(sim::RngStream::derive(seed, prefix + "/lines").next_u64()),
      files_(spec.config.rotation_interval, spec.config.rotated_files_tracked),
      publisher_(spec.settings, host.buffers()) {
  if (spec.trace == nullptr) {
    arrivals_.emplace(spec.config.rate, p.config_.instances, index, p.config_.start,
                      sim::RngStream::derive(seed, prefix + "/arrivals"));
  }
}

bool AgentProducer::Flow::up() const { return host_.up(); }
uint32_t AgentProducer::Flow::generation() const { return host_.generation(); }

// Writes every line due by `t` and performs the rotations due by then, in time order.
void AgentProducer::Flow::write_until(Time t) {
  for (;;) {
    const Time next = peek_time(files_.written());
    if (files_.next_rotation() <= t && files_.next_rotation() <= next) {
      rotate();
      continue;
    }
    if (next > t) break;
    write_line(next);
  }
  if (files_.written() > tailer_.read_pos()) {
    p_.totals_.max_backlog_lines =
        std::max(p_.totals_.max_backlog_lines, files_.written() - tailer_.read_pos());
  }
  trim_trace();
}

void AgentProducer::Flow::reset_after_stop() {
  p_.engine_.cancel(close_event_);
  publisher_.drop_all();
  // Lines taken ahead into the lost buffer were not written yet: they were never read. Those
  // written by now were, and count (again, when read after the restart).
  count_written_ahead(p_.engine_.now());
  tailer_.resume_from_checkpoint(files_.written());
  skip_to(files_.first_line());
}

void AgentProducer::Flow::finish(Time end, ProducerCounts& counts) {
  write_until(end);
  count_written_ahead(end);
  counts.pending += tailer_.pending(files_.written());
}

void AgentProducer::Flow::skip_to(uint64_t line) {
  const uint64_t lost = tailer_.skip_to(line);
  if (lost > 0) {
    p_.counts_.lost += lost;
    spec_.totals.lines_lost += lost;
    p_.metrics_.add(p_.s_lost_, p_.engine_.now(), static_cast<double>(lost));
  }
}

// Reads what it can: the backlog at once, then the lines still to come until the current buffer
// closes (one event per buffer, not per line).
void AgentProducer::Flow::pump() {
  if (!up()) return;
  const Time now = p_.engine_.now();
  write_until(now);
  for (;;) {
    const RecordBuffer* filling = publisher_.filling();
    if (filling != nullptr && filling->preread) break;
    if (publisher_.blocks_tailer()) break;
    if (tailer_.read_pos() < files_.written()) {
      if (!add_line(written_at(tailer_.read_pos()), now) || publisher_.full()) close_buffer();
      continue;
    }
    preread();
    break;
  }
  host_.try_send();
}

void AgentProducer::Flow::schedule_close(Time at) {
  p_.engine_.cancel(close_event_);
  if (at == kNever) return;
  close_event_ = p_.engine_.schedule(at, [this, gen = generation()] {
    if (gen != generation()) return;
    close_buffer();
    pump();
  });
}

// Reads line read_pos() (written at `line_written`) into the buffer at `read_at`; false when it
// does not fit in the buffer's bytes (the buffer must close first). A line over the record size
// limit is truncated to it, as the agent's FileTailer does: the data keeps limit - key bytes
// (ending with truncatedRecordTerminator) and the key stays the one of the whole line.
bool AgentProducer::Flow::add_line(Time line_written, Time read_at) {
  if (publisher_.filling() == nullptr) open_buffer(read_at);
  TailedRecord r = content(tailer_.read_pos());
  r.written = line_written;
  const uint64_t limit = max_record_bytes();
  const bool truncated = r.bytes() > limit && r.pk_bytes < limit;
  if (truncated) r.data_bytes = static_cast<uint32_t>(limit - r.pk_bytes);
  // Only a key longer than the limit leaves a record too large to send.
  const bool too_large = r.bytes() > limit;
  if (!publisher_.fits(r, too_large)) return false;
  if (truncated) {
    if (line_written > p_.engine_.now()) {
      truncated_ahead_.push_back(line_written);
    } else {
      count_truncated(1);
    }
  }
  if (tailer_.read()) ++p_.totals_.lines_reread;
  publisher_.add(r, too_large);
  return true;
}

// Caught up: the buffer takes the coming lines as they are written, until it is full or reaches
// its age; its close is scheduled then.
void AgentProducer::Flow::preread() {
  Time t = peek_time(tailer_.read_pos());
  if (publisher_.filling() == nullptr) {
    if (t == kNever) return;
    open_buffer(t);
  }
  RecordBuffer* filling = publisher_.filling();
  Time close_at = filling->deadline;
  for (;;) {
    t = peek_time(tailer_.read_pos());
    if (t > filling->deadline) break;
    if (!add_line(t, t) || publisher_.full()) {
      close_at = t;
      break;
    }
  }
  filling->preread = true;
  if (close_at != filling->deadline) schedule_close(close_at);
}

// The buffer goes to the publish queue; records still over the record size are dropped here.
void AgentProducer::Flow::count_truncated(uint64_t lines) {
  p_.totals_.records_truncated += lines;
  spec_.totals.records_truncated += lines;
}

void AgentProducer::Flow::count_written_ahead(Time by) {
  count_truncated(static_cast<uint64_t>(std::count_if(
      truncated_ahead_.begin(), truncated_ahead_.end(), [&](Time t) { return t <= by; })));
  truncated_ahead_.clear();
}

void AgentProducer::Flow::close_buffer() {
  // Every line taken ahead into it is written by its close.
  count_truncated(truncated_ahead_.size());
  truncated_ahead_.clear();
  RecordBuffer* b = publisher_.close();
  p_.engine_.cancel(close_event_);
  const uint64_t max_bytes = max_record_bytes();
  std::size_t kept = 0;
  for (const TailedRecord& r : b->records) {
    if (r.bytes() > max_bytes) {
      if (tailer_.reject(r.line)) ++p_.counts_.rejected_too_large;
      continue;
    }
    b->records[kept++] = r;
  }
  b->records.resize(kept);
  publisher_.enqueue(b);
  tailer_.advance_acked();
}

void AgentProducer::Flow::send(RecordBuffer* b) {
  host_.opened();
  ++p_.counts_.requests;
  b->sent = p_.engine_.now();
  b->arrived = false;
  b->latency = p_.latency_.sample(host_.net_rng());
  p_.metrics_.add(p_.s_sent_, b->sent, static_cast<double>(b->records.size()));
  p_.engine_.schedule_in(b->latency / 2, [this, b, gen = generation()] {
    if (gen == generation()) on_arrive(b);
  });
}

void AgentProducer::Flow::on_arrive(RecordBuffer* b) {
  const Time now = p_.engine_.now();
  Stream& stream = p_.stream_;
  b->outcomes.resize(b->records.size());
  for (std::size_t i = 0; i < b->records.size(); ++i) {
    const TailedRecord& r = b->records[i];
    b->outcomes[i] =
        stream.put(now, spec_.router->shard_for(keys(), stream, r.key), r.bytes(), r.written);
  }
  stream.end_request(now, PutApi::kPutRecords, b->records.size(), b->bytes);
  b->arrived = true;
  p_.engine_.schedule(b->sent + b->latency, [this, b, gen = generation()] {
    if (gen == generation()) on_reply(b);
  });
}

// The stream accepted `r`: counted once per line; again it is a duplicate.
void AgentProducer::Flow::account_accepted(const TailedRecord& r, Time now, uint32_t attempt) {
  if (!tailer_.accept(r.line)) {
    ++p_.counts_.duplicates;
    ++spec_.totals.duplicates;
    p_.metrics_.add(p_.s_duplicates_, now);
    return;
  }
  ProducerCounts& c = p_.counts_;
  ++c.accepted;
  c.accepted_bytes += r.bytes();
  ++spec_.totals.records_accepted;
  if (!keys().random_keys()) ++p_.key_counts(r.key).accepted;
  p_.record_latency_us_.record(
      static_cast<uint64_t>(std::max<int64_t>(0, (now - r.written).count_nanos()) / 1000));
  if (p_.attempts_.size() <= attempt) p_.attempts_.resize(attempt + 1);
  ++p_.attempts_[attempt];
  p_.metrics_.add(p_.s_accepted_, now);
}

void AgentProducer::Flow::on_reply(RecordBuffer* b) {
  const Time now = p_.engine_.now();
  host_.closed();
  publisher_.replied(b);
  p_.stream_.record_latency(now, PutApi::kPutRecords, b->latency);
  p_.request_latency_us_.record(static_cast<uint64_t>(b->latency.count_nanos() / 1000));
  ProducerCounts& c = p_.counts_;
  RecordBuffer* retry = nullptr;
  uint64_t throttled = 0;
  // One line to an entry; a line accepted again after a restart is an entry accepted too.
  c.user_record_attempts += b->records.size();
  for (std::size_t i = 0; i < b->records.size(); ++i) {
    const TailedRecord& r = b->records[i];
    if (b->outcomes[i] == PutOutcome::kAccepted) {
      ++c.accepted_entries;
      account_accepted(r, now, b->attempt);
      tailer_.done(r.line);
      continue;
    }
    if (b->outcomes[i] == PutOutcome::kThrottled) {
      ++throttled;
      if (!keys().random_keys()) ++p_.key_counts(r.key).throttled;
    } else {
      ++c.internal_failure_entries;
    }
    if (retry == nullptr) retry = publisher_.acquire();
    retry->records.push_back(r);
    retry->bytes += r.bytes();
    ++retry->sendable;
  }
  c.throttled_entries += throttled;
  c.throttled_user_records += throttled;
  if (throttled > 0) p_.metrics_.add(p_.s_throttled_, now, static_cast<double>(throttled));
  if (retry != nullptr) schedule_retry(retry, b->attempt);
  publisher_.release(b);
  tailer_.advance_acked();
  host_.try_send();
  pump();
}

// Failed records go back first, in order, and the flow's publisher waits out its backoff.
void AgentProducer::Flow::schedule_retry(RecordBuffer* retry, uint32_t failed_attempt) {
  const Duration delay = publisher_.backoff(failed_attempt, host_.net_rng().uniform());
  p_.backoff_us_.record(static_cast<uint64_t>(delay.count_nanos() / 1000));
  const auto n = retry->records.size();
  p_.counts_.retried_entries += n;
  p_.metrics_.add(p_.s_retried_, p_.engine_.now(), static_cast<double>(n));
  const Time until = agent::add_saturated(p_.engine_.now(), delay);
  publisher_.requeue(retry, failed_attempt, until);
  p_.engine_.schedule(until, [this, gen = generation()] {
    if (gen == generation()) host_.try_send();
  });
}

// ---- AgentProducer -------------------------------------------------------------------------

AgentProducer::AgentProducer(const ProducerConfig& config, const std::string& base_dir,
                             Stream& stream, sim::Engine& engine, sim::MetricRecorder& metrics,
                             uint64_t seed)
    : config_(config),
      stream_(stream),
      engine_(engine),
      metrics_(metrics),
      keys_(agent_keys(config)),
      trace_keys_(named_keys()),
      random_key_space_(random_keys()),
      latency_(stream.config().put_latency) {
  const AgentConfig& a = config.agent;
  if (a.checkpoint_interval <= Duration() || a.max_in_flight == 0) {
    throw std::invalid_argument("producer " + config.name +
                                ": agent intervals, buffer sizes and max_in_flight must be > 0");
  }
  const std::vector<AgentFlowConfig> flows = agent_flows(config);
  bool deterministic_trace = false;
  bool deterministic_generated = false;
  for (const AgentFlowConfig& f : flows) {
    if (deterministic(settings_of(config, f))) {
      (is_trace(f.rate) ? deterministic_trace : deterministic_generated) = true;
    }
  }
  if (deterministic_trace && deterministic_generated) {
    throw std::invalid_argument("producer " + config.name +
                                ": a DETERMINISTIC agent's flows either all replay traces or none "
                                "does (their keys cannot share one key space)");
  }
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const AgentFlowConfig& f = flows[i];
    const AgentFlowSettings& settings = settings_of(config, f);
    if (f.rotation_interval <= Duration() || settings.max_buffer_age <= Duration() ||
        settings.max_buffer_size_records == 0) {
      throw std::invalid_argument("producer " + config.name +
                                  ": agent intervals, buffer sizes and max_in_flight must be > 0");
    }
    auto spec = std::make_unique<FlowSpec>(f, settings);
    // A RANDOM flow of an agent whose other flows have DETERMINISTIC keys draws its own.
    const bool own_random = !deterministic(settings) && !keys_.random_keys();
    spec->keys = own_random ? &random_key_space_ : &keys_;
    spec->router = own_random ? &random_router_ : &router_;
    spec->pk_bytes = deterministic(settings) ? kAgentDeterministicKeyBytes : kAgentRandomKeyBytes;
    // The first flow keeps the producer's RNG streams: adding flows leaves it as it was.
    if (i > 0) spec->stream_suffix = "/flow/" + f.file_pattern;
    if (is_trace(f.rate)) {
      std::string path = f.rate.trace_path;
      if (!path.empty() && path.front() != '/' && !base_dir.empty()) path = base_dir + "/" + path;
      spec->trace = std::make_unique<TraceFeed>(path, f.rate.trace_speed, f.rate.trace_loop,
                                                config.start, config.instances);
    }
    flows_.push_back(std::move(spec));
  }
  key_counts_.resize(keys_.size());
  const std::string& n = config_.name;
  s_records_ = metrics_.add_counter(n + "/UserRecordsProduced");  // lines written
  s_bytes_ = metrics_.add_counter(n + "/UserBytesProduced");
  s_accepted_ = metrics_.add_counter(n + "/UserRecordsPut");  // first acceptance of a line
  s_throttled_ = metrics_.add_counter(n + "/ThrottledEntries");
  s_failed_ = metrics_.add_counter(n + "/UserRecordsFailed");  // stays 0: the agent never gives up
  s_retried_ = metrics_.add_counter(n + "/RetriedEntries");
  s_sent_ = metrics_.add_counter(n + "/RecordsSent");
  s_duplicates_ = metrics_.add_counter(n + "/Duplicates");
  s_lost_ = metrics_.add_counter(n + "/LinesLost");
  for (uint32_t i = 0; i < config.instances; ++i) {
    instances_.push_back(std::make_unique<Instance>(*this, i, seed));
  }
}

AgentProducer::~AgentProducer() = default;

void AgentProducer::start() {
  for (auto& i : instances_) i->start();
}

void AgentProducer::restart(sim::Duration downtime) {
  for (auto& i : instances_) i->stop(downtime);
}

void AgentProducer::finish(sim::Time end) {
  counts_.pending = 0;
  for (auto& i : instances_) i->finish(end, counts_);
}

ProducerResult AgentProducer::result(const Stream& stream, uint32_t top_n) {
  ProducerResult pr = common_result(config_, "agent",
                                    {counts_, key_counts_, record_latency_us_, request_latency_us_,
                                     backoff_us_, attempts_, s_records_, s_bytes_},
                                    keys_, stream, metrics_, top_n);
  pr.details = {
      {"rotations", static_cast<double>(totals_.rotations)},
      {"checkpoints_saved", static_cast<double>(totals_.checkpoints_saved)},
      {"restarts", static_cast<double>(totals_.restarts)},
      {"duplicates", static_cast<double>(counts_.duplicates)},
      {"lines_lost", static_cast<double>(counts_.lost)},
      {"lines_reread", static_cast<double>(totals_.lines_reread)},
      {"max_backlog_lines", static_cast<double>(totals_.max_backlog_lines)},
      {"records_truncated", static_cast<double>(totals_.records_truncated)},
  };
  // Listed flows each report under "flow/<filePattern>/": summary.json only (the text summary
  // shows the first details).
  if (config_.agent.flows.empty()) return pr;
  for (const auto& spec : flows_) {
    const std::string prefix = "flow/" + spec->config.file_pattern + "/";
    const AgentFlowTotals& t = spec->totals;
    for (const auto& [name, value] : {std::pair{"lines_written", t.lines_written},
                                      {"records_accepted", t.records_accepted},
                                      {"duplicates", t.duplicates},
                                      {"lines_lost", t.lines_lost},
                                      {"records_truncated", t.records_truncated}}) {
      pr.details.emplace_back(prefix + name, static_cast<double>(value));
    }
  }
  return pr;
}

KeyCounts& AgentProducer::key_counts(uint64_t key) {
  if (key >= key_counts_.size()) key_counts_.resize(key + 1);
  return key_counts_[key];
}

}  // namespace kinesim::models
