// Learned patch positions (P9), the Vision Transformer's: one trained vector
// per patch of the grid the model is built for, resized by bilinear
// interpolation when an image of another size gives another grid.
//
//   P (R * C, D)                       row r * C + c is patch (r, c) of the R x C training grid
//   same grid:     x_t <- x_t + P[t - leading]                 (leading tokens get nothing)
//   other grid:    x_t <- x_t + (W P)[t - leading]             W (r * c, R * C) constant
//
//   x, output   (B, leading + rows * cols, D)
//
// The interpolation is a matrix. Bilinear resizing is linear in the values,
// separately along each axis:
//   W_rows (r, R), W_cols (c, C)       1-D linear interpolation (below)
//   W[(i, j), (k, l)] = W_rows[i, k] * W_cols[j, l]           (the Kronecker product)
// so the resized table is one matmul with a constant W, and the gradient of
// the loss reaches every row of P that a resized row reads: the table can be
// fine-tuned at the new size, as in the ViT paper (section 3.2, "we perform
// 2D interpolation of the pre-trained position embeddings").
//
// 1-D weights, PyTorch's F.interpolate(mode="bilinear", align_corners=False):
// output index i samples the input at
//   s = max(0, (i + 1/2) * in / out - 1/2)
//   k0 = floor(s), k1 = min(k0 + 1, in - 1), lambda = s - k0
//   W[i, k0] += 1 - lambda,  W[i, k1] += lambda
// i.e. pixel centres aligned, edges clamped. When out == in, W = I.
//
// P starts as N(0, 0.02^2), as in the ViT reference code.
// Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words: Transformers for
// Image Recognition at Scale", sections 3.1 and 3.2.
#pragma once

#include "layers/position/grid_position.h"
#include "tensor/random.h"

namespace heed {

class VitLearnedPosition : public GridPositionalEncoding {
 public:
  explicit VitLearnedPosition(const PositionConfig& config, Generator& gen = default_generator());

  PositionKind kind() const override { return PositionKind::Absolute; }

  // x (B, grid().tokens(), D) -> x + the table, resized to grid() if it differs from the built grid.
  Tensor embed(const Tensor& x, std::int64_t offset = 0) override;

  // The table for a rows x cols grid: (rows * cols, D), differentiable in `table`.
  Tensor resized_table(std::int64_t rows, std::int64_t cols) const;

  std::int64_t model_dim;
  Tensor table;  // (R * C, D)
};

// The 1-D linear interpolation from `in` samples to `out`: (out, in) float64.
Tensor linear_resize_matrix(std::int64_t out, std::int64_t in);

// The bilinear resizing of an in_rows x in_cols grid to out_rows x out_cols,
// both flattened in raster order: (out_rows * out_cols, in_rows * in_cols) float64.
Tensor bilinear_resize_matrix(std::int64_t out_rows, std::int64_t out_cols, std::int64_t in_rows,
                              std::int64_t in_cols);

}  // namespace heed
