// Efficient channel attention (V5): squeeze-excitation without the bottleneck. Each channel's
// gate is a 1-D convolution over its k neighbours in the pooled descriptor.
//
//   s = mean over (H, W) of x                 (B, C)
//   w = sigmoid(conv1d_k(s))                  (B, C)   one kernel of k taps slid across channels,
//                                                      no bias, zero padding (k - 1) / 2
//   y = x * w                                 (B, C, H, W)
//
//   k = odd(|log2(C) + b| / gamma), gamma = 2, b = 1: t = int(|log2(C) + b| / gamma), k = t if t is
//   odd else t + 1. C = 32 and 64 give k = 3, C = 256 and 512 give k = 5.
//
// SE's bottleneck mixes every channel with every other through C / r units; the paper shows the
// reduction hurts and that local cross-channel interaction suffices, with k parameters instead
// of 2 C^2 / r. The 1-D convolution is a (1 x k) Conv2d over the descriptor laid out as a
// (B, 1, 1, C) image, so its weight is (1, 1, 1, k) where PyTorch's Conv1d has (1, 1, k).
// Wang, Wu, Zhu, Li, Zuo & Hu 2020, "ECA-Net: Efficient Channel Attention for Deep Convolutional
// Neural Networks", CVPR (section 3.3, equation 12).
#pragma once

#include <memory>

#include "layers/conv2d.h"
#include "layers/vision/vision_attention.h"
#include "tensor/random.h"

namespace heed {

// k = odd(|log2(C) + b| / gamma), at least 1.
std::int64_t eca_kernel_size(std::int64_t channels, double gamma = 2, double b = 1);

class EfficientChannelAttention : public VisionAttention {
 public:
  explicit EfficientChannelAttention(const VisionAttentionConfig& config, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;  // (B, C, H, W) -> (B, C, H, W)

  std::int64_t kernel;           // k
  std::shared_ptr<Conv2d> conv;  // weight (1, 1, 1, k), no bias
};

}  // namespace heed
