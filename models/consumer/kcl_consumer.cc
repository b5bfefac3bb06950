#include "models/consumer/kcl_consumer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace kinesim::models {

using sim::Duration;
using sim::Time;

namespace {

constexpr ConsumerKind kKclKind = {"kcl",
                                   true,
                                   "RecordsRead",
                                   "BytesRead",
                                   "RecordsProcessed",
                                   "ThrottledCalls",
                                   "MillisBehindLatest"};

bool is_zero(const sim::Distribution& d) {
  return d.kind == sim::Distribution::Kind::kFixed && d.value == 0;
}

// KCL's polling: maxRecords a call, and the idle time (200 ms at least) after each reply, which
// on a fixed-rate reader is a period of idle + the mean GetRecords latency.
ReaderConfig kcl_reader(const ConsumerConfig& c) {
  ReaderConfig r;
  r.retrieval =
      c.kcl.retrieval == KclConfig::Retrieval::kFanout ? Retrieval::kFanOut : Retrieval::kPolling;
  r.initial_position = c.kcl.initial_position;
  r.timestamp = c.kcl.timestamp;
  r.limit = c.kcl.max_records;
  r.poll_interval = c.kcl.idle_time() + Duration::from_seconds(sim::mean_of(c.read_latency));
  return r;
}

// The part of `batch` (which starts at `start`) at or after `from`, with its user records made to
// sum to `user_records` exactly (a cut slice takes the remainder; the rest is proportional).
std::vector<RecordSlice> slices_from(const ReadBatch& batch, uint64_t from, uint64_t user_records) {
  std::vector<RecordSlice> out;
  uint64_t whole_users = 0;
  std::size_t cut = batch.slices.size();
  for (const RecordSlice& s : batch.slices) {
    const uint64_t end = s.first_sequence + s.records;
    if (end <= from) continue;
    if (s.first_sequence >= from) {
      out.push_back(s);
      whole_users += s.user_records;
      continue;
    }
    RecordSlice part = s;
    const uint64_t keep = end - from;
    const double f = static_cast<double>(keep) / static_cast<double>(s.records);
    part.first_sequence = from;
    part.records = keep;
    part.bytes = static_cast<uint64_t>(std::llround(static_cast<double>(s.bytes) * f));
    part.first_arrival = s.last_arrival - Duration::from_seconds(
                                              (s.last_arrival - s.first_arrival).to_seconds() * f);
    cut = out.size();
    out.push_back(part);
  }
  if (cut < out.size()) {
    RecordSlice& part = out[cut];
    const uint64_t users = user_records > whole_users ? user_records - whole_users : 0;
    const uint64_t original = part.user_records;
    part.user_records = std::min(users, original);
    part.write_delay_sum = original == 0 ? Duration()
                                         : part.write_delay_sum / static_cast<int64_t>(original) *
                                               static_cast<int64_t>(part.user_records);
  }
  return out;
}

}  // namespace

KclConsumer::KclConsumer(const ConsumerConfig& config, Stream& stream, sim::Engine& engine,
                         sim::MetricRecorder& metrics, uint64_t seed)
    : Consumer(config, kcl_reader(config), kKclKind, stream, engine, metrics, seed),
      kcl_(config.kcl),
      per_batch_(config.kcl.processing_per_batch),
      per_record_(config.kcl.processing_per_record),
      batch_cost_(!is_zero(config.kcl.processing_per_batch)),
      record_cost_(!is_zero(config.kcl.processing_per_record)) {
  const std::string p = config.name + "/";
  series_taken_ = metrics.add_counter(p + "LeasesTaken");
  series_lost_ = metrics.add_counter(p + "LeasesLost");
  series_duplicates_ = metrics.add_counter(p + "Duplicates");
}

// ---- The fleet ------------------------------------------------------------------------------

void KclConsumer::begin_fleet(Time now) {
  fleet_begun_ = true;
  for (uint32_t i = 0; i < kcl_.workers; ++i) add_worker(now);
  if (kcl_.version == KclConfig::Version::k3x) {
    engine().schedule(now, [this] { lease_assignment(); });
  }
}

