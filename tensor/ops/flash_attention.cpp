// Flash attention: argument checks, then the device's kernels (tensor/cpu/flash_attention.cpp
// explains the tiles and the online softmax).
//   q (B, H, Tq, Dh), k and v (B, H, Tk, Dh), key_mask (B, Tk) or undefined
//   out (B, H, Tq, Dh) = softmax(q k^T / sqrt(Dh) + mask) v,  logsumexp (B, H, Tq)
// The kernels take contiguous tensors and a key mask in q's dtype, so the heads split out of a
// (B, T, H * Dh) projection are copied once here: O(T * D), small beside the work.
#include <cmath>

#include "tensor/ops.h"

namespace heed::ops {
namespace {

struct Checked {
  Tensor q, k, v, key_mask;  // contiguous; key_mask in q's dtype or undefined
  FlashAttentionGeometry geometry;
};

Checked check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask, bool causal,
                     std::int64_t tile, const char* op) {
  HEED_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4 && k.shape() == v.shape() && q.size(0) == k.size(0) &&
                 q.size(1) == k.size(1) && q.size(3) == k.size(3),
             op, ": q ", shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ", shape_str(v.shape()),
             "; expected (B, H, Tq, Dh), (B, H, Tk, Dh), (B, H, Tk, Dh) (repeat_kv_heads for shared K/V heads)");
  HEED_CHECK(q.numel() > 0 && k.numel() > 0, op, ": q ", shape_str(q.shape()), " and k ", shape_str(k.shape()),
             " must not be empty");
  HEED_CHECK(is_floating(q.dtype()), op, ": needs float32 or float64 q, k, v, got ", dtype_name(q.dtype()),
             "; convert them with .to(DType::Float32)");
  for (const Tensor* t : {&k, &v}) {
    HEED_CHECK(t->dtype() == q.dtype() && t->device() == q.device(), op, ": q is ", dtype_name(q.dtype()), " on ",
               q.device().str(), " but k or v is ", dtype_name(t->dtype()), " on ", t->device().str(),
               "; convert them with .to()");
  }
  HEED_CHECK(tile >= 1, op, ": tile must be at least 1, got ", tile);
  Checked c{contiguous(q), contiguous(k), contiguous(v), Tensor(),
            {causal, 1.0 / std::sqrt(static_cast<double>(q.size(3))), tile}};
  if (key_mask.defined()) {
    HEED_CHECK(key_mask.shape() == Shape({k.size(0), k.size(2)}), op, ": key_mask has shape ",
               shape_str(key_mask.shape()), "; expected (", k.size(0), ", ", k.size(2), "), 1 real 0 padding");
    HEED_CHECK(key_mask.device() == q.device(), op, ": key_mask is on ", key_mask.device().str(), " but q on ",
               q.device().str(), "; move it with .to(device)");
    c.key_mask = contiguous(to(key_mask, q.dtype()));
  }
  return c;
}

}  // namespace

std::pair<Tensor, Tensor> flash_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                                          bool causal, std::int64_t tile) {
  const Checked c = check_inputs(q, k, v, key_mask, causal, tile, "flash_attention");
  Tensor out = empty(q.shape(), q.dtype(), q.device());                                // (B, H, Tq, Dh)
  Tensor logsumexp = empty({q.size(0), q.size(1), q.size(2)}, q.dtype(), q.device());  // (B, H, Tq)
  backend_for(q.device()).flash_attention(c.q, c.k, c.v, c.key_mask, c.geometry, out, logsumexp);
  return {out, logsumexp};
}

FlashAttentionGrads flash_attention_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                             const Tensor& key_mask, const Tensor& out, const Tensor& logsumexp,
                                             const Tensor& grad_out, bool causal, std::int64_t tile) {
  const char* op = "flash_attention_backward";
  const Checked c = check_inputs(q, k, v, key_mask, causal, tile, op);
  HEED_CHECK(out.shape() == q.shape() && grad_out.shape() == q.shape() &&
                 logsumexp.shape() == Shape({q.size(0), q.size(1), q.size(2)}),
             op, ": out ", shape_str(out.shape()), ", grad_out ", shape_str(grad_out.shape()), ", logsumexp ",
             shape_str(logsumexp.shape()), "; expected q's shape ", shape_str(q.shape()),
             " for the first two and (B, H, Tq) for logsumexp, as flash_attention returned them");
  for (const Tensor* t : {&out, &logsumexp, &grad_out}) {
    HEED_CHECK(t->dtype() == q.dtype() && t->device() == q.device(), op, ": q is ", dtype_name(q.dtype()), " on ",
               q.device().str(), " but out, logsumexp or grad_out is ", dtype_name(t->dtype()), " on ",
               t->device().str(), "; convert it with .to()");
  }
  FlashAttentionGrads grads{empty(q.shape(), q.dtype(), q.device()), empty(k.shape(), k.dtype(), k.device()),
                            empty(v.shape(), v.dtype(), v.device())};
  backend_for(q.device())
      .flash_attention_backward(c.q, c.k, c.v, c.key_mask, contiguous(out), contiguous(logsumexp),
                                contiguous(grad_out), c.geometry, grads.q, grads.k, grads.v);
  return grads;
}

}  // namespace heed::ops
