#include "layers/attention/sparse_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace heed {

Tensor int_scalar(std::int64_t value) { return scalar_tensor(static_cast<double>(value), DType::Int64); }

Tensor both(const Tensor& a, const Tensor& b) { return a * b; }

Tensor neighbour_block_positions(std::int64_t blocks, std::int64_t block, std::int64_t before, std::int64_t after) {
  const std::int64_t span = (before + 1 + after) * block;
  const Tensor starts = reshape(arange(blocks) * block, {blocks, 1});        // (nb, 1)
  const Tensor offsets = reshape(arange(span) - before * block, {1, span});  // (1, m)
  return starts + offsets;                                                   // (nb, m)
}

Tensor column_positions(std::int64_t blocks, std::int64_t block) {
  return reshape(arange(block), {block, 1}) + reshape(arange(blocks) * block, {1, blocks});  // (s, nb)
}

std::int64_t sparse_block_size(const TransformerAttentionConfig& config, const std::string& op) {
  HEED_CHECK(config.block >= 0, op, ": block ", config.block,
             " is negative; expected s >= 1, or 0 for ceil(sqrt(max_len))");
  if (config.block > 0) return config.block;
  HEED_CHECK(config.max_len > 0, op, ": block 0 means ceil(sqrt(max_len)), but max_len is ", config.max_len,
             "; set block or a positive max_len");
  return static_cast<std::int64_t>(std::ceil(std::sqrt(static_cast<double>(config.max_len))));
}