uint32_t KclConsumer::add_worker(Time now) {
  const auto w = static_cast<uint32_t>(workers_.size());
  Worker& worker = workers_.emplace_back();
  worker.renewals_from = now;
  // Processes started together still start a little apart: up to 1 s (assumed).
  const Duration jitter = Duration::nanos(static_cast<int64_t>(rng().below(1'000'000'000)));
  if (kcl_.version == KclConfig::Version::k2x) schedule_taker(w, now + jitter);
  return w;
}

uint32_t KclConsumer::workers_alive() const {
  return static_cast<uint32_t>(
      std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return w.alive; }));
}

std::vector<uint32_t> KclConsumer::leases_per_worker() const {
  std::vector<uint32_t> n(workers_.size(), 0);
  for (const Lease& l : leases_) {
    if (l.exists && !l.ended && l.owner >= 0) ++n[static_cast<std::size_t>(l.owner)];
  }
  return n;
}

void KclConsumer::worker_down(uint32_t w, Time now, bool graceful) {
  Worker& worker = workers_[w];
  if (!worker.alive) return;
  worker.alive = false;
  worker.died_at = now;
  ++worker.incarnation;
  for (Lease& l : leases_) {
    if (!l.exists || l.ended || l.owner != static_cast<int32_t>(w)) continue;
    release(l);
    if (graceful) {
      // shutdownRequested: the application checkpoints what it processed; the lease is freed.
      checkpoint(l, now, l.position);
      l.owner = -1;
    }
  }
  if (leader_ == static_cast<int32_t>(w)) {
    leader_ = -1;
    // A crashed leader's lock runs out; a shut-down one releases it.
    leader_lock_free_at_ = graceful ? now : now + Duration::seconds(KclConfig::kLeaderLockSeconds);
  }
}

void KclConsumer::worker_up(uint32_t w, Time now) {
  Worker& worker = workers_[w];
  if (worker.alive || worker.removed) return;
  worker.alive = true;
  worker.renewals_from = now;
  // The lease renewer starts with the leases the table still gives this worker id.
  for (std::size_t s = 0; s < leases_.size(); ++s) {
    Lease& l = leases_[s];
    if (l.exists && !l.ended && l.owner == static_cast<int32_t>(w)) {
      resume(l, now);
    }
  }
  if (kcl_.version == KclConfig::Version::k2x) schedule_taker(w, now);
}

TimelineEvent KclConsumer::act(Time now, const TimelineAction& a) {
  const std::string& n = name();
  const auto worker_name = [&](uint32_t w) { return n + " worker " + std::to_string(w); };
  const auto check = [&](uint32_t w) {
    if (w >= workers_.size()) {
      throw std::logic_error("kcl consumer " + n + " has no worker " + std::to_string(w));
    }
  };
  if (!fleet_begun_) begin_fleet(now);
  switch (a.kind) {
    case TimelineAction::Kind::kKclWorkerFailure:
      check(a.worker);
      worker_down(a.worker, now, false);
      return {now, "kcl_worker_failure", worker_name(a.worker) + " down",
              "its leases expire failoverTimeMillis after its last renewal; their new owners "
              "resume from the last checkpoints"};
    case TimelineAction::Kind::kKclWorkerRestart: {
      check(a.worker);
      const uint32_t w = a.worker;
      worker_down(w, now, false);
      const uint64_t inc = workers_[w].incarnation;
      engine().schedule(now + a.downtime, [this, w, inc] {
        if (workers_[w].incarnation == inc) worker_up(w, engine().now());
      });
      return {now, "kcl_worker_restart", worker_name(w) + " down " + sim::to_string(a.downtime),
              "killed and restarted with its worker id: it resumes the leases still in its name "
              "from their checkpoints"};
    }
    case TimelineAction::Kind::kKclDeploy:
      deploy_step(0, a.downtime);
      return {now, "kcl_deploy", n + " rolling restart, " + sim::to_string(a.downtime) + " each",
              "one worker at a time: shut down gracefully (checkpoint, leases released), back "
              "after the downtime"};
    case TimelineAction::Kind::kKclWorkerAdded: {
      const uint32_t w = add_worker(now);
      return {now, "kcl_worker_added", worker_name(w) + " started",
              "it takes leases at its next lease-taking pass (2.x: steals towards an even "
              "share) or is given some by the leader (3.x)"};
    }
    case TimelineAction::Kind::kKclWorkerRemoved: {
      for (auto w = static_cast<int32_t>(workers_.size()) - 1; w >= 0; --w) {
        Worker& worker = workers_[static_cast<std::size_t>(w)];
        if (!worker.alive || worker.removed) continue;
        worker_down(static_cast<uint32_t>(w), now, true);
        worker.removed = true;
        return {now, "kcl_worker_removed", worker_name(static_cast<uint32_t>(w)) + " shut down",
                "graceful shutdown: checkpoints, releases its leases and does not come back"};
      }
      return {now, "kcl_worker_removed", n + " has no live worker", ""};
    }
    default:
      throw std::logic_error("kcl consumer " + n + ": not a KCL timeline action");
  }
}

void KclConsumer::deploy_step(uint32_t w, Duration downtime) {
  while (w < workers_.size() && (!workers_[w].alive || workers_[w].removed)) ++w;
  if (w >= workers_.size()) return;
  const Time now = engine().now();
  worker_down(w, now, true);
  const uint64_t inc = workers_[w].incarnation;
  engine().schedule(now + downtime, [this, w, inc, downtime] {
    if (workers_[w].incarnation != inc) return;
    worker_up(w, engine().now());
    deploy_step(w + 1, downtime);
  });
}

// ---- Leases ---------------------------------------------------------------------------------

void KclConsumer::on_shard_ready(ShardReader& reader, Time now, Duration /*phase*/) {
  if (!fleet_begun_) begin_fleet(now);
  const core::ShardIndex s = reader.shard();
  if (leases_.size() <= s) leases_.resize(std::size_t{s} + 1);
  Lease& l = leases_[s];
  if (l.exists) return;
  l.exists = true;
  l.reader = &reader;
  l.checkpoint = reader.books().frontier;
  l.processed_to = reader.books().frontier;
  l.position = l.checkpoint;
}

Time KclConsumer::last_renewal(const Worker& w) const {
  const Duration interval = kcl_.lease_renewal_interval();
  const Duration since = w.died_at - w.renewals_from;
  if (since < Duration()) return w.renewals_from;
  return w.renewals_from + interval * (since.count_nanos() / interval.count_nanos());
}

bool KclConsumer::expired(const Lease& l, Time now) const {
  if (l.owner < 0) return false;
  const Worker& w = workers_[static_cast<std::size_t>(l.owner)];
  return !w.alive && now - last_renewal(w) >= kcl_.failover_time();
}

bool KclConsumer::available(const Lease& l, Time now) const {
  return l.exists && !l.ended && (l.owner < 0 || expired(l, now));
}

void KclConsumer::release(Lease& l) {
  if (l.in_process) {
    dropped(l.fresh_units);
    l.in_process = false;
    l.fresh.clear();
  }
  ++l.batch;  // a batch_done of before is stale
  l.hand_off_to = -1;
  l.reader->stop(l.processed_to);
}

void KclConsumer::resume(Lease& l, Time now) {
  l.position = l.checkpoint;
  l.since_checkpoint = 0;
  l.checkpointed_at = now;
  // A random phase within the poll interval, as every reader's first call.
  const auto phase = Duration::nanos(static_cast<int64_t>(
      rng().below(static_cast<uint64_t>(reader_config().poll_interval.count_nanos()))));
  l.reader->restart_at(now + phase, l.checkpoint);
}

void KclConsumer::assign(int32_t w, core::ShardIndex shard, Time now, Take how) {
  Lease& l = leases_[shard];
  const int32_t previous = l.owner;
  if (previous >= 0 && previous != w && workers_[static_cast<std::size_t>(previous)].alive) {
    release(l);
    ++leases_lost_;
    metrics().add(series_lost_, now);
  }
  switch (how) {
    case Take::kExpired:
      ++leases_expired_;
      break;
    case Take::kStolen:
      ++leases_stolen_;
      break;
    case Take::kHandedOff:
      ++leases_handed_off_;
      break;
    case Take::kFree:
    case Take::kAssigned:
      break;
  }
  l.owner = w;
  ++leases_taken_;
  metrics().add(series_taken_, now);
  resume(l, now);
}

std::vector<uint32_t> KclConsumer::lease_counts(Time now) const {
  std::vector<uint32_t> n(workers_.size(), 0);
  for (const Lease& l : leases_) {
    if (l.exists && !l.ended && l.owner >= 0 && !expired(l, now)) {
      ++n[static_cast<std::size_t>(l.owner)];
    }
  }
  return n;
}

void KclConsumer::schedule_taker(uint32_t w, Time at) {
  const uint64_t inc = workers_[w].incarnation;
  engine().schedule(at, [this, w, inc] {
    if (workers_[w].incarnation != inc || !workers_[w].alive) return;
    lease_taker(w);
    schedule_taker(w, engine().now() + kcl_.lease_taker_interval());
  });
}

// KCL 2.x's DynamoDBLeaseTaker: the workers it sees are the owners of unexpired leases and
// itself; it aims at ceil(leases / workers), takes free or expired leases first (in random order)
// and steals only when there are none.
void KclConsumer::lease_taker(uint32_t w) {
  const Time now = engine().now();
  const std::vector<uint32_t> counts = lease_counts(now);
  uint64_t total = 0;
  std::vector<core::ShardIndex> avail;
  for (std::size_t s = 0; s < leases_.size(); ++s) {
    const Lease& l = leases_[s];
    if (!l.exists || l.ended) continue;
    ++total;
    if (available(l, now)) avail.push_back(static_cast<core::ShardIndex>(s));
  }
  if (total == 0) return;
  uint64_t seen = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) seen += counts[i] > 0 || i == w ? 1U : 0U;
  const uint64_t target = (total + seen - 1) / seen;
  const uint64_t mine = counts[w];
  if (mine >= target) return;
  const uint64_t needed = target - mine;
  if (!avail.empty()) {
    for (std::size_t i = avail.size(); i > 1; --i) {
      std::swap(avail[i - 1], avail[rng().below(i)]);
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(needed, avail.size()); ++i) {
      const Lease& l = leases_[avail[i]];
      assign(static_cast<int32_t>(w), avail[i], now, l.owner < 0 ? Take::kFree : Take::kExpired);
    }
    return;
  }
  // The most loaded worker (the first of equals).
  std::size_t most = w;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (i != w && (most == w || counts[i] > counts[most])) most = i;
  }
  if (most == w || counts[most] < target) return;
  uint64_t steal = std::min<uint64_t>(needed, counts[most] - target);
  if (needed > 1 && steal == 0) steal = 1;
  steal = std::min<uint64_t>(steal, kcl_.max_leases_to_steal_at_one_time);
  std::vector<core::ShardIndex> theirs;
  for (std::size_t s = 0; s < leases_.size(); ++s) {
    const Lease& l = leases_[s];
    if (l.exists && !l.ended && l.owner == static_cast<int32_t>(most)) {
      theirs.push_back(static_cast<core::ShardIndex>(s));
    }
  }
  for (uint64_t i = 0; i < steal && !theirs.empty(); ++i) {
    const std::size_t pick = rng().below(theirs.size());
    assign(static_cast<int32_t>(w), theirs[pick], now, Take::kStolen);
    theirs.erase(theirs.begin() + static_cast<std::ptrdiff_t>(pick));
  }
}

