// RMSNorm: rescale each vector to unit root-mean-square, then apply a learned gain.
//
//   rms(x) = sqrt(mean(x^2) + eps)          over the last dim
//   y      = x / rms(x) * g
//
//   x, y  (..., dim)
//   g     (dim)      "weight", ones at start
//
// LayerNorm without the mean subtraction and the bias: cheaper, and in practice
// as good; used by T5, LLaMA and most recent language models. eps sits inside
// the square root, as in the paper and PyTorch's nn.RMSNorm.
// Zhang & Sennrich 2019, "Root Mean Square Layer Normalization", https://arxiv.org/abs/1910.07467
#pragma once

#include <cstdint>

#include "layers/module.h"

namespace heed {

class RMSNorm : public Module {
 public:
  explicit RMSNorm(std::int64_t dim, double eps = 1e-6, DType dtype = DType::Float32);

  Tensor forward(const Tensor& input) override;

  std::int64_t dim;
  double eps;
  Tensor weight;  // (dim)
};

}  // namespace heed
