// Local attention, predictive (Luong's local-p): the decoder predicts where to
// look, and reads a Gaussian-weighted window of keys around that point.
//
//   p_t = S_b * sigmoid(v_p^T tanh(W_p q))     the window's centre, a real number in (0, S_b)
//   s_j = q^T W k_j                             the `general` score (general.h)
//   a_j ∝ softmax(s)_j * exp(-(j - p_t)^2 / (2 sigma^2)),  sigma = D / 2,
//         over the real keys j with |j - p_t| <= D; a_j = 0 elsewhere
//   c   = sum_j a_j v_j
//
//   q    (B, Dq)      the decoder's state
//   K    (B, Tk, Dk)  the encoder's outputs; V = K in the RNN seq2seq
//   S_b  (B)          each sentence's real source length (its count of real keys;
//                     Tk when there is no mask), so p_t never points into padding
//   W_p  (A, Dq)      position_proj.weight
//   v_p  (A)          position_v
//   W    (Dq, Dk)     score.key_proj.weight
//   D    config.window (default 3, at least 1)
//   p    (B)          s, a (B, Tk)     c (B, Dv)
//
// Where local-m assumes target word t sits near source word t, local-p
// learns the alignment: p_t comes from the decoder's state. The window's
// edges do not move smoothly with p_t (a key is in or out), so p_t learns
// through the Gaussian factor, which favours keys near p_t and is
// differentiable in p_t.
//
// Normalisation, precisely. Luong's eq. 10 multiplies the window's softmax by
// the Gaussian and stops there, so his weights sum to less than 1. heed
// divides by their sum, so a row sums to 1 like every other variant's:
//   a_j = softmax_w(s)_j g_j / sum_i softmax_w(s)_i g_i,   g_j = exp(-(j - p_t)^2 / (2 sigma^2)),
// where softmax_w runs over the window's real keys. The softmax's own
// denominator cancels, so this is one softmax over the window of
//   s_j - (j - p_t)^2 / (2 sigma^2),
// and that is what attend() computes: the log of the Gaussian is added to
// the scores, which needs no division and keeps a row without any real key
// in its window at zero weights, not NaN.
// Luong, Pham & Manning 2015, "Effective Approaches to Attention-based Neural
// Machine Translation", EMNLP (section 3.2, local-p, eqs. 9 and 10).
#pragma once

#include <memory>

#include "layers/attention/general.h"
#include "layers/attention/sequence_attention.h"
#include "layers/linear.h"
#include "tensor/random.h"

namespace heed {

class LocalPredictiveAttention : public SequenceAttention {
 public:
  LocalPredictiveAttention(const SequenceAttentionConfig& config, Generator& gen = default_generator());

  void prepare(const Tensor& keys) override { score->prepare(keys); }
  void release_prepared() override { score->release_prepared(); }
  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;

  // p_t = S_b * sigmoid(v_p^T tanh(W_p q)): query (B, Dq), mask (B, Tk) or
  // undefined (then S_b = key_count) -> (B), differentiable in q, W_p, v_p.
  Tensor aligned_positions(const Tensor& query, std::int64_t key_count, const Tensor& mask) const;

  std::int64_t query_dim;
  std::int64_t key_dim;
  std::int64_t attn_dim;
  std::int64_t window;                      // D; sigma = D / 2
  std::shared_ptr<GeneralAttention> score;  // s = q^T W k
  std::shared_ptr<Linear> position_proj;    // W_p (A, Dq), no bias
  Tensor position_v;                        // v_p (A)
};

}  // namespace heed