int32_t KclConsumer::leader(Time now) {
  if (leader_ >= 0) return leader_;
  if (now < leader_lock_free_at_) return -1;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (workers_[i].alive) return leader_ = static_cast<int32_t>(i);
  }
  return -1;
}

double KclConsumer::lease_load(const Lease& l) const {
  return use_busy_ ? l.busy.to_seconds() : static_cast<double>(l.records);
}

// KCL 3.x's LeaseAssignmentManager, run by the leader.
void KclConsumer::lease_assignment() {
  const Time now = engine().now();
  engine().schedule(now + kcl_.lease_assignment_interval(), [this] { lease_assignment(); });
  if (leader(now) < 0) return;
  ++assignment_runs_;
  use_busy_ = std::any_of(leases_.begin(), leases_.end(),
                          [](const Lease& l) { return l.busy > Duration(); });
  std::vector<double> loads(workers_.size(), 0);
  std::vector<uint32_t> counts(workers_.size(), 0);
  for (const Lease& l : leases_) {
    if (!l.exists || l.ended || l.owner < 0 || expired(l, now)) continue;
    loads[static_cast<std::size_t>(l.owner)] += lease_load(l);
    ++counts[static_cast<std::size_t>(l.owner)];
  }
  const auto least_loaded = [&]() {
    int32_t best = -1;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      if (!workers_[i].alive) continue;
      const auto b = static_cast<std::size_t>(best);
      if (best < 0 || loads[i] < loads[b] || (loads[i] == loads[b] && counts[i] < counts[b])) {
        best = static_cast<int32_t>(i);
      }
    }
    return best;
  };
  for (std::size_t s = 0; s < leases_.size(); ++s) {
    const Lease& l = leases_[s];
    if (!available(l, now)) continue;
    const int32_t w = least_loaded();
    if (w < 0) return;
    const double load = lease_load(l);
    assign(w, static_cast<core::ShardIndex>(s), now,
           l.owner < 0 ? Take::kAssigned : Take::kExpired);
    loads[static_cast<std::size_t>(w)] += load;
    ++counts[static_cast<std::size_t>(w)];
  }
  if (assignment_runs_ % KclConfig::kRebalanceEveryRuns != 0) return;
  rebalance(loads, counts);
  for (Lease& l : leases_) {
    l.busy = Duration();
    l.records = 0;
  }
}

