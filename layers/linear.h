// Linear: the fully connected (affine) layer.
//
//   y = x W^T + b
//
//   x  (..., in_features)       any number of leading dims
//   W  (out_features, in_features)
//   b  (out_features)           optional
//   y  (..., out_features)
//
// W is stored (out, in), as in PyTorch, so row o holds the weights of output
// o and checkpoints map one to one. Initialization is PyTorch's nn.Linear
// default: W ~ kaiming_uniform(a = sqrt(5)), which is U(-1/sqrt(in), 1/sqrt(in)),
// and b ~ U(-1/sqrt(in), 1/sqrt(in)).
#pragma once

#include <cstdint>

#include "layers/module.h"
#include "tensor/random.h"

namespace heed {

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true,
         Generator& gen = default_generator(), DType dtype = DType::Float32);

  Tensor forward(const Tensor& input) override;

  std::int64_t in_features;
  std::int64_t out_features;
  Tensor weight;  // (out_features, in_features)
  Tensor bias;    // (out_features); undefined when built with bias = false
};

}  // namespace heed
