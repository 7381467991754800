#include "layers/position/alibi.h"

#include <cmath>

namespace heed {

namespace {

// 2^(-8/n), 2^(-16/n), ..., 2^(-8): n slopes, for n a power of two.
std::vector<double> power_of_two_slopes(std::int64_t n) {
  const double start = std::pow(2.0, -8.0 / static_cast<double>(n));
  std::vector<double> slopes;
  for (std::int64_t h = 1; h <= n; ++h) slopes.push_back(std::pow(start, static_cast<double>(h)));
  return slopes;
}

}  // namespace

std::vector<double> alibi_slopes(std::int64_t heads) {
  HEED_CHECK(heads > 0, "alibi_slopes: needs at least one head, got ", heads);
  std::int64_t largest_power = 1;
  while (largest_power * 2 <= heads) largest_power *= 2;
  std::vector<double> slopes = power_of_two_slopes(largest_power);
  if (largest_power == heads) return slopes;
  const std::vector<double> finer = power_of_two_slopes(2 * largest_power);
  for (std::int64_t k = 0; static_cast<std::int64_t>(slopes.size()) < heads; k += 2) slopes.push_back(finer[k]);
  return slopes;
}

AlibiBias::AlibiBias(const PositionConfig& config, Generator&)
    : PositionalEncoding("AlibiBias"), heads(config.heads), dtype(config.dtype) {
  HEED_CHECK(heads > 0, "AlibiBias: needs heads > 0, got ", heads, "; set PositionConfig.heads");
  slopes_ = from_vector(alibi_slopes(heads), {heads});
}

Tensor AlibiBias::score_bias(const Tensor& distances) {
  HEED_CHECK(distances.dtype() == DType::Int64, "AlibiBias: distances are ", dtype_name(distances.dtype()), " ",
             shape_str(distances.shape()), "; expected int64 (relative_distances() makes them)");
  Shape slope_shape(distances.dim() + 1, 1);  // (H, 1, ...): one slope per head, broadcast over S
  slope_shape[0] = heads;
  const Tensor slopes = reshape(slopes_.to(distances.device()), slope_shape);
  const Tensor far = unsqueeze(to(abs(distances), DType::Float64), 0);  // (1, S...)
  return to(-(slopes * far), dtype);                                      // (H, S...)
}

}  // namespace heed
