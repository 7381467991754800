// RMSprop: divide the gradient by a running root-mean-square of recent
// gradients — the update of torch.optim.RMSprop, step for step.
//
// For a parameter p with gradient g, at each update:
//   g <- g + weight_decay * p                        (L2 penalty, folded into g)
//   s <- alpha * s + (1 - alpha) * g^2               running mean of g^2 (square_avg)
//   centered:  a <- alpha * a + (1 - alpha) * g      running mean of g   (grad_avg)
//              d <- sqrt(s - a^2) + eps              a running standard deviation
//   otherwise: d <- sqrt(s) + eps
//   momentum mu > 0:  b <- mu * b + g / d,   p <- p - lr * b
//   otherwise:        p <- p - lr * g / d
// There is no bias correction (unlike Adam), so the first steps are large:
// s starts at 0, and after one step d is about sqrt(1 - alpha) * |g|.
//
// RMSprop: Tieleman & Hinton 2012, "Lecture 6.5 — rmsprop", COURSERA: Neural
// Networks for Machine Learning. The centered form: Graves 2013, "Generating
// Sequences With Recurrent Neural Networks", eq. 38-45.
//
// State: rmsprop.square_avg.<i>; rmsprop.grad_avg.<i> when centered;
// rmsprop.momentum_buffer.<i> when momentum > 0.
#pragma once

#include <vector>

#include "optim/optimizer.h"

namespace heed::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;  // decay of the running means
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
};

class RMSprop : public Optimizer {
 public:
  // RMSprop(model.parameters(), {.lr = 1e-3, .momentum = 0.9, .centered = true})
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options);

 protected:
  void update(Tensor& param, const Tensor& grad, std::size_t index, std::int64_t step) override;
  void check_hyperparameters() const override;

 private:
  RMSpropOptions options_;  // options_.lr is the initial rate; lr() is the current one
  std::vector<Tensor> square_avg_;       // s, (shape of p) each
  std::vector<Tensor> grad_avg_;         // a, only when centered
  std::vector<Tensor> momentum_buffer_;  // b, only when momentum > 0
};

}  // namespace heed::optim
