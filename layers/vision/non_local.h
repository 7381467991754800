// Non-local block (V6), embedded Gaussian: every pixel gathers a weighted average of all pixels,
// weighted by how alike their embeddings are: self-attention over the N = H W positions.
//
//   theta = W_theta x,  phi = W_phi x,  g = W_g x        1x1 convolutions C -> C'    (B, C', H, W)
//                                                        flattened to (B, N, C')
//   f = softmax_j(theta_i . phi_j)                       (B, N, N): row i, pixel i's weights
//   y_i = sum_j f_ij g_j                                 (B, N, C') -> (B, C', H, W)
//   z = W_z y + x                                        1x1 convolution C' -> C, residual (B, C, H, W)
//
//   C' = max(1, C / 2), the paper's inner width. Each 1x1 convolution has a bias.
//
// A convolution sees a k x k window; one non-local block sees the whole map, at a cost of
// O(N^2 C') time and an (N, N) matrix per image (N = 784 on a 28 x 28 map). W_z starts at zero,
// so the block starts as the identity and a pretrained or shallow network is undisturbed (the
// paper zero-initialises the batch norm after W_z to the same end).
//
// last_spatial_map() is the attention each pixel receives, mean_i f_ij, as (B, H, W). With
// keep_pixel_attention set, last_pixel_attention() keeps the whole f (B, N, N), which is large.
// Wang, Girshick, Gupta & He 2018, "Non-local Neural Networks", CVPR (sections 3.2 and 3.3).
#pragma once

#include <memory>

#include "layers/conv2d.h"
#include "layers/vision/vision_attention.h"
#include "tensor/random.h"

namespace heed {

class NonLocalBlock : public VisionAttention {
 public:
  explicit NonLocalBlock(const VisionAttentionConfig& config, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;  // (B, C, H, W) -> (B, C, H, W)

  Tensor last_pixel_attention() const { return pixel_attention_; }  // (B, N, N), when kept

  std::int64_t inner_channels;    // C'
  std::shared_ptr<Conv2d> theta;  // C -> C', 1x1
  std::shared_ptr<Conv2d> phi;    // C -> C', 1x1
  std::shared_ptr<Conv2d> g;      // C -> C', 1x1
  std::shared_ptr<Conv2d> out;    // W_z: C' -> C, 1x1, zero at start
  bool keep_pixel_attention = false;

 private:
  Tensor pixel_attention_;
};

}  // namespace heed
