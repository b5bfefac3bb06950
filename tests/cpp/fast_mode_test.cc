// Fast mode (docs/design.md, "Fast mode"; write_path_test.cc checks the write path's closed forms
// in both modes): records are conserved exactly, runs are deterministic, per-shard counts follow
// the multinomial of the key distribution (a chi-square test that a 1 % error in one shard's
// share would fail), and the producers fast mode cannot honour run exact and say why.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <utility>

#include "models/core/hash_key.h"
#include "models/core/shard_map.h"
#include "models/report/report.h"
#include "models/stream/stream.h"
#include "models/workload/keys.h"
#include "models/world/world.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/rng.h"
#include "test_helpers.h"

namespace kinesim::models {
namespace {

using sim::Duration;
using testing::expect_conserved;

Scenario fast(Scenario s) {
  s.fidelity = Fidelity::kFast;
  return s;
}

Scenario one_producer(uint32_t shards, double rps, Duration duration) {
  return fast(testing::one_producer_scenario(
      {.shards = shards, .records_per_sec = rps, .duration = duration}));
}

RunOptions exact_mode() {
  RunOptions o;
  o.fidelity = Fidelity::kExact;
  return o;
}

// A scenario of fidelity fast, run as it is and in exact mode.
std::pair<Result, Result> fast_and_exact(const Scenario& s) {
  return {run_scenario(s), run_scenario(s, exact_mode())};
}

TEST(FastMode, TheResultSaysWhichModeEachProducerRan) {
  Scenario s = one_producer(2, 500, Duration::minutes(1));
  ProducerConfig kpl = s.producers[0];
  kpl.name = "kpl";
  kpl.type = ProducerConfig::Type::kKpl;
  s.producers.push_back(kpl);
  const Result r = run_scenario(s);
  EXPECT_EQ(r.fidelity, "fast");
  EXPECT_EQ(r.producers[0].fidelity, "fast");
  EXPECT_TRUE(r.producers[0].fidelity_note.empty());
  EXPECT_EQ(r.producers[1].fidelity, "fast");
  EXPECT_TRUE(r.producers[1].fidelity_note.empty());
  ProducerConfig agent = kpl;
  agent.type = ProducerConfig::Type::kAgent;
  const FidelityConfig f = producer_fidelity(s, agent, Fidelity::kFast);
  EXPECT_EQ(f.mode, Fidelity::kExact);
  EXPECT_NE(f.note.find("Kinesis Agent"), std::string::npos);
  const Result e = run_scenario(s, exact_mode());
  EXPECT_EQ(e.fidelity, "exact");
  EXPECT_EQ(e.producers[0].fidelity, "exact");
}

TEST(FastMode, RetriesReshardsAndBurstsConserveEveryRecordAndRerunsAreIdentical) {
  // Poisson and evenly spaced arrivals: an evenly spaced batch ends with the next record
  // already drawn, which each reshard (2 -> 4 -> 2 shards) moves to the new shard map. The KPL
  // holds records of the rest of the keys across each reshard (in its aggregator, limiter,
  // retrier and in flight), predicts them under its older map until it refreshes, and moves them
  // to the new map when they are put or retried.
  using Type = ProducerConfig::Type;
  for (const auto& [type, profile] : {std::pair{Type::kSdk, RateConfig::Profile::kPoisson},
                                      std::pair{Type::kSdk, RateConfig::Profile::kConstant},
                                      std::pair{Type::kKpl, RateConfig::Profile::kPoisson},
                                      std::pair{Type::kKpl, RateConfig::Profile::kConstant}}) {
    const std::string what = std::string(type == Type::kKpl ? "kpl " : "sdk ") +
                             (profile == RateConfig::Profile::kPoisson ? "poisson" : "constant");
    // The KPL packs records: 9,000 records/s of 400 B exceed 2 shards' bytes, not their counts.
    Scenario s = one_producer(2, type == Type::kKpl ? 9000 : 3000, Duration::minutes(5));
    s.producers[0].type = type;
    s.producers[0].rate.profile = profile;
    s.producers[0].keys.dist = KeysConfig::Dist::kZipf;
    s.producers[0].keys.s = 1.2;
    s.producers[0].record_size.kind = sim::Distribution::Kind::kLognormal;
    s.producers[0].record_size.mean = 400;
    s.producers[0].record_size.sigma = 0.8;
    s.producers[0].instances = 3;
    const TimelineAction split = testing::update_shard_count(Duration::seconds(60), 4);
    s.timeline.push_back(split);
    TimelineAction merge = split;  // fewer categories after: a stale one would be out of range
    merge.at = Duration::seconds(180);
    merge.target = 2;
    s.timeline.push_back(merge);
    const Result a = run_scenario(s);
    const Result b = run_scenario(s);
    ASSERT_EQ(a.producers[0].fidelity, "fast") << what;
    expect_conserved(a);
    EXPECT_GT(a.producers[0].counts.throttled_entries, 0u) << what;
    EXPECT_GT(a.producers[0].counts.retried_entries, 0u) << what;
    EXPECT_EQ(a.final_open_shards, 2u) << what;
    EXPECT_EQ(summary_json(a).dump(), summary_json(b).dump()) << what;
    RunOptions other;
    other.seed = 99;
    const Result c = run_scenario(s, other);
    EXPECT_NE(summary_json(a).dump(), summary_json(c).dump()) << what;
    // The children of the reshard took records: rest keys moved with their hash ranges.
    uint64_t after = 0;
    for (const ShardResult& sh : a.shards) {
      if (sh.shard_id >= "shardId-000000000002") after += sh.totals.accepted_records;
    }
    EXPECT_GT(after, 0u) << what;
    if (type == Type::kKpl) {
      EXPECT_GT(a.producers[0].counts.duplicates, 0u) << what << ": puts to a closed parent";
    }
  }
}

// Pearson's statistic of observed counts against expected probabilities.
double chi_square(const std::vector<double>& observed, const std::vector<double>& p) {
  double n = 0;
  for (double o : observed) n += o;
  double x2 = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double e = n * p[i];
    x2 += (observed[i] - e) * (observed[i] - e) / e;
  }
  return x2;
}

TEST(FastMode, PerShardCountsFollowTheMultinomialOfTheKeyDistribution) {
  // Zipf(0.6) over 5,000 keys on 8 shards, below capacity: each shard's share of the records is
  // the probability mass of the keys hashing into its range, computed here independently.
  constexpr uint32_t kShards = 8;
  constexpr double kS = 0.6;
  Scenario s = one_producer(kShards, 4000, Duration::minutes(25));
  s.producers[0].keys.dist = KeysConfig::Dist::kZipf;
  s.producers[0].keys.count = 5000;
  s.producers[0].keys.s = kS;
  s.producers[0].instances = 4;
  const Result r = run_scenario(s);
  ASSERT_EQ(r.producers[0].counts.throttled_entries, 0u) << "the test needs no throttling";
  const core::ShardMap map = core::ShardMap::uniform(kShards);
  std::vector<double> p(kShards, 0.0);
  double norm = 0;
  for (int k = 0; k < 5000; ++k) norm += std::pow(k + 1, -kS);
  for (int k = 0; k < 5000; ++k) {
    p[map.route(core::hash_key("key-" + std::to_string(k)))] += std::pow(k + 1, -kS) / norm;
  }
  std::vector<double> observed(kShards, 0.0);
  for (const ShardResult& sh : r.shards) {
    observed[core::ShardMap::parse_shard_id(sh.shard_id)] =
        static_cast<double>(sh.totals.accepted_records);
  }
  // 7 degrees of freedom: P(X2 > 29.9) = 1e-4.
  constexpr double kCritical = 29.9;
  EXPECT_LT(chi_square(observed, p), kCritical);
  // The same counts against shares where one shard's is 1 % too high (and the others scaled
  // down to keep the sum): the test rejects them, so a multinomial off by that much would fail.
  std::size_t big = 0;
  for (std::size_t i = 1; i < kShards; ++i) big = p[i] > p[big] ? i : big;
  std::vector<double> wrong = p;
  wrong[big] *= 1.01;
  for (std::size_t i = 0; i < kShards; ++i) {
    if (i != big) wrong[i] *= (1 - wrong[big]) / (1 - p[big]);
  }
  EXPECT_GT(chi_square(observed, wrong), kCritical);
  // The most probable key is individual, and its count is its share of the records.
  const KeyResult& top = r.producers[0].hottest_keys.at(0);
  EXPECT_EQ(top.key, "key-0");
  const double n = static_cast<double>(r.producers[0].counts.produced);
  const double p0 = 1.0 / norm;
  EXPECT_NEAR(static_cast<double>(top.counts.offered), n * p0, 5 * std::sqrt(n * p0 * (1 - p0)));
  expect_conserved(r);
}

TEST(FastMode, EveryKeyDistributionAndCapacityModeConservesRecords) {
  using Dist = KeysConfig::Dist;
  for (const Dist dist :
       {Dist::kUniform, Dist::kZipf, Dist::kHot, Dist::kRandom, Dist::kExplicitHashKeys}) {
    for (const CapacityMode mode : {CapacityMode::kProvisioned, CapacityMode::kOnDemand}) {
      for (const double failures : {0.0, 0.01}) {
        Scenario s = one_producer(4, 3000, Duration::minutes(1));
        ProducerConfig& p = s.producers[0];
        p.keys.dist = dist;
        p.keys.hot = {{"user-17", 0.3}};
        p.keys.explicit_hash_keys = {{0, 1.0}, {core::uint128{1} << 127, 3.0}};
        s.stream.mode = mode;
        s.stream.internal_failure_rate = failures;
        const Result r = run_scenario(s);
        const std::string what = std::to_string(static_cast<int>(dist)) + "/" +
                                 std::to_string(static_cast<int>(mode)) + "/" +
                                 std::to_string(failures);
        ASSERT_EQ(r.producers[0].fidelity, "fast") << what;
        EXPECT_GT(r.producers[0].counts.accepted, 0u) << what;
        EXPECT_EQ(r.producers[0].counts.internal_failure_entries > 0, failures > 0) << what;
        expect_conserved(r);
        if (dist == Dist::kHot) {
          ASSERT_EQ(r.producers[0].hot_keys.size(), 1u);
          const double share = static_cast<double>(r.producers[0].hot_keys[0].counts.offered) /
                               static_cast<double>(r.producers[0].counts.produced);
          EXPECT_NEAR(share, 0.3, 0.01) << what;
        }
      }
    }
  }
}

TEST(FastMode, EvenlySpacedArrivalsBatchExactlyAsExactModeDoes) {
  // Evenly spaced arrivals have the same times in both modes and fixed sizes make every batch
  // close at the same record, and the network draws are the same stream: below capacity the
  // two modes agree exactly on everything but which keys (and so key lengths) were drawn. Batches
  // close by linger (3 instances, 100 ms), by count (50 records) and, with 2 KB records, by bytes.
  for (const auto& [bytes, max_records] :
       {std::pair{100u, 500u}, std::pair{100u, 50u}, std::pair{2000u, 500u}}) {
    Scenario s = one_producer(8, 2000, Duration::minutes(5));
    ProducerConfig& p = s.producers[0];
    p.rate.profile = RateConfig::Profile::kConstant;
    p.instances = 3;
    p.record_size.value = bytes;
    p.sdk.linger = Duration::millis(100);
    p.sdk.max_batch_records = max_records;
    p.sdk.max_batch_bytes = 60'000;
    const auto [f, e] = fast_and_exact(s);
    const std::string what = std::to_string(bytes) + " B, " + std::to_string(max_records);
    ASSERT_EQ(f.producers[0].fidelity, "fast") << what;
    const ProducerCounts& fc = f.producers[0].counts;
    const ProducerCounts& ec = e.producers[0].counts;
    EXPECT_EQ(fc.throttled_entries, 0u) << what;
    EXPECT_EQ(fc.produced, ec.produced) << what;
    EXPECT_EQ(fc.accepted, ec.accepted) << what;
    EXPECT_EQ(fc.pending, ec.pending) << what;
    EXPECT_EQ(fc.requests, ec.requests) << what;
    // Bytes differ by the drawn partition keys' lengths (5 to 7 bytes) only.
    const auto mean_bytes = [](const ProducerCounts& c) {
      return static_cast<double>(c.accepted_bytes) / static_cast<double>(c.accepted);
    };
    EXPECT_NEAR(mean_bytes(fc), mean_bytes(ec), 0.01) << what;
    for (const double q : {0.0, 0.5, 0.99, 1.0}) {
      EXPECT_EQ(f.producers[0].record_latency_us.quantile(q),
                e.producers[0].record_latency_us.quantile(q))
          << what << " q=" << q;
    }
    EXPECT_DOUBLE_EQ(f.producers[0].record_latency_us.mean(),
                     e.producers[0].record_latency_us.mean())
        << what;
    // Latencies of the requests answered by the end only (fast mode records those of a request
    // every entry of which was accepted when it reaches the stream; the run ends with some in
    // flight).
    EXPECT_GT(fc.pending, 0u) << what;
    EXPECT_EQ(f.producers[0].record_latency_us.count(), fc.accepted) << what;
    // Billed as exact mode bills (the partition keys' lengths change no rounding here): fast
    // mode sums a request's billing quantities where it draws the batch.
    EXPECT_EQ(f.put_payload_units, e.put_payload_units) << what;
    EXPECT_EQ(f.on_demand_billed_bytes, e.on_demand_billed_bytes) << what;
    uint64_t stream_accepted = 0;  // by the stream: the producer counts replies
    for (const ShardResult& shard : f.shards) stream_accepted += shard.totals.accepted_records;
    EXPECT_EQ(f.put_payload_units, stream_accepted) << what;
    // Records per request: an instance's arrivals 1.5 ms apart within 100 ms of the first (67),
    // 50, or as many 2,007 B records (2,000 B and a 7-byte key, most of them) as fit in
    // 60,000 B (29).
    const double per_request = static_cast<double>(fc.accepted) / static_cast<double>(fc.requests);
    const double expected = max_records == 50 ? 50.0 : bytes == 2000 ? 29.0 : 67.0;
    EXPECT_NEAR(per_request, expected, 1.0) << what;
    expect_conserved(f);
  }
}

double detail(const ProducerResult& p, const std::string& name) {
  for (const auto& [n, v] : p.details) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no detail " << name;
  return 0;
}

TEST(FastMode, KplWithOneKeyAndFixedSizesRunsExactlyAsExactModeDoes) {
  // Evenly spaced arrival times and the network draws are the same in both modes; with one key
  // (an individual key, in the same aggregate table entry as in exact mode) and fixed sizes
  // nothing else is drawn, so every figure agrees to the byte, throttling and retries included.
  Scenario s = one_producer(1, 4000, Duration::minutes(5));
  ProducerConfig& p = s.producers[0];
  p.type = ProducerConfig::Type::kKpl;
  p.rate.profile = RateConfig::Profile::kConstant;
  p.instances = 2;
  p.keys.count = 1;
  p.record_size.value = 300;
  const auto [f, e] = fast_and_exact(s);
  ASSERT_EQ(f.producers[0].fidelity, "fast");
  ASSERT_EQ(e.producers[0].fidelity, "exact");
  const ProducerCounts& fc = f.producers[0].counts;
  const ProducerCounts& ec = e.producers[0].counts;
  EXPECT_GT(ec.throttled_entries, 0u) << "1.2 MB/s on one shard throttles";
  EXPECT_EQ(fc.produced, ec.produced);
  EXPECT_EQ(fc.accepted, ec.accepted);
  EXPECT_EQ(fc.accepted_bytes, ec.accepted_bytes);
  EXPECT_EQ(fc.throttled_entries, ec.throttled_entries);
  EXPECT_EQ(fc.retried_entries, ec.retried_entries);
  EXPECT_EQ(fc.requests, ec.requests);
  EXPECT_EQ(fc.pending, ec.pending);
  for (const auto& [name, value] : e.producers[0].details) {
    EXPECT_DOUBLE_EQ(detail(f.producers[0], name), value) << name;
  }
  for (const double q : {0.0, 0.5, 0.99, 1.0}) {
    EXPECT_EQ(f.producers[0].record_latency_us.quantile(q),
              e.producers[0].record_latency_us.quantile(q))
        << q;
  }
}

TEST(FastMode, KplAggregatesCarryTheKeyRepeatsFastModeDropsAndNoMore) {
  // Fast mode keeps individual every key expected at least 0.01 times in one aggregation window
  // (RecordMaxBufferedTime), and takes each record of the rest to have a key of its own within
  // its aggregate (docs/design.md, "Fast mode"). With n records per aggregate over K equally
  // likely keys, exact mode's aggregate holds K (1 - (1 - 1/K)^n) distinct keys, so where the
  // keys are rest keys fast mode's is larger by the key-table entries of the n - distinct
  // repeats: 1 tag byte, 1 length byte and the key. Here 1,000 records/s evenly spaced into one
  // shard's aggregates of 100 ms (n = 100):
  // - over 2,000 keys every key expects 0.05 records per window and is individual: no excess;
  // - over 20,000 keys (0.005 each) all are rest keys: 0.25 repeats of 8.4-byte keys, 2.6 bytes
  //   of about 11 KB, against a sampling error of about 0.1 byte on the difference of the means
  //   over 6,000 aggregates.
  for (const double keys_count : {2000.0, 20000.0}) {
    Scenario s = one_producer(1, 1000, Duration::minutes(10));
    ProducerConfig& p = s.producers[0];
    p.type = ProducerConfig::Type::kKpl;
    p.rate.profile = RateConfig::Profile::kConstant;
    p.keys.count = static_cast<uint64_t>(keys_count);
    s.output.top_n = 0;
    const auto [f, e] = fast_and_exact(s);
    ASSERT_EQ(f.producers[0].fidelity, "fast");
    EXPECT_EQ(f.producers[0].counts.throttled_entries, 0u);
    const double n = detail(e.producers[0], "UserRecordsPerKinesisRecord");
    EXPECT_NEAR(n, 100, 1);
    EXPECT_DOUBLE_EQ(detail(f.producers[0], "UserRecordsPerKinesisRecord"), n);
    KeySpace keys(p.keys);
    double pk = 0;
    for (uint64_t k = 0; k < keys.size(); ++k) pk += keys.partition_key_bytes(k);
    pk /= keys_count;
    const bool rest = keys_count > 10'000;  // 1,000/s x 0.1 s / K < 0.01
    const double repeats = rest ? n - keys_count * (1 - std::pow(1 - 1 / keys_count, n)) : 0.0;
    const double excess = detail(f.producers[0], "KinesisRecordBytesMean") -
                          detail(e.producers[0], "KinesisRecordBytesMean");
    EXPECT_NEAR(excess, repeats * (2 + pk), 0.5)
        << keys_count << " keys: " << repeats << " repeats of " << pk << " B keys";
    expect_conserved(f);
  }
}

TEST(FastMode, AKplProducerSaysWhenMoreKeysRepeatInAggregatesThanItKeepsIndividual) {
  // 200,000 equally likely keys at 30,000 records/s: each is expected 0.015 times in a 100 ms
  // aggregation window, so all should be individual; 65,536 are, and the note counts the rest.
  Scenario s = one_producer(4, 30'000, Duration::seconds(20));
  s.producers[0].type = ProducerConfig::Type::kKpl;
  s.producers[0].keys.count = 200'000;
  const Result r = run_scenario(s);
  ASSERT_EQ(r.producers[0].fidelity, "fast");
  EXPECT_NE(r.producers[0].fidelity_note.find("134464 keys expected at least 0.01 times"),
            std::string::npos)
      << r.producers[0].fidelity_note;
  expect_conserved(r);
  // At 10,000 records/s (0.005 each) the bound holds: no note.
  s.producers[0].rate.records_per_sec = 10'000;
  EXPECT_EQ(run_scenario(s).producers[0].fidelity_note, "");
}

TEST(FastMode, TracesRunExactAndSaySo) {
  Scenario s = one_producer(1, 100, Duration::minutes(1));
  s.producers[0].rate.profile = RateConfig::Profile::kTrace;
  const FidelityConfig f = producer_fidelity(s, s.producers[0], Fidelity::kFast);
  EXPECT_EQ(f.mode, Fidelity::kExact);
  EXPECT_NE(f.note.find("trace replay"), std::string::npos);
}

// Stream::put_all keeps the books of a shard's accepted entries later, summed across requests
// while they fall in one retention run and one metric bucket (at two resolutions, with a write at
// the horizon's own instant and writes past it), or until something reads them. The retention
// runs, sequence numbers, totals and every metric cell are then the same, to the bit, as put()
// one entry at a time keeps them, with reads of the shards and housekeeping in between.
TEST(FastMode, PutAllDefersItsBooksAndKeepsThemAsPutDoesOneByOne) {
  const Scenario s = one_producer(4, 100, Duration::seconds(10));
  sim::Engine engine;
  sim::MetricRecorder one_metrics(s.duration, {Duration::seconds(1), Duration::seconds(4)});
  sim::MetricRecorder all_metrics(s.duration, {Duration::seconds(1), Duration::seconds(4)});
  Stream one_by_one(s.stream, engine, one_metrics, sim::RngStream(1));
  Stream together(s.stream, engine, all_metrics, sim::RngStream(1));
  sim::RngStream rng(7);
  sim::Time t = sim::Time::zero();
  uint64_t deferred_requests = 0;
  const auto same_books = [&](core::ShardIndex shard) {
    EXPECT_EQ(together.next_sequence(shard), one_by_one.next_sequence(shard));
    const ShardTotals& a = together.totals(shard);
    const ShardTotals& b = one_by_one.totals(shard);
    EXPECT_EQ(a.accepted_records, b.accepted_records);
    EXPECT_EQ(a.accepted_bytes, b.accepted_bytes);
    const RetentionLog& x = together.retention(shard);
    const RetentionLog& y = one_by_one.retention(shard);
    ASSERT_EQ(x.run_count(), y.run_count());
    for (std::size_t i = 0; i < x.run_count(); ++i) {
      EXPECT_TRUE(x.run(i) == y.run(i)) << "run " << i;
    }
  };
  while (t < sim::Time::zero() + Duration::seconds(12)) {
    // Gaps from 0.1 ms to 80 ms, and an instant exactly at the horizon.
    const sim::Time next = t + Duration::micros(static_cast<int64_t>(100 + rng.below(80'000)));
    const sim::Time horizon = sim::Time::zero() + s.duration;
    t = t < horizon && next > horizon ? horizon : next;
    uint64_t entries = 0, request_bytes = 0;
    for (core::ShardIndex shard = 0; shard < 4; ++shard) {
      const uint64_t records = rng.below(4);  // 0..3 entries of this request
      if (records == 0) continue;
      const uint64_t size = 1 + rng.below(900);
      Duration delay;
      for (uint64_t k = 0; k < records; ++k) {
        const sim::Time created = t - Duration::micros(static_cast<int64_t>(37 * (k + 1)));
        ASSERT_EQ(one_by_one.put(t, shard, size, created), PutOutcome::kAccepted);
        delay += t - created;
      }
      ASSERT_TRUE(together.put_all(t, shard, records, records * size, delay));
      core::PutBilling billing;
      for (uint64_t k = 0; k < records; ++k) billing.add(size);
      together.bill(billing);
      entries += records;
      request_bytes += records * size;
    }
    one_by_one.end_request(t, PutApi::kPutRecords, entries, request_bytes);
    together.end_request(t, PutApi::kPutRecords, entries, request_bytes);
    ++deferred_requests;
    // Now and then a reader looks at a shard, which keeps its books first.
    if (rng.uniform() < 0.05) same_books(static_cast<core::ShardIndex>(rng.below(4)));
  }
  ASSERT_GT(deferred_requests, 200u);
  together.settle_books();
  for (core::ShardIndex shard = 0; shard < 4; ++shard) same_books(shard);
  EXPECT_EQ(together.put_payload_units(), one_by_one.put_payload_units());
  EXPECT_EQ(together.on_demand_billed_bytes(), one_by_one.on_demand_billed_bytes());
  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(all_metrics.buckets(i), one_metrics.buckets(i));
    EXPECT_TRUE(all_metrics.counter_sums(i) == one_metrics.counter_sums(i)) << "resolution " << i;
  }
}

// Stream::throttle_all judges a shard's entries of a request at once exactly when its records
// bucket holds less than one token, and then as put() one by one would: each throttled.
TEST(FastMode, ThrottleAllThrottlesTogetherExactlyWhenPutWouldThrottleEachEntry) {
  const Scenario s = one_producer(1, 100, Duration::minutes(1));
  sim::Engine engine;
  sim::MetricRecorder metrics(s.duration, {Duration::seconds(60)});
  Stream one_by_one(s.stream, engine, metrics, sim::RngStream(1));
  Stream together(s.stream, engine, metrics, sim::RngStream(1));
  // Empty both records buckets at one instant (a burst of 100-byte records).
  const sim::Time t = sim::Time::zero() + Duration::seconds(1);
  uint64_t burst = 0;
  while (one_by_one.put(t, 0, 100, t) == PutOutcome::kAccepted) {
    ASSERT_EQ(together.put(t, 0, 100, t), PutOutcome::kAccepted);
    ++burst;
  }
  ASSERT_EQ(together.put(t, 0, 100, t), PutOutcome::kThrottled);
  EXPECT_EQ(burst, s.stream.write.burst_records);
  // 0.5 ms later the bucket holds half a token: 5 entries of 700 bytes, all throttled.
  for (const sim::Time at : {t, t + Duration::micros(500)}) {
    ASSERT_TRUE(together.throttle_all(at, 0, 5, 700));
    for (int i = 0; i < 5; ++i) EXPECT_EQ(one_by_one.put(at, 0, 140, at), PutOutcome::kThrottled);
  }
  one_by_one.end_request(t, PutApi::kPutRecords, 11, 1500);
  together.end_request(t, PutApi::kPutRecords, 11, 1500);
  EXPECT_EQ(together.totals(0).throttled_records, one_by_one.totals(0).throttled_records);
  EXPECT_EQ(together.totals(0).throttled_records, 11u);
  EXPECT_EQ(together.totals(0).throttled_bytes, one_by_one.totals(0).throttled_bytes);
  // 2.5 ms after the burst 2.5 tokens have accrued: nothing is judged, and one by one the first
  // two of three entries pass.
  const sim::Time later = t + Duration::micros(2500);
  EXPECT_FALSE(together.throttle_all(later, 0, 3, 300));
  EXPECT_EQ(together.put(later, 0, 100, later), PutOutcome::kAccepted);
  EXPECT_EQ(together.put(later, 0, 100, later), PutOutcome::kAccepted);
  EXPECT_EQ(together.put(later, 0, 100, later), PutOutcome::kThrottled);
  together.end_request(later, PutApi::kPutRecords, 3, 300);
  EXPECT_EQ(together.totals(0).throttled_records, 12u);
  EXPECT_EQ(together.totals(0).accepted_records, burst + 2);
}

// A shard that cannot take a request's entries judges them in creation order, as exact mode
// does, although fast mode draws a batch's inner times unordered: 2,000 records/s into one
// shard's 1,000, batched every 50 ms, leave about half of each request throttled (no retry).
// The accepted half is the earlier half, created 12.5 ms earlier on average than a random half
// would be, so its mean latency shows the order. Over 120,000 accepted records per run the
// mean's standard error is about 0.05 ms.
TEST(FastMode, AThrottledShardJudgesEachRequestInCreationOrder) {
  Scenario s = one_producer(1, 2000, Duration::minutes(2));
  s.producers[0].sdk.max_attempts = 1;
  s.producers[0].sdk.linger = Duration::millis(50);
  for (const uint64_t seed : {1U, 2U, 3U}) {
    s.seed = seed;
    const auto [f, e] = fast_and_exact(s);
    const ProducerResult& fp = f.producers[0];
    const ProducerResult& ep = e.producers[0];
    EXPECT_NEAR(static_cast<double>(fp.counts.accepted) / static_cast<double>(ep.counts.accepted),
                1.0, 0.01);
    EXPECT_NEAR(fp.record_latency_us.mean() / 1000, ep.record_latency_us.mean() / 1000, 0.5)
        << "seed " << seed;
  }
}

TEST(Rng, GammaAndBetaHaveTheirMeansAndVariances) {
  sim::RngStream rng(5);
  for (const double shape : {0.5, 1.0, 3.0, 250.0}) {
    double sum = 0, sq = 0;
    constexpr int kN = 200'000;
    for (int i = 0; i < kN; ++i) {
      const double g = rng.gamma(shape);
      sum += g;
      sq += g * g;
    }
    const double mean = sum / kN;
    const double var = sq / kN - mean * mean;
    EXPECT_NEAR(mean, shape, 5 * std::sqrt(shape / kN)) << shape;
    EXPECT_NEAR(var, shape, 0.05 * shape) << shape;
  }
  // Beta(a, b): mean a / (a + b), variance ab / ((a + b)^2 (a + b + 1)).
  const double a = 3, b = 7;
  double sum = 0, sq = 0;
  constexpr int kN = 200'000;
  for (int i = 0; i < kN; ++i) {
    const double x = rng.beta(a, b);
    sum += x;
    sq += x * x;
  }
  const double var = a * b / ((a + b) * (a + b) * (a + b + 1));
  EXPECT_NEAR(sum / kN, 0.3, 5 * std::sqrt(var / kN));
  EXPECT_NEAR(sq / kN - (sum / kN) * (sum / kN), var, 0.03 * var);
}

// A fast SDK producer on 4 shards for 2 minutes, Zipf(1.1) keys and lognormal sizes; its
// `instances` offer `rps` records/s until 90 s and nothing after.
Scenario zipf_until_90s(double rps, uint32_t instances, double mean_bytes, double sigma) {
  Scenario s = one_producer(4, rps, Duration::minutes(2));
  ProducerConfig& p = s.producers[0];
  p.instances = instances;
  p.keys.dist = KeysConfig::Dist::kZipf;
  p.keys.s = 1.1;
  p.record_size.kind = sim::Distribution::Kind::kLognormal;
  p.record_size.mean = mean_bytes;
  p.record_size.sigma = sigma;
  p.rate.profile = RateConfig::Profile::kSchedule;
  p.rate.steps = {{Duration(), rps}, {Duration::seconds(90), 0}};
  return s;
}

TEST(FastMode, NoRecordIsCreatedWhereAScheduleHasSteppedDownToZero) {
  // A batch's window that runs past a step to 0 records/s placed its records uniformly over the
  // whole window (the rate is one constant where it is positive): about 650 records were created
  // in the second after the step with a 1 s linger. They lie where the rate is positive.
  Scenario s = one_producer(4, 8000, Duration::seconds(45));
  ProducerConfig& p = s.producers[0];
  p.instances = 2;
  p.rate.profile = RateConfig::Profile::kSchedule;
  p.rate.steps = {{Duration(), 0}, {Duration::seconds(10), 8000}, {Duration::seconds(40), 0}};
  p.sdk.linger = Duration::seconds(1);
  s.output.resolution = Duration::millis(100);
  const Result r = run_scenario(s);
  const std::vector<double> produced = testing::counter(r, "p/UserRecordsProduced");
  ASSERT_GE(produced.size(), 400u);  // buckets up to the last with data of any series
  double before = 0;
  double during = 0;
  double after = 0;
  for (std::size_t b = 0; b < produced.size(); ++b) {
    (b < 100 ? before : b < 400 ? during : after) += produced[b];
  }
  EXPECT_EQ(before, 0.0);
  EXPECT_EQ(after, 0.0);
  // 240,000 records expected; 5 standard deviations of the Poisson count.
  EXPECT_NEAR(during, 240'000.0, 5 * std::sqrt(240'000.0));
  // The last 100 ms before the step holds its share, 800 expected (within 5 sigma).
  EXPECT_NEAR(produced[399], 800.0, 5 * std::sqrt(800.0));
}

TEST(FastMode, KplRecordsDrawnAheadGiveTheSameResultToTheByte) {
  // With a shard map that cannot change, a fast KPL instance draws its records sixteen ahead
  // (to prefetch what they will touch); the draws are the same in the same order as one at a
  // time, which it does when a timeline may change the map. A timeline action after the end of
  // the run changes nothing else: every figure is the same. Zipf keys on 4 shards with
  // aggregation throttle and retry; a schedule stops the arrivals at 90 s, before the end.
  Scenario s = zipf_until_90s(20000, 3, 300, 0.5);
  s.producers[0].type = ProducerConfig::Type::kKpl;
  const Result ahead = run_scenario(s);
  ASSERT_EQ(ahead.producers[0].fidelity, "fast");
  EXPECT_GT(ahead.producers[0].counts.throttled_entries, 0u);
  EXPECT_GT(ahead.producers[0].counts.retried_entries, 0u);
  expect_conserved(ahead);
  s.timeline.push_back(testing::update_shard_count(Duration::minutes(3), 8));
  const Result one_at_a_time = run_scenario(s);
  EXPECT_EQ(summary_json(one_at_a_time).dump(), summary_json(ahead).dump());
  EXPECT_EQ(one_at_a_time.metrics->counter_sums(0), ahead.metrics->counter_sums(0));
}

TEST(FastMode, BatchesDrawnAheadOnASecondThreadGiveTheSameResultToTheByte) {
  // Fast SDK producers draw their batches on a second thread where the shard map cannot change
  // (RunOptions::threads); the draws are the same, so is every figure. Zipf keys on 4 shards
  // throttle and retry; 5 instances take their batches in the order the run asks for them;
  // batches close by count, by bytes (the record that does not fit opens the next one) and at
  // the deadline; the arrivals stop at 90 s, so each lane ends before the run does.
  Scenario s = zipf_until_90s(6000, 5, 2000, 1.0);
  s.producers[0].sdk.max_batch_records = 200;
  s.producers[0].sdk.max_batch_bytes = 300'000;
  // A reader, whose end-to-end latencies carry each accepted entry's write delay (summed by
  // shard on the drawing thread, group_by_shard).
  s.consumers.push_back(testing::polling_consumer("reader"));
  RunOptions one;
  one.threads = 1;
  RunOptions two;
  two.threads = 2;
  const Result serial = run_scenario(s, one);
  const Result ahead = run_scenario(s, two);
  ASSERT_EQ(ahead.producers[0].fidelity, "fast");
  EXPECT_GT(serial.producers[0].counts.throttled_entries, 0u);
  EXPECT_GT(serial.producers[0].counts.retried_entries, 0u);
  expect_conserved(ahead);
  EXPECT_EQ(summary_json(serial).dump(), summary_json(ahead).dump());
  EXPECT_EQ(serial.metrics->counter_sums(0), ahead.metrics->counter_sums(0));
  // With a timeline the map may change: the batches are drawn on the run's thread, and the
  // result is again the same.
  s.timeline.push_back(testing::update_shard_count(Duration::seconds(30), 8));
  EXPECT_EQ(summary_json(run_scenario(s, one)).dump(), summary_json(run_scenario(s, two)).dump());
}

}  // namespace
}  // namespace kinesim::models
