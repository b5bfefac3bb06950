#include "models/workload/arrivals.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace kinesim::models {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kDiurnalSegmentSec = 1.0;

}  // namespace

RateProfile::RateProfile(const RateConfig& config, double scale) : config_(config), scale_(scale) {}

double RateProfile::rate_at(double t, double* segment_end) const {
  switch (config_.profile) {
    case RateConfig::Profile::kConstant:
    case RateConfig::Profile::kPoisson:
    case RateConfig::Profile::kTrace:
      *segment_end = kInf;
      return config_.records_per_sec * scale_;
    case RateConfig::Profile::kSchedule: {
      const auto& steps = config_.steps;
      // The last step at or before t (steps are sorted by the loader).
      auto it = std::upper_bound(steps.begin(), steps.end(), t,
                                 [](double x, const auto& s) { return x < s.at.to_seconds(); });
      *segment_end = it == steps.end() ? kInf : it->at.to_seconds();
      if (it == steps.begin()) return 0.0;
      return std::prev(it)->records_per_sec * scale_;
    }
    case RateConfig::Profile::kDiurnal: {
      const double seg = std::floor(t / kDiurnalSegmentSec);
      *segment_end = (seg + 1) * kDiurnalSegmentSec;
      const double mid = (seg + 0.5) * kDiurnalSegmentSec;
      const double amplitude = config_.peak_factor - 1.0;
      const double phase =
          2 * std::numbers::pi * (mid - config_.peak_at.to_seconds()) / config_.period.to_seconds();
      return std::max(0.0, config_.mean_records_per_sec * (1 + amplitude * std::cos(phase))) *
             scale_;
    }
  }
  *segment_end = kInf;
  return 0.0;
}

double RateProfile::mean_rate(double horizon) const {
  if (horizon <= 0) return 0;
  double t = 0;
  double area = 0;
  while (t < horizon) {
    double end = 0;
    const double r = rate_at(t, &end);
    const double stop = std::min(end, horizon);
    area += r * (stop - t);
    t = stop;
  }
  return area / horizon;
}

double RateProfile::peak_rate(double horizon) const {
  double t = 0;
  double peak = 0;
  while (t < horizon) {
    double end = 0;
    peak = std::max(peak, rate_at(t, &end));
    t = end;
  }
  return peak;
}

ArrivalProcess::ArrivalProcess(const RateConfig& config, uint32_t instances,
                               uint32_t instance_index, sim::Duration start, sim::RngStream rng)
    : profile_(config, 1.0 / instances),
      poisson_(config.profile == RateConfig::Profile::kPoisson ||
               ((config.profile == RateConfig::Profile::kSchedule ||
                 config.profile == RateConfig::Profile::kDiurnal) &&
                config.poisson)),
      t_(start.to_seconds()),
      rng_(rng),
      anchor_(t_) {
  if (!poisson_) {
    // Evenly spaced instances are staggered so that together they are evenly spaced too.
    double end = 0;
    const double r = profile_.rate_at(t_, &end);
    if (r > 0) phase_ += static_cast<double>(instance_index) / instances;
  }
}

double ArrivalProcess::rate_now(double* end) {
  // t_ only grows, and a segment's rate and end are the same for every t inside it.
  if (!(t_ < segment_end_)) segment_rate_ = profile_.rate_at(t_, &segment_end_);
  *end = segment_end_;
  return segment_rate_;
}

sim::Time ArrivalProcess::next() {
  if (!poisson_) return next_evenly_spaced();
  double need = rng_.exponential(1.0);
  for (;;) {
    double end = 0;
    const double r = rate_now(&end);
    if (r > 0 && need <= r * (end - t_)) {
      t_ += need / r;
      break;
    }
    if (end == kInf) return sim::Time::max();
    if (r > 0) need -= r * (end - t_);
    t_ = end;
  }
  return time_of(t_);  // t_ >= 0
}

sim::Time ArrivalProcess::next_evenly_spaced() {
  for (;;) {
    // The segment holding the anchor (t_ may sit at its end, where the next segment begins).
    if (n_ == 0) anchor_rate_ = profile_.rate_at(anchor_, &anchor_end_);
    const double r = anchor_rate_;
    const double end = anchor_end_;
    const double mass = phase_ + static_cast<double>(n_);
    if (r > 0 && mass <= r * (end - anchor_)) {
      ++n_;
      t_ = anchor_ + mass / r;
      return time_of(t_);
    }
    if (end == kInf) return sim::Time::max();
    if (r > 0) phase_ = mass - r * (end - anchor_);
    anchor_ = t_ = end;
    n_ = 0;
  }
}

void RateWindow::reset(const RateProfile& profile, double from, double to) {
  pieces_.clear();
  from_ = from;
  to_ = to;
  mass_ = 0;
  double t = from;
  while (t < to) {
    double end = 0;
    const double r = profile.rate_at(t, &end);
    const double stop = std::min(end, to);
    if (r > 0) pieces_.push_back({t, mass_, r});
    mass_ += r * (stop - t);
    t = stop;
  }
}

double RateWindow::time_at_pieces(double m) const {
  // The last piece starting at or before mass m.
  auto it = std::upper_bound(pieces_.begin(), pieces_.end(), m,
                             [](double x, const Piece& p) { return x < p.before; });
  if (it == pieces_.begin()) return from_;
  const Piece& p = *std::prev(it);
  return std::min(to_, p.start + (m - p.before) / p.rate);
}

PoissonWindows::PoissonWindows(const RateConfig& config, uint32_t instances, sim::Duration start,
                               sim::RngStream rng)
    : profile_(config, 1.0 / instances), rng_(rng), from_(start.to_seconds()) {}

bool PoissonWindows::fill() {
  times_.clear();
  at_ = 0;
  while (times_.empty()) {
    double end = 0;
    const double r = profile_.rate_at(from_, &end);
    if (!(r > 0)) {
      if (end == kInf) return false;
      from_ = end;
      continue;
    }
    const double to = from_ + std::clamp(kPerWindow / r, 1e-3, 3600.0);
    window_.reset(profile_, from_, to);
    const double mass = window_.mass();
    const uint64_t n = mass > 0 ? rng_.poisson(mass) : 0;
    from_ = to;
    if (n == 0) continue;
    // n uniforms, sorted by a counting sort into n buckets (about one each) and an insertion
    // sort of what remains out of order: linear time, where a comparison sort would cost
    // log n per arrival.
    const auto count = static_cast<std::size_t>(n);
    const auto bucket = [&](double u) {
      return std::min(count - 1, static_cast<std::size_t>(u * static_cast<double>(count)));
    };
    drawn_.resize(count);
    starts_.assign(count + 1, 0);
    for (double& u : drawn_) {
      u = rng_.uniform();
      ++starts_[bucket(u) + 1];
    }
    for (std::size_t i = 1; i <= count; ++i) starts_[i] += starts_[i - 1];
    sorted_.resize(count);
    for (const double u : drawn_) sorted_[starts_[bucket(u)]++] = u;
    for (std::size_t i = 1; i < count; ++i) {
      const double u = sorted_[i];
      std::size_t j = i;
      for (; j > 0 && sorted_[j - 1] > u; --j) sorted_[j] = sorted_[j - 1];
      sorted_[j] = u;
    }
    times_.reserve(count);
    for (const double u : sorted_) times_.push_back(time_of(window_.time_at(u * mass)));
  }
  return true;
}

}  // namespace kinesim::models
