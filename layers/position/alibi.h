// ALiBi, Attention with Linear Biases (P7): no embedding at all; each head
// penalises a score in proportion to the distance between query and key.
//
//   s_ij <- s_ij - m_h |i - j|                      no parameters
//
//   distances (S...) int64, d = j - i  ->  bias (H, S...) = -m_h |d|
//   dense attention passes S = (Tq, Tk) and adds (H, Tq, Tk) to the scores.
//
// The slopes m_h are a geometric sequence fixed before training. For H a
// power of two they start at 2^(-8/H) and multiply by it:
//   m_h = 2^(-8h/H),   h = 1 .. H          (H = 8: 1/2, 1/4, ..., 1/256)
// For other H the paper's code takes the slopes of the largest power of two
// P < H, then fills the remaining H - P heads with every other slope of 2P
// (the ones in between those of P):
//   H = 6: P = 4 gives 1/4, 1/16, 1/64, 1/256; 2P = 8 adds 1/2, 1/8.
// Steep heads look only at near tokens, gentle ones far back, and a model
// trained on short sequences keeps working on longer ones, which is the
// paper's point. In a causal model the bias -m_h (i - j) on keys j <= i is
// the paper's; an encoder gets the symmetric -m_h |i - j|.
//
// Press, Smith, Lewis 2021, "Train Short, Test Long: Attention with Linear
// Biases Enables Input Length Extrapolation", section 3.
#pragma once

#include <vector>

#include "layers/position/positional_encoding.h"
#include "tensor/random.h"

namespace heed {

// The paper's slopes for `heads` heads, head 0 first.
std::vector<double> alibi_slopes(std::int64_t heads);

class AlibiBias : public PositionalEncoding {
 public:
  explicit AlibiBias(const PositionConfig& config, Generator& gen = default_generator());

  PositionKind kind() const override { return PositionKind::ScoreBias; }
  Tensor score_bias(const Tensor& distances) override;  // (S...) -> (H, S...)

  std::int64_t heads;
  DType dtype;

 private:
  Tensor slopes_;  // m_h, (H) float64; fixed, so not a parameter
};

}  // namespace heed
