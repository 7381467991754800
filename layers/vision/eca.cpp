#include "layers/vision/eca.h"

#include <cmath>

namespace heed {

std::int64_t eca_kernel_size(std::int64_t channels, double gamma, double b) {
  const auto t = static_cast<std::int64_t>(std::abs(std::log2(static_cast<double>(channels)) + b) / gamma);
  return t % 2 == 1 ? t : t + 1;
}

EfficientChannelAttention::EfficientChannelAttention(const VisionAttentionConfig& c, Generator& gen)
    : VisionAttention("EfficientChannelAttention", c), kernel(eca_kernel_size(c.channels, c.eca_gamma, c.eca_b)) {
  conv = register_module("conv", std::make_shared<Conv2d>(1, 1, Size2d{1, kernel}, /*stride=*/1,
                                                          /*padding=*/Size2d{0, kernel / 2}, /*dilation=*/1,
                                                          /*groups=*/1, /*bias=*/false, gen, c.dtype));
}

Tensor EfficientChannelAttention::forward(const Tensor& x) {
  check_input(x);
  const std::int64_t batch = x.size(0), channels = x.size(1);
  const Tensor descriptor = reshape(mean(x, {2, 3}), {batch, 1, 1, channels});             // (B, 1, 1, C)
  const Tensor weights = sigmoid(reshape(conv->forward(descriptor), {batch, channels}));  // (B, C)
  keep_channel_weights(weights);
  return scale_channels(x, weights);
}

}  // namespace heed
