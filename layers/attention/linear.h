// Linear attention (T8): softmax's exp(q . k) replaced by a product of
// feature maps phi(q) . phi(k), so the sum over keys can be taken first.
//
//   phi(x) = elu(x) + 1                              positive, so every weight is >= 0
//   S = sum_j phi(k_j) v_j^T                         (B, H, Dh, Dh)  one state for all queries
//   z = sum_j phi(k_j)                               (B, H, Dh)
//   out_i = phi(q_i)^T S / phi(q_i)^T z              (B, H, Tq, Dh)
//
// Softmax attention costs O(Tq Tk Dh) time and O(Tq Tk) memory; here the keys
// are folded into S and z once, and every query reads them in O(Dh^2): time and
// memory grow linearly with the length. The price is the kernel: elu + 1 is
// smoother than exp, so a query cannot focus as sharply on one key.
//
// Causal form: query i may only read S_i = sum_{j <= i} phi(k_j) v_j^T, a
// prefix sum. Keeping every S_i would cost O(T Dh^2) memory, so the sequence is
// cut into chunks of C = config.chunk positions (the field lsh also uses):
//   inside a chunk  a small masked (C x C) product phi(Q_c) phi(K_c)^T, lower triangle kept
//   across chunks   the state summed over the earlier chunks, one (Dh x Dh) per chunk
// which keeps memory at O(T Dh + T C + (T / C) Dh^2). Cross-attention works
// (non-causal, any Tq and Tk). Padding keys get phi = 0 and drop out of S and
// z; a query with no real key has phi(q)^T z = 0 and gets a zero output.
//
// There is no (Tq, Tk) attention matrix: weights_note() says so.
//
// Katharopoulos, Vyas, Pappas, Fleuret 2020, "Transformers are RNNs: Fast
// Autoregressive Transformers with Linear Attention".
#pragma once

#include "layers/attention/transformer_attention.h"

namespace heed {

class LinearAttention : public ProjectedAttention {
 public:
  LinearAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  std::string weights_note() const override;

  // phi(x) = elu(x) + 1, elementwise.
  static Tensor feature_map(const Tensor& x);

 protected:
  TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const AttentionCall& call) override;

 private:
  std::int64_t chunk_;
};

// Attention through any positive feature map (linear and performer share it):
//   q_features (B, H, Tq, F), k_features (B, H, Tk, F), v (B, H, Tk, Dh)
//   key_mask (B, Tk) or undefined; causal: query i (at position i + Tk - Tq)
//   reads keys j <= that position, by chunked prefix sums with chunks of `chunk`
//   -> (B, H, Tq, Dh); a query with no key to read gets zeros.
Tensor feature_map_attention(const Tensor& q_features, const Tensor& k_features, const Tensor& v,
                             const Tensor& key_mask, bool causal, std::int64_t chunk);

}  // namespace heed
