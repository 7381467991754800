#include "layers/linear.h"

#include <cmath>

#include "layers/init.h"

namespace heed {

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias, Generator& gen, DType dtype)
    : Module("Linear"), in_features(in), out_features(out) {
  HEED_CHECK(in_features > 0 && out_features > 0, "Linear: sizes must be positive, got in_features = ",
             in_features, ", out_features = ", out_features);
  weight = register_parameter("weight", empty({out_features, in_features}, dtype));
  kaiming_uniform_(weight, gen, std::sqrt(5.0));
  if (with_bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    bias = register_parameter("bias", empty({out_features}, dtype));
    uniform_(bias, -bound, bound, gen);
  }
}

Tensor Linear::forward(const Tensor& input) {
  HEED_CHECK(input.dim() >= 1 && input.size(-1) == in_features, "Linear: input ", shape_str(input.shape()),
             " should end in in_features = ", in_features, "; expected (..., ", in_features, ")");
  const Tensor y = matmul(input, weight.transpose(0, 1));  // (..., out_features)
  return bias.defined() ? y + bias : y;
}

}  // namespace heed
