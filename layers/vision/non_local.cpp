#include "layers/vision/non_local.h"

#include "layers/init.h"

namespace heed {
namespace {

// (B, C', H, W) -> (B, N, C'): one row per pixel.
Tensor pixels_as_rows(const Tensor& maps) { return transpose(flatten(maps, 2), 1, 2); }

}  // namespace

NonLocalBlock::NonLocalBlock(const VisionAttentionConfig& c, Generator& gen)
    : VisionAttention("NonLocalBlock", c), inner_channels(reduced_channels(c.channels, 2)) {
  theta = register_module("theta", pointwise_conv(c.channels, inner_channels, gen, c.dtype));
  phi = register_module("phi", pointwise_conv(c.channels, inner_channels, gen, c.dtype));
  g = register_module("g", pointwise_conv(c.channels, inner_channels, gen, c.dtype));
  out = register_module("out", pointwise_conv(inner_channels, c.channels, gen, c.dtype));
  zeros_(out->weight);
  zeros_(out->bias);
}

Tensor NonLocalBlock::forward(const Tensor& x) {
  check_input(x);
  const std::int64_t batch = x.size(0), height = x.size(2), width = x.size(3);
  const Tensor queries = pixels_as_rows(theta->forward(x));                    // (B, N, C')
  const Tensor keys = flatten(phi->forward(x), 2);                             // (B, C', N)
  const Tensor values = pixels_as_rows(g->forward(x));                         // (B, N, C')
  const Tensor weights = softmax(matmul(queries, keys), -1);                   // (B, N, N)
  const Tensor gathered = matmul(weights, values);                             // (B, N, C')
  const Tensor y = reshape(transpose(gathered, 1, 2), {batch, inner_channels, height, width});
  keep_spatial_map(reshape(mean(weights, {1}), {batch, height, width}));
  pixel_attention_ = keep_pixel_attention ? weights.detach() : Tensor();
  return out->forward(y) + x;
}

}  // namespace heed
