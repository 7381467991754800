// 2-D sinusoidal positional encoding (P8): the sinusoidal waves of P2 along
// each axis of the patch grid, the row in one half of the channels and the
// column in the other.
//
//   D_r = D / 2 (rounded down), D_c = D - D_r
//   PE(r, c, k)       = PE_1d^(D_r)(r, k)        k < D_r        the row r
//   PE(r, c, D_r + k) = PE_1d^(D_c)(c, k)        k < D_c        the column c
// where PE_1d^(d)(p, 2i) = sin(p / base^(2i/d)), PE_1d^(d)(p, 2i+1) = cos(p / base^(2i/d))
// (sinusoidal.h), and the patch in row r, column c is token leading + r * cols + c.
//
//   x, output   (B, leading + rows * cols, D)     leading tokens (a class token) get nothing
//   table       (rows * cols, D)
//
// Why split the channels rather than add a row wave to a column wave: each
// half is a 1-D encoding in which a shift by k rows (or columns) is a fixed
// rotation of every channel pair, so the attention can learn "one row up"
// with one linear map, and the row and column stay separable. Nothing is
// learned, so any grid works: a larger image at inference just reads further
// along the same waves. No parameters.
//
// Used in MAE (He et al. 2022, "Masked Autoencoders Are Scalable Vision
// Learners", get_2d_sincos_pos_embed) and MoCo v3 (Chen, Xie, He 2021); the
// ViT paper (Dosovitskiy et al. 2021, Appendix D.4) compares it with learned ones.
#pragma once

#include "layers/position/grid_position.h"
#include "layers/position/sinusoidal.h"
#include "tensor/random.h"

namespace heed {

class SinusoidalPosition2d : public GridPositionalEncoding {
 public:
  explicit SinusoidalPosition2d(const PositionConfig& config, Generator& gen = default_generator());

  PositionKind kind() const override { return PositionKind::Absolute; }

  // x (B, grid().tokens(), D) -> x + PE on the patch tokens.
  Tensor embed(const Tensor& x, std::int64_t offset = 0) override;

  // The encoding of every patch of a rows x cols grid, in raster order: (rows * cols, D).
  Tensor table(std::int64_t rows, std::int64_t cols, DType dtype, Device device);

  std::int64_t model_dim() const { return model_dim_; }

 private:
  std::int64_t model_dim_;
  SinusoidalPosition row_waves_;     // D_r channels, indexed by the row
  SinusoidalPosition column_waves_;  // D_c channels, indexed by the column
};

}  // namespace heed
