// Activation functions as Modules, so they can sit in a Sequential.
//
//   ReLU     y = max(x, 0)                                  Nair & Hinton 2010
//   GELU     y = x * Phi(x), Phi the standard normal CDF     Hendrycks & Gimpel 2016,
//            (the exact form, PyTorch's approximate='none')  https://arxiv.org/abs/1606.08415
//   Tanh     y = tanh(x)
//   Sigmoid  y = 1 / (1 + e^-x)
//   ELU      y = x for x > 0, alpha (e^x - 1) otherwise      Clevert et al. 2015,
//                                                            https://arxiv.org/abs/1511.07289
//
// Each maps any shape to the same shape and has no parameters; the functions
// themselves (heed::relu, heed::gelu, ...) are in autograd/functions.h.
#pragma once

#include "layers/module.h"

namespace heed {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& input) override;
};

class GELU : public Module {
 public:
  GELU() : Module("GELU") {}
  Tensor forward(const Tensor& input) override;
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& input) override;
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& input) override;
};

class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0);
  Tensor forward(const Tensor& input) override;

  double alpha;
};

}  // namespace heed