namespace {

const double kInf = std::numeric_limits<double>::infinity();

// -inf where keep is 0, 0 where it is 1: the additive form of a 0/1 mask.
Tensor blocked_bias(const Tensor& keep, DType dtype) {
  return masked_fill(zeros(keep.shape(), dtype), eq(keep, int_scalar(0)), -kInf);
}

// What every group's scores get before the softmax: the encoding's bias for
// the distances key - query, then -inf wherever `keep` (pattern, causal,
// sequence end) or the key mask blocks a key.
//   scores (B, H, X..., m); query_pos, key_pos and keep broadcast to (X..., m);
//   key_real (B, 1, X'..., m) 1 real 0 padding, or undefined.
Tensor bias_and_mask(Tensor scores, const Tensor& query_pos, const Tensor& key_pos, Tensor keep, bool causal,
                     const Tensor& key_real, PositionalEncoding* position) {
  if (position && position->kind() == PositionKind::ScoreBias)
    scores = scores + position->score_bias(key_pos - query_pos);  // (H, X..., m)
  if (causal) keep = both(keep, le(key_pos, query_pos));
  Shape shape = keep.shape();
  shape.insert(shape.begin(), {1, 1});
  scores = scores + reshape(blocked_bias(keep, scores.dtype()), shape);
  if (key_real.defined()) scores = scores + blocked_bias(key_real, scores.dtype());
  return scores;
}

// Key mask entries at the given positions, 1 real 0 padding, reshaped to `shape` (batch first).
Tensor key_real_at(const Tensor& key_mask, const Tensor& flat_positions, Shape shape) {
  if (!key_mask.defined()) return {};
  const Tensor real = ne(key_mask, scalar_tensor(0, key_mask.dtype()));  // (B, T)
  shape.insert(shape.begin(), key_mask.size(0));
  return reshape(index_select(real.to(DType::Int64), 1, flat_positions), shape);
}

struct ScoredGroup {
  QueryLayout layout;
  Tensor scores;     // (B, H, nb, s, m), row layout, biased and masked
  Tensor values;     // Rows (B, H, nb, m, Dh); Columns (B, H, s, m, Dh); Shared (B, H, m, Dh)
  Tensor positions;  // key positions in the row layout, clamped into [0, T): (nb | 1, s | 1, m)
};

ScoredGroup score_group(const KeyGroup& group, const Tensor& q_blocks, const Tensor& k, const Tensor& v,
                        const Tensor& key_mask, bool causal, PositionalEncoding* position) {
  const std::int64_t batch = k.size(0), heads = k.size(1), length = k.size(2), dh = k.size(3);
  const std::int64_t blocks = q_blocks.size(2), block = q_blocks.size(3);
  const Tensor& wanted = group.key_positions;  // (G, m)
  const std::int64_t lists = wanted.size(0), m = wanted.size(1);
  const Shape expected = group.layout == QueryLayout::Rows      ? Shape{blocks, m}
                         : group.layout == QueryLayout::Columns ? Shape{block, m}
                                                                : Shape{1, m};
  HEED_CHECK(wanted.shape() == expected, "sparse_attention: a key group has positions ", shape_str(wanted.shape()),
             "; expected ", shape_str(expected), " for ", blocks, " blocks of ", block);
  const Tensor inside = both(ge(wanted, int_scalar(0)), lt(wanted, int_scalar(length)));  // (G, m)
  const Tensor clamped = minimum(maximum(wanted, int_scalar(0)), int_scalar(length - 1));
  const Tensor flat = reshape(clamped, {lists * m});
  Tensor keys = reshape(index_select(k, 2, flat), {batch, heads, lists, m, dh});    // (B, H, G, m, Dh)
  Tensor values = reshape(index_select(v, 2, flat), {batch, heads, lists, m, dh});  // (B, H, G, m, Dh)

  Shape layout;  // where a key list sits in the (nb, s, m) row layout
  Tensor scores;
  switch (group.layout) {
    case QueryLayout::Rows:
      layout = {blocks, 1, m};
      scores = matmul(q_blocks, transpose(keys, -2, -1));  // (B, H, nb, s, m)
      break;
    case QueryLayout::Columns:
      layout = {1, block, m};
      scores = transpose(matmul(transpose(q_blocks, 2, 3), transpose(keys, -2, -1)), 2, 3);  // (B, H, nb, s, m)
      break;
    case QueryLayout::Shared:
      layout = {1, 1, m};
      values = squeeze(values, 2);  // (B, H, m, Dh)
      scores = matmul(reshape(q_blocks, {batch, heads, blocks * block, dh}), transpose(squeeze(keys, 2), -2, -1));
      scores = reshape(scores, {batch, heads, blocks, block, m});
      break;
  }
  const Tensor query_pos = reshape(arange(blocks * block), {blocks, block, 1});  // (nb, s, 1)
  const Tensor key_pos = reshape(wanted, layout);
  Tensor keep = reshape(inside, layout);
  if (group.allowed) keep = both(keep, group.allowed(query_pos, key_pos));
  Shape mask_layout = layout;
  mask_layout.insert(mask_layout.begin(), 1);  // (1, nb | 1, s | 1, m); batch goes first
  scores = bias_and_mask(scores, query_pos, key_pos, keep, causal, key_real_at(key_mask, flat, mask_layout), position);
  return {group.layout, scores, values, reshape(clamped, layout)};
}

// weights (B, H, nb, s, m) -> their product with the group's values, (B, H, nb, s, Dh).
Tensor read_values(const ScoredGroup& g, const Tensor& weights) {
  switch (g.layout) {
    case QueryLayout::Rows:
      return matmul(weights, g.values);
    case QueryLayout::Columns:
      return transpose(matmul(transpose(weights, 2, 3), g.values), 2, 3);
    case QueryLayout::Shared:
      break;
  }
  const Shape& s = weights.shape();
  return reshape(matmul(reshape(weights, {s[0], s[1], s[2] * s[3], s[4]}), g.values), {s[0], s[1], s[2], s[3], -1});
}

}  // namespace

