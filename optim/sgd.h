// SGD: stochastic gradient descent with optional momentum, Nesterov momentum
// and L2 weight decay — the update of torch.optim.SGD, step for step.
//
// For a parameter p with gradient g, at its t-th update (t = 1, 2, ...):
//   g <- g + weight_decay * p                         (L2 penalty, folded into g)
//   with momentum mu > 0:
//     b <- g                                  if t == 1
//     b <- mu * b + (1 - dampening) * g       otherwise
//     g <- g + mu * b     (nesterov)   or   g <- b   (classical)
//   p <- p - lr * g
//
// Classical momentum: Polyak 1964, "Some methods of speeding up the convergence
// of iteration methods". Nesterov momentum in this form: Sutskever, Martens,
// Dahl, Hinton 2013, "On the importance of initialization and momentum in deep
// learning". Note that lr multiplies the buffer, not the gradient inside it
// (PyTorch's convention, which differs from the papers' by a rescaling of b).
//
// State: sgd.momentum_buffer.<i> (only when momentum > 0).
#pragma once

#include <vector>

#include "optim/optimizer.h"

namespace heed::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0
  double weight_decay = 0;
};

class SGD : public Optimizer {
 public:
  // SGD(model.parameters(), {.lr = 0.1, .momentum = 0.9, .nesterov = true})
  SGD(std::vector<Tensor> params, const SGDOptions& options);

 protected:
  void update(Tensor& param, const Tensor& grad, std::size_t index, std::int64_t step) override;
  void check_hyperparameters() const override;

 private:
  SGDOptions options_;  // options_.lr is the initial rate; lr() is the current one
  std::vector<Tensor> momentum_buffers_;  // (shape of p) each
};

}  // namespace heed::optim
