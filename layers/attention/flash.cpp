#include "layers/attention/flash.h"

#include "autograd/functions.h"
#include "autograd/grad_mode.h"

namespace heed {

FlashAttention::FlashAttention(const TransformerAttentionConfig& config, Generator& gen)
    : ProjectedAttention("FlashAttention", config, config.heads, gen), tile_(config.tile) {
  HEED_CHECK(tile_ >= 1, "FlashAttention: tile must be at least 1, got ", tile_, "; 64 is a good size on a CPU");
}

TransformerAttentionOutput FlashAttention::forward(const AttentionCall& call) {
  if (call.position) {
    const PositionKind kind = call.position->kind();
    HEED_CHECK(accepts_position(kind), "FlashAttention cannot take the ", position_kind_name(kind), " encoding ",
               call.position->type_name(), ": it changes the scores, and the kernel never holds the score ",
               "matrix; use rotary, an absolute encoding or none with flash, or mha for ",
               position_kind_name(kind), " encodings");
  }
  return ProjectedAttention::forward(call);
}

TransformerAttentionOutput FlashAttention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                        const AttentionCall& call) {
  const Tensor output = flash_attention(q, k, v, call.key_mask, call.causal, tile_);  // (B, H, Tq, Dh)
  Tensor weights;
  if (call.keep_weights) {  // for pictures only: the O(T^2) matrix the kernel avoids
    NoGradGuard no_grad;
    weights = dense_attention(q, k, v, call.key_mask, call.causal, nullptr).weights;  // (B, H, Tq, Tk)
  }
  return {output, weights};
}

}  // namespace heed
