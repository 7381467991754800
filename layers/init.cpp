// Initializers: draw the values with the tensor creators of tensor/tensor.h,
// then copy them into the target (which keeps its storage, so a parameter's
// handle held by an optimizer stays valid).
#include "layers/init.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace heed {
namespace {

void check_floating(const Tensor& t, const char* init) {
  HEED_CHECK(t.defined(), init, ": the tensor is undefined");
  HEED_CHECK(is_floating(t.dtype()), init, ": needs a float32 or float64 tensor, got ", dtype_name(t.dtype()), " ",
             shape_str(t.shape()));
}

// Writes `values` into t without recording anything in the autograd graph.
Tensor fill_with(const Tensor& t, const Tensor& values) {
  NoGradGuard no_grad;
  Tensor target = t;
  ops::copy_(target, values);
  return t;
}

Fans fans_for(const Tensor& t, const char* init) {
  HEED_CHECK(t.defined() && t.dim() >= 2, init, ": fan in and fan out need a tensor with at least 2 dims ",
             "(out, in, ...), got ", t.defined() ? shape_str(t.shape()) : "an undefined tensor",
             "; use uniform_ or normal_ for biases and other 1-D tensors");
  return compute_fans(t);
}

double kaiming_std(const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity, const char* init) {
  const Fans fans = fans_for(t, init);
  const std::int64_t fan = mode == FanMode::FanIn ? fans.fan_in : fans.fan_out;
  HEED_CHECK(fan > 0, init, ": tensor ", shape_str(t.shape()), " has a zero fan; nothing to initialize from");
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
}

double xavier_std(const Tensor& t, double gain, const char* init) {
  const Fans fans = fans_for(t, init);
  HEED_CHECK(fans.fan_in + fans.fan_out > 0, init, ": tensor ", shape_str(t.shape()), " has zero fans");
  return gain * std::sqrt(2.0 / static_cast<double>(fans.fan_in + fans.fan_out));
}

}  // namespace

Fans compute_fans(const Tensor& weight) {
  HEED_CHECK(weight.dim() >= 2, "compute_fans: needs a tensor with at least 2 dims (out, in, ...), got ",
             shape_str(weight.shape()));
  // Each output sees in * receptive_field inputs; each input feeds out * receptive_field outputs.
  std::int64_t receptive_field = 1;
  for (int d = 2; d < weight.dim(); ++d) receptive_field *= weight.size(d);
  return Fans{weight.size(1) * receptive_field, weight.size(0) * receptive_field};
}

double calculate_gain(Nonlinearity nonlinearity, double negative_slope) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Sigmoid: return 1.0;
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::ReLU: return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU: return std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
    case Nonlinearity::SELU: return 3.0 / 4.0;
  }
  return 1.0;
}

Tensor uniform_(const Tensor& t, double low, double high, Generator& gen) {
  check_floating(t, "uniform_");
  HEED_CHECK(low <= high, "uniform_: range [", low, ", ", high, ") is reversed; expected low <= high");
  return fill_with(t, uniform(t.shape(), low, high, gen, t.dtype(), t.device()));
}

Tensor normal_(const Tensor& t, double mean, double stddev, Generator& gen) {
  check_floating(t, "normal_");
  HEED_CHECK(stddev >= 0, "normal_: stddev is ", stddev, "; expected stddev >= 0");
  return fill_with(t, ops::add(ops::mul(randn(t.shape(), gen, t.dtype(), t.device()), stddev), mean));
}

Tensor constant_(const Tensor& t, double value) {
  HEED_CHECK(t.defined(), "constant_: the tensor is undefined");
  Tensor target = t;
  ops::fill_(target, value);
  return t;
}

Tensor zeros_(const Tensor& t) { return constant_(t, 0.0); }
Tensor ones_(const Tensor& t) { return constant_(t, 1.0); }

Tensor xavier_uniform_(const Tensor& t, Generator& gen, double gain) {
  check_floating(t, "xavier_uniform_");
  const double bound = std::sqrt(3.0) * xavier_std(t, gain, "xavier_uniform_");
  return uniform_(t, -bound, bound, gen);
}

Tensor xavier_normal_(const Tensor& t, Generator& gen, double gain) {
  check_floating(t, "xavier_normal_");
  return normal_(t, 0.0, xavier_std(t, gain, "xavier_normal_"), gen);
}

Tensor kaiming_uniform_(const Tensor& t, Generator& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  check_floating(t, "kaiming_uniform_");
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity, "kaiming_uniform_");
  return uniform_(t, -bound, bound, gen);
}

Tensor kaiming_normal_(const Tensor& t, Generator& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  check_floating(t, "kaiming_normal_");
  return normal_(t, 0.0, kaiming_std(t, a, mode, nonlinearity, "kaiming_normal_"), gen);
}

}  // namespace heed
