#include "layers/pooling.h"

namespace heed {

MaxPool2d::MaxPool2d(Size2d kernel_size, Size2d stride_size, Size2d padding_size)
    : Module("MaxPool2d"), kernel(kernel_size), stride(stride_size), padding(padding_size) {}

Tensor MaxPool2d::forward(const Tensor& input) { return max_pool2d(input, kernel, stride, padding); }

AvgPool2d::AvgPool2d(Size2d kernel_size, Size2d stride_size, Size2d padding_size, bool include_pad)
    : Module("AvgPool2d"), kernel(kernel_size), stride(stride_size), padding(padding_size),
      count_include_pad(include_pad) {}

Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, kernel, stride, padding, count_include_pad);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2d size) : Module("AdaptiveAvgPool2d"), output_size(size) {
  HEED_CHECK(output_size.h > 0 && output_size.w > 0, "AdaptiveAvgPool2d: output size must be positive, got ",
             output_size.h, "x", output_size.w);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) {
  return adaptive_avg_pool2d(input, output_size.h, output_size.w);
}

}  // namespace heed
