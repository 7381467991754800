// Multi-head attention (T1), and the K/V-sharing forms built on it:
// multi-query (T2, mqa.h) and grouped-query (T3, gqa.h).
//
//   Q = X_q W_q    (B, Tq, D) -> (B, H, Tq, Dh)      Dh = D / H
//   K = X_kv W_k   (B, Tk, D) -> (B, Hkv, Tk, Dh)    Hkv = H here; 1 for mqa; H / G for gqa
//   V = X_kv W_v   (B, Tk, D) -> (B, Hkv, Tk, Dh)
//   A = softmax(Q K^T / sqrt(Dh) + mask)             (B, H, Tq, Tk)   query head h reads K/V head h / G
//   Y = merge(A V) W_o                               (B, Tq, D)
//
// Every head looks at the whole sequence through its own projection, so one
// head can follow word order while another matches a symbol with its copy.
// With a causal mask query i sees keys j <= i; padded keys are never seen.
// It accepts every positional encoding: rotary (q and k are rotated before
// the scores), score biases (t5, alibi) and Shaw's relative tables.
//
// Vaswani et al. 2017, "Attention Is All You Need", section 3.2.
#pragma once

#include "layers/attention/transformer_attention.h"

namespace heed {

class MultiHeadAttention : public ProjectedAttention {
 public:
  MultiHeadAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  bool accepts_position(PositionKind) const override { return true; }

 protected:
  // For mqa and gqa: the same computation with fewer K/V heads.
  MultiHeadAttention(std::string type_name, const TransformerAttentionConfig& config, std::int64_t kv_heads,
                     Generator& gen);

  TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const AttentionCall& call) override;
};

}  // namespace heed
