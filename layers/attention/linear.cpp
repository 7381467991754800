#include "layers/attention/linear.h"

namespace heed {

namespace {

// num / den where den > 0, and 0 where den == 0 (a query that read no key:
// its numerator is 0 too). den (..., 1) broadcasts over num (..., Dh).
Tensor divide_or_zero(const Tensor& num, const Tensor& den) {
  const Tensor zero = scalar_tensor(0, den.dtype());
  return num / where(gt(den, zero), den, ones_like(den));
}

// Appends `extra` zero positions along dim 2: (B, H, T, X) -> (B, H, T + extra, X).
Tensor pad_positions(const Tensor& x, std::int64_t extra) {
  if (extra == 0) return x;
  return concat({x, zeros({x.size(0), x.size(1), extra, x.size(3)}, x.dtype())}, 2);
}

// Exclusive prefix sum along dim 2: slot n holds the sum of slots < n.
// Shifting the inclusive sum (rather than subtracting x from it) keeps it exact.
Tensor sum_of_earlier_chunks(const Tensor& x) {
  const std::int64_t chunks = x.size(2);
  Shape one_chunk = x.shape();
  one_chunk[2] = 1;
  const Tensor nothing_yet = zeros(one_chunk, x.dtype());
  if (chunks == 1) return nothing_yet;
  return concat({nothing_yet, narrow(cumsum(x, 2), 2, 0, chunks - 1)}, 2);
}

Tensor causal_feature_attention(const Tensor& q_features, const Tensor& k_features, const Tensor& v,
                                std::int64_t chunk) {
  const std::int64_t batch = v.size(0), heads = v.size(1), tq = q_features.size(2), tk = v.size(2);
  const std::int64_t features = k_features.size(3), dh = v.size(3);
  // The queries are the last Tq positions; zero feature rows before them read nothing.
  Tensor q_all = q_features;  // (B, H, Tk, F)
  if (tq < tk) q_all = concat({zeros({batch, heads, tk - tq, features}, q_features.dtype()), q_features}, 2);

  const std::int64_t chunks = (tk + chunk - 1) / chunk;
  const std::int64_t extra = chunks * chunk - tk;  // zero keys at the end contribute nothing
  const Tensor qc = reshape(pad_positions(q_all, extra), {batch, heads, chunks, chunk, features});    // (B, H, N, C, F)
  const Tensor kc = reshape(pad_positions(k_features, extra), {batch, heads, chunks, chunk, features});
  const Tensor vc = reshape(pad_positions(v, extra), {batch, heads, chunks, chunk, dh});             // (B, H, N, C, Dh)

  // Across chunks: each chunk reads the state of every chunk before it.
  const Tensor chunk_states = matmul(transpose(kc, -2, -1), vc);  // (B, H, N, F, Dh)
  const Tensor chunk_sums = sum(kc, {3}, /*keepdim=*/true);       // (B, H, N, 1, F)
  Tensor numerator = matmul(qc, sum_of_earlier_chunks(chunk_states));                       // (B, H, N, C, Dh)
  Tensor denominator = sum(qc * sum_of_earlier_chunks(chunk_sums), {4}, /*keepdim=*/true);  // (B, H, N, C, 1)

  // Inside a chunk: key j is read by query i when j <= i.
  const Tensor local = tril(matmul(qc, transpose(kc, -2, -1)));  // (B, H, N, C, C)
  numerator = numerator + matmul(local, vc);
  denominator = denominator + sum(local, {4}, /*keepdim=*/true);

  const Tensor out = reshape(divide_or_zero(numerator, denominator), {batch, heads, chunks * chunk, dh});
  return narrow(out, 2, tk - tq, tq);  // (B, H, Tq, Dh)
}

}  // namespace

Tensor feature_map_attention(const Tensor& q_features, const Tensor& k_features, const Tensor& v,
                             const Tensor& key_mask, bool causal, std::int64_t chunk) {
  HEED_CHECK(q_features.dim() == 4 && k_features.dim() == 4 && v.dim() == 4 &&
                 q_features.size(3) == k_features.size(3) && k_features.size(2) == v.size(2) &&
                 q_features.size(0) == v.size(0) && q_features.size(1) == v.size(1) &&
                 k_features.size(0) == v.size(0) && k_features.size(1) == v.size(1),
             "feature_map_attention: q_features ", shape_str(q_features.shape()), ", k_features ",
             shape_str(k_features.shape()), ", v ", shape_str(v.shape()),
             "; expected (B, H, Tq, F), (B, H, Tk, F), (B, H, Tk, Dh)");
  HEED_CHECK(chunk > 0, "feature_map_attention: chunk is ", chunk, "; expected a positive number of positions");
  Tensor keys = k_features;  // (B, H, Tk, F)
  if (key_mask.defined())    // padding keys get phi = 0: they add nothing to S or z
    keys = keys * reshape(to(key_mask, keys.dtype()), {key_mask.size(0), 1, key_mask.size(1), 1});
  if (causal) {
    HEED_CHECK(q_features.size(2) <= keys.size(2), "feature_map_attention: causal needs Tq <= Tk, got ",
               q_features.size(2), " queries and ", keys.size(2), " keys");
    return causal_feature_attention(q_features, keys, v, chunk);
  }
  const Tensor state = matmul(transpose(keys, -2, -1), v);                   // S (B, H, F, Dh)
  const Tensor key_sum = transpose(sum(keys, {2}, /*keepdim=*/true), -2, -1);  // z (B, H, F, 1)
  return divide_or_zero(matmul(q_features, state), matmul(q_features, key_sum));  // (B, H, Tq, Dh)
}

LinearAttention::LinearAttention(const TransformerAttentionConfig& config, Generator& gen)
    : ProjectedAttention("LinearAttention", config, config.heads, gen), chunk_(config.chunk) {
  HEED_CHECK(chunk_ > 0, "LinearAttention: chunk is ", chunk_, "; expected a positive causal chunk length");
}

std::string LinearAttention::weights_note() const {
  return "linear attention has no attention matrix: the keys are summed into a (Dh x Dh) state before any query "
         "reads it, so no query-key weight is ever formed.";
}

Tensor LinearAttention::feature_map(const Tensor& x) { return elu(x) + 1.0; }

TransformerAttentionOutput LinearAttention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                         const AttentionCall& call) {
  return {feature_map_attention(feature_map(q), feature_map(k), v, call.key_mask, call.causal, chunk_), Tensor()};
}

}  // namespace heed
