#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "models/cost/cost.h"
#include "models/report/report.h"
#include "models/report/report_consumers.h"
#include "models/report/report_stats.h"
#include "models/report/sizing.h"

namespace kinesim::models {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kSignificant = 4;
constexpr int kMoneySignificant = 6;

// `v` rounded to `sig` significant digits, or to `min_decimals` decimals if that keeps more;
// whole numbers (counts) are exact JSON integers, never rounded (59,974 stays 59,974) nor printed
// as "12.0". Non-finite values become null.
Json num(double v, int sig = kSignificant, int min_decimals = std::numeric_limits<int>::min()) {
  if (!std::isfinite(v)) return nullptr;
  if (v == 0) return 0;
  if (std::abs(v) < 9e15 && v == std::floor(v)) return static_cast<int64_t>(v);
  const int magnitude = static_cast<int>(std::floor(std::log10(std::abs(v))));
  const int decimals = std::max(sig - 1 - magnitude, min_decimals);
  double r = 0;
  if (decimals >= 0) {
    const double scale = std::pow(10.0, decimals);
    r = std::round(v * scale) / scale;
  } else {
    const double scale = std::pow(10.0, -decimals);
    r = std::round(v / scale) * scale;
  }
  if (std::abs(r) < 9e15 && r == std::floor(r)) return static_cast<int64_t>(r);
  return r;
}

// Six significant digits, and never fewer than to the cent: 10,961.32 stays 10961.32.
Json money(double v) { return num(v, kMoneySignificant, 2); }

double ratio(uint64_t a, uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

Json record_counts(const ProducerCounts& c) {
  Json j;
  j["produced"] = c.produced;
  j["accepted"] = c.accepted;
  j["failed_attempts_exhausted"] = c.failed_attempts_exhausted;
  j["failed_buffer_full"] = c.failed_buffer_full;
  j["failed_expired"] = c.failed_expired;
  j["rejected_too_large"] = c.rejected_too_large;
  j["lost"] = c.lost;
  j["pending"] = c.pending;
  j["conserved"] = c.conserved();
  j["duplicates"] = c.duplicates;
  return j;
}

// Latency percentiles of a histogram in microseconds, reported in milliseconds.
Json latency_ms(const sim::LogHistogram& h) {
  const auto ms = [](uint64_t us) { return num(static_cast<double>(us) / 1000.0); };
  Json j;
  j["count"] = h.count();
  j["p50"] = ms(h.quantile(0.50));
  j["p90"] = ms(h.quantile(0.90));
  j["p99"] = ms(h.quantile(0.99));
  j["p99_9"] = ms(h.quantile(0.999));
  j["max"] = ms(h.max());
  j["mean"] = num(h.mean() / 1000.0);
  return j;
}

// `secs`: the time the key's producer existed, from its start to the run's end.
Json key_json(const KeyResult& k, double secs) {
  const double s = secs > 0 ? secs : 1.0;
  Json j;
  j["key"] = k.key;
  j["shard_id"] = k.shard_id;
  j["offered"] = k.counts.offered;
  j["offered_records_per_sec"] = num(static_cast<double>(k.counts.offered) / s);
  j["offered_bytes_per_sec"] = num(static_cast<double>(k.counts.offered_bytes) / s);
  j["accepted"] = k.counts.accepted;
  j["throttled"] = k.counts.throttled;
  j["throttled_fraction"] = num(ratio(k.counts.throttled, k.counts.accepted + k.counts.throttled));
  return j;
}

// `alive`: the seconds the producer existed (alive_seconds).
Json producer_json(const ProducerResult& p, double alive) {
  const ProducerCounts& c = p.counts;
  Json j;
  j["name"] = p.name;
  j["type"] = p.type;
  j["instances"] = p.instances;
  Json counts = record_counts(c);
  counts["produced_bytes"] = c.produced_bytes;
  counts["accepted_bytes"] = c.accepted_bytes;
  counts["failed_bytes"] = c.failed_bytes;
  counts["accepted_entries"] = c.accepted_entries;
  counts["throttled_entries"] = c.throttled_entries;
  counts["internal_failure_entries"] = c.internal_failure_entries;
  counts["user_record_attempts"] = c.user_record_attempts;
  counts["throttled_user_records"] = c.throttled_user_records;
  counts["retried_entries"] = c.retried_entries;
  counts["requests"] = c.requests;
  j["counts"] = std::move(counts);
  j["throttled_fraction"] = num(throttled_fraction(c));
  j["user_record_throttled_fraction"] = num(user_record_throttled_fraction(c));
  j["offered_mean_records_per_sec"] = num(alive > 0 ? static_cast<double>(c.produced) / alive : 0);
  j["offered_peak_records_per_sec"] = num(p.offered_peak_records_per_sec);
  j["offered_peak_bytes_per_sec"] = num(p.offered_peak_bytes_per_sec);
  j["put_latency_ms"] = latency_ms(p.record_latency_us);
  j["request_latency_ms"] = latency_ms(p.request_latency_us);
  Json attempts = Json::array();
  for (std::size_t k = 1; k < p.attempts.size(); ++k) {
    if (p.attempts[k] == 0) continue;
    attempts.push_back(Json{{"attempts", k}, {"records", p.attempts[k]}});
  }
  j["attempts"] = std::move(attempts);
  j["backoff_ms"] = latency_ms(p.backoff_us);
  j["distinct_keys"] = p.distinct_keys;
  j["random_keys"] = p.random_keys;
  Json hottest = Json::array();
  for (const KeyResult& k : p.hottest_keys) hottest.push_back(key_json(k, alive));
  j["hottest_keys"] = std::move(hottest);
  Json hot = Json::array();
  for (const KeyResult& k : p.hot_keys) hot.push_back(key_json(k, alive));
  j["hot_keys"] = std::move(hot);
  if (!p.details.empty()) {
    Json details = Json::object();
    for (const auto& [name, value] : p.details) details[name] = num(value);
    j["details"] = std::move(details);
  }
  return j;
}

// Each named hot key, then every other key together, all in user records (a KPL's throttled
// entries are aggregates; its keys' counts are of the user records in them).
Json key_groups_json(const ProducerResult& p) {
  const auto sub = [](uint64_t a, uint64_t b) { return a > b ? a - b : 0; };
  Json groups = Json::array();
  uint64_t offered = 0, accepted = 0, throttled = 0;
  for (const KeyResult& k : p.hot_keys) {
    groups.push_back(Json{{"group", k.key},
                          {"shard_id", k.shard_id},
                          {"offered", k.counts.offered},
                          {"accepted", k.counts.accepted},
                          {"throttled", k.counts.throttled}});
    offered += k.counts.offered;
    accepted += k.counts.accepted;
    throttled += k.counts.throttled;
  }
  groups.push_back(Json{{"group", "other keys"},
                        {"shard_id", nullptr},
                        {"offered", sub(p.counts.produced, offered)},
                        {"accepted", sub(p.counts.accepted, accepted)},
                        {"throttled", sub(p.counts.throttled_user_records, throttled)}});
  return groups;
}

Json shard_json(const ShardLoad& l, const core::ShardWriteLimits& limits) {
  const ShardResult& s = *l.shard;
  Json j;
  j["shard_id"] = s.shard_id;
  j["starting_hash_key"] = core::to_decimal(s.start);
  j["ending_hash_key"] = core::to_decimal(s.end);
  j["parent"] = s.parent ? Json(*s.parent) : Json(nullptr);
  j["adjacent_parent"] = s.adjacent_parent ? Json(*s.adjacent_parent) : Json(nullptr);
  j["state"] = s.expired ? "EXPIRED" : s.open ? "OPEN" : "CLOSED";
  j["created_s"] = num(l.created.to_seconds(), 9);
  j["closed_s"] = l.closed == sim::Time::max() ? Json(nullptr) : num(l.closed.to_seconds(), 9);
  j["accepted_records"] = s.totals.accepted_records;
  j["accepted_bytes"] = s.totals.accepted_bytes;
  j["throttled"] = s.totals.throttled_records;
  j["throttled_bytes"] = s.totals.throttled_bytes;
  j["internal_failures"] = s.totals.internal_failures;
  j["throttled_fraction"] = num(l.throttled_fraction);
  j["mean_records_per_sec"] = num(l.mean_records_per_sec);
  j["mean_bytes_per_sec"] = num(l.mean_bytes_per_sec);
  j["peak_records_per_sec"] = num(s.peak_records_per_sec);
  j["peak_bytes_per_sec"] = num(s.peak_bytes_per_sec);
  j["peak_offered_records_per_sec"] = num(l.peak_offered_records_per_sec);
  j["utilization"] =
      Json{{"records", num(s.peak_records_per_sec / static_cast<double>(limits.records_per_sec))},
           {"bytes", num(s.peak_bytes_per_sec / static_cast<double>(limits.bytes_per_sec))},
           {"max", num(l.utilization)}};
  j["sequence_numbers_issued"] = s.sequence_numbers;
  j["retained_records"] = s.retained_records;
  j["retained_user_records"] = s.retained_user_records;
  j["retained_bytes"] = s.retained_bytes;
  return j;
}

Json mode_cost_json(const ModeCost& m) {
  Json mj;
  mj["mode"] = m.name;
  mj["simulated"] = m.simulated;
  mj["run_cost"] = money(m.run_cost);
  mj["per_hour"] = money(m.per_hour);
  mj["per_month"] = money(m.per_month);
  Json comps = Json::array();
  for (const CostComponent& k : m.components) {
    Json kj;
    kj["name"] = k.name;
    kj["quantity"] = num(k.quantity, kMoneySignificant);
    kj["unit"] = k.unit;
    kj["unit_price"] = money(k.unit_price);
    kj["run_cost"] = money(k.run_cost);
    kj["per_hour"] = money(k.per_hour);
    kj["per_month"] = money(k.per_month);
    if (!k.note.empty()) kj["note"] = k.note;
    comps.push_back(std::move(kj));
  }
  mj["components"] = std::move(comps);
  mj["notes"] = m.notes;
  return mj;
}

Json cost_json(const CostReport& c) {
  Json j;
  j["region"] = c.region;
  j["price_date"] = c.price_date;
  j["price_source"] = c.price_source;
  j["simulated_hours"] = num(c.simulated_hours);
  j["hours_per_month"] = num(c.hours_per_month);
  j["cheapest"] = c.modes.empty() ? Json(nullptr) : Json(c.modes[c.cheapest].name);
  // What the run itself cost: each stretch priced in the mode it ran in.
  j["as_simulated"] = mode_cost_json(c.as_simulated);
  Json modes = Json::array();
  for (const ModeCost& m : c.modes) modes.push_back(mode_cost_json(m));
  j["modes"] = std::move(modes);
  return j;
}

// The capacity the stream ran with: mode and open shards over time.
Json capacity_json(const Result& r) {
  Json segments = Json::array();
  for (const CapacitySegment& c : r.capacity_segments) {
    Json sj;
    sj["from_s"] = num(c.from.to_seconds(), 9);  // as the timeline's times
    sj["to_s"] = num(c.to.to_seconds(), 9);
    sj["mode"] = api_name(c.mode);
    sj["open_shards"] = c.open_shards;
    segments.push_back(std::move(sj));
  }
  return segments;
}

Json sizing_json(const SizingReport& s) {
  const auto estimate = [](const SizingEstimate& e) {
    return Json{{"records_per_sec", num(e.records_per_sec)},
                {"user_records_per_sec", num(e.user_records_per_sec)},
                {"write_kib_per_sec", num(e.write_kib_per_sec)},
                {"read_kib_per_sec", num(e.read_kib_per_sec)},
                {"shards_for_write", e.shards_for_write},
                {"shards_for_read", e.shards_for_read},
                {"shards_for_records", e.shards_for_records},
                {"shards", e.shards}};
  };
  Json j;
  j["formula"] = "max(ceil(write KiB/s / 1024), ceil(read KiB/s / 2048), ceil(records/s / 1000))";
  j["polling_consumers"] = s.polling_consumers;
  j["mean"] = estimate(s.mean);
  j["peak"] = estimate(s.peak);
  j["simulated"] = Json{{"initial_shards", s.simulated_initial_shards},
                        {"final_shards", s.simulated_final_shards},
                        {"max_shards", s.simulated_max_shards},
                        {"throttled_fraction", num(s.throttled_fraction)}};
  j["comparison"] = s.comparison;
  return j;
}

// MillisBehindLatest samples, already in milliseconds.
Json behind_ms(const sim::LogHistogram& h) {
  Json j;
  j["count"] = h.count();
  j["p50"] = h.quantile(0.50);
  j["p99"] = h.quantile(0.99);
  j["max"] = h.max();
  return j;
}

Json consumer_json(const ConsumerResult& c) {
  const ConsumerCounts& k = c.counts;
  Json j;
  j["name"] = c.name;
  j["type"] = c.type;
  j["unit"] = c.unit;
  j["initial_position"] = c.initial_position;
  j["start_s"] = num(c.start.to_seconds(), 9);
  j["polling"] = c.polling;
  j["retrieval"] = c.retrieval;
  j["calls_per_sec_per_shard"] = num(c.calls_per_sec_per_shard);
  j["records"] = Json{{"in_scope", k.in_scope},    {"processed", k.processed},
                      {"pending", k.pending},      {"lost_to_retention", k.lost_to_retention},
                      {"discarded", k.discarded},  {"conserved", k.conserved()},
                      {"duplicates", k.duplicates}};
  j["read"] = Json{{"records", k.records_read},
                   {"user_records", k.user_records_read},
                   {"bytes", k.bytes_read},
                   {"get_records_calls", k.get_records_calls},
                   {"throttled_calls", k.throttled_calls},
                   {"throttled_fraction", num(ratio(k.throttled_calls, k.get_records_calls))},
                   {"empty_calls", k.empty_calls},
                   {"get_shard_iterator_calls", k.get_shard_iterator_calls},
                   {"expired_iterators", k.expired_iterators}};
  if (!c.polling) {
    j["enhanced_fan_out"] =
        Json{{"registered_at_s", c.registered_at == sim::Time::max()
                                     ? Json(nullptr)
                                     : Json(num(c.registered_at.to_seconds(), 9))},
             {"registration_refused", k.registration_refused},
             {"subscribe_to_shard_calls", k.subscribe_calls},
             {"subscribe_to_shard_refused", k.subscribe_refused},
             {"events", k.events},
             {"consumer_shard_hours", num(c.consumer_shard_hours)}};
  }
  Json lost = Json::array();
  for (const ShardLoss& l : c.lost_by_shard) {
    lost.push_back(Json{{"shard_id", l.shard_id}, {"records", l.records}});
  }
  j["lost_by_shard"] = std::move(lost);
  // Only types that can block a shard (Lambda) have the list: other summaries keep their shape.
  if (!c.blocked_shards.empty()) {
    Json blocked = Json::array();
    for (const ShardBlock& b : c.blocked_shards) {
      blocked.push_back(Json{{"shard_id", b.shard_id},
                             {"longest_s", num(b.longest.to_seconds())},
                             {"until_retention", b.until_retention}});
    }
    j["blocked_shards"] = std::move(blocked);
  }
  j["millis_behind_latest_ms"] = behind_ms(c.millis_behind_ms);
  j["end_to_end_latency_ms"] = latency_ms(c.end_to_end_us);
  j["propagation_ms"] = latency_ms(c.propagation_us);
  if (!c.details.empty()) {
    Json details = Json::object();
    for (const auto& [name, value] : c.details) details[name] = num(value);
    j["details"] = std::move(details);
  }
  return j;
}

}  // namespace

nlohmann::ordered_json summary_json(const Result& r) {
  const double secs = duration_seconds(r);
  const ProducerCounts t = r.totals();
  const std::vector<ShardLoad> loads = shard_loads(r);
  Json j;
  j["scenario"] = Json{{"name", r.scenario_name},
                       {"seed", r.seed},
                       {"duration_s", num(secs)},
                       {"resolution_s", num(r.resolution.to_seconds())},
                       {"fidelity", r.fidelity}};
  j["headline"] = headline(r);
  // How each producer ran: fast mode falls back to exact per producer, and says why.
  Json fidelity = Json::object();
  for (const ProducerResult& p : r.producers) {
    Json f = Json{{"mode", p.fidelity}};
    if (!p.fidelity_note.empty()) f["note"] = p.fidelity_note;
    fidelity[p.name] = std::move(f);
  }
  j["fidelity"] = Json{{"requested", r.fidelity}, {"producers", std::move(fidelity)}};

  Json records = record_counts(t);
  Json by_producer = Json::object();
  for (const ProducerResult& p : r.producers) by_producer[p.name] = record_counts(p.counts);
  records["by_producer"] = std::move(by_producer);
  j["records"] = std::move(records);

  const StreamWrites writes = stream_writes(r);
  Json stream;
  stream["name"] = r.stream.name;
  stream["mode"] = api_name(r.stream.mode);
  stream["retention_hours"] = r.stream.retention_hours;
  stream["shards"] = Json{{"initial", r.initial_shards},
                          {"final_open", r.final_open_shards},
                          {"max_open", max_open_shards(r)},
                          {"ever", r.shards.size()}};
  stream["shard_hours"] = num(r.shard_hours);
  // Entries are Kinesis records (what a shard's records/s limit counts), as the stream judged
  // them: the sums of the shards' books. user_records gives the attempts in the producers'
  // records, as the producers counted them at the replies, which differ where a KPL aggregates.
  stream["offered_entries"] = writes.offered();
  stream["accepted_records"] = writes.accepted;
  stream["accepted_bytes"] = writes.accepted_bytes;
  stream["throttled_entries"] = writes.throttled;
  stream["throttled_fraction"] = num(writes.throttled_fraction());
  stream["internal_failure_entries"] = writes.internal_failures;
  stream["user_records"] = Json{{"accepted", user_record_acceptances(t)},
                                {"attempts", t.user_record_attempts},
                                {"throttled", t.throttled_user_records},
                                {"throttled_fraction", num(user_record_throttled_fraction(t))},
                                {"per_kinesis_record", num(user_records_per_entry(t))}};
  stream["requests"] = t.requests;
  stream["put_payload_units"] = r.put_payload_units;
  stream["on_demand_billed_bytes"] = r.on_demand_billed_bytes;
  j["stream"] = std::move(stream);

  Json shards = Json::array();
  for (const ShardLoad& l : loads) shards.push_back(shard_json(l, r.stream.write));
  j["shards"] = std::move(shards);

  std::vector<const ShardLoad*> hot;
  for (const ShardLoad& l : loads) {
    if (l.attempts > 0) hot.push_back(&l);
  }
  std::stable_sort(hot.begin(), hot.end(), [](const ShardLoad* a, const ShardLoad* b) {
    if (a->shard->totals.throttled_records != b->shard->totals.throttled_records) {
      return a->shard->totals.throttled_records > b->shard->totals.throttled_records;
    }
    return a->shard->totals.accepted_records > b->shard->totals.accepted_records;
  });
  Json hottest = Json::array();
  for (std::size_t i = 0; i < hot.size() && i < r.top_n; ++i) {
    const ShardLoad& l = *hot[i];
    hottest.push_back(Json{{"shard_id", l.shard->shard_id},
                           {"throttled", l.shard->totals.throttled_records},
                           {"throttled_fraction", num(l.throttled_fraction)},
                           {"accepted_records", l.shard->totals.accepted_records},
                           {"peak_offered_records_per_sec", num(l.peak_offered_records_per_sec)},
                           {"utilization", num(l.utilization)}});
  }
  j["hottest_shards"] = std::move(hottest);

  Json producers = Json::array();
  Json groups = Json::object();
  for (const ProducerResult& p : r.producers) {
    producers.push_back(producer_json(p, alive_seconds(r, p)));
    groups[p.name] = key_groups_json(p);
  }
  j["producers"] = std::move(producers);
  j["key_groups"] = std::move(groups);
  // Only runs with consumers have the section: write-only summaries keep their shape.
  if (!r.consumers.empty()) {
    Json consumers = Json::array();
    for (const ConsumerResult& c : r.consumers) consumers.push_back(consumer_json(c));
    j["consumers"] = std::move(consumers);
  }

  Json timeline = Json::array();
  for (const TimelineEvent& e : r.timeline) {
    timeline.push_back(Json{{"time_s", num(e.at.to_seconds(), 9)},
                            {"action", e.action},
                            {"outcome", e.outcome},
                            {"detail", e.detail}});
  }
  j["timeline"] = std::move(timeline);
  j["capacity"] = capacity_json(r);
  j["cost"] = cost_json(price(r));
  j["sizing"] = sizing_json(size(r));
  Json found = Json::array();
  for (const Finding& f : findings(r)) {
    found.push_back(
        Json{{"severity", to_string(f.severity)}, {"code", f.code}, {"message", f.message}});
  }
  j["findings"] = std::move(found);
  return j;
}

}  // namespace kinesim::models
