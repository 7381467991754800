#include "optim/adam.h"

#include <cmath>

#include "tensor/ops.h"

namespace heed::optim {

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam("adam", std::move(params), options, /*decoupled_weight_decay=*/false) {}

Adam::Adam(std::string name, std::vector<Tensor> params, const AdamOptions& options, bool decoupled_weight_decay)
    : Optimizer(std::move(name), std::move(params), options.lr),
      options_(options),
      decoupled_weight_decay_(decoupled_weight_decay) {
  check_hyperparameters();
  register_hyperparameter("beta1", &options_.beta1);
  register_hyperparameter("beta2", &options_.beta2);
  register_hyperparameter("eps", &options_.eps);
  register_hyperparameter("weight_decay", &options_.weight_decay);
  register_flag("amsgrad", &options_.amsgrad);
  register_state("exp_avg", &exp_avg_);
  register_state("exp_avg_sq", &exp_avg_sq_);
  if (options_.amsgrad) register_state("max_exp_avg_sq", &max_exp_avg_sq_);
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : Adam("adamw", std::move(params),
           AdamOptions{.lr = options.lr,
                       .beta1 = options.beta1,
                       .beta2 = options.beta2,
                       .eps = options.eps,
                       .weight_decay = options.weight_decay,
                       .amsgrad = options.amsgrad},
           /*decoupled_weight_decay=*/true) {}

void Adam::check_hyperparameters() const {
  HEED_CHECK(options_.beta1 >= 0 && options_.beta1 < 1, name(), ": beta1 ", options_.beta1,
             " is out of range; expected 0 <= beta1 < 1");
  HEED_CHECK(options_.beta2 >= 0 && options_.beta2 < 1, name(), ": beta2 ", options_.beta2,
             " is out of range; expected 0 <= beta2 < 1");
  HEED_CHECK(options_.eps >= 0, name(), ": eps ", options_.eps, " is negative; expected eps >= 0");
  HEED_CHECK(options_.weight_decay >= 0, name(), ": weight_decay ", options_.weight_decay,
             " is negative; expected weight_decay >= 0");
}

void Adam::update(Tensor& param, const Tensor& grad, std::size_t index, std::int64_t step) {
  const auto& o = options_;
  Tensor g = grad;  // shared with other tensors possibly, so never changed in place
  if (o.weight_decay != 0) {
    if (decoupled_weight_decay_) scale_(param, 1 - lr() * o.weight_decay);
    else g = ops::binary(BinaryOp::AddScaled, grad, param, o.weight_decay);
  }
  Tensor& m = exp_avg_[index];
  Tensor& v = exp_avg_sq_[index];
  scale_(m, o.beta1);
  add_scaled_(m, g, 1 - o.beta1);
  scale_(v, o.beta2);
  add_scaled_(v, ops::mul(g, g), 1 - o.beta2);

  const double t = static_cast<double>(step);
  const double bias_correction1 = 1 - std::pow(o.beta1, t);
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(o.beta2, t));
  Tensor second_moment = v;
  if (o.amsgrad) {
    Tensor& v_max = max_exp_avg_sq_[index];
    ops::binary_(BinaryOp::Maximum, v_max, v);
    second_moment = v_max;
  }
  Tensor denom = ops::sqrt(second_moment);  // (shape of p)
  scale_(denom, 1 / bias_correction2_sqrt);
  add_scalar_(denom, o.eps);
  add_scaled_(param, ops::div(m, denom), -lr() / bias_correction1);
}

}  // namespace heed::optim
