// Learned absolute positions (P3): one trained vector per position, added to
// the token embeddings before the first layer.
//
//   x_p <- x_p + P[p]          P (max_len, D), trained with the rest of the model
//
//   x       (B, T, D)   token embeddings whose first token sits at position `offset`
//   output  (B, T, D)   x + P[offset .. offset + T)
//
// Unlike the sinusoidal table, P has no formula behind it: each row is
// whatever helps the task, so the model can learn any notion of position, but
// nothing exists past row max_len - 1. A longer sequence is refused with an
// error that names max_len, instead of reading out of the table.
//
// P starts as N(0, 0.02^2), as in GPT-2 and BERT. BERT (Devlin et al. 2019)
// and GPT (Radford et al. 2018) used this encoding; Gehring et al. 2017,
// "Convolutional Sequence to Sequence Learning", introduced it for seq2seq.
#pragma once

#include "layers/position/positional_encoding.h"
#include "tensor/random.h"

namespace heed {

class LearnedPosition : public PositionalEncoding {
 public:
  explicit LearnedPosition(const PositionConfig& config, Generator& gen = default_generator());

  PositionKind kind() const override { return PositionKind::Absolute; }
  Tensor embed(const Tensor& x, std::int64_t offset = 0) override;

  std::int64_t max_len;
  std::int64_t model_dim;
  Tensor table;  // (max_len, D)
};

}  // namespace heed
