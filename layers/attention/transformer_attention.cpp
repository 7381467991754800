#include "layers/attention/transformer_attention.h"

#include <cmath>
#include <limits>

namespace heed {

void TransformerAttention::check_call(const AttentionCall& call, std::int64_t model_dim) const {
  const std::string& op = type_name();
  const Tensor& q = call.query;
  const Tensor& m = call.memory;
  HEED_CHECK(q.defined() && q.dim() == 3 && q.size(2) == model_dim, op, ": query has shape ",
             q.defined() ? shape_str(q.shape()) : "(undefined)", "; expected (batch, length, ", model_dim, ")");
  HEED_CHECK(m.defined() && m.dim() == 3 && m.size(0) == q.size(0) && m.size(2) == model_dim, op,
             ": memory has shape ", m.defined() ? shape_str(m.shape()) : "(undefined)", "; expected (", q.size(0),
             ", length, ", model_dim, "); pass the query again for self-attention");
  if (call.key_mask.defined()) {
    HEED_CHECK(supports_key_mask(), op, " cannot mask padded keys; use batches without padding");
    HEED_CHECK(call.key_mask.shape() == Shape({m.size(0), m.size(1)}), op, ": key_mask has shape ",
               shape_str(call.key_mask.shape()), "; expected (", m.size(0), ", ", m.size(1), "), 1 real 0 padding");
  }
  if (call.causal) {
    HEED_CHECK(supports_causal(), op, " has no causal form; use it for encoder self-attention or cross-attention");
    HEED_CHECK(q.size(1) <= m.size(1), op, ": causal attention needs at least as many keys as queries, got ",
               q.size(1), " queries and ", m.size(1), " keys");
  }
  const bool is_self = q.impl_ptr() == m.impl_ptr();
  HEED_CHECK(is_self || supports_cross(), op,
             " works only as self-attention (memory must be the query tensor itself); pick another variant for "
             "cross-attention");
  if (call.position) {
    const PositionKind kind = call.position->kind();
    HEED_CHECK(accepts_position(kind), op, " cannot take the ", position_kind_name(kind), " encoding ",
               call.position->type_name(), " inside attention; use an absolute encoding (sinusoidal, learned) "
               "or none with it");
  }
}

ProjectedAttention::ProjectedAttention(std::string type_name, const TransformerAttentionConfig& config,
                                       std::int64_t kv_heads, Generator& gen)
    : TransformerAttention(std::move(type_name)),
      model_dim_(config.model_dim),
      heads_(config.heads),
      kv_heads_(kv_heads) {
  const std::string& op = this->type_name();
  HEED_CHECK(model_dim_ > 0 && heads_ > 0 && model_dim_ % heads_ == 0, op, ": model_dim ", model_dim_,
             " must be a positive multiple of heads ", heads_);
  HEED_CHECK(kv_heads_ > 0 && heads_ % kv_heads_ == 0, op, ": heads ", heads_,
             " must be a multiple of the key/value heads ", kv_heads_);
  const std::int64_t kv_dim = kv_heads_ * head_dim();
  q_proj = register_module("q_proj", std::make_shared<Linear>(model_dim_, model_dim_, config.bias, gen, config.dtype));
  k_proj = register_module("k_proj", std::make_shared<Linear>(model_dim_, kv_dim, config.bias, gen, config.dtype));
  v_proj = register_module("v_proj", std::make_shared<Linear>(model_dim_, kv_dim, config.bias, gen, config.dtype));
  out_proj = register_module("out_proj", std::make_shared<Linear>(model_dim_, model_dim_, config.bias, gen, config.dtype));
}

TransformerAttentionOutput ProjectedAttention::forward(const AttentionCall& call) {
  check_call(call, model_dim_);
  Tensor q = split_heads(q_proj->forward(call.query), heads_);       // (B, H, Tq, Dh)
  Tensor k = split_heads(k_proj->forward(call.memory), kv_heads_);   // (B, Hkv, Tk, Dh)
  const Tensor v = split_heads(v_proj->forward(call.memory), kv_heads_);
  if (call.position && call.position->kind() == PositionKind::Rotary) {
    // Queries sit at the end of the key sequence (Tk - Tq of them precede the first).
    const std::int64_t tq = q.size(2), tk = k.size(2);
    q = call.position->rotate(q, position_ids(tq, tk - tq));
    k = call.position->rotate(k, position_ids(tk));
  }
  TransformerAttentionOutput heads = attend_heads(q, k, v, call);
  return {out_proj->forward(merge_heads(heads.output)), heads.weights};
}

Tensor split_heads(const Tensor& x, std::int64_t heads) {
  HEED_CHECK(x.dim() == 3 && x.size(2) % heads == 0, "split_heads: input has shape ", shape_str(x.shape()),
             "; expected (batch, length, heads * head_dim) with heads = ", heads);
  return transpose(reshape(x, {x.size(0), x.size(1), heads, x.size(2) / heads}), 1, 2);
}

Tensor merge_heads(const Tensor& x) {
  HEED_CHECK(x.dim() == 4, "merge_heads: input has shape ", shape_str(x.shape()), "; expected (B, H, T, Dh)");
  return reshape(transpose(x, 1, 2), {x.size(0), x.size(2), x.size(1) * x.size(3)});
}

Tensor repeat_kv_heads(const Tensor& x, std::int64_t groups) {
  if (groups == 1) return x;
  const std::int64_t b = x.size(0), h = x.size(1), t = x.size(2), d = x.size(3);
  return reshape(expand(unsqueeze(x, 2), {b, h, groups, t, d}), {b, h * groups, t, d});
}

Tensor attention_mask_bias(const Tensor& key_mask, bool causal, std::int64_t query_len, std::int64_t key_len,
                           DType dtype) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor bias;
  if (causal) {
    // Query i sits at position i + (Tk - Tq) and sees keys j <= that position.
    const Tensor blocked = gt(relative_distances(query_len, key_len, key_len - query_len), scalar_tensor(0, DType::Int64));
    bias = reshape(masked_fill(zeros({query_len, key_len}, dtype), blocked, -inf), {1, 1, query_len, key_len});
  }
  if (key_mask.defined()) {
    const Tensor padded = eq(key_mask, scalar_tensor(0, key_mask.dtype()));  // (B, Tk)
    Tensor pad_bias = masked_fill(zeros(key_mask.shape(), dtype), padded, -inf);
    pad_bias = reshape(pad_bias, {key_mask.size(0), 1, 1, key_len});
    bias = bias.defined() ? bias + pad_bias : pad_bias;
  }
  return bias;
}