SparseAttention sparse_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask, bool causal,
                                 PositionalEncoding* position, const SparsePattern& pattern, bool keep_weights) {
  HEED_CHECK(q.dim() == 4 && q.shape() == k.shape() && k.shape() == v.shape() && q.size(2) > 0, "sparse_attention: q ",
             shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ", shape_str(v.shape()),
             "; expected three equal (B, H, T, Dh) shapes: self-attention, one K/V head per query head");
  HEED_CHECK(pattern.block > 0 && !pattern.groups.empty(), "sparse_attention: the pattern has block ", pattern.block,
             " and ", pattern.groups.size(), " key groups; expected block >= 1 and at least one group");
  const std::int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), dh = q.size(3);
  const std::int64_t block = pattern.block, blocks = (length + block - 1) / block, padded = blocks * block;
  const Tensor scaled = q * (1.0 / std::sqrt(static_cast<double>(dh)));  // (B, H, T, Dh)
  Tensor q_padded = scaled;
  if (padded > length) q_padded = concat({scaled, zeros({batch, heads, padded - length, dh}, q.dtype())}, 2);
  const Tensor q_blocks = reshape(q_padded, {batch, heads, blocks, block, dh});  // (B, H, nb, s, Dh)

  std::vector<ScoredGroup> groups;
  std::vector<Tensor> all_scores;
  for (const KeyGroup& group : pattern.groups) {
    groups.push_back(score_group(group, q_blocks, k, v, key_mask, causal, position));
    all_scores.push_back(groups.back().scores);
  }
  // One softmax over every group: a query's weights sum to one over its whole pattern.
  const Tensor joined = all_scores.size() == 1 ? all_scores.front() : concat(all_scores, -1);
  const Tensor weights = softmax(joined, -1);  // (B, H, nb, s, sum of m)
  Tensor output, dense_weights;
  if (keep_weights) dense_weights = zeros({batch, heads, padded, length}, q.dtype());
  std::int64_t start = 0;
  for (const ScoredGroup& g : groups) {
    const std::int64_t m = g.scores.size(-1);
    const Tensor part = narrow(weights, -1, start, m);  // (B, H, nb, s, m)
    start += m;
    const Tensor read = read_values(g, part);
    output = output.defined() ? output + read : read;
    if (keep_weights) {
      // Blocked slots hold weight 0 exactly, so adding them at their clamped position changes nothing.
      const Tensor positions = expand(unsqueeze(unsqueeze(g.positions, 0), 0), part.shape());  // (B, H, nb, s, m)
      const Tensor index = reshape(positions, {batch, heads, padded, m});
      dense_weights = scatter_add(dense_weights, 3, index, reshape(part, {batch, heads, padded, m}));
    }
  }
  output = narrow(reshape(output, {batch, heads, padded, dh}), 2, 0, length);  // (B, H, T, Dh)
  if (keep_weights) dense_weights = narrow(dense_weights, 2, 0, length);       // (B, H, T, T)

  const std::int64_t global = std::min(pattern.global_queries, length);
  if (global > 0) {
    // Global queries read every key: a (g, T) slice of dense attention.
    const Tensor query_pos = reshape(arange(global), {global, 1});               // (g, 1)
    const Tensor key_pos = reshape(arange(length), {1, length});                 // (1, T)
    Tensor scores = matmul(narrow(scaled, 2, 0, global), transpose(k, -2, -1));  // (B, H, g, T)
    scores = bias_and_mask(scores, query_pos, key_pos, ones({1, length}, DType::Int64), causal,
                           key_real_at(key_mask, arange(length), {1, 1, length}), position);
    const Tensor global_weights = softmax(scores, -1);       // (B, H, g, T)
    const Tensor global_output = matmul(global_weights, v);  // (B, H, g, Dh)
    const auto replace_rows = [&](const Tensor& rows, const Tensor& all) {
      return global == length ? rows : concat({rows, narrow(all, 2, global, length - global)}, 2);
    };
    output = replace_rows(global_output, output);
    if (keep_weights) dense_weights = replace_rows(global_weights, dense_weights);
  }
  return {output, dense_weights};
}

TransformerAttentionOutput SparseProjectedAttention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                                  const AttentionCall& call) {
  const SparseAttention a = sparse_attention(q, k, v, call.key_mask, call.causal, call.position,
                                             pattern(q.size(2), call.causal), call.keep_weights);
  return {a.output, a.weights};
}

}  // namespace heed
