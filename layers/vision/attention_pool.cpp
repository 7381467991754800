#include "layers/vision/attention_pool.h"

namespace heed {

AttentionPool2d::AttentionPool2d(const VisionAttentionConfig& c, Generator& gen) : VisionAttention("AttentionPool2d", c) {
  attention = register_module("attention", std::make_shared<AttentionPooling>(c.channels, c.channels, gen, c.dtype));
}

Tensor AttentionPool2d::forward(const Tensor& x) {
  check_input(x);
  const PoolingResult pooled = attention->pool(transpose(flatten(x, 2), 1, 2));  // over (B, N, C)
  keep_spatial_map(reshape(pooled.weights, {x.size(0), x.size(2), x.size(3)}));
  return pooled.output;  // (B, C)
}

}  // namespace heed
