// 2-D rotary position embedding (axial RoPE): half of each head's channel
// pairs turn with the patch's row, the other half with its column.
//
// A head of Dh channels splits into two halves of Dh / 2, and each half is
// the 1-D RoPE of rope.h over Dh / 2 channels (interleaved pairs, pair i at
// frequency theta_i = base^(-2i / (Dh/2)), i = 0 .. Dh/4 - 1):
//   x'[0 .. Dh/2)   = RoPE_(Dh/2)(x[0 .. Dh/2),   row(t))
//   x'[Dh/2 .. Dh)  = RoPE_(Dh/2)(x[Dh/2 .. Dh),  col(t))
// with row(t), col(t) the grid cell of token t (grid_position.h). Each half
// keeps RoPE's property on its own axis, so for tokens at (r, c) and (r', c')
//   (R(r, c) q) . (R(r', c') k) = q . R(r' - r, c' - c) k
// depends only on the offset between the patches, in both directions: a
// relative encoding of the 2-D layout, where a 1-D RoPE over raster order
// would put the patch below at distance cols.
//
//   x          (..., T, Dh)   queries or keys, Dh a multiple of 4; attention passes (B, H, T, Dh)
//   positions  (T) int64      token indices (position_ids(T)); leading tokens get the identity
//   output     (..., T, Dh)
//
// No parameters. Applied to q and k inside attention like the 1-D RoPE:
// ProjectedAttention calls rotate() on both before the scores, so it works
// with every variant that takes a rotary encoding (mha, flash, the sparse ones;
// not linear or performer, whose feature maps need the raw q and k).
//
// Heo, Park, Han, Yun 2024, "Rotary Position Embedding for Vision
// Transformer" (RoPE-Axial); Su et al. 2021, "RoFormer" (the 1-D RoPE).
#pragma once

#include "layers/position/grid_position.h"
#include "layers/position/rope.h"
#include "tensor/random.h"

namespace heed {

class RotaryPosition2d : public GridPositionalEncoding {
 public:
  explicit RotaryPosition2d(const PositionConfig& config, Generator& gen = default_generator());

  PositionKind kind() const override { return PositionKind::Rotary; }
  Tensor rotate(const Tensor& x, const Tensor& positions) override;

  std::int64_t head_dim;  // Dh

 private:
  RotaryPosition by_row_;     // the first Dh / 2 channels
  RotaryPosition by_column_;  // the last Dh / 2 channels
};

}  // namespace heed
