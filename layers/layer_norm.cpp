#include "layers/layer_norm.h"

#include <algorithm>
#include <utility>

namespace heed {

LayerNorm::LayerNorm(Shape shape, double epsilon, bool elementwise_affine, DType dtype)
    : Module("LayerNorm"), normalized_shape(std::move(shape)), eps(epsilon) {
  HEED_CHECK(!normalized_shape.empty(), "LayerNorm: normalized_shape is empty; expected the sizes of the last dims");
  HEED_CHECK(std::all_of(normalized_shape.begin(), normalized_shape.end(), [](std::int64_t n) { return n > 0; }),
             "LayerNorm: normalized_shape ", shape_str(normalized_shape), " has a size < 1");
  HEED_CHECK(eps >= 0, "LayerNorm: eps is ", eps, "; expected eps >= 0");
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape, dtype));
    bias = register_parameter("bias", zeros(normalized_shape, dtype));
  }
}

LayerNorm::LayerNorm(std::int64_t dim, double epsilon, bool elementwise_affine, DType dtype)
    : LayerNorm(Shape{dim}, epsilon, elementwise_affine, dtype) {}

Tensor LayerNorm::forward(const Tensor& input) {
  const auto k = static_cast<std::int64_t>(normalized_shape.size());
  const bool shapes_match =
      input.dim() >= k && std::equal(normalized_shape.begin(), normalized_shape.end(), input.shape().end() - k);
  HEED_CHECK(shapes_match, "LayerNorm: input ", shape_str(input.shape()), " does not end in normalized_shape ",
             shape_str(normalized_shape), "; expected (..., ", shape_str(normalized_shape).substr(1));
  Dims last_dims;  // the k trailing dims, counted from the end
  for (std::int64_t d = -k; d < 0; ++d) last_dims.push_back(d);

  const Tensor centered = input - mean(input, last_dims, /*keepdim=*/true);    // (..., *normalized_shape)
  const Tensor variance = mean(square(centered), last_dims, /*keepdim=*/true);  // (..., 1, ..., 1), biased
  const Tensor normalized = centered * rsqrt(variance + eps);
  return weight.defined() ? normalized * weight + bias : normalized;
}

}  // namespace heed