namespace {

// (B, H, Tq, X) -> (Tq, B * H, X) and back: the layout that lets one batched
// matmul pair each query position with its own (Tk, Dh) table of relative terms.
Tensor queries_first(const Tensor& x) {
  return reshape(permute(x, {2, 0, 1, 3}), {x.size(2), x.size(0) * x.size(1), x.size(3)});
}
Tensor queries_back(const Tensor& x, std::int64_t batch, std::int64_t heads) {
  return permute(reshape(x, {x.size(0), batch, heads, x.size(2)}), {1, 2, 0, 3});
}

}  // namespace

DenseAttention dense_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask, bool causal,
                               PositionalEncoding* position) {
  HEED_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4 && q.size(1) == k.size(1) && k.shape() == v.shape() &&
                 q.size(3) == k.size(3) && q.size(0) == k.size(0),
             "dense_attention: q ", shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ", shape_str(v.shape()),
             "; expected (B, H, Tq, Dh), (B, H, Tk, Dh), (B, H, Tk, Dh) (repeat_kv_heads for shared K/V heads)");
  const std::int64_t batch = q.size(0), heads = q.size(1), tq = q.size(2), tk = k.size(2);
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(3)));
  const PositionKind kind = position ? position->kind() : PositionKind::None;
  const bool relative = kind == PositionKind::Relative;
  Tensor distances;
  if (relative || kind == PositionKind::ScoreBias) distances = relative_distances(tq, tk, tk - tq);  // (Tq, Tk)

  Tensor scores = matmul(q, transpose(k, -2, -1));  // (B, H, Tq, Tk)
  Tensor value_table;
  if (relative) {
    // Shaw: q_i . a^K_ij joins q_i . k_j, one (Tk, Dh) table per query position.
    const Tensor key_table = position->key_table(distances);                          // (Tq, Tk, Dh)
    const Tensor rel = matmul(queries_first(q), transpose(key_table, 1, 2));          // (Tq, B*H, Tk)
    scores = scores + queries_back(rel, batch, heads);
    value_table = position->value_table(distances);                                   // (Tq, Tk, Dh)
  }
  scores = scores * scale;
  if (kind == PositionKind::ScoreBias) scores = scores + position->score_bias(distances);  // (H, Tq, Tk)
  const Tensor mask = attention_mask_bias(key_mask, causal, tq, tk, q.dtype());
  if (mask.defined()) scores = scores + mask;

  const Tensor weights = softmax(scores, -1);  // (B, H, Tq, Tk)
  Tensor output = matmul(weights, v);          // (B, H, Tq, Dh)
  if (relative) output = output + queries_back(matmul(queries_first(weights), value_table), batch, heads);
  return {output, weights};
}

}  // namespace heed
