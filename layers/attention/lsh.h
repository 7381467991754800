// LSH attention (T12), the attention of the Reformer: each query reads only
// the keys that a locality-sensitive hash puts near it.
//
//   k_j = q_j / |q_j|                                   shared-QK: the keys are the normalised queries
//   bucket(x) = argmax([x R ; -x R])                    R (Dh, nb / 2) random, nb = config.buckets (even)
//   sort positions by (bucket, position); cut the sorted order into chunks of C = config.chunk
//   query i reads keys j in its own chunk and the previous one (in sorted order), with
//     a_ij = softmax_j(q_i . k_j / sqrt(Dh)),  j != i unless i has no other key,
//     j <= i when causal, j real (padding never read)
//   out_i = sum_j a_ij v_j                              (B, H, T, Dh)
//
// Why it works: a random rotation followed by argmax over +-directions is a
// hash under which vectors at a small angle usually collide (Andoni et al.
// 2015). Softmax weight concentrates on the keys with the largest q . k, and
// with shared-QK those are the keys pointing the same way as q, so they land in
// q's bucket: sorting makes each bucket contiguous, and chunking makes the work
// O(T C) instead of O(T^2). The look-back of one chunk lets a bucket cut by a
// chunk boundary still see across it. The first chunk has no previous chunk
// (no wrap-around), so no key is ever seen twice.
//
// Shared-QK: a query and a key can only share a bucket if they are hashed
// alike, so the keys are the queries themselves, normalised to unit length.
// Then q_i . k_i = |q_i| is the largest score q_i can have with any key: left
// in, its own key would take most of every row, so it is left out unless the
// query has nothing else to read.
// The K projection that ProjectedAttention builds is not used: forward() skips
// it, so k_proj's parameters stay at their initial values and get no gradient
// (it is kept so the state_dict layout matches the other variants).
// One hash round (the paper averages several with logsumexp weights). R is
// drawn once at construction and saved as the buffer "rotation": the paper
// draws a new one every step; a fixed one keeps the forward pass deterministic,
// which evaluation and the gradient check need.
//
// Padding keys hash to an extra bucket after the others, so they sort after
// every real token and never change which real tokens share a chunk.
// Self-attention only (the keys come from the queries). keep_weights scatters
// the (T, 2C) chunk weights into a dense (B, H, T, T) matrix for heatmaps;
// only then is a (T, T) matrix formed.
//
// Kitaev, Kaiser, Levskaya 2020, "Reformer: The Efficient Transformer" (ICLR 2020).
#pragma once

#include "layers/attention/transformer_attention.h"

namespace heed {

class LshAttention : public ProjectedAttention {
 public:
  LshAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  TransformerAttentionOutput forward(const AttentionCall& call) override;
  bool supports_cross() const override { return false; }

  // Bucket ids (B, H, T), int64 in [0, buckets), of vectors x (B, H, T, Dh).
  Tensor hash(const Tensor& x) const;

  std::int64_t buckets() const { return buckets_; }
  std::int64_t chunk() const { return chunk_; }

  Tensor rotation;  // R (Dh, buckets / 2), the "rotation" buffer

 protected:
  // k: the tensor the keys are made from; forward() passes the queries (shared-QK).
  TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const AttentionCall& call) override;

 private:
  std::int64_t buckets_, chunk_;
};

}  // namespace heed
