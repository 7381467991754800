#include "layers/attention/local_m.h"

#include "tensor/ops.h"

namespace heed {

Tensor local_window_mask(const Tensor& centres, double window, std::int64_t key_count, const Tensor& mask) {
  const Tensor positions = arange(0, static_cast<double>(key_count), 1, centres.dtype(), centres.device());  // (Tk)
  const Tensor distance =
      ops::abs(ops::sub(ops::unsqueeze(positions, 0), ops::unsqueeze(centres.detach(), 1)));  // |j - centre| (B, Tk)
  const Tensor inside = ops::le(distance, scalar_tensor(window, centres.dtype(), centres.device()));  // (B, Tk)
  return mask.defined() ? ops::mul(inside, ops::to(mask, centres.dtype())) : inside;
}

LocalMonotonicAttention::LocalMonotonicAttention(const SequenceAttentionConfig& config, Generator& gen)
    : SequenceAttention("LocalMonotonicAttention"),
      query_dim(config.query_dim),
      key_dim(config.key_dim),
      window(config.window) {
  HEED_CHECK(window >= 0, "LocalMonotonicAttention: window (D, the half width) is ", window,
             "; expected 0 or more");
  score = register_module("score", std::make_shared<GeneralAttention>(config, gen));
}

AttentionResult LocalMonotonicAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                                const Tensor& mask) {
  check_inputs(query, keys, values, mask, query_dim, key_dim);
  const Tensor centres = full({query.size(0)}, static_cast<double>(decoder_step()), query.dtype(), query.device());
  const Tensor allowed = local_window_mask(centres, static_cast<double>(window), keys.size(1), mask);  // (B, Tk)
  return weigh_values(score->scores(query, keys), values, allowed);
}

}  // namespace heed
