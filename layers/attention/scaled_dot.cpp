#include "layers/attention/scaled_dot.h"

#include <cmath>

namespace heed {

ScaledDotAttention::ScaledDotAttention(const SequenceAttentionConfig& config, Generator&)
    : SequenceAttention("ScaledDotAttention"), dim(config.query_dim) {
  HEED_CHECK(dim > 0, "ScaledDotAttention: query_dim must be positive, got ", dim);
  check_equal_sizes(type_name(), config);
}

AttentionResult ScaledDotAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                           const Tensor& mask) {
  check_inputs(query, keys, values, mask, dim, dim);
  const Tensor dots = squeeze(matmul(keys, unsqueeze(query, -1)), -1);  // (B, Tk, D) @ (B, D, 1) -> (B, Tk)
  return weigh_values(dots * (1.0 / std::sqrt(static_cast<double>(dim))), values, mask);
}

}  // namespace heed
