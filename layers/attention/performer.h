// Performer attention (T9): FAVOR+, softmax attention estimated with
// positive orthogonal random features.
//
// The softmax kernel is an expectation over Gaussian directions w:
//   exp(q . k) = E_w[ exp(w.q - |q|^2/2) exp(w.k - |k|^2/2) ],   w ~ N(0, I)
// so m sampled directions W (m, Dh) give a feature map whose dot products
// estimate it, and linear attention's trick (linear.h) applies unchanged:
//   x' = x Dh^(-1/4)                                  then q' . k' = q . k / sqrt(Dh)
//   phi(x) = exp(W x' - |x'|^2 / 2) / sqrt(m)         (B, H, T, m), every entry > 0
//   out_i = phi(q_i)^T S / phi(q_i)^T z,  S = sum_j phi(k_j) v_j^T,  z = sum_j phi(k_j)
// Positive features (exp, not the sin/cos of older random features) keep every
// estimated weight >= 0, so the denominator cannot cross zero.
//
// Orthogonal features: W is built from blocks of Dh rows; each block is a
// Gaussian (Dh x Dh) matrix orthogonalised (Gram-Schmidt), then each row is
// rescaled to the length of an independent Gaussian vector (chi-distributed
// with Dh degrees of freedom), so each row alone is still N(0, I) but rows in a
// block never point the same way: the estimate's variance drops.
//   m = config.features (0: 2 Dh); the last block keeps its first m mod Dh rows.
// W is drawn from the Generator at construction and, in training, redrawn every
// config.redraw_every calls (0: never), so no one draw biases training. It is
// a buffer ("features", saved in checkpoints), not a parameter: nothing trains it.
//
// Numerical stabilisation: exp(w . x') overflows for large scores. A constant
// subtracted inside the exp multiplies phi by exp(-c) and cancels in the
// ratio when it is shared by everything the ratio sums: per query row for the
// queries (max over its m features), one per (batch, head) for the keys (max
// over every real key and feature, padding excluded so it cannot dictate the
// scale). The constants are detached: they change nothing mathematically.
//
// Causal form and padding: the chunked prefix sums of linear attention
// (feature_map_attention), shared, not copied. Cross-attention works.
// Cost O(T m Dh) time; no (Tq, Tk) attention matrix exists (weights_note()).
//
// Choromanski, Likhosherstov, Dohan, Song, Gane, Sarlos, Hawkins, Davis,
// Mohiuddin, Kaiser, Belanger, Colwell, Weller 2021, "Rethinking Attention with
// Performers" (ICLR 2021).
#pragma once

#include "layers/attention/transformer_attention.h"

namespace heed {

class PerformerAttention : public ProjectedAttention {
 public:
  PerformerAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  std::string weights_note() const override;

  const Tensor& features() const { return features_; }  // W (m, Dh)
  std::int64_t num_features() const { return features_.size(0); }
  void redraw_features();  // a fresh W from this layer's own generator

  // phi(x) for x (B, H, T, Dh) -> (B, H, T, m). Queries are stabilised per row;
  // keys by one constant per (batch, head) over the real keys (key_mask (B, T) or undefined).
  Tensor query_features(const Tensor& q) const;
  Tensor key_features(const Tensor& k, const Tensor& key_mask) const;

 protected:
  TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const AttentionCall& call) override;

 private:
  Tensor scaled_logits(const Tensor& x) const;  // W x' - |x'|^2 / 2, (B, H, T, m)

  Generator generator_;  // seeded from the constructor's generator, for redraws
  std::int64_t redraw_every_, chunk_;
  std::int64_t training_calls_ = 0;
  Tensor features_;  // (m, Dh), the "features" buffer
};

// m rows of dimension `dim`: blocks of `dim` mutually orthogonal rows, each
// row's length drawn as the norm of a standard Gaussian vector.
Tensor orthogonal_random_features(std::int64_t count, std::int64_t dim, Generator& gen,
                                  DType dtype = DType::Float32);

}  // namespace heed
