#include "layers/vision/se.h"

namespace heed {

ChannelMlp::ChannelMlp(std::int64_t channels, std::int64_t reduction, Generator& gen, DType dtype)
    : Module("ChannelMlp") {
  const std::int64_t hidden = reduced_channels(channels, reduction);
  reduce = register_module("reduce", std::make_shared<Linear>(channels, hidden, true, gen, dtype));
  expand = register_module("expand", std::make_shared<Linear>(hidden, channels, true, gen, dtype));
}

Tensor ChannelMlp::forward(const Tensor& pooled) { return expand->forward(relu(reduce->forward(pooled))); }

SqueezeExcitation::SqueezeExcitation(const VisionAttentionConfig& c, Generator& gen)
    : VisionAttention("SqueezeExcitation", c) {
  mlp = register_module("mlp", std::make_shared<ChannelMlp>(c.channels, c.reduction, gen, c.dtype));
}

Tensor SqueezeExcitation::forward(const Tensor& x) {
  check_input(x);
  const Tensor squeezed = mean(x, {2, 3});               // (B, C)
  const Tensor weights = sigmoid(mlp->forward(squeezed));  // (B, C)
  keep_channel_weights(weights);
  return scale_channels(x, weights);
}

}  // namespace heed
