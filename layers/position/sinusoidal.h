// Sinusoidal positional encoding (P2): fixed waves added to the embeddings.
//
//   PE(p, 2i)     = sin(p / base^(2i / D))
//   PE(p, 2i + 1) = cos(p / base^(2i / D))          base = 10000, i = 0 .. D/2 - 1
//   embed(x, offset)[b, t, :] = x[b, t, :] + PE(offset + t, :)
//
//   x, output   (B, T, D)
//   table       (N, D) for positions 0 .. N-1, N >= offset + T
//
// Channel pair (2i, 2i+1) is a clock turning at its own speed, from one turn
// per 2*pi positions (i = 0) to one per 2*pi*base positions (i = D/2 - 1), so
// every position gets a distinct pattern, and PE(p + k) is a fixed rotation of
// PE(p) for each pair: a linear map the attention can learn, the same for
// every p. Nothing is trained, so the encoding works at any position: the
// table is computed on first use and regrown (doubling) when a longer or
// later sequence asks for more rows. It is a cache, not a parameter or a
// buffer: state_dict() does not hold it. An odd D gets the first D channels
// of the D + 1 encoding (its last channel a sine).
//
// Vaswani et al. 2017, "Attention Is All You Need", section 3.5.
#pragma once

#include <cstdint>

#include "layers/position/positional_encoding.h"
#include "tensor/random.h"

namespace heed {

class SinusoidalPosition : public PositionalEncoding {
 public:
  explicit SinusoidalPosition(const PositionConfig& config, Generator& gen = default_generator());

  PositionKind kind() const override { return PositionKind::Absolute; }

  // x (B, T, D) whose first token sits at `offset` -> x + PE[offset .. offset + T).
  Tensor embed(const Tensor& x, std::int64_t offset = 0) override;

  // The encoding of positions [offset, offset + length): (length, D), in dtype on device.
  Tensor table(std::int64_t offset, std::int64_t length, DType dtype, Device device);

  std::int64_t model_dim() const { return model_dim_; }

 private:
  Tensor compute_rows(std::int64_t rows, DType dtype, Device device) const;  // (rows, D)

  std::int64_t model_dim_;
  double base_;
  Tensor cache_;  // (N, D): positions 0 .. N-1, in the dtype and device last asked for
};

}  // namespace heed
