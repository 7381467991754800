// T5's relative position bias (P5): each head learns one scalar per bucket of
// distances, added to the attention scores.
//
//   s_ij <- s_ij + b[bucket(j - i), h]           b (buckets, H), learned
//
//   distances (S...) int64, d = j - i  ->  bias (H, S...)
//   dense attention passes S = (Tq, Tk) and adds (H, Tq, Tk) to (B, H, Tq, Tk).
//
// bucket(d) spends half its buckets on exact small distances and half on
// log-spaced ranges that end at max_distance; everything farther shares the
// last bucket. With n = |d| (bidirectional) or n = max(-d, 0) (causal):
//   bucket = n                                                        if n < E
//          = min(E + floor(log(n / E) / log(M / E) * (N - E)), N - 1)  otherwise
// where N is the number of buckets per direction and E = N / 2 the exact ones.
//   bidirectional (encoders): N = buckets / 2; keys after the query (d > 0)
//     use buckets [N, 2N), keys at or before it use [0, N).
//   causal (decoders, PositionConfig.causal): N = buckets, every bucket on the
//     past; a future key (d > 0, masked anyway) falls into bucket 0.
// Near tokens are told apart exactly; far ones only roughly, which is what
// language needs and lets the model run on sequences longer than it saw.
// The log is taken in float32, as T5 does, so bucket edges match its code.
//
// Sizes: buckets = PositionConfig.buckets (T5: 32), M = 8 * PositionConfig.max_distance
// (T5: 128 from the default 16). b starts as N(0, 1/D), as in Hugging Face's T5.
//
// Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a
// Unified Text-to-Text Transformer", section 2.1 (Mesh TensorFlow's
// _relative_position_bucket is the reference implementation).
#pragma once

#include "layers/position/positional_encoding.h"
#include "tensor/random.h"

namespace heed {

// T5's bucket of each distance: distances (S...) int64 -> buckets (S...) int64 in [0, num_buckets).
Tensor t5_relative_position_bucket(const Tensor& distances, bool bidirectional, std::int64_t num_buckets,
                                   std::int64_t max_distance);

class T5RelativeBias : public PositionalEncoding {
 public:
  explicit T5RelativeBias(const PositionConfig& config, Generator& gen = default_generator());

  PositionKind kind() const override { return PositionKind::ScoreBias; }
  Tensor score_bias(const Tensor& distances) override;  // (S...) -> (H, S...)

  std::int64_t heads;
  std::int64_t buckets;
  std::int64_t max_distance;  // M, where the log-spaced buckets end
  bool bidirectional;
  Tensor bias_table;          // (buckets, H)
};

}  // namespace heed
