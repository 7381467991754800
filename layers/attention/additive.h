// Additive attention (Bahdanau): a small feed-forward net scores each key.
//
//   s_j = v^T tanh(W1 q + W2 k_j)          score of key j for query q
//   a   = softmax(s) over the real keys
//   c   = sum_j a_j v_j
//
//   q   (B, Dq)     the decoder's previous state s_{t-1} (Bahdanau queries
//                   with the state before the step, so the context can be
//                   part of the step's input)
//   K   (B, Tk, Dk) the encoder's outputs; V = K in the RNN seq2seq
//   W1  (A, Dq)     query_proj.weight
//   W2  (A, Dk)     key_proj.weight
//   v   (A)         v
//   s, a (B, Tk)    c (B, Dv)
//
// q and k never need the same size: each is projected into the shared
// A-dim space first. W2 K does not depend on the query, so prepare(K)
// computes it once per source sentence (B, Tk, A) and every decoder step
// only adds W1 q (B, 1, A), broadcast over the keys.
// Bahdanau, Cho & Bengio 2015, "Neural Machine Translation by Jointly
// Learning to Align and Translate", ICLR (appendix A.1.2).
#pragma once

#include <memory>

#include "layers/attention/sequence_attention.h"
#include "layers/linear.h"
#include "tensor/random.h"

namespace heed {

class AdditiveAttention : public SequenceAttention {
 public:
  AdditiveAttention(const SequenceAttentionConfig& config, Generator& gen = default_generator());

  void prepare(const Tensor& keys) override;
  void release_prepared() override;
  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;

  std::int64_t query_dim;
  std::int64_t key_dim;
  std::int64_t attn_dim;
  std::shared_ptr<Linear> query_proj;  // W1 (A, Dq), no bias
  std::shared_ptr<Linear> key_proj;    // W2 (A, Dk), no bias
  Tensor v;                            // (A)

 private:
  Tensor prepared_keys_;     // the keys prepare() saw, to know when its result applies
  Tensor projected_keys_;    // W2 K (B, Tk, A)
};

}  // namespace heed
