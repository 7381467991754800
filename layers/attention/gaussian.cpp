#include "layers/attention/gaussian.h"

#include <cmath>

namespace heed {

GaussianAttention::GaussianAttention(const SequenceAttentionConfig& config, Generator&)
    : SequenceAttention("GaussianAttention"), dim(config.query_dim) {
  HEED_CHECK(dim > 0, "GaussianAttention: query_dim must be positive, got ", dim);
  check_equal_sizes(type_name(), config);
  log_sigma = register_parameter("log_sigma", full({1}, std::log(static_cast<double>(dim)) / 4, config.dtype));
}

AttentionResult GaussianAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                          const Tensor& mask) {
  check_inputs(query, keys, values, mask, dim, dim);
  const Tensor squared_distance = sum(square(keys - unsqueeze(query, 1)), {2});  // ||q - k_j||^2 (B, Tk)
  const Tensor inverse_two_variance = exp(log_sigma * -2.0) * 0.5;             // 1 / (2 sigma^2) (1)
  return weigh_values(-(squared_distance * inverse_two_variance), values, mask);
}

}  // namespace heed
