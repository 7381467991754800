#include "layers/attention/concat.h"

#include <cmath>

#include "layers/init.h"

namespace heed {

ConcatAttention::ConcatAttention(const SequenceAttentionConfig& config, Generator& gen)
    : SequenceAttention("ConcatAttention"),
      query_dim(config.query_dim),
      key_dim(config.key_dim),
      attn_dim(config.attention()) {
  HEED_CHECK(query_dim > 0 && key_dim > 0 && attn_dim > 0, "ConcatAttention: query_dim, key_dim and attn_dim ",
             "must be positive, got ", query_dim, ", ", key_dim, ", ", attn_dim);
  proj = register_module("proj", std::make_shared<Linear>(query_dim + key_dim, attn_dim, false, gen, config.dtype));
  // Like a Linear(A -> 1) without bias: U(-1/sqrt(A), 1/sqrt(A)).
  const double bound = 1.0 / std::sqrt(static_cast<double>(attn_dim));
  v = register_parameter("v", uniform_(empty({attn_dim}, config.dtype), -bound, bound, gen));
}

Tensor ConcatAttention::project_keys(const Tensor& keys) const {
  const Tensor key_columns = narrow(proj->weight, 1, query_dim, key_dim);  // W_k (A, Dk)
  return matmul(keys, key_columns.transpose(0, 1));                        // (B, Tk, Dk) @ (Dk, A) -> (B, Tk, A)
}

void ConcatAttention::prepare(const Tensor& keys) {
  prepared_keys_ = keys;
  projected_keys_ = project_keys(keys);
}

void ConcatAttention::release_prepared() {
  prepared_keys_ = Tensor();
  projected_keys_ = Tensor();
}

AttentionResult ConcatAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                        const Tensor& mask) {
  check_inputs(query, keys, values, mask, query_dim, key_dim);
  const bool prepared = prepared_keys_.defined() && prepared_keys_.impl_ptr() == keys.impl_ptr();
  const Tensor projected_keys = prepared ? projected_keys_ : project_keys(keys);  // W_k K (B, Tk, A)
  const Tensor query_columns = narrow(proj->weight, 1, 0, query_dim);             // W_q (A, Dq)
  const Tensor projected_query = unsqueeze(matmul(query, query_columns.transpose(0, 1)), 1);  // (B, 1, A)
  const Tensor hidden = tanh(projected_keys + projected_query);  // tanh(W [q; k_j]) (B, Tk, A)
  const Tensor scores = matmul(hidden, v);                       // (B, Tk)
  return weigh_values(scores, values, mask);
}

}  // namespace heed
