// Shaw's relative position representations (P4): attention learns how far
// apart two tokens are, not where each one is.
//
// Each clipped distance d = clip(j - i, -k, k) owns two learned vectors,
// a^K_d and a^V_d (Dh each), added on the key side and on the value side:
//   e_ij = q_i . (k_j + a^K_{d(i,j)}) / sqrt(Dh)
//   a_ij = softmax_j(e_ij)
//   z_i  = sum_j a_ij (v_j + a^V_{d(i,j)})
//
//   tables a^K, a^V              (2k + 1, Dh)   row d + k holds distance d
//   distances (S...) int64  ->   key_table, value_table (S..., Dh)
//   dense attention passes S = (Tq, Tk); the attention layer does the sums
//   (layers/attention/transformer_attention.cpp, dense_attention).
//
// Clipping makes every distance beyond k look the same: the paper found
// k = 16 no worse than larger k, and it lets the model run on sequences
// longer than any seen in training. As in the paper, the two tables are
// shared by every head (and here by every layer that is given this encoding).
// They start as Xavier-uniform rows.
//
// Shaw, Uszkoreit, Vaswani 2018, "Self-Attention with Relative Position
// Representations", sections 3.1-3.3.
#pragma once

#include "layers/position/positional_encoding.h"
#include "tensor/random.h"

namespace heed {

class ShawRelativePosition : public PositionalEncoding {
 public:
  explicit ShawRelativePosition(const PositionConfig& config, Generator& gen = default_generator());

  PositionKind kind() const override { return PositionKind::Relative; }
  Tensor key_table(const Tensor& distances) override;    // (S...) -> (S..., Dh)
  Tensor value_table(const Tensor& distances) override;  // (S...) -> (S..., Dh)

  // The row each distance reads: clip(d, -k, k) + k, (S...) int64 in [0, 2k].
  Tensor table_rows(const Tensor& distances) const;

  std::int64_t max_distance;  // k
  std::int64_t head_dim;      // Dh
  Tensor key_rows;            // a^K (2k + 1, Dh)
  Tensor value_rows;          // a^V (2k + 1, Dh)
};

}  // namespace heed
