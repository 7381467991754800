// Concat attention (Luong): one layer over the query and key side by side.
//
//   s_j = v^T tanh(W [q; k_j])              score of key j for query q
//   a   = softmax(s) over the real keys
//   c   = sum_j a_j v_j
//
//   q      (B, Dq)       the decoder's state
//   K      (B, Tk, Dk)   the encoder's outputs; V = K in the RNN seq2seq
//   [q; k] (Dq + Dk)     the concatenation, one per key
//   W      (A, Dq + Dk)  proj.weight
//   v      (A)           v
//   s, a   (B, Tk)       c (B, Dv)
//
// Splitting W by columns into W = [W_q W_k] gives W [q; k] = W_q q + W_k k
// exactly, so the (B, Tk, Dq + Dk) concatenation never has to be built: W_k K
// is computed once per source sentence in prepare(), and each decoder step
// only adds W_q q (B, A), broadcast over the keys. Written this way it is the
// same function family as Bahdanau's `additive` score (which has two
// matrices W1, W2 where this has one W cut in two; they differ only in the
// initial scale, W's bound 1/sqrt(Dq + Dk)). Luong's concat and Bahdanau's
// differ in the query, h_t against h_{t-1}; heed's decoder queries every
// variant with s_{t-1}, so the comparison isolates the score.
// Luong, Pham & Manning 2015, "Effective Approaches to Attention-based Neural
// Machine Translation", EMNLP (section 3.1, eq. 8, "concat").
#pragma once

#include <memory>

#include "layers/attention/sequence_attention.h"
#include "layers/linear.h"
#include "tensor/random.h"

namespace heed {

class ConcatAttention : public SequenceAttention {
 public:
  ConcatAttention(const SequenceAttentionConfig& config, Generator& gen = default_generator());

  void prepare(const Tensor& keys) override;
  void release_prepared() override;
  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;

  std::int64_t query_dim;
  std::int64_t key_dim;
  std::int64_t attn_dim;
  std::shared_ptr<Linear> proj;  // W (A, Dq + Dk), no bias: columns [0, Dq) read q, [Dq, Dq + Dk) read k
  Tensor v;                      // (A)

 private:
  Tensor project_keys(const Tensor& keys) const;  // W_k K (B, Tk, A)

  Tensor prepared_keys_;   // the keys prepare() saw, to know when its result applies
  Tensor projected_keys_;  // W_k K (B, Tk, A)
};

}  // namespace heed
