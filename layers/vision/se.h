// Squeeze-and-excitation (V1): learn from the whole image which channels matter, and scale them.
//
//   s = mean over (H, W) of x                      squeeze: one number per channel   (B, C)
//   w = sigmoid(W2 relu(W1 s + b1) + b2)           excitation: a gate per channel    (B, C)
//   y = x * w                                      each channel map scaled by its gate (B, C, H, W)
//
//   W1 (C', C), b1 (C')   W2 (C, C'), b2 (C)       C' = max(1, C / r), the bottleneck
//
// The gate sees global context that a 3x3 convolution cannot, and the bottleneck keeps its cost
// at 2 C^2 / r parameters. ChannelMlp, the two-layer bottleneck, is shared with CBAM's channel
// attention (channel.h), which feeds it a max-pooled descriptor as well.
// Hu, Shen & Sun 2018, "Squeeze-and-Excitation Networks", CVPR (section 3).
#pragma once

#include <memory>

#include "layers/linear.h"
#include "layers/vision/vision_attention.h"
#include "tensor/random.h"

namespace heed {

// s (B, C) -> W2 relu(W1 s + b1) + b2 (B, C), before the sigmoid.
class ChannelMlp : public Module {
 public:
  ChannelMlp(std::int64_t channels, std::int64_t reduction, Generator& gen, DType dtype);
  Tensor forward(const Tensor& pooled) override;

  std::shared_ptr<Linear> reduce;  // W1 (C', C), b1 (C')
  std::shared_ptr<Linear> expand;  // W2 (C, C'), b2 (C)
};

class SqueezeExcitation : public VisionAttention {
 public:
  explicit SqueezeExcitation(const VisionAttentionConfig& config, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;  // (B, C, H, W) -> (B, C, H, W)

  std::shared_ptr<ChannelMlp> mlp;
};

}  // namespace heed
