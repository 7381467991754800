#include "layers/attention/strided.h"

namespace heed {

StridedAttention::StridedAttention(const TransformerAttentionConfig& config, Generator& gen)
    : SparseProjectedAttention("StridedAttention", config, gen),
      stride_(sparse_block_size(config, "StridedAttention")) {}

SparsePattern StridedAttention::pattern(std::int64_t length, bool causal) const {
  const std::int64_t s = stride_, blocks = (length + s - 1) / s;
  KeyGroup near{.layout = QueryLayout::Rows,
                .key_positions = neighbour_block_positions(blocks, s, 1, causal ? 0 : 1),  // (nb, 3s), causal (nb, 2s)
                .allowed = [s](const Tensor& i, const Tensor& j) { return lt(abs(j - i), int_scalar(s)); }};
  KeyGroup strided{.layout = QueryLayout::Columns,
                   .key_positions = column_positions(blocks, s),  // (s, nb)
                   .allowed = [s](const Tensor& i, const Tensor& j) { return ge(abs(j - i), int_scalar(s)); }};
  return {.block = s, .groups = {near, strided}};
}

}  // namespace heed
