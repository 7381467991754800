// Spatial attention (V3), CBAM's spatial module: one gate per pixel, from what all channels
// say about that pixel.
//
//   d = [mean over C of x ; max over C of x]       two descriptor maps       (B, 2, H, W)
//   g = sigmoid(conv_kxk(d) + b)                   one gate per pixel        (B, 1, H, W)
//   y = x * g                                      every channel of pixel (h, w) scaled alike
//
//   conv weight (1, 2, k, k), bias (1), padding k / 2 so g has the size of x; k = 7 in the paper.
//
// Channel attention says *what* to look at, this says *where*. The paper's convolution is
// followed by batch norm; heed gives it a bias instead, which on one output map is the same
// learned offset without the batch statistics.
// Woo, Park, Lee & Kweon 2018, "CBAM: Convolutional Block Attention Module", ECCV (section 3.1).
#pragma once

#include <memory>

#include "layers/conv2d.h"
#include "layers/vision/vision_attention.h"
#include "tensor/random.h"

namespace heed {

class SpatialAttention : public VisionAttention {
 public:
  explicit SpatialAttention(const VisionAttentionConfig& config, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;  // (B, C, H, W) -> (B, C, H, W)

  std::shared_ptr<Conv2d> conv;  // 2 -> 1 channels, k x k
};

}  // namespace heed
