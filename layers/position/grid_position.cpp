#include "layers/position/grid_position.h"

#include <vector>

namespace heed {

GridPositionalEncoding::GridPositionalEncoding(std::string type_name, const PositionConfig& config)
    : PositionalEncoding(std::move(type_name)), built_{config.grid_rows, config.grid_cols, 0}, grid_(built_) {
  HEED_CHECK(built_.rows > 0 && built_.cols > 0, this->type_name(), ": the patch grid is ", built_.rows, " x ",
             built_.cols, "; it encodes positions on a grid of image patches, so set PositionConfig.grid_rows and "
             ".grid_cols (the ViT does: classify --model vit); for token sequences use a 1-D encoding "
             "(sinusoidal, learned, rope)");
}

void GridPositionalEncoding::set_grid(const PatchGrid& grid) {
  HEED_CHECK(grid.rows > 0 && grid.cols > 0 && grid.leading >= 0, type_name(), ": set_grid got ", grid.rows, " x ",
             grid.cols, " patches after ", grid.leading, " leading tokens; expected positive rows and columns and "
             "leading >= 0");
  grid_ = grid;
}

std::pair<Tensor, Tensor> GridPositionalEncoding::rows_and_columns(const Tensor& positions) const {
  HEED_CHECK(positions.dtype() == DType::Int64 && positions.dim() == 1, type_name(), ": positions have shape ",
             shape_str(positions.shape()), " (", dtype_name(positions.dtype()), "); expected (T) int64 token indices");
  std::vector<std::int64_t> rows, cols;
  for (const std::int64_t t : positions.to_vector<std::int64_t>()) {
    HEED_CHECK(t >= 0 && t < grid_.tokens(), type_name(), ": token ", t, " is outside the grid of ", grid_.rows,
               " x ", grid_.cols, " patches after ", grid_.leading, " leading tokens (", grid_.tokens(),
               " tokens); call set_grid() with the layout of the tokens");
    const std::int64_t patch = t < grid_.leading ? 0 : t - grid_.leading;  // leading tokens sit at (0, 0)
    rows.push_back(patch / grid_.cols);
    cols.push_back(patch % grid_.cols);
  }
  const Shape shape{positions.size(0)};
  return {from_vector(rows, shape, positions.device()), from_vector(cols, shape, positions.device())};
}

Tensor GridPositionalEncoding::add_to_patches(const Tensor& x, const Tensor& table, std::int64_t offset) const {
  HEED_CHECK(offset == 0, type_name(), ": offset ", offset, " given; the patch grid fixes every position, so "
             "embed the whole token sequence at once (offset 0)");
  HEED_CHECK(x.dim() == 3 && x.size(1) == grid_.tokens() && x.size(2) == table.size(1), type_name(),
             ": input has shape ", shape_str(x.shape()), "; expected (batch, ", grid_.tokens(), ", ", table.size(1),
             "): ", grid_.leading, " leading tokens and ", grid_.rows, " x ", grid_.cols,
             " patches (call set_grid() with the layout of the tokens)");
  if (grid_.leading == 0) return x + table;  // (B, N, D) + (N, D)
  const Tensor none = zeros({grid_.leading, table.size(1)}, table.dtype(), table.device());
  return x + concat({none, table}, 0);  // (B, L + N, D) + (L + N, D)
}

}  // namespace heed
