#include "scaled_cosine.h"

#include <cmath>

using heed::Tensor;

namespace {

// x / |x| along the last axis; the epsilon keeps a zero vector at zero, not NaN.
Tensor unit(const Tensor& x) { return x * heed::rsqrt(heed::sum(heed::square(x), {-1}, true) + 1e-6); }

}  // namespace

ScaledCosineAttention::ScaledCosineAttention(const heed::SequenceAttentionConfig& config, heed::Generator& gen)
    : heed::SequenceAttention("ScaledCosineAttention"), query_dim(config.query_dim), key_dim(config.key_dim) {
  HEED_CHECK(query_dim > 0 && key_dim > 0, "ScaledCosineAttention: query_dim and key_dim must be positive, got ",
             query_dim, " and ", key_dim);
  query_proj = register_module("query_proj", std::make_shared<heed::Linear>(query_dim, key_dim, false, gen, config.dtype));
  log_scale = register_parameter("log_scale", heed::full({1}, std::log(10.0), config.dtype));
}

void ScaledCosineAttention::prepare(const Tensor& keys) {
  prepared_keys_ = keys;
  unit_keys_ = unit(keys);  // (B, Tk, Dk)
}

void ScaledCosineAttention::release_prepared() {
  prepared_keys_ = Tensor();
  unit_keys_ = Tensor();
}

heed::AttentionResult ScaledCosineAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                                    const Tensor& mask) {
  check_inputs(query, keys, values, mask, query_dim, key_dim);
  const bool prepared = prepared_keys_.defined() && prepared_keys_.impl_ptr() == keys.impl_ptr();
  const Tensor unit_keys = prepared ? unit_keys_ : unit(keys);                  // (B, Tk, Dk)
  const Tensor unit_query = unit(query_proj->forward(query));                    // (B, Dk)
  const Tensor cosines = heed::squeeze(heed::matmul(unit_keys, heed::unsqueeze(unit_query, -1)), -1);  // (B, Tk)
  return weigh_values(cosines * heed::exp(log_scale), values, mask);
}
