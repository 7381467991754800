#include "layers/attention/additive.h"

#include <cmath>

#include "layers/init.h"

namespace heed {

AdditiveAttention::AdditiveAttention(const SequenceAttentionConfig& config, Generator& gen)
    : SequenceAttention("AdditiveAttention"),
      query_dim(config.query_dim),
      key_dim(config.key_dim),
      attn_dim(config.attention()) {
  HEED_CHECK(query_dim > 0 && key_dim > 0 && attn_dim > 0, "AdditiveAttention: query_dim, key_dim and attn_dim ",
             "must be positive, got ", query_dim, ", ", key_dim, ", ", attn_dim);
  query_proj = register_module("query_proj", std::make_shared<Linear>(query_dim, attn_dim, false, gen, config.dtype));
  key_proj = register_module("key_proj", std::make_shared<Linear>(key_dim, attn_dim, false, gen, config.dtype));
  // Like a Linear(A -> 1) without bias: U(-1/sqrt(A), 1/sqrt(A)).
  const double bound = 1.0 / std::sqrt(static_cast<double>(attn_dim));
  v = register_parameter("v", uniform_(empty({attn_dim}, config.dtype), -bound, bound, gen));
}

void AdditiveAttention::prepare(const Tensor& keys) {
  prepared_keys_ = keys;
  projected_keys_ = key_proj->forward(keys);  // (B, Tk, A)
}

void AdditiveAttention::release_prepared() {
  prepared_keys_ = Tensor();
  projected_keys_ = Tensor();
}

AttentionResult AdditiveAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                          const Tensor& mask) {
  check_inputs(query, keys, values, mask, query_dim, key_dim);
  const bool prepared = prepared_keys_.defined() && prepared_keys_.impl_ptr() == keys.impl_ptr();
  const Tensor projected_keys = prepared ? projected_keys_ : key_proj->forward(keys);  // (B, Tk, A)
  const Tensor projected_query = unsqueeze(query_proj->forward(query), 1);            // (B, 1, A)
  const Tensor hidden = tanh(projected_keys + projected_query);                       // (B, Tk, A)
  const Tensor scores = matmul(hidden, v);                                            // (B, Tk)
  return weigh_values(scores, values, mask);
}

}  // namespace heed
