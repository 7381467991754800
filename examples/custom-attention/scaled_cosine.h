// Scaled cosine attention: the decoder's query and each key are compared by
// the cosine of their angle, sharpened by a learned scale (the inverse of a
// softmax temperature).
//
//   u   = W q                                   the query seen from the keys' side
//   s_j = g * (u / |u|) . (k_j / |k_j|)         each cosine in [-1, 1]
//   g   = exp(log_scale)                        learned, starts at 10; positive by construction
//   a   = softmax(s) over the real keys,  c = sum_j a_j v_j
//
//   q (B, Dq)   K (B, Tk, Dk)   V (B, Tk, Dv)   W (Dk, Dq)   s, a (B, Tk)   c (B, Dv)
//
// A dot product grows with the lengths of q and k, so one long key can take
// all the weight; the cosine cannot, and g alone decides how peaked the
// weights may get (Henry et al. 2020, "Query-Key Normalization for
// Transformers", applied here to Luong's bilinear score, whose W maps the
// H-wide decoder state to the 2H-wide keys of a bidirectional encoder).
//
// heed does not ship this variant: this program adds it from outside the tree,
// through the registry's public API (register_sequence_attention).
#pragma once

#include <memory>

#include "layers/attention/sequence_attention.h"
#include "layers/linear.h"
#include "tensor/random.h"

class ScaledCosineAttention : public heed::SequenceAttention {
 public:
  ScaledCosineAttention(const heed::SequenceAttentionConfig& config, heed::Generator& gen);

  // The unit keys do not depend on the query: once per source sentence.
  void prepare(const heed::Tensor& keys) override;
  void release_prepared() override;
  heed::AttentionResult attend(const heed::Tensor& query, const heed::Tensor& keys, const heed::Tensor& values,
                               const heed::Tensor& mask) override;

  std::int64_t query_dim;
  std::int64_t key_dim;
  std::shared_ptr<heed::Linear> query_proj;  // W (Dk, Dq), no bias
  heed::Tensor log_scale;                    // log g (1)

 private:
  heed::Tensor prepared_keys_;  // the keys prepare() saw
  heed::Tensor unit_keys_;      // K / |K| (B, Tk, Dk)
};
