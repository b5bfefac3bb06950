#include "models/report/cost.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "models/report/report_capacity.h"
#include "models/report/report_consumers.h"
#include "models/report/report_stats.h"

namespace kinesim::models {
namespace {

constexpr double kExtendedRetentionCeilingHours = 168;  // 7 days: beyond is long-term retention
constexpr double kDefaultRetentionHours = 24;
constexpr const char* kConsumersLater =
    "no consumers are simulated yet (they come in a later issue)";

// What the scenario's consumers read, for the retrieval lines: with none, the note says why the
// lines are zero.
std::string retrieval_note(const Result& r) {
  if (r.consumers.empty()) return kConsumersLater;
  return "GetRecords data of " + with_thousands(polling_consumer_count(r)) +
         " polling consumers (" + bytes_text(static_cast<double>(polling_bytes_read(r))) + ")";
}

std::string efo_note(const Result& r) {
  return r.consumers.empty() ? std::string(kConsumersLater)
                             : std::string("no enhanced fan-out consumers in the scenario");
}

double retrieved_gb(const Result& r, const core::PriceTable& prices) {
  return static_cast<double>(polling_bytes_read(r)) / static_cast<double>(prices.billing_gb_bytes);
}

struct Context {
  const core::PriceTable& prices;
  double hours = 0;        // simulated
  double gb_per_hour = 0;  // accepted data bytes, for retention
  double retention_hours = 0;
};

CostComponent component(const Context& ctx, std::string name, double quantity, std::string unit,
                        double unit_price, std::string note = {}) {
  CostComponent c;
  c.name = std::move(name);
  c.quantity = quantity;
  c.unit = std::move(unit);
  c.unit_price = unit_price;
  c.run_cost = quantity * unit_price;
  c.per_hour = ctx.hours > 0 ? c.run_cost / ctx.hours : 0.0;
  c.per_month = c.per_hour * ctx.prices.hours_per_month;
  c.note = std::move(note);
  return c;
}

// Data retained beyond the `from_hours` mark and up to `to_hours`, at steady state (once the
// retention window has filled): ingest GB/hour × hours held, billed per GB-month. The run's
// share is that stock for the simulated hours.
CostComponent retention_gb_month(const Context& ctx, std::string name, double from_hours,
                                 double to_hours, double price) {
  const double held_hours = std::max(0.0, std::min(ctx.retention_hours, to_hours) - from_hours);
  if (held_hours <= 0) {
    return component(ctx, std::move(name), 0, "GB-month", price,
                     "not billed: retention is " + rate_text(ctx.retention_hours) + " h");
  }
  const double stored_gb = ctx.gb_per_hour * held_hours;
  const double gb_months = stored_gb * ctx.hours / ctx.prices.hours_per_month;
  return component(ctx, std::move(name), gb_months, "GB-month", price,
                   "steady state once retention fills: " + rate_text(stored_gb) + " GB held (" +
                       rate_text(ctx.gb_per_hour) + " GB/hour x " + rate_text(held_hours) + " h)");
}

void total(ModeCost& m) {
  m.run_cost = m.per_hour = m.per_month = 0;
  for (const CostComponent& c : m.components) {
    m.run_cost += c.run_cost;
    m.per_hour += c.per_hour;
    m.per_month += c.per_month;
  }
}

ModeCost provisioned(const Result& r, const Context& ctx) {
  const core::ProvisionedPrices& p = ctx.prices.provisioned;
  ModeCost m;
  m.mode = CapacityMode::kProvisioned;
  m.name = "provisioned";
  m.components.push_back(component(ctx, "shard hours", r.shard_hours, "shard-hour", p.shard_hour,
                                   "the simulated shard counts over time"));
  m.components.push_back(component(ctx, "PUT payload units",
                                   static_cast<double>(r.put_payload_units) / 1e6,
                                   "million PUT payload units", p.per_million_put_payload_units,
                                   "25 KB units, each accepted record rounded up"));
  if (ctx.retention_hours > kDefaultRetentionHours) {
    m.components.push_back(component(ctx, "extended retention (24 h - 7 d)", r.shard_hours,
                                     "shard-hour", p.extended_retention_shard_hour,
                                     "every shard-hour of a stream kept longer than 24 h"));
  } else {
    m.components.push_back(component(ctx, "extended retention (24 h - 7 d)", 0, "shard-hour",
                                     p.extended_retention_shard_hour,
                                     "not billed: retention is 24 h"));
  }
  m.components.push_back(retention_gb_month(ctx, "long-term retention (> 7 d)",
                                            kExtendedRetentionCeilingHours, 1e300,
                                            p.long_term_retention_gb_month));
  m.components.push_back(
      component(ctx, "retrieval (shared throughput)", retrieved_gb(r, ctx.prices), "GB", 0,
                std::string("included in provisioned mode; ") + retrieval_note(r)));
  m.components.push_back(component(ctx, "enhanced fan-out consumer-shard hours", 0,
                                   "consumer-shard-hour", p.efo_consumer_shard_hour, efo_note(r)));
  m.components.push_back(
      component(ctx, "enhanced fan-out data", 0, "GB", p.efo_per_gb, efo_note(r)));
  m.components.push_back(component(
      ctx, "long-term retrieval (> 7 d)", 0, "GB", p.long_term_retrieval_per_gb,
      r.consumers.empty() ? std::string(kConsumersLater)
                          : std::string("not priced: reads of data older than 7 days are not "
                                        "told apart")));
  return m;
}

double billed_gb(const Result& r, const core::PriceTable& prices) {
  return static_cast<double>(r.on_demand_billed_bytes) /
         static_cast<double>(prices.billing_gb_bytes);
}

// The components both on-demand modes bill alike; `Prices` is OnDemandStandardPrices or
// OnDemandAdvantagePrices, which share these fields.
template <typename Prices>
void add_on_demand_components(ModeCost& m, const Result& r, const Context& ctx, const Prices& p,
                              std::string stream_hour_note) {
  m.components.push_back(component(ctx, "stream hours", ctx.hours, "stream-hour", p.stream_hour,
                                   std::move(stream_hour_note)));
  m.components.push_back(component(ctx, "data ingested", billed_gb(r, ctx.prices), "GB",
                                   p.ingest_per_gb, "each accepted record rounded up to 1 KB"));
  m.components.push_back(retention_gb_month(ctx, "extended retention (24 h - 7 d)",
                                            kDefaultRetentionHours, kExtendedRetentionCeilingHours,
                                            p.extended_retention_gb_month));
  m.components.push_back(retention_gb_month(ctx, "long-term retention (> 7 d)",
                                            kExtendedRetentionCeilingHours, 1e300,
                                            p.long_term_retention_gb_month));
  m.components.push_back(component(ctx, "retrieval (shared throughput)",
                                   retrieved_gb(r, ctx.prices), "GB", p.retrieval_per_gb,
                                   retrieval_note(r)));
  m.components.push_back(
      component(ctx, "enhanced fan-out data", 0, "GB", p.efo_per_gb, efo_note(r)));
}

ModeCost on_demand_standard(const Result& r, const Context& ctx) {
  ModeCost m;
  m.mode = CapacityMode::kOnDemand;
  m.name = "on-demand Standard";
  add_on_demand_components(m, r, ctx, ctx.prices.on_demand, "");
  return m;
}

ModeCost on_demand_advantage(const Result& r, const Context& ctx) {
  const core::OnDemandAdvantagePrices& p = ctx.prices.advantage;
  ModeCost m;
  m.mode = CapacityMode::kOnDemandAdvantage;
  m.name = "On-demand Advantage";
  add_on_demand_components(m, r, ctx, p, "no stream-hour fee in On-demand Advantage");
  total(m);
  // The account commits to a minimum spend: the bill is max(usage, minimum), prorated.
  const double days = ctx.hours / 24.0;
  const double minimum = p.minimum_per_day * days;
  const double usage = m.run_cost;
  CostComponent top_up =
      component(ctx, "committed minimum (top-up)", days, "day", p.minimum_per_day);
  top_up.run_cost = std::max(0.0, minimum - usage);
  top_up.per_hour = ctx.hours > 0 ? top_up.run_cost / ctx.hours : 0.0;
  top_up.per_month = top_up.per_hour * ctx.prices.hours_per_month;
  if (top_up.run_cost > 0) {
    top_up.note = "usage " + money_text(usage) + " is below the committed minimum of " +
                  money_text(p.minimum_per_day) + "/day (" + money_text(minimum) +
                  " for this run): the minimum is billed";
  } else {
    top_up.note = "usage " + money_text(usage) + " covers the committed minimum of " +
                  money_text(p.minimum_per_day) + "/day: nothing added";
  }
  m.notes.push_back("billed max(usage, committed minimum of " + money_text(p.minimum_per_day) +
                    "/day prorated); the commitment is 25 MiB/s of ingest and retrieval for at "
                    "least 24 h");
  m.components.push_back(std::move(top_up));
  return m;
}

uint64_t accepted_bytes(const Result& r) {
  uint64_t from_shards = 0;
  for (const ShardResult& s : r.shards) from_shards += s.totals.accepted_bytes;
  return from_shards > 0 ? from_shards : r.totals().accepted_bytes;
}

uint32_t ceil_shards(double ratio) {
  // A tolerance so that exact multiples (4,000 records/s) are not bumped by rounding noise.
  const double c = std::ceil(ratio - 1e-9);
  return c <= 0 ? 0 : static_cast<uint32_t>(c);
}

// Result::capacity_segments, or the whole run as one stretch when a Result has none.
std::vector<CapacitySegment> segments_of(const Result& r) {
  if (!r.capacity_segments.empty()) return r.capacity_segments;
  CapacitySegment whole;
  whole.from = sim::Time::zero();
  whole.to = sim::Time::zero() + r.duration;
  whole.mode = r.stream.mode;
  whole.put_payload_units = r.put_payload_units;
  whole.on_demand_billed_bytes = r.on_demand_billed_bytes;
  return {whole};
}

ModeCost as_simulated(const Result& r, const Context& ctx) {
  const std::vector<CapacitySegment> segments = segments_of(r);
  ModeCost m;
  m.mode = r.stream.mode;
  m.name = "as simulated";
  m.simulated = true;
  for (const CapacityMode mode :
       {CapacityMode::kProvisioned, CapacityMode::kOnDemand, CapacityMode::kOnDemandAdvantage}) {
    // The mode's share of the run, as a Result of its own hours and quantities.
    Result part;
    part.stream = r.stream;
    part.stream.mode = mode;
    double hours = 0;
    for (const CapacitySegment& seg : segments) {
      if (seg.mode != mode) continue;
      const double h = (seg.to - seg.from).to_seconds() / 3600.0;
      hours += h;
      part.shard_hours += h * seg.open_shards;
      part.put_payload_units += seg.put_payload_units;
      part.on_demand_billed_bytes += seg.on_demand_billed_bytes;
    }
    if (hours <= 0) continue;
    // Consumers' reads, apportioned to the mode by its share of the run's time.
    part.consumers = r.consumers;
    const double share = ctx.hours > 0 ? hours / ctx.hours : 1.0;
    for (ConsumerResult& c : part.consumers) {
      c.counts.bytes_read =
          static_cast<uint64_t>(std::llround(static_cast<double>(c.counts.bytes_read) * share));
    }
    // Hand-built Results carry shard hours but no segments.
    if (r.capacity_segments.empty()) part.shard_hours = r.shard_hours;
    Context sub = ctx;
    sub.hours = hours;
    ModeCost piece = mode == CapacityMode::kProvisioned ? provisioned(part, sub)
                     : mode == CapacityMode::kOnDemand  ? on_demand_standard(part, sub)
                                                        : on_demand_advantage(part, sub);
    for (CostComponent& c : piece.components) {
      c.name = piece.name + ": " + c.name;
      c.per_hour = ctx.hours > 0 ? c.run_cost / ctx.hours : 0.0;
      c.per_month = c.per_hour * ctx.prices.hours_per_month;
      m.components.push_back(std::move(c));
    }
    m.notes.push_back(piece.name + " for " + rate_text(hours) + " h of " + rate_text(ctx.hours) +
                      " h");
    for (std::string& n : piece.notes) m.notes.push_back(piece.name + ": " + std::move(n));
  }
  total(m);
  return m;
}

constexpr double kLittleHeadroom = 0.9;  // busiest shard at this share of its limit or more
constexpr double kAggregated = 1.1;      // user records per Kinesis record that count as packed
constexpr double kAllOfIt = 0.995;       // throttling share rounded to "all" / "none"

// "as many as the formula asks", "1 more than the formula asks", "2 fewer than ...".
std::string relation_text(uint32_t shards, uint32_t formula) {
  if (shards == formula) return "as many as the formula asks";
  return shards > formula ? with_thousands(shards - formula) + " more than the formula asks"
                          : with_thousands(formula - shards) + " fewer than the formula asks";
}

double busiest_utilization(const Result& r) {
  double busiest = 0;
  for (const ShardLoad& l : shard_loads(r)) busiest = std::max(busiest, l.utilization);
  return busiest;
}

// User records accepted per Kinesis record written (KPL aggregates carry many), or 1.
double user_records_per_kinesis_record(const Result& r) {
  uint64_t kinesis = 0;
  for (const ShardResult& s : r.shards) kinesis += s.totals.accepted_records;
  const uint64_t user = r.totals().accepted;
  return kinesis == 0 || user <= kinesis ? 1.0
                                         : static_cast<double>(user) / static_cast<double>(kinesis);
}

// "minutes" at CloudWatch's resolution, "seconds" at 1 s, else "metric periods".
std::string buckets_text(sim::Duration resolution) {
  if (resolution == sim::Duration::seconds(60)) return "minutes";
  if (resolution == sim::Duration::seconds(1)) return "seconds";
  return "metric periods";
}

// The sizing sentence's second half for a provisioned stream that kept `shards` all run.
std::string fixed_count_text(const Result& r, const SizingReport& s, uint32_t shards,
                             const std::string& hot_text) {
  const uint32_t formula = s.peak.shards;
  std::string text = "with " + shards_text(shards) + " (" + relation_text(shards, formula) +
                     ") the simulation throttled ";
  if (s.throttled_fraction > 0) {
    text += percent_text(s.throttled_fraction) + " of writes";
    if (!hot_text.empty()) return text + hot_text;
    if (shards < formula) return text + ", as the formula predicts";
    return text +
           " because load is uneven over time or across shards (bursts, key skew), which the "
           "formula ignores";
  }
  text += "nothing";
  const double busiest = busiest_utilization(r);
  const std::string busiest_text =
      "the busiest shard peaked at " + percent_text(busiest) + " of its write limit";
  if (shards > formula) {
    if (busiest >= kLittleHeadroom)
      return text + ", but " + busiest_text + ": fewer shards risk throttling";
    return text + ", so the formula's " + with_thousands(formula) +
           " may do (check bursts before removing shards)";
  }
  const double packed = user_records_per_kinesis_record(r);
  if (shards < formula && packed >= kAggregated && s.peak.shards_for_records > shards) {
    text += ": aggregation put " + rate_text(packed) +
            " user records in each Kinesis record on average, and a shard's records/s limit "
            "counts Kinesis records";
  }
  if (busiest >= 1) return text + "; " + busiest_text + " (bursts absorbed it): no headroom";
  if (busiest >= kLittleHeadroom) return text + "; " + busiest_text + ": little headroom";
  if (shards < formula && packed < kAggregated) return text + "; " + busiest_text;
  return text;
}

// The sizing sentence's second half when the shard count or the mode changed during the run.
std::string varying_count_text(const Result& r, const SizingReport& s, const CapacityProfile& c,
                               const std::string& hot_text) {
  const uint32_t formula = s.peak.shards;
  const bool provisioned = !c.on_demand;
  std::string who;
  const auto add = [&](const std::string& part) { who += (who.empty() ? "" : ", ") + part; };
  if (c.on_demand) {
    std::string modes;
    for (const CapacityMode m : c.modes)
      modes += (modes.empty() ? "" : " -> ") + std::string(mode_text(m));
    add(modes);
  }
  if (c.by_autoscaler) add("autoscaler");
  if (c.by_timeline) add("timeline");
  std::string text = "with ";
  if (c.min_shards == c.max_shards) {
    text += shards_text(c.max_shards) + " (" + who + ")";
  } else {
    text += with_thousands(c.min_shards) + " to " + shards_text(c.max_shards) + " over the run (" +
            who + (who.empty() ? "" : "; ") + "mean " + rate_text(c.mean_shards) +
            (provisioned ? ", " + rate_text(c.shard_hours) + " shard-hours" : std::string()) + ")";
  }
  text += " the simulation throttled ";
  if (s.throttled_fraction == 0) {
    text += "nothing";
  } else {
    text += percent_text(s.throttled_fraction) + " of writes";
    const std::optional<ThrottleWindow> window = on_demand_throttle_window(r);
    const ThrottledBelow below = throttled_below(r, formula);
    const std::string formula_text = "the formula's " + shards_text(formula);
    if (!hot_text.empty()) {
      text += hot_text;
    } else if (window) {
      text += " from " + clock_text(window->from) + " to " + clock_text(window->to) +
              ", while on-demand's admission limit caught up with the traffic";
    } else if (below.total == 0) {
      text += "; the formula ignores bursts, key skew and the time capacity takes to change";
    } else if (c.max_shards < formula) {
      text += ", with fewer shards than " + formula_text + " throughout";
    } else {
      const double share = static_cast<double>(below.below) / static_cast<double>(below.total);
      const std::string when = " in the " + buckets_text(r.resolution) +
                               " when the stream had fewer than " + formula_text;
      if (share >= kAllOfIt) {
        text += ", all of it" + when;
      } else if (share > 1 - kAllOfIt) {
        text += ", " + percent_text(share) + " of it" + when +
                " and the rest from uneven load (bursts, key skew), which the formula ignores";
      } else {
        text += " while it had at least " + formula_text +
                ": load is uneven over time or across shards (bursts, key skew), which the "
                "formula ignores";
      }
    }
  }
  // This run cannot tell whether a fixed count at the formula's peak would have been enough.
  if (provisioned) {
    const double hours = duration_seconds(r) / 3600.0;
    return text + "; a fixed " + shards_text(formula) + " (" + rate_text(formula * hours) +
           " shard-hours) was not simulated";
  }
  return text + "; a fixed provisioned " + shards_text(formula) + " was not simulated";
}

}  // namespace

CostReport price(const Result& r, const core::PriceTable& prices) {
  Context ctx{prices};
  ctx.hours = duration_seconds(r) / 3600.0;
  ctx.retention_hours = r.stream.retention_hours;
  if (ctx.hours > 0) {
    ctx.gb_per_hour = static_cast<double>(accepted_bytes(r)) /
                      static_cast<double>(prices.billing_gb_bytes) / ctx.hours;
  }
  CostReport report;
  report.simulated_hours = ctx.hours;
  report.hours_per_month = prices.hours_per_month;
  report.region = prices.region;
  report.price_date = prices.version.date;
  report.price_source = prices.version.source;
  report.modes.push_back(provisioned(r, ctx));
  report.modes.push_back(on_demand_standard(r, ctx));
  report.modes.push_back(on_demand_advantage(r, ctx));
  for (ModeCost& m : report.modes) {
    total(m);
    m.simulated = m.mode == r.stream.mode;
  }
  report.as_simulated = as_simulated(r, ctx);
  for (std::size_t i = 1; i < report.modes.size(); ++i) {
    if (report.modes[i].per_month < report.modes[report.cheapest].per_month) report.cheapest = i;
  }
  return report;
}

SizingEstimate sizing_estimate(double records_per_sec, double bytes_per_sec,
                               uint32_t polling_consumers) {
  SizingEstimate e;
  e.records_per_sec = records_per_sec;
  e.write_kib_per_sec = bytes_per_sec / 1024.0;
  e.read_kib_per_sec = e.write_kib_per_sec * polling_consumers;
  e.shards_for_write = ceil_shards(e.write_kib_per_sec / 1024.0);
  e.shards_for_read = ceil_shards(e.read_kib_per_sec / 2048.0);
  e.shards_for_records = ceil_shards(records_per_sec / 1000.0);
  e.shards = std::max({e.shards_for_write, e.shards_for_read, e.shards_for_records, 1u});
  return e;
}

SizingReport size(const Result& r) {
  SizingReport s;
  s.polling_consumers = polling_consumer_count(r);
  const ProducerCounts t = r.totals();
  const double secs = duration_seconds(r);
  const double mean_records = secs > 0 ? static_cast<double>(t.produced) / secs : 0.0;
  const double mean_bytes = secs > 0 ? static_cast<double>(t.produced_bytes) / secs : 0.0;
  double peak_records = 0;
  double peak_bytes = 0;
  for (const ProducerResult& p : r.producers) {
    peak_records += p.offered_peak_records_per_sec;
    peak_bytes += p.offered_peak_bytes_per_sec;
  }
  s.mean = sizing_estimate(mean_records, mean_bytes, s.polling_consumers);
  s.peak = sizing_estimate(peak_records, peak_bytes, s.polling_consumers);
  s.simulated_initial_shards = r.initial_shards;
  s.simulated_final_shards = r.final_open_shards;
  s.simulated_max_shards = max_open_shards(r);
  s.throttled_fraction = throttled_fraction(t);

  const CapacityProfile capacity = capacity_profile(r);
  s.simulated_min_shards = capacity.min_shards;
  s.simulated_mean_shards = capacity.mean_shards;
  const uint32_t formula = s.peak.shards;
  std::string text = "the formula asks for " + shards_text(formula) + " at peak (" +
                     with_thousands(s.mean.shards) + " on the mean load); ";
  const core::ShardWriteLimits& limits = r.stream.write;
  const std::vector<KeyLoad> keys = key_loads(r);
  const auto hot = std::find_if(keys.begin(), keys.end(),
                                [&](const KeyLoad& k) { return exceeds_shard(k, limits); });
  const std::string hot_text =
      hot == keys.end() ? std::string()
                        : " because key " + hot->key + " alone exceeds one shard (" +
                              rate_text(hot->records_per_sec) + " records/s, " +
                              bytes_rate_text(hot->bytes_per_sec) + "), whatever the shard count";
  if (!capacity.varied() && !capacity.on_demand) {
    text += fixed_count_text(r, s, capacity.max_shards, hot_text);
  } else {
    text += varying_count_text(r, s, capacity, hot_text);
  }
  s.comparison = text + read_sizing_text(r) + ".";
  return s;
}

}  // namespace kinesim::models
