// Flatten: merge a range of dims into one, typically between a convolutional
// feature extractor and a Linear classifier.
//
//   x (B, C, H, W)  --Flatten(1, -1)-->  y (B, C*H*W)
//
// Dims start_dim..end_dim (inclusive; negative counts from the end) become one
// dim of their product. The result is a view when the input's strides allow,
// a copy otherwise; either way the gradient is reshaped back.
#pragma once

#include <cstdint>

#include "layers/module.h"

namespace heed {

class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1);

  Tensor forward(const Tensor& input) override;

  std::int64_t start_dim;
  std::int64_t end_dim;
};

}  // namespace heed
