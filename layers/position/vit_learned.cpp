#include "layers/position/vit_learned.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "layers/init.h"

namespace heed {

Tensor linear_resize_matrix(std::int64_t out, std::int64_t in) {
  HEED_CHECK(out > 0 && in > 0, "linear_resize_matrix: sizes ", out, " and ", in, " must be positive");
  std::vector<double> weights(static_cast<std::size_t>(out * in), 0.0);
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (std::int64_t i = 0; i < out; ++i) {
    const double source = std::max(0.0, (static_cast<double>(i) + 0.5) * scale - 0.5);
    const auto k0 = static_cast<std::int64_t>(source);  // floor: source >= 0
    const std::int64_t k1 = std::min(k0 + 1, in - 1);
    const double lambda = source - static_cast<double>(k0);
    weights[static_cast<std::size_t>(i * in + k0)] += 1.0 - lambda;
    weights[static_cast<std::size_t>(i * in + k1)] += lambda;
  }
  return from_vector(weights, {out, in});
}

Tensor bilinear_resize_matrix(std::int64_t out_rows, std::int64_t out_cols, std::int64_t in_rows,
                              std::int64_t in_cols) {
  const Tensor by_row = reshape(linear_resize_matrix(out_rows, in_rows), {out_rows, 1, in_rows, 1});
  const Tensor by_column = reshape(linear_resize_matrix(out_cols, in_cols), {1, out_cols, 1, in_cols});
  return reshape(by_row * by_column, {out_rows * out_cols, in_rows * in_cols});  // W[(i,j),(k,l)] = Wr[i,k] Wc[j,l]
}

VitLearnedPosition::VitLearnedPosition(const PositionConfig& config, Generator& gen)
    : GridPositionalEncoding("VitLearnedPosition", config), model_dim(config.model_dim) {
  HEED_CHECK(model_dim > 0, "VitLearnedPosition: model_dim is ", model_dim, "; set PositionConfig.model_dim");
  table = register_parameter("table", empty({built_grid().patches(), model_dim}, config.dtype));
  normal_(table, 0.0, 0.02, gen);
}

Tensor VitLearnedPosition::resized_table(std::int64_t rows, std::int64_t cols) const {
  const PatchGrid& built = built_grid();
  if (rows == built.rows && cols == built.cols) return table;
  const Tensor resize = to(to(bilinear_resize_matrix(rows, cols, built.rows, built.cols), table.device()),
                           table.dtype());  // (rows * cols, R * C)
  return matmul(resize, table);              // (rows * cols, D)
}

Tensor VitLearnedPosition::embed(const Tensor& x, std::int64_t offset) {
  return add_to_patches(x, resized_table(grid().rows, grid().cols), offset);
}

}  // namespace heed
