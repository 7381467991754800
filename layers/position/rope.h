// Rotary position embedding, RoPE (P6): rotate each query and key by an angle
// proportional to its position, so their dot product sees only the distance.
//
// The Dh channels of a head form Dh / 2 pairs; pair i turns at frequency
//   theta_i = base^(-2i / Dh)                      i = 0 .. Dh/2 - 1, base = 10000
// and token p rotates it by the angle p * theta_i:
//   [x'_2i    ]   [cos(p theta_i)  -sin(p theta_i)] [x_2i    ]
//   [x'_(2i+1)] = [sin(p theta_i)   cos(p theta_i)] [x_(2i+1)]
// Rotations compose, R(a)^T R(b) = R(b - a), so for every pair
//   (R(i) q) . (R(j) k) = q . R(j - i) k
// depends on the positions only through j - i. Values are not rotated.
//
// Pairing convention: INTERLEAVED, channels (2i, 2i+1), as in the paper's
// equation (34) and the original RoFormer code. (GPT-NeoX and Hugging Face's
// Llama pair channel i with i + Dh/2 instead, "half-split"; the two are the
// same encoding up to a fixed permutation of the channels inside W_q and W_k,
// but weights from one do not load into the other.) Every method here uses
// the interleaved pairs.
//
//   x          (..., T, Dh)   queries or keys, Dh even; attention passes (B, H, T, Dh)
//   positions  (T) int64      the position of each token (position_ids(T, offset))
//   output     (..., T, Dh)
//
// No parameters: the frequencies are fixed. A model with RoPE gets no
// absolute encoding; ProjectedAttention rotates q and k before the scores.
//
// Su, Lu, Pan, Murtadha, Wen, Liu 2021, "RoFormer: Enhanced Transformer with
// Rotary Position Embedding", section 3.4.
#pragma once

#include "layers/position/positional_encoding.h"
#include "tensor/random.h"

namespace heed {

class RotaryPosition : public PositionalEncoding {
 public:
  explicit RotaryPosition(const PositionConfig& config, Generator& gen = default_generator());

  PositionKind kind() const override { return PositionKind::Rotary; }
  Tensor rotate(const Tensor& x, const Tensor& positions) override;

  // The angle p * theta_i of each position and pair: (T, Dh / 2) in dtype.
  Tensor angles(const Tensor& positions, DType dtype) const;

  std::int64_t head_dim;  // Dh
  double base;

 private:
  Tensor frequencies_;  // theta_i, (Dh / 2) float64; fixed, so not a parameter
};

}  // namespace heed
