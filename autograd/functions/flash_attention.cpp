// Differentiable flash attention: softmax(q k^T / sqrt(Dh) + mask) v in tiles (Dao et al. 2022,
// "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"; Dao 2023,
// "FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning").
//   forward:  out (B, H, Tq, Dh) and logsumexp L (B, H, Tq), one pass over the key tiles per query tile
//   backward: dq, dk, dv from q, k, v, out, L and dout alone: the weights p_ij = exp(s_ij - L_i)
//             are recomputed tile by tile instead of kept, so the graph holds O(T) per head,
//             where dense attention keeps the (B, H, Tq, Tk) weights for its backward pass.
// The kernels live behind the Backend seam (tensor/cpu/flash_attention.cpp); the composed
// reference is dense_attention (layers/attention/transformer_attention.h), and the tests hold
// the two equal, values and gradients.
#include "autograd/function.h"
#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {

using autograd::grads;
using autograd::record;
using autograd::saved;

Tensor flash_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask, bool causal,
                       std::int64_t tile) {
  auto [out, logsumexp] = ops::flash_attention(q, k, v, key_mask, causal, tile);  // (B, H, Tq, Dh), (B, H, Tq)
  return record("flash_attention", out, {q, k, v},
                [q = saved(q), k = saved(k), v = saved(v), key_mask = saved(key_mask), out = saved(out),
                 logsumexp, causal, tile](const Tensor& g) {
                  ops::FlashAttentionGrads d =
                      ops::flash_attention_backward(q, k, v, key_mask, out, logsumexp, g, causal, tile);
                  return grads(d.q, d.k, d.v);
                });
}

}  // namespace heed
