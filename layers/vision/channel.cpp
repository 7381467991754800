#include "layers/vision/channel.h"

namespace heed {

ChannelAttention::ChannelAttention(const VisionAttentionConfig& c, Generator& gen)
    : VisionAttention("ChannelAttention", c) {
  mlp = register_module("mlp", std::make_shared<ChannelMlp>(c.channels, c.reduction, gen, c.dtype));
}

Tensor ChannelAttention::forward(const Tensor& x) {
  check_input(x);
  const Tensor average = mean(x, {2, 3});         // (B, C)
  const Tensor strongest = amax(flatten(x, 2), 2);  // (B, C)
  const Tensor weights = sigmoid(mlp->forward(average) + mlp->forward(strongest));
  keep_channel_weights(weights);
  return scale_channels(x, weights);
}

}  // namespace heed
