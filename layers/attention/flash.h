// Flash attention (T13): multi-head attention whose per-head step is computed in tiles with
// the online softmax, so the (B, H, Tq, Tk) matrix never exists, forward or backward.
//
//   Q (B, H, Tq, Dh), K, V (B, H, Tk, Dh)          projected and split as in mha (Hkv = H)
//   out_i = sum_j softmax_j(s_ij) v_j,  s_ij = q_i . k_j / sqrt(Dh) (-inf where masked)
//
// The online softmax (Milakov & Gimelshein 2018) folds a row's keys in one tile at a time,
// keeping per query a running max m, a running sum l and an unnormalised output acc:
//   m'   = max(m, max_{j in tile} s_ij)
//   l'   = l   e^(m - m') + sum_{j in tile} e^(s_ij - m')
//   acc' = acc e^(m - m') + sum_{j in tile} e^(s_ij - m') v_j          (Dh)
//   after the last tile: out_i = acc / l,  L_i = m + log l (saved, (B, H, Tq))
// Each e^(m - m') corrects the terms summed under an older, smaller max, so the result is
// exactly softmax attention, while only a (tile, tile) block of scores is ever held.
// The backward pass (FlashAttention-2) recomputes each block's weights p_ij = e^(s_ij - L_i)
// from q, k and L instead of storing them, and uses D_i = dO_i . out_i for the softmax's
// Jacobian: dS_ij = p_ij (dO_i . v_j - D_i). Memory: O(B H T Dh) instead of O(B H T^2); work:
// the same products as dense attention plus one recomputation of Q K^T, and causal attention
// skips the key tiles after each query tile (half the products).
//
// It equals mha to rounding: copy an mha's weights in and the outputs and gradients agree.
// Positions: none, absolute, and rotary (q and k are rotated before the tiles). Score biases
// (t5, alibi) and Shaw's relative tables act on the score matrix itself, which the kernel
// never holds; they are refused. config.tile sets the tile size (rows of queries and of keys).
// For heatmaps, keep_weights computes the dense weights on the side, without gradients: the
// one place flash forms the matrix it otherwise avoids.
//
// Dao, Fu, Ermon, Rudra, Re 2022, "FlashAttention: Fast and Memory-Efficient Exact Attention
// with IO-Awareness"; Dao 2023, "FlashAttention-2: Faster Attention with Better Parallelism
// and Work Partitioning"; Milakov & Gimelshein 2018, "Online normalizer calculation for softmax".
// The kernels: tensor/cpu/flash_attention.cpp; the op: autograd/functions/flash_attention.cpp.
#pragma once

#include "layers/attention/transformer_attention.h"

namespace heed {

class FlashAttention : public ProjectedAttention {
 public:
  FlashAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  // Refuses score-bias and relative encodings with a message naming them, then runs as mha does.
  TransformerAttentionOutput forward(const AttentionCall& call) override;

  bool accepts_position(PositionKind kind) const override {
    return kind == PositionKind::None || kind == PositionKind::Absolute || kind == PositionKind::Rotary;
  }
  std::int64_t tile() const { return tile_; }

 protected:
  TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const AttentionCall& call) override;

 private:
  std::int64_t tile_;
};

}  // namespace heed
