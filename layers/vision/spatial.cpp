#include "layers/vision/spatial.h"

namespace heed {

SpatialAttention::SpatialAttention(const VisionAttentionConfig& c, Generator& gen)
    : VisionAttention("SpatialAttention", c) {
  const std::int64_t k = c.spatial_kernel;
  conv = register_module("conv", std::make_shared<Conv2d>(2, 1, k, /*stride=*/1, /*padding=*/k / 2, /*dilation=*/1,
                                                          /*groups=*/1, /*bias=*/true, gen, c.dtype));
}

Tensor SpatialAttention::forward(const Tensor& x) {
  check_input(x);
  const Tensor descriptors = concat({mean(x, {1}, true), amax(x, 1, true)}, 1);  // (B, 2, H, W)
  const Tensor gate = squeeze(sigmoid(conv->forward(descriptors)), 1);          // (B, H, W)
  keep_spatial_map(gate);
  return scale_pixels(x, gate);
}

}  // namespace heed
