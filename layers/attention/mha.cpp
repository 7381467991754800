#include "layers/attention/mha.h"

namespace heed {

MultiHeadAttention::MultiHeadAttention(const TransformerAttentionConfig& config, Generator& gen)
    : MultiHeadAttention("MultiHeadAttention", config, config.heads, gen) {}

MultiHeadAttention::MultiHeadAttention(std::string type_name, const TransformerAttentionConfig& config,
                                       std::int64_t kv_heads, Generator& gen)
    : ProjectedAttention(std::move(type_name), config, kv_heads, gen) {}

TransformerAttentionOutput MultiHeadAttention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                            const AttentionCall& call) {
  const std::int64_t groups = heads() / kv_heads();
  const DenseAttention a =
      dense_attention(q, repeat_kv_heads(k, groups), repeat_kv_heads(v, groups), call.key_mask, call.causal,
                      call.position);
  return {a.output, call.keep_weights ? a.weights : Tensor()};
}

}  // namespace heed