// Workers more than 10 % above the mean load give 60 % of their excess, lease by lease (the
// largest that fits first), to the least loaded worker; when no lease fits, the smallest one
// moves if that narrows the gap between the two (a lone new worker gets a share). Each moved
// lease is handed off gracefully.
void KclConsumer::rebalance(std::vector<double>& loads, std::vector<uint32_t>& counts) {
  const Time now = engine().now();
  std::vector<std::size_t> live;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (workers_[i].alive) live.push_back(i);
  }
  if (live.size() < 2) return;
  double sum = 0;
  for (const std::size_t i : live) sum += loads[i];
  const double mean = sum / static_cast<double>(live.size());
  if (mean <= 0) return;
  for (const std::size_t o : live) {
    if (loads[o] <= mean * (1 + KclConfig::kRebalanceThreshold)) continue;
    double to_move = (loads[o] - mean) * KclConfig::kRebalanceFraction;
    std::vector<std::size_t> mine;
    for (std::size_t s = 0; s < leases_.size(); ++s) {
      const Lease& l = leases_[s];
      if (l.exists && !l.ended && l.owner == static_cast<int32_t>(o) && l.hand_off_to < 0) {
        mine.push_back(s);
      }
    }
    std::sort(mine.begin(), mine.end(), [&](std::size_t a, std::size_t b) {
      return lease_load(leases_[a]) > lease_load(leases_[b]);
    });
    bool moved = false;
    const auto move = [&](std::size_t s) {
      std::size_t t = live.front();
      for (const std::size_t i : live) {
        if (i != o && (t == o || loads[i] < loads[t])) t = i;
      }
      if (t == o) return;
      const double load = lease_load(leases_[s]);
      loads[o] -= load;
      loads[t] += load;
      --counts[o];
      ++counts[t];
      hand_off(s, static_cast<int32_t>(t), now);
      moved = true;
    };
    for (const std::size_t s : mine) {
      const double load = lease_load(leases_[s]);
      if (load <= to_move && mine.size() > 1) {
        to_move -= load;
        move(s);
      }
    }
    if (!moved && mine.size() > 1) {
      const std::size_t s = mine.back();
      std::size_t t = o;
      for (const std::size_t i : live) {
        if (i != o && (t == o || loads[i] < loads[t])) t = i;
      }
      if (t != o && loads[t] + lease_load(leases_[s]) < loads[o]) move(s);
    }
  }
}

