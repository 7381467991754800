// No vision attention: the identity, y = x for x (B, C, H, W). The baseline every module in
// CATALOG.md part V is compared against; it has no parameters and keeps no map.
#pragma once

#include "layers/vision/vision_attention.h"
#include "tensor/random.h"

namespace heed {

class NoVisionAttention : public VisionAttention {
 public:
  explicit NoVisionAttention(const VisionAttentionConfig& c, Generator& = default_generator())
      : VisionAttention("NoVisionAttention", c) {}
  Tensor forward(const Tensor& x) override {
    check_input(x);
    return x;
  }
};

}  // namespace heed
