// LayerNorm: normalize each example over its last dims, then scale and shift.
//
//   mu     = mean(x)                       over the normalized (last k) dims
//   sigma2 = mean((x - mu)^2)              biased variance, as in the paper and PyTorch
//   y      = (x - mu) / sqrt(sigma2 + eps) * gamma + beta
//
//   x, y          (..., *normalized_shape)
//   gamma, beta   normalized_shape         ("weight" = ones, "bias" = zeros at start;
//                                           absent when elementwise_affine is false)
//
// Unlike BatchNorm the statistics come from one example alone, so training and
// evaluation compute the same thing and batch size does not matter: the norm
// of choice for transformers and RNNs.
// Ba, Kiros & Hinton 2016, "Layer Normalization", https://arxiv.org/abs/1607.06450
#pragma once

#include <cstdint>

#include "layers/module.h"

namespace heed {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double epsilon = 1e-5, bool elementwise_affine = true,
                     DType dtype = DType::Float32);
  // The common case: normalize over the last dim only.
  explicit LayerNorm(std::int64_t dim, double epsilon = 1e-5, bool elementwise_affine = true,
                     DType dtype = DType::Float32);

  Tensor forward(const Tensor& input) override;

  Shape normalized_shape;
  double eps;
  Tensor weight;  // normalized_shape (gamma); undefined without elementwise_affine
  Tensor bias;    // normalized_shape (beta)
};

}  // namespace heed
