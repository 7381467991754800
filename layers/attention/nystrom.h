// Nystrom attention (T11): the softmax matrix rebuilt from m landmarks.
//
//   Q~, K~ = segment means of Q and K                  (B, H, m, Dh)   m = config.landmarks
//   F = softmax(Q K~^T / sqrt(Dh))                     (B, H, n, m)
//   A = softmax(Q~ K~^T / sqrt(Dh))                    (B, H, m, m)
//   B = softmax(Q~ K^T / sqrt(Dh) + mask)              (B, H, m, n)
//   out = F pinv(A) (B V)                              (B, H, n, Dh)
//
// The Nystrom method approximates a large matrix from a few of its rows and
// columns: here the "rows" are the landmark queries Q~ and the "columns" the
// landmark keys K~, and F pinv(A) B stands in for softmax(Q K^T / sqrt(Dh)).
// Multiplying right to left never forms an (n x n) matrix: O(n m Dh) time.
//
// Landmarks: the n positions are cut into m contiguous segments, segment s
// holding positions j with floor(j m / n) = s (sizes differ by at most one, so n
// need not divide by m); a landmark is the mean over the segment's real tokens
// (a segment of padding only gives a zero landmark, which no padded value
// reaches). m is capped at n. Padding keys are masked in B, and padded tokens
// are left out of every landmark, so a real query never reads a padded value;
// a query whose keys are all padding gets B = 0 and a zero output.
//
// pinv(A): softmax matrices are dense and often ill-conditioned, so the paper
// uses an iteration of matrix products instead of an SVD (6 iterations):
//   Z_0 = A^T / (||A||_1 ||A||_inf)
//   Z_{j+1} = Z_j (13 I - A Z_j (15 I - A Z_j (7 I - A Z_j))) / 4
// It converges to the Moore-Penrose pseudo-inverse; its error after 6 steps is
// the approximation's floor when m = n.
//
// No causal form: a landmark averages a segment that reaches past query i.
// Self-attention only: the query landmarks would need a query padding mask,
// which a cross-attention call does not carry. With keep_weights the
// approximate matrix F pinv(A) B (B, H, n, n) is formed for heatmaps only;
// the output never uses it.
//
// Xiong, Zeng, Chakraborty, Tan, Fung, Li, Singh 2021, "Nystromformer: A
// Nystrom-Based Algorithm for Approximating Self-Attention" (AAAI 2021).
#pragma once

#include "layers/attention/transformer_attention.h"

namespace heed {

class NystromAttention : public ProjectedAttention {
 public:
  NystromAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  bool supports_causal() const override { return false; }
  bool supports_cross() const override { return false; }

  static constexpr int kPinvIterations = 6;

 protected:
  TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const AttentionCall& call) override;

 private:
  std::int64_t landmarks_;
};

// The iterative Moore-Penrose pseudo-inverse of the paper, for a batch of
// square matrices (..., m, m).
Tensor iterative_pinv(const Tensor& a, int iterations = NystromAttention::kPinvIterations);

}  // namespace heed
