// Gaussian-kernel attention: keys close to the query in Euclidean distance win.
//
//   s_j = -||q - k_j||^2 / (2 sigma^2)      the log of a Gaussian (RBF) kernel
//   a   = softmax(s) over the real keys     a_j ∝ exp(-||q - k_j||^2 / (2 sigma^2))
//   c   = sum_j a_j v_j
//
//   q      (B, D)      the decoder's state
//   K      (B, Tk, D)  the encoder's outputs; V = K in the RNN seq2seq
//   sigma  scalar      the kernel's width, learned: log_sigma (1) is the parameter
//   s, a   (B, Tk)     c (B, Dv)
//
// The weights are a Nadaraya-Watson kernel regression of the values at q:
// the oldest form of "attention". Expanding the square,
//   -||q - k||^2 / (2 sigma^2) = (q^T k - ||k||^2 / 2) / sigma^2 - ||q||^2 / (2 sigma^2),
// and the last term is the same for every key, so the softmax ignores it:
// this is a dot score with temperature sigma^2 that also penalises long keys.
// sigma is learned through log sigma (so it stays positive) and starts at
// sigma^2 = sqrt(D), where the q^T k part equals `scaled-dot`'s score.
// A small sigma sharpens the weights toward the nearest key; a large one
// spreads them evenly. q and k must have the same size D.
// Nadaraya 1964 and Watson 1964 (kernel regression); Zhang, Lipton, Li &
// Smola, "Dive into Deep Learning", section 11.2 (attention pooling by
// similarity); Tsai et al. 2019, "Transformer Dissection: An Unified
// Understanding for Transformer's Attention via the Lens of Kernel", EMNLP.
#pragma once

#include "layers/attention/sequence_attention.h"
#include "tensor/random.h"

namespace heed {

class GaussianAttention : public SequenceAttention {
 public:
  explicit GaussianAttention(const SequenceAttentionConfig& config, Generator& gen = default_generator());

  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;

  std::int64_t dim;  // D = query_dim = key_dim
  Tensor log_sigma;  // (1), starts at log(D) / 4, so sigma^2 = sqrt(D)
};

}  // namespace heed
