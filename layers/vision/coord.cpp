#include "layers/vision/coord.h"

namespace heed {
CoordinateAttention::CoordinateAttention(const VisionAttentionConfig& c, Generator& gen)
    : VisionAttention("CoordinateAttention", c) {
  const std::int64_t hidden = reduced_channels(c.channels, c.reduction);
  squeeze = register_module("squeeze", pointwise_conv(c.channels, hidden, gen, c.dtype));
  norm = register_module("norm", std::make_shared<BatchNorm2d>(hidden, 1e-5, 0.1, true, c.dtype));
  row_gate = register_module("row_gate", pointwise_conv(hidden, c.channels, gen, c.dtype));
  column_gate = register_module("column_gate", pointwise_conv(hidden, c.channels, gen, c.dtype));
}

Tensor CoordinateAttention::forward(const Tensor& x) {
  check_input(x);
  const std::int64_t height = x.size(2), width = x.size(3);
  const Tensor rows = mean(x, {3}, true);                     // (B, C, H, 1)
  const Tensor columns = transpose(mean(x, {2}, true), 2, 3);  // (B, C, W, 1)
  const Tensor both = relu(norm->forward(squeeze->forward(concat({rows, columns}, 2))));  // (B, C', H + W, 1)
  const Tensor row_weights = sigmoid(row_gate->forward(narrow(both, 2, 0, height)));      // (B, C, H, 1)
  const Tensor column_weights =
      sigmoid(column_gate->forward(transpose(narrow(both, 2, height, width), 2, 3)));     // (B, C, 1, W)
  const Tensor gate = row_weights * column_weights;                                      // (B, C, H, W)
  keep_spatial_map(mean(gate, {1}));
  return x * gate;
}

}  // namespace heed
