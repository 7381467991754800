#include "layers/rms_norm.h"

namespace heed {

RMSNorm::RMSNorm(std::int64_t size, double epsilon, DType dtype) : Module("RMSNorm"), dim(size), eps(epsilon) {
  HEED_CHECK(dim > 0, "RMSNorm: dim must be positive, got ", dim);
  HEED_CHECK(eps >= 0, "RMSNorm: eps is ", eps, "; expected eps >= 0");
  weight = register_parameter("weight", ones({dim}, dtype));
}

Tensor RMSNorm::forward(const Tensor& input) {
  HEED_CHECK(input.dim() >= 1 && input.size(-1) == dim, "RMSNorm: input ", shape_str(input.shape()),
             " should end in dim = ", dim, "; expected (..., ", dim, ")");
  const Tensor inverse_rms = rsqrt(mean(square(input), {-1}, /*keepdim=*/true) + eps);  // (..., 1)
  return input * inverse_rms * weight;
}

}  // namespace heed
