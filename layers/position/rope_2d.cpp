#include "layers/position/rope_2d.h"

namespace heed {

namespace {

// The 1-D RoPE of one axis: half the head's channels.
PositionConfig half_head(const PositionConfig& config) {
  const std::int64_t dh = config.per_head();
  HEED_CHECK(dh > 0 && dh % 4 == 0, "RotaryPosition2d: head size ", dh, " must be a multiple of 4: half of its "
             "channel pairs turn with the row, half with the column; choose model_dim / heads divisible by 4");
  PositionConfig half = config;
  half.head_dim = dh / 2;
  return half;
}

}  // namespace

RotaryPosition2d::RotaryPosition2d(const PositionConfig& config, Generator& gen)
    : GridPositionalEncoding("RotaryPosition2d", config),
      head_dim(config.per_head()),
      by_row_(half_head(config), gen),
      by_column_(half_head(config), gen) {}

Tensor RotaryPosition2d::rotate(const Tensor& x, const Tensor& positions) {
  HEED_CHECK(x.dim() >= 2 && x.size(-1) == head_dim, "RotaryPosition2d: input has shape ", shape_str(x.shape()),
             "; expected (..., length, ", head_dim, "), the head size it was built for");
  HEED_CHECK(positions.dim() == 1 && positions.size(0) == x.size(-2), "RotaryPosition2d: positions have shape ",
             shape_str(positions.shape()), " for input ", shape_str(x.shape()), "; expected (", x.size(-2),
             "), one per token");
  const auto [rows, cols] = rows_and_columns(positions);  // (T), (T)
  const std::int64_t half = head_dim / 2;
  const int last = x.dim() - 1;
  return concat({by_row_.rotate(narrow(x, last, 0, half), rows), by_column_.rotate(narrow(x, last, half, half), cols)},
                last);  // (..., T, Dh)
}

}  // namespace heed
