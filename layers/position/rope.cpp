#include "layers/position/rope.h"

#include <cmath>

namespace heed {

RotaryPosition::RotaryPosition(const PositionConfig& config, Generator&)
    : PositionalEncoding("RotaryPosition"), head_dim(config.per_head()), base(config.base) {
  HEED_CHECK(head_dim > 0 && head_dim % 2 == 0 && base > 0, "RotaryPosition: needs an even head size and base > 0, got "
             "head size ", head_dim, ", base ", base, "; RoPE rotates channel pairs, so set .model_dim / .heads (or "
             ".head_dim) to an even number");
  // theta_i = base^(-2i / Dh) = exp(-(2i / Dh) log(base))
  const Tensor two_i = arange(0, static_cast<double>(head_dim), 2, DType::Float64);  // (Dh / 2)
  frequencies_ = exp(two_i * (-std::log(base) / static_cast<double>(head_dim)));
}

Tensor RotaryPosition::angles(const Tensor& positions, DType dtype) const {
  const Tensor p = unsqueeze(to(positions, DType::Float64), 1);  // (T, 1)
  return to(p * unsqueeze(frequencies_.to(positions.device()), 0), dtype);  // (T, Dh / 2)
}

Tensor RotaryPosition::rotate(const Tensor& x, const Tensor& positions) {
  HEED_CHECK(x.dim() >= 2 && x.size(-1) == head_dim, "RotaryPosition: input has shape ", shape_str(x.shape()),
             "; expected (..., length, ", head_dim, "), the head size it was built for");
  HEED_CHECK(positions.dtype() == DType::Int64 && positions.dim() == 1 && positions.size(0) == x.size(-2),
             "RotaryPosition: positions have shape ", shape_str(positions.shape()), " (", dtype_name(positions.dtype()),
             ") for input ", shape_str(x.shape()), "; expected (", x.size(-2), ") int64, one per token");
  const Tensor angle = angles(positions, x.dtype());  // (T, Dh / 2)
  const Tensor cos_a = cos(angle), sin_a = sin(angle);

  Shape paired = x.shape();  // (..., T, Dh / 2, 2): pair i is channels (2i, 2i + 1)
  paired.back() = head_dim / 2;
  paired.push_back(2);
  const Tensor pairs = reshape(x, paired);
  const int last = pairs.dim() - 1;
  const Tensor even = select(pairs, last, 0), odd = select(pairs, last, 1);  // (..., T, Dh / 2)
  const Tensor turned_even = even * cos_a - odd * sin_a;
  const Tensor turned_odd = even * sin_a + odd * cos_a;
  return reshape(stack({turned_even, turned_odd}, last), x.shape());  // (..., T, Dh)
}

}  // namespace heed
