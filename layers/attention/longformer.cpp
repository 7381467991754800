#include "layers/attention/longformer.h"

#include <algorithm>

namespace heed {

LongformerAttention::LongformerAttention(const TransformerAttentionConfig& config, Generator& gen)
    : SparseProjectedAttention("LongformerAttention", config, gen),
      window_(config.window),
      global_tokens_(config.global_tokens) {
  HEED_CHECK(window_ >= 0 && global_tokens_ >= 0, "LongformerAttention: window ", window_, " and global_tokens ",
             global_tokens_, "; expected both >= 0");
}

SparsePattern LongformerAttention::pattern(std::int64_t length, bool causal) const {
  const std::int64_t block = std::max<std::int64_t>(window_, 1);
  const std::int64_t blocks = (length + block - 1) / block;
  const std::int64_t w = window_, g = std::min(global_tokens_, length);
  SparsePattern p{.block = block, .groups = {}, .global_queries = g};
  p.groups.push_back(
      {.layout = QueryLayout::Rows,
       .key_positions = neighbour_block_positions(blocks, block, 1, causal ? 0 : 1),  // (nb, 3w), causal (nb, 2w)
       .allowed = [w](const Tensor& i, const Tensor& j) { return le(abs(j - i), int_scalar(w)); }});
  if (g > 0)
    p.groups.push_back({.layout = QueryLayout::Shared,
                        .key_positions = reshape(arange(g), {1, g}),  // (1, g)
                        .allowed = [w](const Tensor& i, const Tensor& j) { return gt(abs(j - i), int_scalar(w)); }});
  return p;
}

}  // namespace heed
