#include "optim/sgd.h"

#include "tensor/ops.h"

namespace heed::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer("sgd", std::move(params), options.lr), options_(options) {
  check_hyperparameters();
  register_hyperparameter("momentum", &options_.momentum);
  register_hyperparameter("dampening", &options_.dampening);
  register_flag("nesterov", &options_.nesterov);
  register_hyperparameter("weight_decay", &options_.weight_decay);
  if (options_.momentum != 0) register_state("momentum_buffer", &momentum_buffers_);
}

void SGD::check_hyperparameters() const {
  HEED_CHECK(options_.momentum >= 0, "sgd: momentum ", options_.momentum, " is negative; expected momentum >= 0");
  HEED_CHECK(options_.weight_decay >= 0, "sgd: weight_decay ", options_.weight_decay,
             " is negative; expected weight_decay >= 0");
  HEED_CHECK(!options_.nesterov || (options_.momentum > 0 && options_.dampening == 0),
             "sgd: nesterov momentum needs momentum > 0 and dampening == 0, got momentum ", options_.momentum,
             " and dampening ", options_.dampening);
}

void SGD::update(Tensor& param, const Tensor& grad, std::size_t index, std::int64_t step) {
  // g is the gradient itself unless weight decay needs a new tensor: the
  // gradient may be shared with other tensors, so it is never changed in place.
  Tensor g = options_.weight_decay != 0 ? ops::binary(BinaryOp::AddScaled, grad, param, options_.weight_decay) : grad;
  if (options_.momentum != 0) {
    Tensor& buffer = momentum_buffers_[index];
    if (step == 1) {
      ops::copy_(buffer, g);
    } else {
      scale_(buffer, options_.momentum);
      add_scaled_(buffer, g, 1 - options_.dampening);
    }
    if (options_.nesterov) {
      g = ops::binary(BinaryOp::AddScaled, g, buffer, options_.momentum);
    } else {
      g = buffer;
    }
  }
  add_scaled_(param, g, -lr());
}

}  // namespace heed::optim
