// Flash attention on the CPU: exact softmax attention computed in tiles, so the
// (Tq, Tk) matrix of scores never exists and memory stays O(T * Dh) per head.
//
// For one (batch, head), with s_ij = scale * q_i . k_j over the keys query i may see:
//   out_i = sum_j exp(s_ij - L_i) v_j,      L_i = log sum_j exp(s_ij)          q_i, k_j, v_j: (Dh)
//
// Forward (Dao et al. 2022, in FlashAttention-2's order: query tiles outside, key tiles inside).
// Each query row keeps a running max m, a running sum l and an unnormalised output acc (Dh), and
// meets the key tiles one by one (the online softmax of Milakov & Gimelshein 2018):
//   m'   = max(m, max_j s_ij)                            j over this key tile
//   l'   = l   * exp(m - m') + sum_j exp(s_ij - m')
//   acc' = acc * exp(m - m') + sum_j exp(s_ij - m') v_j
// then out_i = acc / l and L_i = m + log l. Rescaling by exp(m - m') whenever the max grows keeps
// every exp() at most 1, and the result is the softmax of the whole row, not an approximation.
//
// Backward (Dao 2023, FlashAttention-2, algorithm 2), with dO = dL/d(out):
//   D_i   = sum_d dO_id out_id                   (equals sum_j p_ij dP_ij)
//   p_ij  = exp(s_ij - L_i)                       recomputed tile by tile from q, k and L
//   dV_j += sum_i p_ij dO_i        dP_ij = dO_i . v_j        dS_ij = p_ij (dP_ij - D_i)
//   dQ_i += scale sum_j dS_ij k_j                 dK_j += scale sum_i dS_ij q_i
//
// Masks: a padded key, or (causal) a key after the query, gets s = -inf and so p = 0. Key tiles
// wholly after a causal query tile are skipped, so causal attention does about half the work.
// A query that sees no key ends with l = 0: it gets out = 0 and L = +inf, so that p = exp(s - L)
// is 0 in the backward pass and its gradients are 0, never NaN (FlashAttention-2's marker too).
//
// Threads. Forward work items are (b, h, query tile); each writes its own rows of out and L.
// Backward work items are (b, h, key tile); each owns its rows of dK and dV. Every key tile also
// adds into all the dQ rows that see it, where threads would collide: each thread adds into a
// copy of dQ of its own (thread 0 into grad_q itself) and the copies are summed at the end. That
// costs (threads - 1) extra (B, H, Tq, Dh) buffers, O(T) memory, and no atomics or locks; the
// alternative, a second pass over query tiles for dQ, would recompute S and dP: 7 tile products
// instead of 5. Items are dealt round-robin (static, 1): causal tiles differ in cost, and a fixed
// assignment keeps the sums in the same order from run to run.
//
// The tile products (five per pair of tiles), exp and the row reductions are the plain loops of
// tile_kernels.h, which the compiler vectorises.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"
#include "tensor/cpu/tile_kernels.h"

namespace heed::cpu {
namespace {

using std::int64_t;
using tile::multiply_add;

// The sizes of one call and the masking rule.
struct Layout {
  int64_t tq, tk, dh, tile;
  bool causal;
  int64_t offset;  // Tk - Tq: query i sits at key position i + offset

