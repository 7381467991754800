// Linformer attention (T10): keys and values projected along the length,
// from n positions down to k learned mixtures of positions.
//
//   K' = E[:, :n] K        E (k, max_len)   K (B, H, n, Dh) -> K' (B, H, k, Dh)
//   V' = F[:, :n] V        F (k, max_len)                   -> V' (B, H, k, Dh)
//   A  = softmax(Q K'^T / sqrt(Dh))                         (B, H, n, k)
//   out = A V'                                              (B, H, n, Dh)
//
// Wang et al. observed that trained attention matrices are close to low rank,
// so n keys can be summarised by k << n linear mixtures of them: time and
// memory O(n k) instead of O(n^2). E and F are parameters shared by the heads
// of the layer (the paper's "headwise sharing"), initialised U(-1/sqrt(k),
// 1/sqrt(k)); a sequence of length n uses their first n columns, so n may not
// exceed max_len (config.max_len; k is config.projected_len).
//
// Padding keys are zeroed before the projection, so they add nothing to any
// mixture and their values never reach a real query; a query whose keys are
// all padding gets K' = V' = 0 and a zero output. (A softmax over mixtures
// cannot mask a token: with padding, the mixtures simply hold less.)
//
// No causal form: every row of E mixes all n positions, so each projected key
// already contains the future; there is no way to hide key j > i from query i.
// Self-attention only: E and F are indexed by the positions of one sequence.
// The softmax runs over k mixtures, not over tokens, so there is no (Tq, Tk)
// attention matrix (weights_note()).
//
// Wang, Li, Khabsa, Fang, Ma 2020, "Linformer: Self-Attention with Linear Complexity".
#pragma once

#include "layers/attention/transformer_attention.h"

namespace heed {

class LinformerAttention : public ProjectedAttention {
 public:
  LinformerAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  bool supports_causal() const override { return false; }
  bool supports_cross() const override { return false; }
  std::string weights_note() const override;

  std::int64_t max_len() const { return key_projection.size(1); }
  std::int64_t projected_len() const { return key_projection.size(0); }

  Tensor key_projection;    // E (k, max_len)
  Tensor value_projection;  // F (k, max_len)

 protected:
  TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const AttentionCall& call) override;
};

}  // namespace heed
