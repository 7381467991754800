// Conv2d: the 2-D convolution layer.
//
//   y[n, o] = bias[o] + sum over the input channels c of o's group of  weight[o, c] (*) x[n, c]
//
// where (*) slides the kh x kw kernel over the (zero-padded) image, every
// `stride` pixels, its taps `dilation` pixels apart (cross-correlation, as in
// every deep-learning library).
//
//   x       (N, in_channels, H, W)
//   weight  (out_channels, in_channels / groups, kh, kw)
//   bias    (out_channels)               optional
//   y       (N, out_channels, out_h, out_w)
//   out_h = (H + 2 padding_h - dilation_h (kh - 1) - 1) / stride_h + 1     (likewise out_w)
//
// groups splits the channels into independent convolutions: groups = in_channels
// is a depthwise convolution (Howard et al. 2017, MobileNets). Initialization is
// PyTorch's nn.Conv2d default: weight ~ kaiming_uniform(a = sqrt(5)), which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * kh * kw,
// and bias ~ the same uniform.
// LeCun et al. 1998, "Gradient-based learning applied to document recognition".
#pragma once

#include <cstdint>

#include "layers/module.h"
#include "tensor/random.h"

namespace heed {

class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2d kernel, Size2d stride = 1, Size2d padding = 0,
         Size2d dilation = 1, std::int64_t groups = 1, bool bias = true, Generator& gen = default_generator(),
         DType dtype = DType::Float32);

  Tensor forward(const Tensor& input) override;

  std::int64_t in_channels;
  std::int64_t out_channels;
  Size2d kernel, stride, padding, dilation;
  std::int64_t groups;
  Tensor weight;  // (out_channels, in_channels / groups, kh, kw)
  Tensor bias;    // (out_channels); undefined when built with bias = false
};

}  // namespace heed