  // How many of the keys [j0, j0 + cols) query i may see by the causal rule (all when not causal).
  int64_t visible(int64_t i, int64_t j0, int64_t cols) const {
    return causal ? std::clamp<int64_t>(i + offset + 1 - j0, 0, cols) : cols;
  }
  // Queries [i0, i1) need the keys [0, keys_seen_by(i1)).
  int64_t keys_seen_by(int64_t i1) const { return causal ? std::clamp<int64_t>(i1 + offset, 0, tk) : tk; }
  // The first query tile that sees key j0.
  int64_t first_query_tile(int64_t j0) const {
    return causal ? std::clamp<int64_t>(j0 - offset, 0, tq) / tile * tile : 0;
  }
};

// One (batch, head) of the inputs.
template <typename T>
struct Head {
  const T* q;         // (Tq, Dh)
  const T* k;         // (Tk, Dh)
  const T* v;         // (Tk, Dh)
  const T* key_mask;  // (Tk), nonzero for a real key; nullptr when every key is real
};

// Per-thread tiles, allocated once per call.
template <typename T>
struct Scratch {
  std::vector<T> keys_t, values_t;  // (Dh, tile): a key / value tile transposed
  std::vector<T> s, dp;             // (tile, tile): scores then weights; dP then dS
  std::vector<T> running_max, running_sum;  // (tile)
  explicit Scratch(const Layout& d)
      : keys_t(d.dh * d.tile), values_t(d.dh * d.tile), s(d.tile * d.tile), dp(d.tile * d.tile),
        running_max(d.tile), running_sum(d.tile) {}
};

// out (dh, count) = rows (count, dh) transposed: a score row then runs along contiguous keys.
template <typename T>
void transpose_rows(const T* rows, int64_t count, int64_t dh, T* out) {
  for (int64_t c = 0; c < count; ++c)
    for (int64_t d = 0; d < dh; ++d) out[d * count + c] = rows[c * dh + d];
}

// s (rows, cols) = scale * q[i0 : i0 + rows] k[j0 : j0 + cols]^T, -inf where the key is hidden.
// keys_t: that key tile transposed, (Dh, cols).
template <typename T>
void tile_scores(const Head<T>& head, const Layout& d, int64_t i0, int64_t rows, int64_t j0, int64_t cols,
                 const T* keys_t, T scale, T* s) {
  std::fill(s, s + rows * cols, T(0));
  multiply_add(rows, cols, d.dh, head.q + i0 * d.dh, d.dh, int64_t{1}, keys_t, cols, s, cols);
  for (int64_t r = 0; r < rows; ++r) {
    T* row = s + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] *= scale;
    std::fill(row + d.visible(i0 + r, j0, cols), row + cols, -std::numeric_limits<T>::infinity());
    if (head.key_mask != nullptr)
      for (int64_t c = 0; c < cols; ++c)
        if (head.key_mask[j0 + c] == T(0)) row[c] = -std::numeric_limits<T>::infinity();
  }
}

// out and L of the queries [i0, i0 + tile) of one head. out: (Tq, Dh), lse: (Tq).
template <typename T>
void forward_query_tile(const Head<T>& head, const Layout& d, int64_t i0, T scale, T* out, T* lse, Scratch<T>& w) {
  constexpr T kInf = std::numeric_limits<T>::infinity();
  const int64_t rows = std::min(d.tile, d.tq - i0), dh = d.dh;
  T* acc = out + i0 * dh;  // (rows, Dh): the output rows hold the unnormalised sums until the end
  std::fill(acc, acc + rows * dh, T(0));
  T* m = w.running_max.data();
  T* l = w.running_sum.data();
  std::fill(m, m + rows, -kInf);
  std::fill(l, l + rows, T(0));
  const int64_t key_end = d.keys_seen_by(i0 + rows);
  for (int64_t j0 = 0; j0 < key_end; j0 += d.tile) {
    const int64_t cols = std::min(d.tile, d.tk - j0);
    transpose_rows(head.k + j0 * dh, cols, dh, w.keys_t.data());
    T* s = w.s.data();  // (rows, cols)
    tile_scores(head, d, i0, rows, j0, cols, w.keys_t.data(), scale, s);
    for (int64_t r = 0; r < rows; ++r) {
      T* row = s + r * cols;
      const T new_max = std::max(m[r], tile::row_max(row, cols));
      if (new_max == -kInf) {  // no key seen yet: nothing to add
        std::fill(row, row + cols, T(0));
        continue;
      }
      for (int64_t c = 0; c < cols; ++c) row[c] -= new_max;
      tile::exp_in_place(row, cols);               // hidden keys: exp(-inf) = 0
      const T rescale = std::exp(m[r] - new_max);  // 0 at the first key seen (m = -inf)
      l[r] = l[r] * rescale + tile::row_sum(row, cols);
      m[r] = new_max;
      if (rescale != T(1))
        for (int64_t c = 0; c < dh; ++c) acc[r * dh + c] *= rescale;
    }
    multiply_add(rows, dh, cols, s, cols, int64_t{1}, head.v + j0 * dh, dh, acc, dh);  // acc += P V
  }
  for (int64_t r = 0; r < rows; ++r) {
    const bool saw_a_key = l[r] > T(0);
    for (int64_t c = 0; c < dh; ++c) acc[r * dh + c] = saw_a_key ? acc[r * dh + c] / l[r] : T(0);
    lse[i0 + r] = saw_a_key ? m[r] + std::log(l[r]) : kInf;
  }
}

// The gradients through the keys [j0, j0 + tile) of one head: all of their rows of dK and dV,
// and their share of dQ. All per-head arrays are (Tq or Tk, Dh); lse and delta are (Tq).
template <typename T>
void backward_key_tile(const Head<T>& head, const Layout& d, int64_t j0, T scale, const T* lse, const T* delta,
                       const T* grad_out, T* grad_q, T* grad_k, T* grad_v, Scratch<T>& w) {
  const int64_t cols = std::min(d.tile, d.tk - j0), dh = d.dh;
  T* dk = grad_k + j0 * dh;  // (cols, Dh)
  T* dv = grad_v + j0 * dh;  // (cols, Dh)
  std::fill(dk, dk + cols * dh, T(0));
  std::fill(dv, dv + cols * dh, T(0));
  transpose_rows(head.k + j0 * dh, cols, dh, w.keys_t.data());
  transpose_rows(head.v + j0 * dh, cols, dh, w.values_t.data());
  for (int64_t i0 = d.first_query_tile(j0); i0 < d.tq; i0 += d.tile) {
    const int64_t rows = std::min(d.tile, d.tq - i0);
    const T* q_tile = head.q + i0 * dh;     // (rows, Dh)
    const T* dout_tile = grad_out + i0 * dh;  // (rows, Dh)
    T* p = w.s.data();                      // (rows, cols)
    T* ds = w.dp.data();                    // (rows, cols)
    tile_scores(head, d, i0, rows, j0, cols, w.keys_t.data(), scale, p);
    for (int64_t r = 0; r < rows; ++r) {
      const T row_lse = lse[i0 + r];  // a local: p might alias lse, for all the compiler knows
      for (int64_t c = 0; c < cols; ++c) p[r * cols + c] -= row_lse;
    }
    tile::exp_in_place(p, rows * cols);  // p = exp(s - L); 0 for hidden keys and for L = +inf
    multiply_add(cols, dh, rows, p, int64_t{1}, cols, dout_tile, dh, dv, dh);  // dV += P^T dO
    std::fill(ds, ds + rows * cols, T(0));
    multiply_add(rows, cols, dh, dout_tile, dh, int64_t{1}, w.values_t.data(), cols, ds, cols);  // dP = dO V^T
    for (int64_t r = 0; r < rows; ++r) {
      const T row_delta = delta[i0 + r];
#pragma omp simd
      for (int64_t c = 0; c < cols; ++c) ds[r * cols + c] = p[r * cols + c] * (ds[r * cols + c] - row_delta) * scale;
    }
    multiply_add(rows, dh, cols, ds, cols, int64_t{1}, head.k + j0 * dh, dh, grad_q + i0 * dh, dh);  // dQ += dS K
    multiply_add(cols, dh, rows, ds, int64_t{1}, cols, q_tile, dh, dk, dh);                         // dK += dS^T Q
  }
}

// Threads for `items` work items of `work` multiply-adds in all: one when it is too little to share.
int threads_for(int64_t items, int64_t work) {
  return items > 1 && work >= kParallelGrain ? omp_get_max_threads() : 1;
}

Layout layout_of(const Tensor& q, const Tensor& k, const FlashAttentionGeometry& g) {
  return {q.size(2), k.size(2), q.size(3), g.tile, g.causal, k.size(2) - q.size(2)};
}

template <typename T>
Head<T> head_at(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask, const Layout& d,
                int64_t batch_head) {
  const int64_t heads = q.size(1);
  return {q.data<T>() + batch_head * d.tq * d.dh, k.data<T>() + batch_head * d.tk * d.dh,
          v.data<T>() + batch_head * d.tk * d.dh,
          key_mask.defined() ? key_mask.data<T>() + batch_head / heads * d.tk : nullptr};
}

}  // namespace

