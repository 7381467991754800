#include "layers/attention/nystrom.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace heed {

namespace {

// (m, n): row s is 1 at the positions of segment s, {j : floor(j m / n) = s}.
Tensor segment_membership(std::int64_t length, std::int64_t segments, DType dtype) {
  std::vector<std::int64_t> segment_of(length);
  for (std::int64_t j = 0; j < length; ++j) segment_of[j] = j * segments / length;
  return transpose(one_hot(from_vector(segment_of, {length}), segments, dtype), 0, 1);
}

// Means of x (B, H, n, Dh) over each segment's real tokens -> (B, H, m, Dh).
// real (B or 1, 1, n, 1) is 1 for a real token, 0 for padding.
Tensor segment_means(const Tensor& x, const Tensor& membership, const Tensor& real) {
  const Tensor counts = matmul(membership, real);  // (B or 1, 1, m, 1)
  return matmul(membership, x * real) / maximum(counts, ones_like(counts));
}

}  // namespace

Tensor iterative_pinv(const Tensor& a, int iterations) {
  const std::int64_t m = a.size(-1);
  HEED_CHECK(a.dim() >= 2 && a.size(-2) == m, "iterative_pinv: input has shape ", shape_str(a.shape()),
             "; expected square matrices (..., m, m)");
  const Tensor identity = one_hot(arange(m), m, a.dtype());  // (m, m)
  // ||A||_1 (largest column sum) times ||A||_inf (largest row sum) bounds the
  // largest squared singular value, so Z_0 starts inside the region of convergence.
  const Tensor magnitudes = abs(a);
  const Tensor column_norm = amax(sum(magnitudes, {-2}, true), -1, true);  // (..., 1, 1)
  const Tensor row_norm = amax(sum(magnitudes, {-1}, true), -2, true);     // (..., 1, 1)
  Tensor bound = column_norm * row_norm;
  bound = where(gt(bound, zeros_like(bound)), bound, ones_like(bound));  // an all-zero A has pinv 0
  Tensor z = transpose(a, -2, -1) / bound;  // Z_0 (..., m, m)
  for (int step = 0; step < iterations; ++step) {
    const Tensor az = matmul(a, z);
    z = matmul(z, identity * 13.0 - matmul(az, identity * 15.0 - matmul(az, identity * 7.0 - az))) * 0.25;
  }
  return z;
}

NystromAttention::NystromAttention(const TransformerAttentionConfig& config, Generator& gen)
    : ProjectedAttention("NystromAttention", config, config.heads, gen), landmarks_(config.landmarks) {
  HEED_CHECK(landmarks_ > 0, "NystromAttention: landmarks is ", landmarks_, "; expected a positive count");
}

TransformerAttentionOutput NystromAttention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                          const AttentionCall& call) {
  const std::int64_t length = k.size(2), m = std::min(landmarks_, length);
  // Each side takes Dh^(-1/4), so landmark products carry the 1/sqrt(Dh) of the softmax.
  const double root_scale = std::pow(static_cast<double>(q.size(3)), -0.25);
  const Tensor queries = q * root_scale, keys = k * root_scale;  // (B, H, n, Dh)

  const Tensor membership = segment_membership(length, m, q.dtype());  // (m, n)
  const Tensor real = call.key_mask.defined()
                          ? reshape(to(call.key_mask, q.dtype()), {k.size(0), 1, length, 1})
                          : ones({1, 1, length, 1}, q.dtype());
  const Tensor query_landmarks = segment_means(queries, membership, real);  // Q~ (B, H, m, Dh)
  const Tensor key_landmarks = segment_means(keys, membership, real);       // K~ (B, H, m, Dh)

  const Tensor landmark_keys = transpose(key_landmarks, -2, -1);                       // (B, H, Dh, m)
  const Tensor to_landmarks = softmax(matmul(queries, landmark_keys), -1);             // F (B, H, n, m)
  const Tensor among_landmarks = softmax(matmul(query_landmarks, landmark_keys), -1);  // A (B, H, m, m)
  Tensor landmark_scores = matmul(query_landmarks, transpose(keys, -2, -1));  // (B, H, m, n)
  const Tensor mask = attention_mask_bias(call.key_mask, false, m, length, q.dtype());
  if (mask.defined()) landmark_scores = landmark_scores + mask;
  const Tensor from_keys = softmax(landmark_scores, -1);  // B (B, H, m, n); all-padding rows are 0

  const Tensor mixer = matmul(to_landmarks, iterative_pinv(among_landmarks));  // F pinv(A) (B, H, n, m)
  const Tensor output = matmul(mixer, matmul(from_keys, v));                    // (B, H, n, Dh)
  return {output, call.keep_weights ? matmul(mixer, from_keys) : Tensor()};
}

}  // namespace heed
