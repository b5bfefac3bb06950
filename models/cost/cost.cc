#include "models/cost/cost.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "models/text/number_text.h"

namespace kinesim::models {
namespace {

constexpr double kExtendedRetentionCeilingHours = 168;  // 7 days: beyond is long-term retention
constexpr double kDefaultRetentionHours = 24;
constexpr const char* kNoConsumers = "no consumers in the scenario";

}  // namespace

uint32_t polling_consumer_count(const Result& r) {
  return static_cast<uint32_t>(std::count_if(r.consumers.begin(), r.consumers.end(),
                                             [](const ConsumerResult& c) { return c.polling; }));
}

uint64_t polling_bytes_read(const Result& r) {
  uint64_t bytes = 0;
  for (const ConsumerResult& c : r.consumers) {
    if (c.polling) bytes += c.counts.bytes_read;
  }
  return bytes;
}

uint32_t fan_out_consumer_count(const Result& r) {
  return static_cast<uint32_t>(r.consumers.size()) - polling_consumer_count(r);
}

uint64_t fan_out_bytes_read(const Result& r) {
  uint64_t bytes = 0;
  for (const ConsumerResult& c : r.consumers) {
    if (!c.polling) bytes += c.counts.bytes_read;
  }
  return bytes;
}

double fan_out_consumer_shard_hours(const Result& r) {
  double hours = 0;
  for (const ConsumerResult& c : r.consumers) {
    if (!c.polling) hours += c.consumer_shard_hours;
  }
  return hours;
}

namespace {

// What the scenario's consumers read, for the retrieval lines: with none, the note says why the
// lines are zero.
std::string retrieval_note(const Result& r) {
  if (r.consumers.empty()) return kNoConsumers;
  return "GetRecords data of " + with_thousands(polling_consumer_count(r)) +
         " polling consumers (" + bytes_text(static_cast<double>(polling_bytes_read(r))) + ")";
}

std::string efo_note(const Result& r) {
  if (r.consumers.empty()) return kNoConsumers;
  const uint32_t n = fan_out_consumer_count(r);
  if (n == 0) return "no enhanced fan-out consumers in the scenario";
  return with_thousands(n) + " enhanced fan-out consumers, " +
         bytes_text(static_cast<double>(fan_out_bytes_read(r))) +
         " pushed; consumer-shard-hours count every open shard from each registration";
}

double fan_out_gb(const Result& r, const core::PriceTable& prices) {
  return static_cast<double>(fan_out_bytes_read(r)) / static_cast<double>(prices.billing_gb_bytes);
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
  m.components.push_back(component(ctx, "enhanced fan-out consumer-shard hours",
                                   fan_out_consumer_shard_hours(r), "consumer-shard-hour",
                                   p.efo_consumer_shard_hour, efo_note(r)));
  m.components.push_back(component(ctx, "enhanced fan-out data", fan_out_gb(r, ctx.prices), "GB",
                                   p.efo_per_gb, efo_note(r)));
  m.components.push_back(component(
      ctx, "long-term retrieval (> 7 d)", 0, "GB", p.long_term_retrieval_per_gb,
      r.consumers.empty() ? std::string(kNoConsumers)
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
  m.components.push_back(component(ctx, "enhanced fan-out data", fan_out_gb(r, ctx.prices), "GB",
                                   p.efo_per_gb, efo_note(r)));
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
      c.consumer_shard_hours *= share;
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

}  // namespace

CostReport price(const Result& r, const core::PriceTable& prices) {
  Context ctx{prices};
  ctx.hours = r.duration.to_seconds() / 3600.0;
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

}  // namespace kinesim::models
