#include "layers/batch_norm2d.h"

#include "tensor/ops.h"

namespace heed {

BatchNorm2d::BatchNorm2d(std::int64_t features, double epsilon, double momentum_value, bool affine, DType dtype)
    : Module("BatchNorm2d"), num_features(features), eps(epsilon), momentum(momentum_value) {
  HEED_CHECK(num_features > 0, "BatchNorm2d: num_features must be positive, got ", num_features);
  HEED_CHECK(eps >= 0, "BatchNorm2d: eps is ", eps, "; expected eps >= 0");
  HEED_CHECK(momentum >= 0 && momentum <= 1, "BatchNorm2d: momentum is ", momentum, "; expected 0 <= momentum <= 1");
  if (affine) {
    weight = register_parameter("weight", ones({num_features}, dtype));
    bias = register_parameter("bias", zeros({num_features}, dtype));
  }
  running_mean = register_buffer("running_mean", zeros({num_features}, dtype));
  running_var = register_buffer("running_var", ones({num_features}, dtype));
  num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::Int64));
}

Tensor BatchNorm2d::forward(const Tensor& input) {
  HEED_CHECK(input.dim() != 4 || input.size(1) == num_features, "BatchNorm2d: input ", shape_str(input.shape()),
             " has ", input.size(1), " channels but the layer was built for num_features = ", num_features,
             "; expected (N,", num_features, ",H,W)");
  // batch_norm2d updates the running statistics in place while training.
  Tensor out = batch_norm2d(input, weight, bias, running_mean, running_var, is_training(), momentum, eps);
  if (is_training()) ops::fill_(num_batches_tracked, num_batches_tracked.item() + 1);
  return out;
}

}  // namespace heed
