// Adam and AdamW: adaptive moment estimation — the updates of torch.optim.Adam
// and torch.optim.AdamW, step for step.
//
// For a parameter p with gradient g, at its t-th update (t = 1, 2, ...):
//   Adam:  g <- g + weight_decay * p             (L2 penalty, folded into g)
//   AdamW: p <- p * (1 - lr * weight_decay)      (decoupled decay, g untouched)
//   m <- beta1 * m + (1 - beta1) * g             first moment  (exp_avg)
//   v <- beta2 * v + (1 - beta2) * g^2           second moment (exp_avg_sq)
//   amsgrad: v_max <- max(v_max, v), and v_max replaces v below
//   p <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// The bias corrections 1 - beta^t undo the pull of the zero-initialised moments
// towards 0 in early steps. eps is added after the correction of sqrt(v), as
// PyTorch does (the paper adds it to sqrt of the corrected v, which is the same
// thing written differently).
//
// Adam: Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization".
// AMSGrad: Reddi, Kale & Kumar 2018, "On the Convergence of Adam and Beyond".
// AdamW: Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization" —
// with Adam, an L2 penalty is rescaled by 1/sqrt(v) and so decays parameters
// with large gradients less; decoupling applies the same decay to every weight.
//
// State: <opt>.exp_avg.<i>, <opt>.exp_avg_sq.<i>, and <opt>.max_exp_avg_sq.<i>
// with amsgrad; <opt> is "adam" or "adamw".
#pragma once

#include <vector>

#include "optim/optimizer.h"

namespace heed::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // L2 penalty added to the gradient
  bool amsgrad = false;
};

// The same options; only the default and the meaning of weight_decay differ.
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: p shrinks by lr * weight_decay each step
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  // Adam(model.parameters(), {.lr = 3e-4, .beta2 = 0.98})
  Adam(std::vector<Tensor> params, const AdamOptions& options);

 protected:
  Adam(std::string name, std::vector<Tensor> params, const AdamOptions& options, bool decoupled_weight_decay);
  void update(Tensor& param, const Tensor& grad, std::size_t index, std::int64_t step) override;
  void check_hyperparameters() const override;

 private:
  AdamOptions options_;  // options_.lr is the initial rate; lr() is the current one
  bool decoupled_weight_decay_;
  std::vector<Tensor> exp_avg_;         // m, (shape of p) each
  std::vector<Tensor> exp_avg_sq_;      // v
  std::vector<Tensor> max_exp_avg_sq_;  // v_max, only with amsgrad
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options);
};

}  // namespace heed::optim
