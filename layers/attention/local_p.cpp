#include "layers/attention/local_p.h"

#include <cmath>

#include "layers/attention/local_m.h"
#include "layers/init.h"

namespace heed {

LocalPredictiveAttention::LocalPredictiveAttention(const SequenceAttentionConfig& config, Generator& gen)
    : SequenceAttention("LocalPredictiveAttention"),
      query_dim(config.query_dim),
      key_dim(config.key_dim),
      attn_dim(config.attention()),
      window(config.window) {
  HEED_CHECK(window >= 1, "LocalPredictiveAttention: window (D, the half width) is ", window,
             "; expected 1 or more, since the Gaussian's width is sigma = D / 2");
  HEED_CHECK(attn_dim > 0, "LocalPredictiveAttention: attn_dim must be positive, got ", attn_dim);
  score = register_module("score", std::make_shared<GeneralAttention>(config, gen));
  position_proj =
      register_module("position_proj", std::make_shared<Linear>(query_dim, attn_dim, false, gen, config.dtype));
  // Like a Linear(A -> 1) without bias: U(-1/sqrt(A), 1/sqrt(A)).
  const double bound = 1.0 / std::sqrt(static_cast<double>(attn_dim));
  position_v = register_parameter("position_v", uniform_(empty({attn_dim}, config.dtype), -bound, bound, gen));
}

Tensor LocalPredictiveAttention::aligned_positions(const Tensor& query, std::int64_t key_count,
                                                   const Tensor& mask) const {
  const Tensor lengths = mask.defined() ? sum(mask.detach().to(query.dtype()), {1})  // S_b (B)
                                        : full({query.size(0)}, static_cast<double>(key_count), query.dtype(),
                                               query.device());
  const Tensor fraction = sigmoid(matmul(tanh(position_proj->forward(query)), position_v));  // (B, A) @ (A) -> (B)
  return lengths * fraction;                                                                  // p_t (B)
}

AttentionResult LocalPredictiveAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                                 const Tensor& mask) {
  check_inputs(query, keys, values, mask, query_dim, key_dim);
  const std::int64_t key_count = keys.size(1);
  const Tensor centres = aligned_positions(query, key_count, mask);  // p_t (B)
  const Tensor positions = arange(0, static_cast<double>(key_count), 1, query.dtype(), query.device());  // j (Tk)
  const Tensor offsets = unsqueeze(positions, 0) - unsqueeze(centres, 1);  // j - p_t (B, Tk)
  const double sigma = static_cast<double>(window) / 2;
  const Tensor log_gaussian = square(offsets) * (-1.0 / (2 * sigma * sigma));  // (B, Tk)
  const Tensor allowed = local_window_mask(centres, static_cast<double>(window), key_count, mask);  // (B, Tk)
  return weigh_values(score->scores(query, keys) + log_gaussian, values, allowed);
}

}  // namespace heed
