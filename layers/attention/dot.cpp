#include "layers/attention/dot.h"

namespace heed {

DotAttention::DotAttention(const SequenceAttentionConfig& config, Generator&)
    : SequenceAttention("DotAttention"), dim(config.query_dim) {
  HEED_CHECK(dim > 0, "DotAttention: query_dim must be positive, got ", dim);
  check_equal_sizes(type_name(), config);
}

AttentionResult DotAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                     const Tensor& mask) {
  check_inputs(query, keys, values, mask, dim, dim);
  const Tensor scores = squeeze(matmul(keys, unsqueeze(query, -1)), -1);  // (B, Tk, D) @ (B, D, 1) -> (B, Tk)
  return weigh_values(scores, values, mask);
}

}  // namespace heed