// A graceful hand-off: the batch in process finishes and is checkpointed, then the new owner
// starts from that checkpoint; nothing is processed twice.
void KclConsumer::hand_off(std::size_t s, int32_t to, Time now) {
  Lease& l = leases_[s];
  l.hand_off_to = to;
  if (!l.in_process) finish_hand_off(l, now);
}

void KclConsumer::finish_hand_off(Lease& l, Time now) {
  const int32_t to = l.hand_off_to;
  l.hand_off_to = -1;
  if (to < 0 || !workers_[static_cast<std::size_t>(to)].alive) return;
  checkpoint(l, now, l.position);
  const auto s = static_cast<core::ShardIndex>(&l - leases_.data());
  assign(to, s, now, Take::kHandedOff);
}

// ---- Processing ------------------------------------------------------------------------------

Time KclConsumer::on_batch(ShardReader& reader, Time now, const ReadBatch& batch) {
  Lease& l = leases_[reader.shard()];
  const ShardPosition& e = batch.next;
  const uint64_t start_seq = e.sequence - batch.records;
  const uint64_t start_user = e.user_records_before - batch.user_records;
  const uint64_t p_seq = std::clamp(l.processed_to.sequence, start_seq, e.sequence);
  const uint64_t p_user =
      std::clamp(l.processed_to.user_records_before, start_user, e.user_records_before);
  l.duplicate_units = p_user - start_user;
  l.fresh_units = e.user_records_before - p_user;
  if (p_seq == start_seq) {
    l.fresh = batch.slices;
  } else {
    l.fresh = slices_from(batch, p_seq, l.fresh_units);
  }
  l.batch_end = e;
  l.in_process = true;
  l.failed = kcl_.processing_error_rate > 0 && rng().uniform() < kcl_.processing_error_rate;
  Duration cost;
  if (batch_cost_) cost += per_batch_.sample(rng());
  if (record_cost_) {
    cost += per_record_.sample(rng()) * static_cast<int64_t>(batch.user_records);
  }
  l.batch_cost = cost;
  const uint64_t id = ++l.batch;
  const core::ShardIndex shard = reader.shard();
  engine().schedule(now + cost, [this, shard, id] { batch_done(shard, id); });
  return now + cost;
}

