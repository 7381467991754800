// Learning-rate schedules: the rate to use for each update.
//
// A schedule is a function of the update index `step` = 0, 1, 2, ... (0 is
// the first update); a training loop calls
//   optimizer.set_lr(schedule->lr_at(step));  optimizer.step();
// Because the rate depends on nothing but `step`, a resumed run gets the same
// rates from the step it saved, and nothing about the schedule needs saving.
//
// With base rate lr (W = warmup_steps, T = total_steps):
//   constant         lr
//   step             lr * gamma^floor(step / step_size)                    (step decay)
//   cosine           min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2,  p = min(step / T, 1)
//                    (Loshchilov & Hutter 2017, "SGDR: Stochastic Gradient Descent with
//                    Warm Restarts", without the restarts)
//   warmup-constant  lr * (step + 1) / W for step < W: a linear ramp that reaches lr on
//   warmup-cosine    the warmup's last update; then lr (constant), or the cosine or linear
//   warmup-linear    decay over the remaining updates, p = min((step - W) / (T - W), 1):
//                      cosine: min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2
//                      linear: min_lr + (lr - min_lr) * (1 - p)
//                    (warmup: Goyal et al. 2017, "Accurate, Large Minibatch SGD")
//   noam             factor * d_model^-0.5 * min(n^-0.5, n * W^-1.5),  n = step + 1
//                    (Vaswani et al. 2017, "Attention Is All You Need", eq. 3): grows
//                    linearly for W updates, peaks at n = W, then decays as 1/sqrt(n);
//                    lr is not used. n starts at 1 because n^-0.5 is infinite at 0.
// cosine is warmup-cosine with W = 0; from step T on, both stay at min_lr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace heed::optim {

class Schedule {
 public:
  virtual ~Schedule() = default;
  // The learning rate for update number `step` (0-based); step must be >= 0.
  virtual double lr_at(std::int64_t step) const = 0;
};

class ConstantSchedule final : public Schedule {
 public:
  explicit ConstantSchedule(double lr);
  double lr_at(std::int64_t step) const override;

 private:
  double lr_;
};

class StepDecaySchedule final : public Schedule {
 public:
  StepDecaySchedule(double lr, std::int64_t step_size, double gamma);
  double lr_at(std::int64_t step) const override;

 private:
  double lr_;
  std::int64_t step_size_;
  double gamma_;
};

class CosineSchedule final : public Schedule {
 public:
  CosineSchedule(double lr, std::int64_t total_steps, double min_lr = 0);
  double lr_at(std::int64_t step) const override;

 private:
  double lr_;
  std::int64_t total_steps_;
  double min_lr_;
};

// Linear warmup, then one of three shapes until total_steps.
class WarmupSchedule final : public Schedule {
 public:
  enum class Decay { Constant, Cosine, Linear };
  WarmupSchedule(double lr, std::int64_t warmup_steps, Decay decay, std::int64_t total_steps = 0,
                 double min_lr = 0);
  double lr_at(std::int64_t step) const override;

 private:
  double lr_;
  std::int64_t warmup_steps_;
  Decay decay_;
  std::int64_t total_steps_;
  double min_lr_;
};

class NoamSchedule final : public Schedule {
 public:
  NoamSchedule(double d_model, std::int64_t warmup_steps, double factor = 1);
  double lr_at(std::int64_t step) const override;

 private:
  double d_model_;
  std::int64_t warmup_steps_;
  double factor_;
};

// Everything any schedule may read; each takes the fields it needs and checks them.
struct ScheduleOptions {
  double lr = 1e-3;                 // the base (peak) rate
  double min_lr = 0;                // cosine and warmup-cosine/-linear end here
  std::int64_t warmup_steps = 0;    // warmup-*, noam
  std::int64_t total_steps = 0;     // cosine, warmup-cosine, warmup-linear
  std::int64_t step_size = 1;       // step
  double gamma = 0.1;               // step
  double d_model = 512;             // noam
  double factor = 1;                // noam
};

// The names make_schedule knows, in the order --help should list them.
const std::vector<std::string>& schedule_names();
// A schedule by name; an unknown name throws listing the valid ones.
std::unique_ptr<Schedule> make_schedule(std::string_view name, const ScheduleOptions& options);

}  // namespace heed::optim
