// General (bilinear) attention (Luong): a learned matrix between q and k.
//
//   s_j = q^T W k_j                         score of key j for query q
//   a   = softmax(s) over the real keys
//   c   = sum_j a_j v_j
//
//   q   (B, Dq)     the decoder's state
//   K   (B, Tk, Dk) the encoder's outputs; V = K in the RNN seq2seq
//   W   (Dq, Dk)    key_proj.weight: W k_j is the key seen from the query's side
//   s, a (B, Tk)    c (B, Dv)
//
// W lets q and k have different sizes (a bidirectional encoder's 2H-wide
// keys against an H-wide decoder state) and lets the model learn which
// directions of q should match which of k; `dot` is the case W = I. W K does
// not depend on the query, so prepare(K) computes it once per source sentence
// (B, Tk, Dq) and every decoder step costs one batched matrix-vector product.
//
// scores() is public: local-m, local-p and hard score with it and only change
// what happens to the scores (Luong used this score for his local attention).
// Luong, Pham & Manning 2015, "Effective Approaches to Attention-based Neural
// Machine Translation", EMNLP (section 3.1, eq. 8, "general").
#pragma once

#include <memory>

#include "layers/attention/sequence_attention.h"
#include "layers/linear.h"
#include "tensor/random.h"

namespace heed {

class GeneralAttention : public SequenceAttention {
 public:
  GeneralAttention(const SequenceAttentionConfig& config, Generator& gen = default_generator());

  void prepare(const Tensor& keys) override;
  void release_prepared() override;
  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;

  // s = q^T W K: query (B, Dq), keys (B, Tk, Dk) -> (B, Tk), before any mask.
  Tensor scores(const Tensor& query, const Tensor& keys) const;

  std::int64_t query_dim;
  std::int64_t key_dim;
  std::shared_ptr<Linear> key_proj;  // W (Dq, Dk), no bias: k -> W k

 private:
  Tensor prepared_keys_;   // the keys prepare() saw, to know when its result applies
  Tensor projected_keys_;  // W K (B, Tk, Dq)
};

}  // namespace heed
