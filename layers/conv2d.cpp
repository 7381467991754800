#include "layers/conv2d.h"

#include <cmath>

#include "layers/init.h"

namespace heed {

Conv2d::Conv2d(std::int64_t in, std::int64_t out, Size2d kernel_size, Size2d stride_size, Size2d padding_size,
               Size2d dilation_size, std::int64_t group_count, bool with_bias, Generator& gen, DType dtype)
    : Module("Conv2d"),
      in_channels(in),
      out_channels(out),
      kernel(kernel_size),
      stride(stride_size),
      padding(padding_size),
      dilation(dilation_size),
      groups(group_count) {
  HEED_CHECK(in_channels > 0 && out_channels > 0, "Conv2d: channel counts must be positive, got in_channels = ",
             in_channels, ", out_channels = ", out_channels);
  HEED_CHECK(kernel.h > 0 && kernel.w > 0, "Conv2d: kernel must be positive, got ", kernel.h, "x", kernel.w);
  HEED_CHECK(groups > 0 && in_channels % groups == 0 && out_channels % groups == 0, "Conv2d: groups = ", groups,
             " must divide both in_channels = ", in_channels, " and out_channels = ", out_channels);
  weight = register_parameter("weight", empty({out_channels, in_channels / groups, kernel.h, kernel.w}, dtype));
  kaiming_uniform_(weight, gen, std::sqrt(5.0));
  if (with_bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(compute_fans(weight).fan_in));
    bias = register_parameter("bias", empty({out_channels}, dtype));
    uniform_(bias, -bound, bound, gen);
  }
}

Tensor Conv2d::forward(const Tensor& input) {
  // conv2d itself reports a wrong rank; the layer knows what channel count it was built for.
  HEED_CHECK(input.dim() != 4 || input.size(1) == in_channels, "Conv2d: input ", shape_str(input.shape()), " has ",
             input.size(1), " channels but the layer was built for in_channels = ", in_channels,
             "; expected (N,", in_channels, ",H,W)");
  return conv2d(input, weight, bias, stride, padding, dilation, groups);
}

}  // namespace heed
