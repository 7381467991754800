#include "layers/position/sinusoidal_2d.h"

namespace heed {

namespace {

// The 1-D encoding of one axis: D_r or D_c channels, the same wavelength base.
PositionConfig axis_config(const PositionConfig& config, std::int64_t channels) {
  HEED_CHECK(config.model_dim >= 2, "SinusoidalPosition2d: model_dim is ", config.model_dim,
             "; expected at least 2, one channel for the row and one for the column");
  PositionConfig axis = config;
  axis.model_dim = channels;
  return axis;
}

}  // namespace

SinusoidalPosition2d::SinusoidalPosition2d(const PositionConfig& config, Generator& gen)
    : GridPositionalEncoding("SinusoidalPosition2d", config),
      model_dim_(config.model_dim),
      row_waves_(axis_config(config, config.model_dim / 2), gen),
      column_waves_(axis_config(config, config.model_dim - config.model_dim / 2), gen) {}

Tensor SinusoidalPosition2d::table(std::int64_t rows, std::int64_t cols, DType dtype, Device device) {
  const std::int64_t row_dim = row_waves_.model_dim(), col_dim = column_waves_.model_dim();
  const Tensor by_row = unsqueeze(row_waves_.table(0, rows, dtype, device), 1);        // (rows, 1, D_r)
  const Tensor by_column = unsqueeze(column_waves_.table(0, cols, dtype, device), 0);  // (1, cols, D_c)
  const Tensor grid = concat({expand(by_row, {rows, cols, row_dim}), expand(by_column, {rows, cols, col_dim})}, 2);
  return reshape(grid, {rows * cols, model_dim_});  // (rows * cols, D), raster order
}

Tensor SinusoidalPosition2d::embed(const Tensor& x, std::int64_t offset) {
  return add_to_patches(x, table(grid().rows, grid().cols, x.dtype(), x.device()), offset);
}

}  // namespace heed
