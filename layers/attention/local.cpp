#include "layers/attention/local.h"

#include <algorithm>

namespace heed {

LocalAttention::LocalAttention(const TransformerAttentionConfig& config, Generator& gen)
    : SparseProjectedAttention("LocalAttention", config, gen), window_(config.window) {
  HEED_CHECK(window_ >= 0, "LocalAttention: window ", window_, " is negative; expected w >= 0");
}

SparsePattern LocalAttention::pattern(std::int64_t length, bool causal) const {
  const std::int64_t block = std::max<std::int64_t>(window_, 1);
  const std::int64_t blocks = (length + block - 1) / block;
  const std::int64_t w = window_;
  KeyGroup window{
      .layout = QueryLayout::Rows,
      .key_positions = neighbour_block_positions(blocks, block, 1, causal ? 0 : 1),  // (nb, 3w), causal (nb, 2w)
      .allowed = [w](const Tensor& i, const Tensor& j) { return le(abs(j - i), int_scalar(w)); }};
  return {.block = block, .groups = {window}};
}

}  // namespace heed
