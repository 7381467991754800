// Dot-product attention (Luong): the score is the plain inner product.
//
//   s_j = q^T k_j                           score of key j for query q
//   a   = softmax(s) over the real keys
//   c   = sum_j a_j v_j
//
//   q   (B, D)      the decoder's state
//   K   (B, Tk, D)  the encoder's outputs; V = K in the RNN seq2seq
//   s, a (B, Tk)    c (B, Dv)
//
// No parameters at all: the decoder and the encoder must learn to place
// matching content in the same directions of one shared space, so q and k
// need the same size D. With a bidirectional encoder the keys are 2H wide and
// the query H wide; the constructor refuses that and says what to do
// (--bidirectional=false, or the learned `general` score).
// Luong, Pham & Manning 2015, "Effective Approaches to Attention-based Neural
// Machine Translation", EMNLP (section 3.1, eq. 8, "dot").
#pragma once

#include "layers/attention/sequence_attention.h"
#include "tensor/random.h"

namespace heed {

class DotAttention : public SequenceAttention {
 public:
  explicit DotAttention(const SequenceAttentionConfig& config, Generator& gen = default_generator());

  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;

  std::int64_t dim;  // D = query_dim = key_dim
};

}  // namespace heed
