#include "layers/attention/linformer.h"

#include <cmath>

namespace heed {

LinformerAttention::LinformerAttention(const TransformerAttentionConfig& config, Generator& gen)
    : ProjectedAttention("LinformerAttention", config, config.heads, gen) {
  const std::int64_t k = config.projected_len, max_len = config.max_len;
  HEED_CHECK(k > 0 && max_len > 0, "LinformerAttention: projected_len ", k, " and max_len ", max_len,
             " must be positive");
  const double bound = 1.0 / std::sqrt(static_cast<double>(k));
  key_projection = register_parameter("key_projection", uniform({k, max_len}, -bound, bound, gen, config.dtype));
  value_projection = register_parameter("value_projection", uniform({k, max_len}, -bound, bound, gen, config.dtype));
}

std::string LinformerAttention::weights_note() const {
  return "linformer has no (Tq, Tk) attention matrix: its softmax runs over " + std::to_string(projected_len()) +
         " learned mixtures of the positions, not over the tokens themselves.";
}

TransformerAttentionOutput LinformerAttention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                            const AttentionCall& call) {
  const std::int64_t length = k.size(2);
  HEED_CHECK(length <= max_len(), "LinformerAttention: the sequence has ", length,
             " positions but E and F cover max_len = ", max_len(),
             "; build the layer with a larger max_len or shorten the sequence");
  Tensor keys = k, values = v;  // (B, H, n, Dh)
  if (call.key_mask.defined()) {
    const Tensor real = reshape(to(call.key_mask, k.dtype()), {k.size(0), 1, length, 1});
    keys = keys * real;
    values = values * real;
  }
  const Tensor e = narrow(key_projection, 1, 0, length);    // (k, n)
  const Tensor f = narrow(value_projection, 1, 0, length);  // (k, n)
  const Tensor projected_keys = matmul(e, keys);            // (B, H, k, Dh)
  const Tensor projected_values = matmul(f, values);        // (B, H, k, Dh)
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(3)));
  const Tensor weights = softmax(matmul(q, transpose(projected_keys, -2, -1)) * scale, -1);  // (B, H, n, k)
  return {matmul(weights, projected_values), Tensor()};
}

}  // namespace heed
