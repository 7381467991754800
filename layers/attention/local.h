// Sliding-window ("local") attention (T4): each query reads only the keys
// within w positions of itself.
//
//   allowed(i, j) = i - w <= j <= i + w        (causal: i - w <= j <= i)
//   a_i = softmax over allowed j of q_i . k_j / sqrt(Dh),   out_i = sum_j a_ij v_j
//
//   q, k, v (B, H, T, Dh)   scores (B, H, T/w, w, 3w)   output (B, T, D)
//
// The sequence is cut into blocks of w positions; a query in block r can only
// reach keys in blocks r - 1, r, r + 1 (causal: r - 1, r), so one batched
// matmul scores a (w, 3w) tile per block: O(T * w) time and memory instead of
// the O(T^2) of a dense masked matrix. Stacking L such layers still lets
// information travel L * w positions, as in a convolution.
// config.window = w (0: each token reads only itself).
//
// Beltagy et al. 2020, "Longformer: The Long-Document Transformer" (the
// sliding window); Luong et al. 2015 (the same idea for RNN decoders, S7).
#pragma once

#include "layers/attention/sparse_attention.h"

namespace heed {

class LocalAttention : public SparseProjectedAttention {
 public:
  LocalAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  SparsePattern pattern(std::int64_t length, bool causal) const override;

  std::int64_t window() const { return window_; }

 private:
  std::int64_t window_;
};

}  // namespace heed
