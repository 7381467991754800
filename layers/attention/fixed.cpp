#include "layers/attention/fixed.h"

namespace heed {

FixedAttention::FixedAttention(const TransformerAttentionConfig& config, Generator& gen)
    : SparseProjectedAttention("FixedAttention", config, gen),
      block_(sparse_block_size(config, "FixedAttention")),
      summary_(config.summary) {
  HEED_CHECK(summary_ >= 1 && summary_ <= block_, "FixedAttention: summary ", summary_, " with block ", block_,
             "; expected 1 <= summary <= block");
}

SparsePattern FixedAttention::pattern(std::int64_t length, bool /*causal: applied by sparse_attention*/) const {
  const std::int64_t s = block_, c = summary_, blocks = (length + s - 1) / s;
  KeyGroup own{.layout = QueryLayout::Rows,
               .key_positions = neighbour_block_positions(blocks, s, 0, 0),  // (nb, s)
               .allowed = nullptr};                                          // all of the own block
  // Positions r*s + (s - c) .. r*s + s - 1 of every block r.
  const Tensor summary = reshape(arange(blocks) * s, {blocks, 1}) + reshape(arange(c) + (s - c), {1, c});  // (nb, c)
  KeyGroup columns{.layout = QueryLayout::Shared,
                   .key_positions = reshape(summary, {1, blocks * c}),
                   .allowed = [s](const Tensor& i, const Tensor& j) {
                     return ne(div(j, int_scalar(s)), div(i, int_scalar(s)));  // not the query's own block
                   }};
  return {.block = s, .groups = {own, columns}};
}

}  // namespace heed
