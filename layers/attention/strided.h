// Strided sparse attention (T5): a query reads its s nearest neighbours and
// every key a multiple of s away.
//
//   allowed(i, j) = |i - j| < s  or  (i - j) mod s = 0       (causal: and j <= i)
//
//   q, k, v (B, H, T, Dh)     output (B, T, D)
//   near keys:    blocks of s, each query block reads blocks r-1, r, r+1   (B, H, T/s, s, 3s)
//   strided keys: the sequence as an (T/s, s) grid read down its columns  (B, H, s, T/s, T/s)
//
// Laid out as a (T/s) x s grid, position r*s + c is row r, column c, and the
// keys a multiple of s away are exactly the other cells of column c: the
// "column" pattern is attention inside the columns of the grid, the row
// pattern is attention inside neighbouring rows. With s = sqrt(T) both cost
// O(T * sqrt(T)), and two hops (row then column) connect any pair of tokens.
// Keys in both sets (j = i, or |i - j| < s on the same column: only j = i)
// are counted once: the column set leaves out |i - j| < s.
// config.block = s; 0 means s = ceil(sqrt(config.max_len)), fixed when the
// layer is built so a model sees one pattern at every length.
//
// Child et al. 2019, "Generating Long Sequences with Sparse Transformers",
// section 4.2 (the strided pattern, meant for data with a period such as images).
#pragma once

#include "layers/attention/sparse_attention.h"

namespace heed {

class StridedAttention : public SparseProjectedAttention {
 public:
  StridedAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  SparsePattern pattern(std::int64_t length, bool causal) const override;

  std::int64_t stride() const { return stride_; }

 private:
  std::int64_t stride_;
};

}  // namespace heed
