#include "models/producer/agent_producer.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <stdexcept>

#include "models/client/client_results.h"
#include "models/producer/pool.h"
#include "models/workload/arrivals.h"
#include "models/workload/trace.h"
#include "sim/rng.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using sim::Time;

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// Status of one line in the agent's window, as bits.
constexpr uint8_t kAccepted = 1;  // the stream accepted it at least once (counted in accepted)
constexpr uint8_t kFinal = 2;     // counted as rejected_too_large or lost: never sent
constexpr uint8_t kDone = 4;      // this run of the agent is done with it (acknowledged, skipped)

struct Entry {
  uint64_t line = 0;
  uint64_t key = 0;
  uint32_t data_bytes = 0;
  uint32_t pk_bytes = 0;
  int64_t written_ns = 0;
  uint64_t bytes() const { return uint64_t{data_bytes} + pk_bytes; }
};

struct Batch {
  std::vector<Entry> entries;
  std::vector<PutOutcome> outcomes;
  uint64_t bytes = 0;     // of the sendable entries
  uint32_t sendable = 0;  // entries within the stream's record size
  uint32_t attempt = 1;   // 1 = first try
  int64_t deadline_ns = kNever;
  bool preread = false;  // holds every line up to its close: the agent waits for the close
  bool arrived = false;  // the stream has judged it (outcomes are set)
  Time sent;
  Duration latency;
  void clear() {
    entries.clear();
    outcomes.clear();
    bytes = 0;
    sendable = 0;
    attempt = 1;
    deadline_ns = kNever;
    preread = false;
    arrived = false;
  }
};

// One log file: lines [first_line, first_line + lines), written between first_ns and last_ns.
struct LogFile {
  uint64_t first_line = 0;
  uint64_t lines = 0;
  uint64_t bytes = 0;
  int64_t first_ns = 0;
  int64_t last_ns = 0;
};

// A trace row kept for its line: a trace cannot be re-derived from the line index.
struct TraceLine {
  uint64_t key = 0;  // DETERMINISTIC: the trace key's id; RANDOM: unused
  uint32_t data_bytes = 0;
  int64_t written_ns = 0;
};

int64_t add_saturated(int64_t t, Duration d) {
  return d.count_nanos() > kNever - t ? kNever : t + d.count_nanos();
}

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

// One flow on one host: the application writing and rotating its log, and the agent's tailer
// and publish queue for it. The process-wide parts (up or down, requests in flight, checkpoint
// timer, network RNG) are the Instance's.
class AgentProducer::Flow {
 public:
  Flow(AgentProducer& p, Instance& host, FlowSpec& spec, uint32_t index, const std::string& prefix,
       uint64_t seed);

  void start() { schedule_rotation(); }
  void pump();
  void write_until(int64_t t_ns);
  bool can_send(int64_t now_ns) const {
    return !ready_.empty() && now_ns >= send_blocked_until_ns_;
  }
  void send_next() {
    Batch* b = ready_.front();
    ready_.pop_front();
    send(b);
  }
  void save_checkpoint() {
    saved_ = acked_;
    while (base_ < saved_ && !status_.empty()) {
      status_.pop_front();
      ++base_;
    }
    trim_trace();
  }
  // The process stopped: what the stream accepted of the requests in flight stays accepted.
  void account_in_flight(Time now) {
    for (Batch* b : in_flight_list_) {
      if (!b->arrived) continue;
      for (std::size_t i = 0; i < b->entries.size(); ++i) {
        if (b->outcomes[i] == PutOutcome::kAccepted) {
          account_accepted(b->entries[i], now, b->attempt);
        }
      }
    }
  }
  // The process stopped: buffers are gone (the host takes the batches back); the next run
  // starts at the saved checkpoint and knows nothing of what came after it.
  void reset_after_stop();
  void finish(Time end, ProducerCounts& counts);

 private:
  const AgentFlowSettings& settings() const { return spec_.settings; }
  KeySpace& keys() const { return *spec_.keys; }
  uint64_t max_record_bytes() const { return p_.stream_.config().max_record_bytes; }
  uint8_t& status(uint64_t line) { return status_[static_cast<std::size_t>(line - base_)]; }
  bool up() const;
  uint32_t generation() const;

  // ---- the application: writes lines and rotates its file -------------------------------

