#include "layers/vision/cbam.h"

namespace heed {

Cbam::Cbam(const VisionAttentionConfig& c, Generator& gen) : VisionAttention("Cbam", c) {
  channel = register_module("channel", std::make_shared<ChannelAttention>(c, gen));
  spatial = register_module("spatial", std::make_shared<SpatialAttention>(c, gen));
}

Tensor Cbam::forward(const Tensor& x) {
  check_input(x);
  const Tensor y = spatial->forward(channel->forward(x));
  keep_channel_weights(channel->last_channel_weights());
  keep_spatial_map(spatial->last_spatial_map());
  return y;
}

}  // namespace heed
