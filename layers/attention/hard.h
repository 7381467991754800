// Hard attention: read exactly one key, chosen by sampling, and make the
// choice trainable although sampling has no gradient.
//
//   s_j = q^T W k_j                          the `general` score (general.h)
//   a   = softmax(s) over the real keys      the policy: a probability for every key
//   training:   j ~ a                        one sample per sentence and decoder step
//   evaluation: j = argmax_j a_j
//   weights = one_hot(j)                     c = v_j
//
//   q   (B, Dq)      the decoder's state
//   K   (B, Tk, Dk)  the encoder's outputs; V = K in the RNN seq2seq
//   W   (Dq, Dk)     score.key_proj.weight
//   s, a, weights (B, Tk)   c (B, Dv)
//
// The sample is drawn with the Gumbel-max trick: j = argmax_j (s_j + g_j),
// g_j = -log(-log u_j), u_j ~ U(0, 1), is distributed exactly as a; masked
// keys have s = -inf and are never drawn. The noise comes from the Generator
// the layer was built with (it must outlive the layer, as for Dropout).
// The cross-entropy cannot reach W through a one-hot choice, so W learns by
// one of two estimators (config.hard_estimator):
//
// "reinforce" (Williams 1992; Xu et al. 2015). The choice is an action, the
// sentence's loss L_b its cost. The gradient of E[L] is E[L grad log a_j], so
// attend() records log a_b,t(j_t) at every decoder step of the training
// forward, and auxiliary_loss(L) returns
//   mean_b [ (L_b - baseline) * sum_t log a_b,t(j_t) ]
// whose gradient is that estimate. L_b is a constant there (detached). The
// baseline, a moving average of mean_b L_b (b <- decay b + (1 - decay) mean_b L_b,
// config.baseline_decay, starting at the first batch's mean), leaves the
// estimate unbiased and cuts its variance. Every decoder step's choice is
// counted, also at padded target steps: those do not change L_b, so their
// terms are zero on average (noise, not bias). The values V still learn from
// the cross-entropy through c = v_j.
//
// "gumbel" (Jang, Gu & Poole 2017; Maddison, Mnih & Teh 2017; straight-
// through: Bengio, Léonard & Courville 2013). y = softmax((s + g) / tau) is
// a differentiable relaxation of the same sample (its argmax is j); the
// forward uses one_hot(j), the backward uses y's gradient:
//   weights = one_hot(j) + y - stop_gradient(y)
// (config.gumbel_temperature = tau; small tau: y nearer one-hot, noisier
// gradients). With config.gumbel_straight_through = false the forward uses y
// itself: soft weights, no longer hard attention, kept for comparison and
// for gradient checks of the relaxation.
//
// Xu et al. 2015, "Show, Attend and Tell: Neural Image Caption Generation
// with Visual Attention", ICML (section 4.1, stochastic hard attention);
// Williams 1992, "Simple Statistical Gradient-Following Algorithms for
// Connectionist Reinforcement Learning"; Jang, Gu & Poole 2017,
// "Categorical Reparameterization with Gumbel-Softmax", ICLR.
#pragma once

#include <memory>
#include <vector>

#include "layers/attention/general.h"
#include "layers/attention/sequence_attention.h"
#include "tensor/random.h"

namespace heed {

class HardAttention : public SequenceAttention {
 public:
  enum class Estimator { Reinforce, Gumbel };

  HardAttention(const SequenceAttentionConfig& config, Generator& gen = default_generator());

  void prepare(const Tensor& keys) override;
  void release_prepared() override { score->release_prepared(); }
  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;

  bool has_auxiliary_loss() const override { return estimator == Estimator::Reinforce; }
  // The REINFORCE term over the steps recorded since the last prepare() or
  // auxiliary_loss(); per_sentence_loss (B). Moves the baseline, then forgets the steps.
  Tensor auxiliary_loss(const Tensor& per_sentence_loss) override;

  std::int64_t query_dim;
  std::int64_t key_dim;
  Estimator estimator;
  double temperature;       // tau, for "gumbel"
  bool straight_through;    // for "gumbel"
  double baseline_decay;    // for "reinforce"
  std::shared_ptr<GeneralAttention> score;  // s = q^T W k

  double baseline() const { return baseline_; }

 private:
  Generator& gen_;
  std::vector<Tensor> log_probs_;  // log a_b,t(j_t) (B) per decoder step, while training with "reinforce"
  double baseline_ = 0;
  bool has_baseline_ = false;
};

}  // namespace heed