void KclConsumer::batch_done(core::ShardIndex shard, uint64_t id) {
  Lease& l = leases_[shard];
  if (l.batch != id || !l.in_process) return;
  const Time now = engine().now();
  l.in_process = false;
  ++batches_;
  // A failed batch is skipped: KCL logs the exception and moves on, so its records are done
  // (counted processed, and as skipped in the details) but this batch does not checkpoint.
  processed(now, l.fresh);
  l.fresh.clear();
  if (l.duplicate_units > 0) {
    reprocessed(l.duplicate_units);
    duplicates_ += l.duplicate_units;
    metrics().add(series_duplicates_, now, static_cast<double>(l.duplicate_units));
  }
  const uint64_t units = l.fresh_units + l.duplicate_units;
  if (l.failed) {
    ++batches_failed_;
    records_skipped_ += units;
  }
  if (l.batch_end.sequence > l.processed_to.sequence) l.processed_to = l.batch_end;
  l.position = l.batch_end;
  l.busy += l.batch_cost;
  l.records += units;
  l.since_checkpoint += units;
  const bool every_batch =
      kcl_.checkpoint_every_records == 0 && kcl_.checkpoint_every == Duration();
  const bool by_records =
      kcl_.checkpoint_every_records > 0 && l.since_checkpoint >= kcl_.checkpoint_every_records;
  const bool by_time =
      kcl_.checkpoint_every > Duration() && now - l.checkpointed_at >= kcl_.checkpoint_every;
  if (!l.failed && (every_batch || by_records || by_time)) checkpoint(l, now, l.position);
  if (l.hand_off_to >= 0) finish_hand_off(l, now);
}

void KclConsumer::checkpoint(Lease& l, Time now, ShardPosition at) {
  if (at.sequence > l.checkpoint.sequence) {
    l.checkpoint = at;
    ++checkpoints_;
  }
  l.since_checkpoint = 0;
  l.checkpointed_at = now;
}

void KclConsumer::on_shard_end(ShardReader& reader, Time now) {
  if (reader.shard() < leases_.size()) {
    Lease& l = leases_[reader.shard()];
    if (l.exists && !l.ended) {
      // shardEnded(): the application checkpoints SHARD_END; the lease is done with.
      checkpoint(l, now, reader.books().next);
      l.ended = true;
    }
  }
  Consumer::on_shard_end(reader, now);
}

void KclConsumer::add_details(ConsumerResult& out) const {
  const auto d = [](uint64_t v) { return static_cast<double>(v); };
  out.details = {
      {"version", kcl_.version == KclConfig::Version::k2x ? 2.0 : 3.0},
      {"workers", d(workers_.size())},
      {"workers_alive", d(workers_alive())},
      {"leases_taken", d(leases_taken_)},
      {"leases_stolen", d(leases_stolen_)},
      {"leases_expired", d(leases_expired_)},
      {"leases_lost", d(leases_lost_)},
      {"leases_handed_off", d(leases_handed_off_)},
      {"duplicates", d(duplicates_)},
      {"checkpoints", d(checkpoints_)},
      {"batches", d(batches_)},
      {"batches_failed", d(batches_failed_)},
      {"records_skipped", d(records_skipped_)},
  };
  const std::vector<uint32_t> n = leases_per_worker();
  for (std::size_t i = 0; i < n.size(); ++i) {
    out.details.emplace_back("worker_" + std::to_string(i) + "_leases", d(n[i]));
  }
}

}  // namespace kinesim::models
