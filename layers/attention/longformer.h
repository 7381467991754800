// Longformer attention (T7): a sliding window, plus a few global tokens that
// every token reads and that read every token.
//
//   allowed(i, j) = |i - j| <= w  or  j < g  or  i < g        (causal: and j <= i)
//
//   q, k, v (B, H, T, Dh)     output (B, T, D)
//   window:        blocks of w, each query block reads blocks r-1, r, r+1   (B, H, T/w, w, 3w)
//   global keys:   every query reads keys 0 .. g-1                         (B, H, T, g)
//   global queries: queries 0 .. g-1 read all T keys                       (B, H, g, T)
//
// The window gives local context at O(T * w); the g global tokens (a [CLS]
// token, the question in question answering) carry information across the
// whole sequence in two hops, for O(T * g) more. Global keys inside a query's
// window are counted once (the global set leaves out |i - j| <= w). The paper
// gives global attention its own projections (Q_g, K_g, V_g); here one set of
// projections serves both.
// config.window = w, config.global_tokens = g.
//
// Beltagy et al. 2020, "Longformer: The Long-Document Transformer".
#pragma once

#include "layers/attention/sparse_attention.h"

namespace heed {

class LongformerAttention : public SparseProjectedAttention {
 public:
  LongformerAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  SparsePattern pattern(std::int64_t length, bool causal) const override;

  std::int64_t window() const { return window_; }
  std::int64_t global_tokens() const { return global_tokens_; }

 private:
  std::int64_t window_, global_tokens_;
};

}  // namespace heed
