#include "layers/attention/general.h"

namespace heed {

GeneralAttention::GeneralAttention(const SequenceAttentionConfig& config, Generator& gen)
    : SequenceAttention("GeneralAttention"), query_dim(config.query_dim), key_dim(config.key_dim) {
  HEED_CHECK(query_dim > 0 && key_dim > 0, "GeneralAttention: query_dim and key_dim must be positive, got ",
             query_dim, " and ", key_dim);
  key_proj = register_module("key_proj", std::make_shared<Linear>(key_dim, query_dim, false, gen, config.dtype));
}

void GeneralAttention::prepare(const Tensor& keys) {
  prepared_keys_ = keys;
  projected_keys_ = key_proj->forward(keys);  // (B, Tk, Dq)
}

void GeneralAttention::release_prepared() {
  prepared_keys_ = Tensor();
  projected_keys_ = Tensor();
}

Tensor GeneralAttention::scores(const Tensor& query, const Tensor& keys) const {
  const bool prepared = prepared_keys_.defined() && prepared_keys_.impl_ptr() == keys.impl_ptr();
  const Tensor projected_keys = prepared ? projected_keys_ : key_proj->forward(keys);  // W K (B, Tk, Dq)
  return squeeze(matmul(projected_keys, unsqueeze(query, -1)), -1);  // (B, Tk, Dq) @ (B, Dq, 1) -> (B, Tk)
}

AttentionResult GeneralAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                         const Tensor& mask) {
  check_inputs(query, keys, values, mask, query_dim, key_dim);
  return weigh_values(scores(query, keys), values, mask);
}

}  // namespace heed
