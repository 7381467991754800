// Multi-query attention (T2): every query head shares one key head and one
// value head.
//
//   Q (B, H, Tq, Dh)    K, V (B, 1, Tk, Dh)    A_h = softmax(Q_h K^T / sqrt(Dh))
//
// The K/V projections shrink from D x D to D x Dh, and at decoding time the
// cache of past keys and values is H times smaller, which is what made it
// popular for fast inference; quality drops a little against mha.
//
// Shazeer 2019, "Fast Transformer Decoding: One Write-Head is All You Need".
#pragma once

#include "layers/attention/mha.h"

namespace heed {

class MultiQueryAttention : public MultiHeadAttention {
 public:
  MultiQueryAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator())
      : MultiHeadAttention("MultiQueryAttention", config, 1, gen) {}
};

}  // namespace heed
