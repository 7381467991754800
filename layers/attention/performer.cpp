#include "layers/attention/performer.h"

#include <cmath>
#include <limits>
#include <vector>

#include "autograd/grad_mode.h"
#include "layers/attention/linear.h"
#include "tensor/ops.h"

namespace heed {

namespace {

// Rows of `gaussian` (n, n) made orthonormal by Gram-Schmidt, each row's
// projection removed twice ("twice is enough" for rounding errors).
Tensor orthonormal_rows(const Tensor& gaussian) {
  std::vector<Tensor> basis;
  for (std::int64_t i = 0; i < gaussian.size(0); ++i) {
    Tensor row = narrow(gaussian, 0, i, 1);  // (1, n)
    if (!basis.empty()) {
      const Tensor done = concat(basis, 0);  // (i, n)
      for (int pass = 0; pass < 2; ++pass) row = row - matmul(matmul(row, transpose(done, 0, 1)), done);
    }
    basis.push_back(row * rsqrt(sum(square(row))));
  }
  return concat(basis, 0);
}

}  // namespace

Tensor orthogonal_random_features(std::int64_t count, std::int64_t dim, Generator& gen, DType dtype) {
  HEED_CHECK(count > 0 && dim > 0, "orthogonal_random_features: count ", count, " and dim ", dim,
             " must be positive");
  NoGradGuard no_grad;
  std::vector<Tensor> blocks;
  for (std::int64_t drawn = 0; drawn < count; drawn += dim)
    blocks.push_back(orthonormal_rows(randn({dim, dim}, gen, DType::Float64)));
  const Tensor directions = narrow(concat(blocks, 0), 0, 0, count);  // (m, Dh), unit rows
  // A Gaussian row's length is chi(Dh)-distributed; give each row one such length.
  const Tensor lengths = sqrt(sum(square(randn({count, dim}, gen, DType::Float64)), {1}, /*keepdim=*/true));
  return to(directions * lengths, dtype);  // (m, Dh)
}

PerformerAttention::PerformerAttention(const TransformerAttentionConfig& config, Generator& gen)
    : ProjectedAttention("PerformerAttention", config, config.heads, gen),
      redraw_every_(config.redraw_every),
      chunk_(config.chunk) {
  const std::int64_t count = config.features > 0 ? config.features : 2 * head_dim();
  HEED_CHECK(config.features >= 0 && redraw_every_ >= 0, "PerformerAttention: features ", config.features,
             " and redraw_every ", redraw_every_, " must be >= 0 (0: the defaults 2 * head_dim and never)");
  HEED_CHECK(chunk_ > 0, "PerformerAttention: chunk is ", chunk_, "; expected a positive causal chunk length");
  features_ = register_buffer("features", orthogonal_random_features(count, head_dim(), gen, config.dtype));
  generator_.seed_(gen.next_u64());  // later redraws come from this layer's own stream
}

std::string PerformerAttention::weights_note() const {
  return "performer has no attention matrix: the keys' random features are summed into an (m x Dh) state before "
         "any query reads it, so no query-key weight is ever formed.";
}

void PerformerAttention::redraw_features() {
  NoGradGuard no_grad;
  ops::copy_(features_, orthogonal_random_features(features_.size(0), features_.size(1), generator_,
                                                   features_.dtype()));  // in place: checkpoints keep the handle
}

Tensor PerformerAttention::scaled_logits(const Tensor& x) const {
  const Tensor scaled = x * std::pow(static_cast<double>(head_dim()), -0.25);  // x' (B, H, T, Dh)
  const Tensor projections = matmul(scaled, transpose(features_, 0, 1));        // W x' (B, H, T, m)
  return projections - sum(square(scaled), {3}, /*keepdim=*/true) * 0.5;
}

Tensor PerformerAttention::query_features(const Tensor& q) const {
  const Tensor logits = scaled_logits(q);                  // (B, H, Tq, m)
  const Tensor row_max = amax(logits, 3, true).detach();  // (B, H, Tq, 1), cancels in out_i's ratio
  return exp(logits - row_max) * (1.0 / std::sqrt(static_cast<double>(num_features())));
}

Tensor PerformerAttention::key_features(const Tensor& k, const Tensor& key_mask) const {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor logits = scaled_logits(k);  // (B, H, Tk, m)
  if (key_mask.defined()) {  // exp(-inf) = 0: padding keys get phi = 0, whatever their values
    const Tensor padded = eq(reshape(key_mask, {key_mask.size(0), 1, key_mask.size(1), 1}),
                             scalar_tensor(0, key_mask.dtype()));
    logits = masked_fill(logits, padded, -inf);
  }
  // One constant per (batch, head) over the real keys: it scales S and z alike and cancels.
  Tensor shift = amax(amax(logits, 3, true), 2, true).detach();  // (B, H, 1, 1)
  // With every key padded the max is -inf; any finite shift will do, every phi is 0.
  shift = masked_fill(shift, eq(shift, scalar_tensor(-inf, shift.dtype())), 0.0);
  return exp(logits - shift) * (1.0 / std::sqrt(static_cast<double>(num_features())));
}

TransformerAttentionOutput PerformerAttention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                            const AttentionCall& call) {
  if (is_training() && redraw_every_ > 0) {
    if (training_calls_ > 0 && training_calls_ % redraw_every_ == 0) redraw_features();
    ++training_calls_;
  }
  return {feature_map_attention(query_features(q), key_features(k, call.key_mask), v, call.key_mask, call.causal,
                                chunk_),
          Tensor()};
}

}  // namespace heed
