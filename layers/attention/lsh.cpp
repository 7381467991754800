#include "layers/attention/lsh.h"

#include <cmath>
#include <limits>

namespace heed {

namespace {

// The sorted slot of every position when positions are sorted by (bucket,
// position), without sorting: a counting sort. bucket (B, H, T) int64.
//   slot(i) = (positions in lower buckets) + (positions of i's bucket before i)
Tensor sorted_slots(const Tensor& bucket, std::int64_t buckets) {
  const std::int64_t length = bucket.size(2);
  const Tensor member = one_hot(bucket, buckets, DType::Int64);  // (B, H, T, nb)
  const Tensor seen = cumsum(member, 2);                         // (B, H, T, nb): members at positions <= t
  const Tensor totals = narrow(seen, 2, length - 1, 1);          // (B, H, 1, nb)
  const Tensor starts = cumsum(totals, 3) - totals;              // (B, H, 1, nb): each bucket's first slot
  return sum((starts + seen - ones_like(seen)) * member, {3});   // (B, H, T)
}

// Appends `extra` slots filled with `value` along dim 2 of (B, H, T, X).
Tensor pad_slots(const Tensor& x, std::int64_t extra, double value) {
  if (extra == 0) return x;
  Shape shape = x.shape();
  shape[2] = extra;
  return concat({x, full(shape, value, x.dtype())}, 2);
}

// (B, H, N, C, X) -> (B, H, N, 2C, X): each chunk preceded by the chunk before
// it; the first chunk's "previous" slots hold `fill` (no wrap-around).
Tensor with_previous_chunk(const Tensor& x, double fill) {
  Shape one_chunk = x.shape();
  one_chunk[2] = 1;
  Tensor previous = full(one_chunk, fill, x.dtype());
  if (x.size(2) > 1) previous = concat({previous, narrow(x, 2, 0, x.size(2) - 1)}, 2);
  return concat({previous, x}, 3);
}

// Which of the 2C keys of its window (previous chunk, own chunk) each sorted
// query may read: (B, H, N, C, 2C), int32 1 or 0. query_position (B, H, N, C, 1),
// key_position and key_real (B, H, N, 1, 2C). Query c's own key sits at window
// slot C + c; it is readable only when the query has no other key (and is real).
Tensor readable_keys(const Tensor& query_position, const Tensor& key_position, const Tensor& key_real, bool causal) {
  const std::int64_t chunk = query_position.size(3);
  const Tensor window_slot = arange(static_cast<double>(chunk), static_cast<double>(2 * chunk));  // C + c
  const Tensor own_slot = one_hot(window_slot, 2 * chunk, DType::Int32);                          // (C, 2C)
  const Tensor zero = zeros({}, DType::Int32);
  Tensor others = key_real * (ones({}, DType::Int32) - own_slot);  // (B, H, N, C, 2C)
  if (causal) others = others * le(key_position, query_position);
  const Tensor alone = eq(sum(others, {4}, /*keepdim=*/true), zero);  // (B, H, N, C, 1)
  const Tensor own_real = narrow(key_real, 4, chunk, chunk);           // (B, H, N, 1, C)
  return others + own_slot * (alone * transpose(own_real, 3, 4));
}

}  // namespace

LshAttention::LshAttention(const TransformerAttentionConfig& config, Generator& gen)
    : ProjectedAttention("LshAttention", config, config.heads, gen), buckets_(config.buckets), chunk_(config.chunk) {
  HEED_CHECK(buckets_ >= 2 && buckets_ % 2 == 0, "LshAttention: buckets is ", buckets_,
             "; expected an even number >= 2 (a bucket is the argmax over the directions +xR and -xR)");
  HEED_CHECK(chunk_ > 0, "LshAttention: chunk is ", chunk_, "; expected a positive chunk length");
  rotation = register_buffer("rotation", randn({head_dim(), buckets_ / 2}, gen, config.dtype));
}

Tensor LshAttention::hash(const Tensor& x) const {
  const Tensor rotated = matmul(x.detach(), rotation);  // x R (B, H, T, nb / 2)
  return argmax(concat({rotated, neg(rotated)}, -1), -1);
}

TransformerAttentionOutput LshAttention::forward(const AttentionCall& call) {
  check_call(call, model_dim());
  const Tensor q = split_heads(q_proj->forward(call.query), heads());  // (B, H, T, Dh)
  const Tensor v = split_heads(v_proj->forward(call.memory), heads());  // (B, H, T, Dh)
  const TransformerAttentionOutput per_head = attend_heads(q, q, v, call);  // shared-QK: keys from the queries
  return {out_proj->forward(merge_heads(per_head.output)), per_head.weights};
}

TransformerAttentionOutput LshAttention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                      const AttentionCall& call) {
  const std::int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), dh = q.size(3);
  const std::int64_t chunks = (length + chunk_ - 1) / chunk_, padded = chunks * chunk_, extra = padded - length;
  const Tensor keys = k * rsqrt(sum(square(k), {3}, /*keepdim=*/true) + 1e-12);  // unit rows (B, H, T, Dh)

  // Padding keys go to an extra last bucket: they sort after every real token,
  // so which real tokens share a chunk never depends on the padding's values.
  Tensor real = ones({batch, heads, length}, DType::Int32);  // (B, H, T) 1 real key, 0 padding
  Tensor bucket = hash(k);                                  // (B, H, T)
  if (call.key_mask.defined()) {
    const Tensor is_real = ne(to(call.key_mask, DType::Int32), scalar_tensor(0, DType::Int32));  // (B, T)
    real = contiguous(expand(unsqueeze(is_real, 1), {batch, heads, length}));
    bucket = where(real, bucket, full({}, static_cast<double>(buckets_), DType::Int64));
  }

  // Sorting: slot (B, H, T) says where each position goes, order (B, H, T) which position each slot holds.
  const Tensor slot = sorted_slots(bucket, buckets_ + 1);
  const Tensor positions = expand(reshape(arange(length), {1, 1, length}), {batch, heads, length});
  const Tensor order = scatter_add(zeros({batch, heads, length}, DType::Int64), 2, slot, positions);
  const auto sorted_chunks = [&](const Tensor& x, double pad) {  // (B, H, T, X) -> (B, H, N, C, X)
    const Tensor rows = gather(x, 2, expand(unsqueeze(order, 3), {batch, heads, length, x.size(3)}));
    return reshape(pad_slots(rows, extra, pad), {batch, heads, chunks, chunk_, x.size(3)});
  };
  const auto unsorted = [&](const Tensor& x) {  // (B, H, N, C, X) -> (B, H, T, X)
    const Tensor rows = narrow(reshape(x, {batch, heads, padded, x.size(4)}), 2, 0, length);
    return gather(rows, 2, expand(unsqueeze(slot, 3), {batch, heads, length, x.size(4)}));
  };

  // Padding slots sit at position `length`, which no query has, and are never real.
  const double nowhere = static_cast<double>(length);
  const Tensor query_position = sorted_chunks(unsqueeze(to(positions, DType::Int32), 3), nowhere);  // (B, H, N, C, 1)
  const Tensor key_position = transpose(with_previous_chunk(query_position, nowhere), 3, 4);  // (B, H, N, 1, 2C)
  const Tensor key_real = transpose(with_previous_chunk(sorted_chunks(unsqueeze(real, 3), 0), 0), 3, 4);
  const Tensor allowed = readable_keys(query_position, key_position, key_real, call.causal);  // (B, H, N, C, 2C)

  const Tensor chunk_keys = with_previous_chunk(sorted_chunks(keys, 0), 0);  // (B, H, N, 2C, Dh)
  const Tensor chunk_values = with_previous_chunk(sorted_chunks(v, 0), 0);   // (B, H, N, 2C, Dh)
  const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
  Tensor scores = matmul(sorted_chunks(q, 0), transpose(chunk_keys, -2, -1)) * scale;  // (B, H, N, C, 2C)
  scores = masked_fill(scores, eq(allowed, zeros({}, DType::Int32)), -std::numeric_limits<double>::infinity());
  const Tensor weights = softmax(scores, -1);  // (B, H, N, C, 2C); a row with no key is all zeros
  const Tensor output = unsorted(matmul(weights, chunk_values));  // (B, H, T, Dh)
  if (!call.keep_weights) return {output, Tensor()};

  // For heatmaps: each row's 2C weights scattered to their key positions; padding slots land in column T, dropped.
  const Tensor row_weights = unsorted(weights);                                                      // (B, H, T, 2C)
  const Tensor row_keys = unsorted(expand(key_position, {batch, heads, chunks, chunk_, 2 * chunk_}));  // (B, H, T, 2C)
  const Tensor dense = scatter_add(zeros({batch, heads, length, length + 1}, q.dtype()), 3, row_keys, row_weights);
  return {output, narrow(dense, 3, 0, length)};
}

}  // namespace heed
