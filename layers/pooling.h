// Pooling layers: summarize each window of an image by one number.
//
//   MaxPool2d          y = max over the window        (Ranzato, Huang, Boureau & LeCun 2007)
//   AvgPool2d          y = mean over the window       (LeNet's subsampling, LeCun et al. 1998)
//   AdaptiveAvgPool2d  a fixed output size from any input size: output row o averages input rows
//                      [floor(o H / out_h), ceil((o + 1) H / out_h)), the same for columns
//                      (out 1x1 is global average pooling, Lin et al. 2013, "Network in Network")
//
//   x (N, C, H, W) -> y (N, C, out_h, out_w),  out_h = (H + 2 padding_h - kernel_h) / stride_h + 1
//
// Each window of kernel_h x kernel_w pixels starts every `stride` pixels
// (stride 0: the kernel size, so windows tile the image, PyTorch's default). Padding adds
// a border that max pooling never picks and that average pooling counts in its
// divisor when count_include_pad is true (PyTorch's default). No parameters; the
// functions are heed::max_pool2d, avg_pool2d, adaptive_avg_pool2d.
#pragma once

#include <cstdint>

#include "layers/module.h"

namespace heed {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2d kernel, Size2d stride = 0, Size2d padding = 0);
  Tensor forward(const Tensor& input) override;

  Size2d kernel, stride, padding;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2d kernel, Size2d stride = 0, Size2d padding = 0, bool count_include_pad = true);
  Tensor forward(const Tensor& input) override;

  Size2d kernel, stride, padding;
  bool count_include_pad;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2d output_size);
  Tensor forward(const Tensor& input) override;

  Size2d output_size;
};

}  // namespace heed
