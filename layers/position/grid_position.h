// Positions on a grid of image patches: what the 2-D encodings share.
//
// A Vision Transformer cuts an image into rows x cols patches and reads them
// as a sequence in raster order, optionally after `leading` extra tokens (a
// class token):
//
//   token t = leading + r * cols + c   is the patch in row r, column c
//   tokens 0 .. leading - 1            are not patches and get no position
//
//   row(t) = (t - leading) / cols,  col(t) = (t - leading) mod cols     (t >= leading)
//
// A 1-D encoding sees only t, so patch (r, c) is as far from (r + 1, c) as
// from (r, c + cols): the grid is something it must learn. The 2-D encodings
// (sinusoidal-2d, vit-learned, rope-2d) are given r and c instead.
//
// Why leading tokens get no position: the class token is itself a learned
// vector, the same for every image, so an absolute position added to it
// would be one more learned constant (the original ViT gives it a table row
// anyway; here it gets zeros, which loses nothing). For rope-2d "no position"
// is the identity rotation, the rotation of patch (0, 0): the class token's
// scores against patch (r, c) then depend on r and c, as a global reader's
// should, and its own content tells it apart from the patch in the corner.
//
// The grid changes with the image size, so the model tells the encoding the
// layout of the tokens before each forward pass with set_grid(); embed() and
// rotate() then read it. The grid the encoding is built with comes from
// PositionConfig.grid_rows and grid_cols: a learned table has one row per
// patch of that grid.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "layers/position/positional_encoding.h"

namespace heed {

struct PatchGrid {
  std::int64_t rows = 0;     // patches down the image
  std::int64_t cols = 0;     // patches across
  std::int64_t leading = 0;  // tokens before the patches (a class token); they get no position
  std::int64_t patches() const { return rows * cols; }
  std::int64_t tokens() const { return leading + rows * cols; }
  bool operator==(const PatchGrid&) const = default;
};

class GridPositionalEncoding : public PositionalEncoding {
 public:
  // Throws unless config.grid_rows and config.grid_cols are positive: the
  // built grid, with no leading tokens until set_grid() says otherwise.
  GridPositionalEncoding(std::string type_name, const PositionConfig& config);

  // The layout of the tokens the next embed() or rotate() call sees.
  void set_grid(const PatchGrid& grid);
  const PatchGrid& grid() const { return grid_; }
  // The grid named in PositionConfig, the one a learned table was built for.
  const PatchGrid& built_grid() const { return built_; }

 protected:
  // positions (T) int64 token indices -> their rows and columns (T) int64;
  // leading tokens get row 0, column 0. Throws for a token past the grid.
  std::pair<Tensor, Tensor> rows_and_columns(const Tensor& positions) const;

  // x (B, grid.tokens(), D) + table (grid.patches(), D) on the patch tokens,
  // nothing on the leading ones. offset must be 0: the grid fixes every position.
  Tensor add_to_patches(const Tensor& x, const Tensor& table, std::int64_t offset) const;

 private:
  PatchGrid built_;
  PatchGrid grid_;
};

}  // namespace heed