void CpuBackend::flash_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                                 const FlashAttentionGeometry& g, Tensor& out, Tensor& logsumexp) {
  const Layout d = layout_of(q, k, g);
  const int64_t batch_heads = q.size(0) * q.size(1), query_tiles = (d.tq + d.tile - 1) / d.tile;
  const int64_t items = batch_heads * query_tiles;
  dispatch_floating(q.dtype(), "flash_attention", [&]<typename T>() {
    T* o = out.data<T>();          // (B*H, Tq, Dh)
    T* lse = logsumexp.data<T>();  // (B*H, Tq)
    const int threads = threads_for(items, batch_heads * d.tq * d.tk * d.dh);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      Scratch<T> scratch(d);
#pragma omp for schedule(static, 1)
      for (int64_t item = 0; item < items; ++item) {
        const int64_t bh = item / query_tiles, i0 = item % query_tiles * d.tile;
        forward_query_tile(head_at<T>(q, k, v, key_mask, d, bh), d, i0, static_cast<T>(g.scale),
                           o + bh * d.tq * d.dh, lse + bh * d.tq, scratch);
      }
    }
  });
}

void CpuBackend::flash_attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                                          const Tensor& out, const Tensor& logsumexp, const Tensor& grad_out,
                                          const FlashAttentionGeometry& g, Tensor& grad_q, Tensor& grad_k,
                                          Tensor& grad_v) {
  const Layout d = layout_of(q, k, g);
  const int64_t batch_heads = q.size(0) * q.size(1), key_tiles = (d.tk + d.tile - 1) / d.tile;
  const int64_t items = batch_heads * key_tiles, q_numel = q.numel();
  const int threads = threads_for(items, batch_heads * d.tq * d.tk * d.dh);
  // D_i = dO_i . out_i for every query row, and the other threads' copies of dQ: Tensors, so
  // that memory_stats() counts them. (B*H*Tq) and (threads - 1, B*H*Tq*Dh).
  Tensor delta = empty({batch_heads * d.tq}, q.dtype(), q.device());
  Tensor grad_q_copies = zeros({threads - 1, q_numel}, q.dtype(), q.device());
  dispatch_floating(q.dtype(), "flash_attention_backward", [&]<typename T>() {
    const T* o = out.data<T>();       // (B*H*Tq, Dh)
    const T* dout = grad_out.data<T>();  // (B*H*Tq, Dh)
    const T* lse = logsumexp.data<T>();  // (B*H*Tq)
    T* deltas = delta.data<T>();
    T* dq = grad_q.data<T>();
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (int64_t row = 0; row < batch_heads * d.tq; ++row) {
      deltas[row] = tile::row_dot(dout + row * d.dh, o + row * d.dh, d.dh);
      std::fill(dq + row * d.dh, dq + (row + 1) * d.dh, T(0));
    }
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      Scratch<T> scratch(d);
      T* my_dq = omp_get_thread_num() == 0 ? dq : grad_q_copies.data<T>() + (omp_get_thread_num() - 1) * q_numel;
#pragma omp for schedule(static, 1)
      for (int64_t item = 0; item < items; ++item) {
        const int64_t bh = item / key_tiles, j0 = item % key_tiles * d.tile;
        backward_key_tile(head_at<T>(q, k, v, key_mask, d, bh), d, j0, static_cast<T>(g.scale), lse + bh * d.tq,
                          deltas + bh * d.tq, dout + bh * d.tq * d.dh, my_dq + bh * d.tq * d.dh,
                          grad_k.data<T>() + bh * d.tk * d.dh, grad_v.data<T>() + bh * d.tk * d.dh, scratch);
      }
    }
    const T* copies = grad_q_copies.data<T>();
    for (int copy = 0; copy < threads - 1; ++copy) {
#pragma omp parallel for schedule(static) num_threads(threads)
      for (int64_t e = 0; e < q_numel; ++e) dq[e] += copies[copy * q_numel + e];
    }
  });
}

}  // namespace heed::cpu
