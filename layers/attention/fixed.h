// Fixed sparse attention (T6): a query reads its own block, plus the last c
// "summary" positions of every block.
//
//   allowed(i, j) = floor(j / s) = floor(i / s)  or  j mod s >= s - c     (causal: and j <= i)
//
//   q, k, v (B, H, T, Dh)     output (B, T, D)
//   own block:       (B, H, T/s, s, s)
//   summary columns: every query reads the same c * T/s keys   (B, H, T, c * T/s)
//
// The summary positions sit at fixed places, so they can learn to gather what
// their block holds and hand it on: a token reaches any other through one of
// them in two hops. With s ~ sqrt(T) and small c the cost is O(T * sqrt(T)).
// Keys of the query's own block that are also summary positions are counted
// once (the summary set leaves out the query's own block).
// config.block = s (0: ceil(sqrt(config.max_len)), fixed when the layer is
// built), config.summary = c, 1 <= c <= s.
//
// Child et al. 2019, "Generating Long Sequences with Sparse Transformers",
// section 4.2 (the fixed pattern, meant for data without a period, such as text).
#pragma once

#include "layers/attention/sparse_attention.h"

namespace heed {

class FixedAttention : public SparseProjectedAttention {
 public:
  FixedAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  SparsePattern pattern(std::int64_t length, bool causal) const override;

  std::int64_t block() const { return block_; }
  std::int64_t summary() const { return summary_; }

 private:
  std::int64_t block_, summary_;
};

}  // namespace heed
