#include "optim/rmsprop.h"

#include "tensor/ops.h"

namespace heed::optim {

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : Optimizer("rmsprop", std::move(params), options.lr), options_(options) {
  check_hyperparameters();
  register_hyperparameter("alpha", &options_.alpha);
  register_hyperparameter("eps", &options_.eps);
  register_hyperparameter("weight_decay", &options_.weight_decay);
  register_hyperparameter("momentum", &options_.momentum);
  register_flag("centered", &options_.centered);
  register_state("square_avg", &square_avg_);
  if (options_.centered) register_state("grad_avg", &grad_avg_);
  if (options_.momentum > 0) register_state("momentum_buffer", &momentum_buffer_);
}

void RMSprop::check_hyperparameters() const {
  HEED_CHECK(options_.alpha >= 0, "rmsprop: alpha ", options_.alpha, " is negative; expected alpha >= 0");
  HEED_CHECK(options_.eps >= 0, "rmsprop: eps ", options_.eps, " is negative; expected eps >= 0");
  HEED_CHECK(options_.momentum >= 0, "rmsprop: momentum ", options_.momentum, " is negative; expected momentum >= 0");
  HEED_CHECK(options_.weight_decay >= 0, "rmsprop: weight_decay ", options_.weight_decay,
             " is negative; expected weight_decay >= 0");
}

void RMSprop::update(Tensor& param, const Tensor& grad, std::size_t index, std::int64_t /*step*/) {
  const auto& o = options_;
  // The gradient may be shared with other tensors, so it is never changed in place.
  const Tensor g = o.weight_decay != 0 ? ops::binary(BinaryOp::AddScaled, grad, param, o.weight_decay) : grad;
  Tensor& s = square_avg_[index];
  scale_(s, o.alpha);
  add_scaled_(s, ops::mul(g, g), 1 - o.alpha);

  Tensor denom;  // (shape of p)
  if (o.centered) {
    Tensor& a = grad_avg_[index];
    scale_(a, o.alpha);
    add_scaled_(a, g, 1 - o.alpha);
    denom = ops::sqrt(ops::binary(BinaryOp::AddScaled, s, ops::mul(a, a), -1));
  } else {
    denom = ops::sqrt(s);
  }
  add_scalar_(denom, o.eps);

  if (o.momentum > 0) {
    Tensor& b = momentum_buffer_[index];
    scale_(b, o.momentum);
    ops::binary_(BinaryOp::Add, b, ops::div(g, denom));
    add_scaled_(param, b, -lr());
  } else {
    add_scaled_(param, ops::div(g, denom), -lr());
  }
}

}  // namespace heed::optim
