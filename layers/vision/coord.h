// Coordinate attention (V7): two gates, one along the rows and one along the columns, so the
// gate of pixel (h, w) knows where it is, which a global pool (SE) forgets.
//
//   z_h = mean over W of x      (B, C, H, 1)        one descriptor per row
//   z_w = mean over H of x      (B, C, W, 1)        one per column (transposed to stack)
//   f = relu(BN(W1 [z_h ; z_w] + b1))               (B, C', H + W, 1)   W1 a 1x1 conv C -> C',
//                                                                        shared by both directions
//   f_h, f_w = split f into its H and W rows
//   g_h = sigmoid(W_h f_h + b_h)    (B, C, H, 1)    1x1 conv C' -> C
//   g_w = sigmoid(W_w f_w + b_w)    (B, C, 1, W)    1x1 conv C' -> C
//   y = x * g_h * g_w               (B, C, H, W)
//
//   C' = max(1, C / r). The paper uses a floor of 8 for C' and h-swish for the activation; heed
//   keeps the one bottleneck rule of the other modules and ReLU.
//
// last_spatial_map() is the combined gate averaged over channels, mean_c g_h * g_w, as (B, H, W).
// Hou, Zhou & Feng 2021, "Coordinate Attention for Efficient Mobile Network Design", CVPR
// (section 3.2).
#pragma once

#include <memory>

#include "layers/batch_norm2d.h"
#include "layers/conv2d.h"
#include "layers/vision/vision_attention.h"
#include "tensor/random.h"

namespace heed {

class CoordinateAttention : public VisionAttention {
 public:
  explicit CoordinateAttention(const VisionAttentionConfig& config, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;  // (B, C, H, W) -> (B, C, H, W)

  std::shared_ptr<Conv2d> squeeze;      // W1: C -> C', shared by rows and columns
  std::shared_ptr<BatchNorm2d> norm;    // over C'
  std::shared_ptr<Conv2d> row_gate;     // W_h: C' -> C
  std::shared_ptr<Conv2d> column_gate;  // W_w: C' -> C
};

}  // namespace heed
