// CBAM (V4): channel attention, then spatial attention on its output.
//
//   x' = x  * channel_gate(x)      (B, C, H, W)   which channels   (channel.h)
//   y  = x' * spatial_gate(x')     (B, C, H, W)   which pixels     (spatial.h)
//
// The paper tries both orders and in parallel; channel first was best. The module keeps both
// maps: last_channel_weights() (B, C) and last_spatial_map() (B, H, W).
// Woo, Park, Lee & Kweon 2018, "CBAM: Convolutional Block Attention Module", ECCV (section 3.2).
#pragma once

#include <memory>

#include "layers/vision/channel.h"
#include "layers/vision/spatial.h"
#include "tensor/random.h"

namespace heed {

class Cbam : public VisionAttention {
 public:
  explicit Cbam(const VisionAttentionConfig& config, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;  // (B, C, H, W) -> (B, C, H, W)

  std::shared_ptr<ChannelAttention> channel;
  std::shared_ptr<SpatialAttention> spatial;
};

}  // namespace heed