  // A line's partition key and data size: a pure function of its index, or its trace row.
  Entry content(uint64_t line) {
    Entry e;
    e.line = line;
    e.pk_bytes = spec_.pk_bytes;
    if (spec_.trace != nullptr) {
      const TraceLine& t = trace_lines_[static_cast<std::size_t>(line - trace_first_)];
      e.data_bytes = t.data_bytes;
      if (keys().random_keys()) {
        sim::RngStream r(mix64(content_seed_ ^ (line * 0x9E3779B97F4A7C15ull)));
        e.key = keys().sample(r);
      } else {
        e.key = t.key;
      }
      return e;
    }
    sim::RngStream r(mix64(content_seed_ ^ (line * 0x9E3779B97F4A7C15ull)));
    e.key = keys().sample(r);
    e.data_bytes = spec_.sizes.sample(r);
    return e;
  }

  // Write time of line `line` (>= written_), drawing arrivals (or trace rows) ahead as needed;
  // kNever if the workload never writes it.
  int64_t peek_time(uint64_t line) {
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
        t.written_ns = row->at.nanos();
        trace_lines_.push_back(t);
        p_.totals_.max_trace_rows =
            std::max<uint64_t>(p_.totals_.max_trace_rows, trace_lines_.size());
      }
      return trace_lines_[static_cast<std::size_t>(line - trace_first_)].written_ns;
    }
    const auto ahead = static_cast<std::size_t>(line - written_);
    while (future_ns_.size() <= ahead) {
      if (exhausted_) return kNever;
      const Time t = arrivals_->next();
      if (t == Time::max()) {
        exhausted_ = true;
        return kNever;
      }
      future_ns_.push_back(t.nanos());
    }
    return future_ns_[ahead];
  }

  // Write time of a line already written: a trace row's own; a generated line's interpolated
  // within its file (write times of written lines are not kept).
  int64_t written_ns(uint64_t line) const {
    if (spec_.trace != nullptr) {
      return trace_lines_[static_cast<std::size_t>(line - trace_first_)].written_ns;
    }
    auto it = std::upper_bound(files_.begin(), files_.end(), line,
                               [](uint64_t l, const LogFile& f) { return l < f.first_line; });
    const LogFile& f = *(it - 1);
    if (f.lines <= 1) return f.first_ns;
    const double frac = static_cast<double>(line - f.first_line) / static_cast<double>(f.lines - 1);
    return f.first_ns + static_cast<int64_t>(static_cast<double>(f.last_ns - f.first_ns) * frac);
  }

  // Trace rows no longer needed: before the saved checkpoint and already written (a restart
  // resumes at the checkpoint at the earliest; writing needs the rows not yet written).
  void trim_trace() {
    const uint64_t keep = std::min(base_, written_);
    while (trace_first_ < keep && !trace_lines_.empty()) {
      trace_lines_.pop_front();
      ++trace_first_;
    }
  }

  void write_line(int64_t t_ns) {
    const Entry e = content(written_);
    LogFile& f = files_.back();
    if (f.lines == 0) f.first_ns = t_ns;
    f.last_ns = t_ns;
    ++f.lines;
    f.bytes += e.bytes();
    ProducerCounts& c = p_.counts_;
    ++c.produced;
    c.produced_bytes += e.bytes();
    ++spec_.totals.lines_written;
    if (!keys().random_keys()) {
      KeyCounts& k = p_.key_counts(e.key);
      ++k.offered;
      k.offered_bytes += e.bytes();
    }
    const Time t = Time::from_nanos(t_ns);
    p_.metrics_.add(p_.s_records_, t);
    p_.metrics_.add(p_.s_bytes_, t, static_cast<double>(e.bytes()));
    if (spec_.trace == nullptr) future_ns_.pop_front();
    ++written_;
  }

  // The current file is renamed and a new one starts; the oldest rotated file beyond the
  // tracked ones is deleted, and what the agent had not read of it is gone.
  void rotate() {
    ++p_.totals_.rotations;
    files_.push_back(LogFile{written_, 0, 0, next_rotation_ns_, next_rotation_ns_});
    next_rotation_ns_ = add_saturated(next_rotation_ns_, spec_.config.rotation_interval);
    while (files_.size() > std::size_t{spec_.config.rotated_files_tracked} + 1) {
      files_.pop_front();
      skip_to(files_.front().first_line);
    }
  }

  void schedule_rotation() {
    if (next_rotation_ns_ == kNever) return;
    // Urgent: a rotation at t sees the agent as it was before anything else happens at t.
    p_.engine_.schedule(
        Time::from_nanos(next_rotation_ns_),
        [this] {
          write_until(p_.engine_.now().nanos());
          schedule_rotation();
        },
        sim::Priority::kUrgent);
  }

  // ---- the agent's window of line statuses ----------------------------------------------

  // Lines [read_pos_, line) were deleted before this run of the agent read them: those never
  // accepted are lost.
  void skip_to(uint64_t line);

  void advance_acked() {
    while (acked_ < status_end_ && (status(acked_) & kDone) != 0) ++acked_;
  }

  // ---- the tailer: reads lines into buffers ---------------------------------------------

  bool full(const Batch& b) const { return b.sendable >= settings().max_buffer_size_records; }
  void open_forming(int64_t read_ns) {
    forming_ = acquire();
    forming_->deadline_ns = add_saturated(read_ns, settings().max_buffer_age);
    schedule_close(forming_->deadline_ns);
  }
  void schedule_close(int64_t at_ns);
  bool add_line(int64_t line_written_ns, int64_t read_ns);
  void preread();
  void close_forming();

  // ---- the publisher: PutRecords, retries with backoff ----------------------------------

  void send(Batch* b);
  void on_arrive(Batch* b);
  void account_accepted(const Entry& e, Time now, uint32_t attempt);
  void on_reply(Batch* b);
  void schedule_retry(Batch* retry, uint32_t failed_attempt);
  Batch* acquire();
  void release(Batch* b);

  AgentProducer& p_;
  Instance& host_;
  FlowSpec& spec_;
  uint32_t index_;                          // the host's: which trace rows are its own
  uint64_t content_seed_;                   // line contents (key, size) by line index
  std::optional<ArrivalProcess> arrivals_;  // generated lines (not a trace)

  // The application's files: written_ lines so far; future_ns_ holds the write times of the
  // next generated lines, drawn ahead for the tailer; trace_lines_ the trace rows of lines
  // [trace_first_, ...), written or drawn ahead.
  std::deque<LogFile> files_;
  std::deque<int64_t> future_ns_;
  std::deque<TraceLine> trace_lines_;
  uint64_t trace_first_ = 0;
  uint64_t written_ = 0;
  bool exhausted_ = false;
  int64_t next_rotation_ns_ = kNever;

  // The tailer. Lines < acked_ are done; saved_ is the last saved checkpoint; status_ covers
  // [base_, status_end_), status_end_ being one past the furthest line ever read.
  uint64_t read_pos_ = 0;
  uint64_t acked_ = 0;
  uint64_t saved_ = 0;
  uint64_t base_ = 0;
  uint64_t status_end_ = 0;
  std::deque<uint8_t> status_;

  Batch* forming_ = nullptr;
  sim::EventId close_event_;
  std::deque<Batch*> ready_;  // closed buffers and retries waiting to be sent
  std::vector<Batch*> in_flight_list_;
  uint32_t queued_ = 0;  // buffers handed to the publisher: ready, retrying or in flight
  int64_t send_blocked_until_ns_ = 0;
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
    for (auto& f : flows_) f->write_until(now.nanos());
    if (up_) {
      ++p_.totals_.restarts;
      for (auto& f : flows_) f->account_in_flight(now);
      ++generation_;  // every pending event of the old run is now stale
      up_ = false;
      in_flight_ = 0;
      for (auto& f : flows_) f->reset_after_stop();
      batches_.release_all();
    }
    const int64_t up_at = add_saturated(now.nanos(), downtime);
    if (up_at > down_until_ns_) {
      down_until_ns_ = up_at;
      const uint64_t seq = ++restart_seq_;
      p_.engine_.schedule(Time::from_nanos(up_at), [this, seq] {
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
    const int64_t now = p_.engine_.now().nanos();
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
  Pool<Batch>& batches() { return batches_; }
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
  int64_t down_until_ns_ = 0;
  uint32_t in_flight_ = 0;
  Pool<Batch> batches_;
};

// ---- Flow, out of line: what needs the Instance ----------------------------------------------

AgentProducer::Flow::Flow(AgentProducer& p, Instance& host, FlowSpec& spec, uint32_t index,
                          const std::string& prefix, uint64_t seed)
    : p_(p),
      host_(host),
      spec_(spec),
      index_(index),
      content_seed_(sim::RngStream::derive(seed, prefix + "/lines").next_u64()) {
  if (spec.trace == nullptr) {
    arrivals_.emplace(spec.config.rate, p.config_.instances, index, p.config_.start,
                      sim::RngStream::derive(seed, prefix + "/arrivals"));
  }
  files_.push_back(LogFile{});
  next_rotation_ns_ = add_saturated(0, spec.config.rotation_interval);
}

bool AgentProducer::Flow::up() const { return host_.up(); }
uint32_t AgentProducer::Flow::generation() const { return host_.generation(); }
Batch* AgentProducer::Flow::acquire() { return host_.batches().acquire(); }
void AgentProducer::Flow::release(Batch* b) {
  b->clear();
  host_.batches().release(b);
}

// Writes every line due by `t_ns` and performs the rotations due by then, in time order.
void AgentProducer::Flow::write_until(int64_t t_ns) {
  for (;;) {
    const int64_t nt = peek_time(written_);
    if (next_rotation_ns_ <= t_ns && next_rotation_ns_ <= nt) {
      rotate();
      continue;
    }
    if (nt > t_ns) break;
    write_line(nt);
  }
  if (written_ > read_pos_) {
    p_.totals_.max_backlog_lines = std::max(p_.totals_.max_backlog_lines, written_ - read_pos_);
  }
  trim_trace();
}

void AgentProducer::Flow::reset_after_stop() {
  p_.engine_.cancel(close_event_);
  forming_ = nullptr;
  ready_.clear();
  in_flight_list_.clear();
  queued_ = 0;
  send_blocked_until_ns_ = 0;
  // Lines taken ahead into the lost buffer were not written yet: they were never read.
  if (status_end_ > written_) {
    status_.resize(static_cast<std::size_t>(written_ - base_));
    status_end_ = written_;
  }
  const uint64_t resume = std::max(saved_, base_);
  for (uint64_t i = resume; i < status_end_; ++i) status(i) &= static_cast<uint8_t>(~kDone);
  read_pos_ = resume;
  acked_ = resume;
  skip_to(files_.front().first_line);
}

void AgentProducer::Flow::finish(Time end, ProducerCounts& counts) {
  write_until(end.nanos());
  uint64_t pending = 0;
  const uint64_t lim = std::min(status_end_, written_);
  for (uint64_t i = base_; i < lim; ++i) {
    if ((status(i) & (kAccepted | kFinal)) == 0) ++pending;
  }
  if (written_ > status_end_) pending += written_ - status_end_;
  counts.pending += pending;
}

void AgentProducer::Flow::skip_to(uint64_t line) {
  if (line <= read_pos_) return;
  const uint64_t window_end = std::min(line, status_end_);
  uint64_t lost = 0;
  for (uint64_t i = std::max(read_pos_, base_); i < window_end; ++i) {
    uint8_t& s = status(i);
    if ((s & (kAccepted | kFinal)) == 0) {
      ++lost;
      s |= kFinal;
    }
    s |= kDone;
  }
  read_pos_ = line;
  advance_acked();
  if (line > status_end_) {
    const uint64_t n = line - status_end_;  // never read at all
    lost += n;
    if (acked_ == status_end_) {
      status_.clear();  // nothing outstanding: the window restarts past the deleted lines
      base_ = line;
      acked_ = line;
    } else {
      status_.insert(status_.end(), static_cast<std::size_t>(n), uint8_t{kFinal | kDone});
    }
    status_end_ = line;
  }
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
  const int64_t now = p_.engine_.now().nanos();
  write_until(now);
  for (;;) {
    if (forming_ != nullptr && forming_->preread) break;
    if (forming_ == nullptr && queued_ >= kPublishQueueCapacity) break;  // tailer blocked
    if (read_pos_ < written_) {
      if (!add_line(written_ns(read_pos_), now)) {
        close_forming();
      } else if (full(*forming_)) {
        close_forming();
      }
      continue;
    }
    preread();
    break;
  }
  host_.try_send();
}

void AgentProducer::Flow::schedule_close(int64_t at_ns) {
  p_.engine_.cancel(close_event_);
  if (at_ns == kNever) return;
  close_event_ = p_.engine_.schedule(Time::from_nanos(at_ns), [this, gen = generation()] {
    if (gen != generation()) return;
    close_forming();
    pump();
  });
}

// Reads line read_pos_ (written at line_written_ns) into the buffer at read_ns; false when it
// does not fit in the buffer's bytes (the buffer must close first). A line over the record size
// limit is truncated to it, as the agent's FileTailer does: the data keeps limit - key bytes
// (ending with truncatedRecordTerminator) and the key stays the one of the whole line.
bool AgentProducer::Flow::add_line(int64_t line_written_ns, int64_t read_ns) {
  if (forming_ == nullptr) open_forming(read_ns);
  Entry e = content(read_pos_);
  e.written_ns = line_written_ns;
  const uint64_t limit = max_record_bytes();
  const bool truncated = e.bytes() > limit && e.pk_bytes < limit;
  if (truncated) e.data_bytes = static_cast<uint32_t>(limit - e.pk_bytes);
  // Only a key longer than the limit leaves a record too large to send.
  const bool too_large = e.bytes() > limit;
  if (!too_large && forming_->sendable > 0 &&
      forming_->bytes + e.bytes() > settings().max_buffer_size_bytes) {
    return false;
  }
  if (truncated) {
    ++p_.totals_.records_truncated;
    ++spec_.totals.records_truncated;
  }
  if (read_pos_ < status_end_) {
    ++p_.totals_.lines_reread;
  } else {
    status_.push_back(0);
    ++status_end_;
  }
  forming_->entries.push_back(e);
  if (!too_large) {
    forming_->bytes += e.bytes();
    ++forming_->sendable;
  }
  ++read_pos_;
  return true;
}

// Caught up: the buffer takes the coming lines as they are written, until it is full or reaches
// its age; its close is scheduled then.
void AgentProducer::Flow::preread() {
  int64_t t = peek_time(read_pos_);
  if (forming_ == nullptr) {
    if (t == kNever) return;
    open_forming(t);
  }
  int64_t close_ns = forming_->deadline_ns;
  for (;;) {
    t = peek_time(read_pos_);
    if (t > forming_->deadline_ns) break;
    if (!add_line(t, t) || full(*forming_)) {
      close_ns = t;
      break;
    }
  }
  forming_->preread = true;
  if (close_ns != forming_->deadline_ns) schedule_close(close_ns);
}

// The buffer goes to the publish queue; records still over the record size are dropped here.
void AgentProducer::Flow::close_forming() {
  Batch* b = forming_;
  forming_ = nullptr;
  p_.engine_.cancel(close_event_);
  const uint64_t max_bytes = max_record_bytes();
  std::size_t kept = 0;
  for (const Entry& e : b->entries) {
    if (e.bytes() > max_bytes) {
      uint8_t& s = status(e.line);
      if ((s & (kFinal | kAccepted)) == 0) {
        ++p_.counts_.rejected_too_large;
        s |= kFinal;
      }
      s |= kDone;
      continue;
    }
    b->entries[kept++] = e;
  }
  b->entries.resize(kept);
  b->preread = false;
  if (kept == 0) {
    release(b);
  } else {
    ready_.push_back(b);
    ++queued_;
  }
  advance_acked();
}

void AgentProducer::Flow::send(Batch* b) {
  host_.opened();
  in_flight_list_.push_back(b);
  ++p_.counts_.requests;
  b->sent = p_.engine_.now();
  b->arrived = false;
  b->latency = p_.latency_.sample(host_.net_rng());
  p_.metrics_.add(p_.s_sent_, b->sent, static_cast<double>(b->entries.size()));
  p_.engine_.schedule_in(b->latency / 2, [this, b, gen = generation()] {
    if (gen == generation()) on_arrive(b);
  });
}

void AgentProducer::Flow::on_arrive(Batch* b) {
  const Time now = p_.engine_.now();
  Stream& stream = p_.stream_;
  b->outcomes.resize(b->entries.size());
  for (std::size_t i = 0; i < b->entries.size(); ++i) {
    const Entry& e = b->entries[i];
    b->outcomes[i] = stream.put(now, spec_.router->shard_for(keys(), stream, e.key), e.bytes(),
                                Time::from_nanos(e.written_ns));
  }
  stream.end_request(now, PutApi::kPutRecords, b->entries.size(), b->bytes);
  b->arrived = true;
  p_.engine_.schedule(b->sent + b->latency, [this, b, gen = generation()] {
    if (gen == generation()) on_reply(b);
  });
}

// The stream accepted the record of `e`: counted once per line; again it is a duplicate.
void AgentProducer::Flow::account_accepted(const Entry& e, Time now, uint32_t attempt) {
  uint8_t& s = status(e.line);
  if ((s & kAccepted) != 0) {
    ++p_.counts_.duplicates;
    ++spec_.totals.duplicates;
    p_.metrics_.add(p_.s_duplicates_, now);
    return;
  }
  s |= kAccepted;
  ProducerCounts& c = p_.counts_;
  ++c.accepted;
  c.accepted_bytes += e.bytes();
  ++spec_.totals.records_accepted;
  if (!keys().random_keys()) ++p_.key_counts(e.key).accepted;
  p_.record_latency_us_.record(
      static_cast<uint64_t>(std::max<int64_t>(0, now.nanos() - e.written_ns) / 1000));
  if (p_.attempts_.size() <= attempt) p_.attempts_.resize(attempt + 1);
  ++p_.attempts_[attempt];
  p_.metrics_.add(p_.s_accepted_, now);
}

void AgentProducer::Flow::on_reply(Batch* b) {
  const Time now = p_.engine_.now();
  host_.closed();
  in_flight_list_.erase(std::find(in_flight_list_.begin(), in_flight_list_.end(), b));
  p_.stream_.record_latency(now, PutApi::kPutRecords, b->latency);
  p_.request_latency_us_.record(static_cast<uint64_t>(b->latency.count_nanos() / 1000));
  ProducerCounts& c = p_.counts_;
  Batch* retry = nullptr;
  uint64_t throttled = 0;
  for (std::size_t i = 0; i < b->entries.size(); ++i) {
    const Entry& e = b->entries[i];
    if (b->outcomes[i] == PutOutcome::kAccepted) {
      account_accepted(e, now, b->attempt);
      status(e.line) |= kDone;
      continue;
    }
    if (b->outcomes[i] == PutOutcome::kThrottled) {
      ++throttled;
      if (!keys().random_keys()) ++p_.key_counts(e.key).throttled;
    } else {
      ++c.internal_failure_entries;
    }
    if (retry == nullptr) retry = acquire();
    retry->entries.push_back(e);
    retry->bytes += e.bytes();
    ++retry->sendable;
  }
  c.throttled_entries += throttled;
  if (throttled > 0) p_.metrics_.add(p_.s_throttled_, now, static_cast<double>(throttled));
  --queued_;
  if (retry != nullptr) schedule_retry(retry, b->attempt);
  release(b);
  advance_acked();
  host_.try_send();
  pump();
}

// Failed entries go back first, in order; the flow's publisher waits
// min(max, min * multiplier^(attempt-1)) * (1 +/- jitter) before it sends anything again.
void AgentProducer::Flow::schedule_retry(Batch* retry, uint32_t failed_attempt) {
  const AgentFlowSettings& a = settings();
  const double exponent = static_cast<double>(std::min<uint32_t>(failed_attempt - 1, 64));
  const double base =
      std::min(a.backoff_max.to_seconds(),
               a.backoff_min.to_seconds() * std::pow(a.backoff_multiplier, exponent));
  const double jitter = 1.0 + a.backoff_jitter * (2.0 * host_.net_rng().uniform() - 1.0);
  const Duration delay = Duration::from_seconds(base * jitter);
  p_.backoff_us_.record(static_cast<uint64_t>(delay.count_nanos() / 1000));
  retry->attempt = failed_attempt + 1;
  const auto n = retry->entries.size();
  p_.counts_.retried_entries += n;
  p_.metrics_.add(p_.s_retried_, p_.engine_.now(), static_cast<double>(n));
  ready_.push_front(retry);
  ++queued_;
  const int64_t until = add_saturated(p_.engine_.now().nanos(), delay);
  send_blocked_until_ns_ = std::max(send_blocked_until_ns_, until);
  p_.engine_.schedule(Time::from_nanos(until), [this, gen = generation()] {
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
