// Scaled dot-product attention: the dot score divided by sqrt(D).
//
//   s_j = q^T k_j / sqrt(D)
//   a   = softmax(s) over the real keys
//   c   = sum_j a_j v_j
//
//   q   (B, D)      the decoder's state
//   K   (B, Tk, D)  the encoder's outputs; V = K in the RNN seq2seq
//   s, a (B, Tk)    c (B, Dv)
//
// Why the scale: if the D components of q and k are independent with mean 0
// and variance 1, q^T k has variance D. Large scores push the softmax into a
// nearly one-hot corner where its gradient vanishes; dividing by sqrt(D)
// brings the variance back to 1 whatever the width. This is the score of
// every Transformer head (CATALOG.md, T1), here with one head and one query.
// Like `dot` it has no parameters and needs q and k of the same size.
// Vaswani et al. 2017, "Attention Is All You Need", NeurIPS (section 3.2.1).
#pragma once

#include "layers/attention/sequence_attention.h"
#include "tensor/random.h"

namespace heed {

class ScaledDotAttention : public SequenceAttention {
 public:
  explicit ScaledDotAttention(const SequenceAttentionConfig& config, Generator& gen = default_generator());

  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;

  std::int64_t dim;  // D = query_dim = key_dim
};

}  // namespace heed
