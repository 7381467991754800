#include "layers/position/sinusoidal.h"

#include <algorithm>
#include <cmath>

namespace heed {

SinusoidalPosition::SinusoidalPosition(const PositionConfig& config, Generator&)
    : PositionalEncoding("SinusoidalPosition"), model_dim_(config.model_dim), base_(config.base) {
  HEED_CHECK(model_dim_ > 0, "SinusoidalPosition: model_dim is ", model_dim_,
             "; expected the embedding size D > 0 (PositionConfig.model_dim)");
  HEED_CHECK(base_ > 1, "SinusoidalPosition: base is ", base_, "; expected a wavelength base > 1 (10000 in the paper)");
}

Tensor SinusoidalPosition::compute_rows(std::int64_t rows, DType dtype, Device device) const {
  const std::int64_t pairs = (model_dim_ + 1) / 2;
  // Computed in float64 and rounded once, so a float32 table is the formula to within its precision.
  const Tensor positions = unsqueeze(arange(0.0, static_cast<double>(rows), 1, DType::Float64, device), 1);  // (N, 1)
  const Tensor two_i = arange(0.0, static_cast<double>(2 * pairs), 2, DType::Float64, device);             // (P)
  const Tensor inverse_wavelength = exp(two_i * (-std::log(base_) / static_cast<double>(model_dim_)));      // base^(-2i/D)
  const Tensor angles = positions * unsqueeze(inverse_wavelength, 0);                                         // (N, P)
  const Tensor interleaved = reshape(stack({sin(angles), cos(angles)}, -1), {rows, 2 * pairs});               // sin, cos, sin, ...
  return to(contiguous(narrow(interleaved, 1, 0, model_dim_)), dtype);                                        // (N, D)
}

Tensor SinusoidalPosition::table(std::int64_t offset, std::int64_t length, DType dtype, Device device) {
  HEED_CHECK(offset >= 0 && length >= 0, "SinusoidalPosition: positions [", offset, ", ", offset + length,
             ") include negative ones; expected offset >= 0 and length >= 0");
  const std::int64_t needed = offset + length;
  const bool fits = cache_.defined() && cache_.size(0) >= needed && cache_.dtype() == dtype && cache_.device() == device;
  if (!fits) {
    const std::int64_t grown = cache_.defined() ? 2 * cache_.size(0) : 64;
    cache_ = compute_rows(std::max(needed, grown), dtype, device);
  }
  return narrow(cache_, 0, offset, length);
}

Tensor SinusoidalPosition::embed(const Tensor& x, std::int64_t offset) {
  HEED_CHECK(x.dim() == 3 && x.size(2) == model_dim_, "SinusoidalPosition: input has shape ", shape_str(x.shape()),
             "; expected (batch, length, ", model_dim_, ")");
  return x + table(offset, x.size(1), x.dtype(), x.device());  // (B, T, D) + (T, D)
}

}  // namespace heed
