#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "tensor/error.h"

namespace heed::optim {
namespace {

void check_step(std::int64_t step) {
  HEED_CHECK(step >= 0, "schedule: lr_at(", step, "): the update index must be >= 0 (0 is the first update)");
}

// The cosine curve from lr (p = 0) down to min_lr (p = 1).
double cosine_between(double lr, double min_lr, double p) {
  return min_lr + (lr - min_lr) * (1 + std::cos(std::numbers::pi * p)) / 2;
}

}  // namespace

ConstantSchedule::ConstantSchedule(double lr) : lr_(lr) {
  HEED_CHECK(lr >= 0, "constant schedule: lr ", lr, " is negative");
}

double ConstantSchedule::lr_at(std::int64_t step) const {
  check_step(step);
  return lr_;
}

StepDecaySchedule::StepDecaySchedule(double lr, std::int64_t step_size, double gamma)
    : lr_(lr), step_size_(step_size), gamma_(gamma) {
  HEED_CHECK(lr >= 0, "step schedule: lr ", lr, " is negative");
  HEED_CHECK(step_size >= 1, "step schedule: step_size ", step_size, " must be >= 1 (updates between decays)");
  HEED_CHECK(gamma >= 0, "step schedule: gamma ", gamma, " is negative; expected a decay factor like 0.1");
}

double StepDecaySchedule::lr_at(std::int64_t step) const {
  check_step(step);
  return lr_ * std::pow(gamma_, static_cast<double>(step / step_size_));
}

CosineSchedule::CosineSchedule(double lr, std::int64_t total_steps, double min_lr)
    : lr_(lr), total_steps_(total_steps), min_lr_(min_lr) {
  HEED_CHECK(lr >= 0 && min_lr >= 0, "cosine schedule: lr ", lr, " and min_lr ", min_lr, " must be >= 0");
  HEED_CHECK(total_steps >= 1, "cosine schedule: total_steps ", total_steps,
             " must be >= 1; set it to the number of updates of the run");
}

double CosineSchedule::lr_at(std::int64_t step) const {
  check_step(step);
  const double p = std::min(static_cast<double>(step) / static_cast<double>(total_steps_), 1.0);
  return cosine_between(lr_, min_lr_, p);
}

WarmupSchedule::WarmupSchedule(double lr, std::int64_t warmup_steps, Decay decay, std::int64_t total_steps,
                               double min_lr)
    : lr_(lr), warmup_steps_(warmup_steps), decay_(decay), total_steps_(total_steps), min_lr_(min_lr) {
  HEED_CHECK(lr >= 0 && min_lr >= 0, "warmup schedule: lr ", lr, " and min_lr ", min_lr, " must be >= 0");
  HEED_CHECK(warmup_steps >= 0, "warmup schedule: warmup_steps ", warmup_steps, " is negative");
  HEED_CHECK(decay == Decay::Constant || total_steps > warmup_steps, "warmup schedule: total_steps ", total_steps,
             " must exceed warmup_steps ", warmup_steps, " for a decay after the warmup");
}

double WarmupSchedule::lr_at(std::int64_t step) const {
  check_step(step);
  if (step < warmup_steps_) return lr_ * static_cast<double>(step + 1) / static_cast<double>(warmup_steps_);
  if (decay_ == Decay::Constant) return lr_;
  const double p = std::min(static_cast<double>(step - warmup_steps_) /
                                static_cast<double>(total_steps_ - warmup_steps_), 1.0);
  if (decay_ == Decay::Cosine) return cosine_between(lr_, min_lr_, p);
  return min_lr_ + (lr_ - min_lr_) * (1 - p);
}

NoamSchedule::NoamSchedule(double d_model, std::int64_t warmup_steps, double factor)
    : d_model_(d_model), warmup_steps_(warmup_steps), factor_(factor) {
  HEED_CHECK(d_model > 0, "noam schedule: d_model ", d_model, " must be > 0 (the model width)");
  HEED_CHECK(warmup_steps >= 1, "noam schedule: warmup_steps ", warmup_steps, " must be >= 1 (the paper uses 4000)");
  HEED_CHECK(factor >= 0, "noam schedule: factor ", factor, " is negative");
}

double NoamSchedule::lr_at(std::int64_t step) const {
  check_step(step);
  const double n = static_cast<double>(step + 1);
  const double warmup = static_cast<double>(warmup_steps_);
  return factor_ * std::pow(d_model_, -0.5) * std::min(std::pow(n, -0.5), n * std::pow(warmup, -1.5));
}

const std::vector<std::string>& schedule_names() {
  static const std::vector<std::string> names = {"constant",      "step",          "cosine", "warmup-constant",
                                                 "warmup-cosine", "warmup-linear", "noam"};
  return names;
}

std::unique_ptr<Schedule> make_schedule(std::string_view name, const ScheduleOptions& o) {
  if (name == "constant") return std::make_unique<ConstantSchedule>(o.lr);
  if (name == "step") return std::make_unique<StepDecaySchedule>(o.lr, o.step_size, o.gamma);
  if (name == "cosine") return std::make_unique<CosineSchedule>(o.lr, o.total_steps, o.min_lr);
  using Decay = WarmupSchedule::Decay;
  if (name == "warmup-constant") return std::make_unique<WarmupSchedule>(o.lr, o.warmup_steps, Decay::Constant);
  if (name == "warmup-cosine")
    return std::make_unique<WarmupSchedule>(o.lr, o.warmup_steps, Decay::Cosine, o.total_steps, o.min_lr);
  if (name == "warmup-linear")
    return std::make_unique<WarmupSchedule>(o.lr, o.warmup_steps, Decay::Linear, o.total_steps, o.min_lr);
  if (name == "noam") return std::make_unique<NoamSchedule>(o.d_model, o.warmup_steps, o.factor);
  std::ostringstream valid;
  for (const std::string& known : schedule_names()) valid << (valid.tellp() > 0 ? ", " : "") << known;
  detail::fail("make_schedule: unknown schedule '", name, "'; valid names: ", valid.str());
}

}  // namespace heed::optim
