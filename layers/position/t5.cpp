#include "layers/position/t5.h"

#include <cmath>

#include "layers/init.h"

namespace heed {

Tensor t5_relative_position_bucket(const Tensor& distances, bool bidirectional, std::int64_t num_buckets,
                                   std::int64_t max_distance) {
  HEED_CHECK(distances.dtype() == DType::Int64, "t5_relative_position_bucket: distances are ",
             dtype_name(distances.dtype()), " ", shape_str(distances.shape()),
             "; expected int64 (relative_distances() makes them)");
  const Device device = distances.device();
  const auto integer = [&](std::int64_t v) { return scalar_tensor(static_cast<double>(v), DType::Int64, device); };
  const auto real = [&](double v) { return scalar_tensor(v, DType::Float32, device); };

  Tensor first_bucket = zeros_like(distances);  // (S...): where this direction's buckets start
  Tensor n;                                     // (S...): the distance in this direction, >= 0
  if (bidirectional) {
    num_buckets /= 2;
    first_bucket = gt(distances, integer(0)) * static_cast<double>(num_buckets);
    n = abs(distances);
  } else {
    n = neg(minimum(distances, integer(0)));
  }
  const std::int64_t exact = num_buckets / 2;
  HEED_CHECK(exact >= 1 && max_distance > exact, "t5_relative_position_bucket: ", num_buckets,
             " buckets per direction and max_distance ", max_distance, " leave ", exact,
             " exact buckets; expected at least 1, and max_distance above them (T5: 32 buckets, 128)");
  // The log branch only counts where n >= exact; clamping keeps log(0) = -inf out of the int cast.
  const Tensor far = to(maximum(n, integer(exact)), DType::Float32);
  const Tensor log_steps = log(far / real(static_cast<double>(exact))) /
                           real(std::log(static_cast<double>(max_distance) / static_cast<double>(exact))) *
                           real(static_cast<double>(num_buckets - exact));
  const Tensor far_bucket = minimum(to(log_steps, DType::Int64) + static_cast<double>(exact), integer(num_buckets - 1));
  return first_bucket + where(lt(n, integer(exact)), n, far_bucket);
}

T5RelativeBias::T5RelativeBias(const PositionConfig& config, Generator& gen)
    : PositionalEncoding("T5RelativeBias"),
      heads(config.heads),
      buckets(config.buckets),
      max_distance(8 * config.max_distance),
      bidirectional(!config.causal) {
  HEED_CHECK(heads > 0 && buckets >= (bidirectional ? 4 : 2), "T5RelativeBias: needs heads > 0 and at least ",
             bidirectional ? 4 : 2, " buckets (", bidirectional ? "bidirectional" : "causal", "), got heads = ", heads,
             ", buckets = ", buckets, "; set PositionConfig.heads and .buckets (T5 uses 32)");
  const std::int64_t exact = (bidirectional ? buckets / 2 : buckets) / 2;
  HEED_CHECK(max_distance > exact, "T5RelativeBias: the log buckets end at 8 * max_distance = ", max_distance,
             ", not beyond the ", exact, " exact distances; raise PositionConfig.max_distance or lower .buckets");
  bias_table = register_parameter("bias_table", empty({buckets, heads}, config.dtype));
  // Hugging Face's T5 draws N(0, 1/D); without a model size, fall back to one over the bucket count.
  const double variance = 1.0 / static_cast<double>(config.model_dim > 0 ? config.model_dim : buckets);
  normal_(bias_table, 0.0, std::sqrt(variance), gen);
}

Tensor T5RelativeBias::score_bias(const Tensor& distances) {
  const Tensor bucket = t5_relative_position_bucket(distances, bidirectional, buckets, max_distance);  // (S...)
  const Tensor per_head = embedding(bias_table, bucket);                                               // (S..., H)
  Dims heads_first{per_head.dim() - 1};
  for (std::int64_t d = 0; d + 1 < per_head.dim(); ++d) heads_first.push_back(d);
  return permute(per_head, heads_first);  // (H, S...)
}

}  // namespace heed
