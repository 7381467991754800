#include "layers/activation.h"

namespace heed {

Tensor ReLU::forward(const Tensor& input) { return relu(input); }
Tensor GELU::forward(const Tensor& input) { return gelu(input); }
Tensor Tanh::forward(const Tensor& input) { return tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }

ELU::ELU(double scale) : Module("ELU"), alpha(scale) {}

Tensor ELU::forward(const Tensor& input) { return elu(input, alpha); }

}  // namespace heed
