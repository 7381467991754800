// Parameter initializers: fill a tensor in place with values drawn from a Generator.
//
// A layer's starting weights decide whether signals keep their scale as they
// pass through many layers. The two classic rules pick the spread of the
// weights from the tensor's fan-in (inputs per output) and fan-out:
//
//   Xavier / Glorot (Glorot & Bengio 2010, "Understanding the difficulty of
//   training deep feedforward neural networks"), for tanh/sigmoid/linear:
//     std   = gain * sqrt(2 / (fan_in + fan_out))
//     bound = sqrt(3) * std                          (uniform on [-bound, bound])
//
//   Kaiming / He (He et al. 2015, "Delving Deep into Rectifiers"), for ReLU:
//     std   = gain / sqrt(fan)       fan = fan_in (default) or fan_out
//     bound = sqrt(3) * std
//
// Fans follow PyTorch's torch.nn.init: a weight of shape (out, in) has
// fan_in = in and fan_out = out; a convolution weight (out, in/groups, kh, kw)
// has fan_in = in/groups * kh * kw and fan_out = out * kh * kw.
//
// Gains (PyTorch's calculate_gain): linear and sigmoid 1, tanh 5/3, relu
// sqrt(2), leaky_relu(a) sqrt(2 / (1 + a^2)), selu 3/4.
//
// PyTorch's nn.Linear (and so heed::Linear) uses kaiming_uniform_ with
// a = sqrt(5): gain sqrt(1/3), so bound = 1/sqrt(fan_in).
//
// Every initializer writes under NoGradGuard (the fill is not part of any
// graph) and returns the same tensor handle, so calls can be chained.
#pragma once

#include <cstdint>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace heed {

enum class Nonlinearity { Linear, Sigmoid, Tanh, ReLU, LeakyReLU, SELU };
enum class FanMode { FanIn, FanOut };

struct Fans {
  std::int64_t fan_in = 0;
  std::int64_t fan_out = 0;
};

// Fans of a weight with at least 2 dims: (out, in, *receptive_field).
Fans compute_fans(const Tensor& weight);

// The recommended gain for a nonlinearity; `negative_slope` is LeakyReLU's a.
double calculate_gain(Nonlinearity nonlinearity, double negative_slope = 0.01);

Tensor uniform_(const Tensor& t, double low, double high, Generator& gen);
Tensor normal_(const Tensor& t, double mean, double stddev, Generator& gen);
Tensor constant_(const Tensor& t, double value);
Tensor zeros_(const Tensor& t);
Tensor ones_(const Tensor& t);

Tensor xavier_uniform_(const Tensor& t, Generator& gen, double gain = 1.0);
Tensor xavier_normal_(const Tensor& t, Generator& gen, double gain = 1.0);

// Defaults as in PyTorch: a = 0, fan_in, leaky_relu (which with a = 0 is ReLU's gain sqrt(2)).
// `a` is the negative slope of the LeakyReLU that follows; it only matters for LeakyReLU.
Tensor kaiming_uniform_(const Tensor& t, Generator& gen, double a = 0.0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);
Tensor kaiming_normal_(const Tensor& t, Generator& gen, double a = 0.0, FanMode mode = FanMode::FanIn,
                       Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);

}  // namespace heed
