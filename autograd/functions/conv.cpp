// The differentiable ops of convolutional networks: 2-D convolution, pooling
// and batch normalization. The raw ops (tensor/ops/conv.cpp) do the heavy
// work; each backward rule is the adjoint of its forward map:
//   conv2d:   dx = col2im(weight^T @ dout),  dweight = dout @ im2col(x)^T,  dbias = sum of dout over (N, H, W)
//   max pool: each output's gradient goes to the pixel that won its window
//   avg pool: each output's gradient is shared evenly over its window
//   adaptive: y = A_h x A_w^T, so dx = A_h^T dy A_w
//
// Batch normalization (Ioffe & Szegedy 2015, https://arxiv.org/abs/1502.03167), per channel c
// over the M = N*H*W values of that channel:
//   mu = mean(x),  var = mean((x - mu)^2),  xhat = (x - mu) / sqrt(var + eps),  y = weight * xhat + bias
// with the backward pass of the paper, in which mu and var depend on x too:
//   dbias   = sum(dy)
//   dweight = sum(dy * xhat)
//   dx      = weight / sqrt(var + eps) * (dy - dbias / M - xhat * dweight / M)
// (in evaluation mode mu and var are constants and dx = weight / sqrt(var + eps) * dy).
// It could be written with the elementwise ops and autograd alone, as the
// reference in tests/layers/test_conv.cpp is, but every broadcast's gradient then
// reorders the activations to sum them: forward + backward on (128, 32, 28, 28)
// took 53 ms that way against 22 ms here (one thread), on the largest tensors of a CNN.
#include <algorithm>
#include <utility>

#include "autograd/function.h"
#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {

using autograd::grads;
using autograd::record;
using autograd::saved;

namespace {

// (C) -> (1, C, 1, 1): broadcasts a per-channel value over an image batch.
Tensor per_channel(const Tensor& t) { return ops::view(t, {1, t.size(0), 1, 1}); }

// Sums each channel of t (N, C, H, W) over (N, H, W): along each (H, W) plane first,
// a contiguous row sum that needs no reordering copy, then over the batch. -> (C)
Tensor channel_sums(const Tensor& t) {
  return ops::sum(ops::sum(ops::reshape(t, {t.size(0), t.size(1), -1}), {2}), {0});
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2d stride, Size2d padding,
              Size2d dilation, std::int64_t groups) {
  const bool need_x = autograd::needs_grad(x), need_weight = autograd::needs_grad(weight);
  const bool need_bias = bias.defined() && autograd::needs_grad(bias);
  Tensor out = ops::conv2d(x, weight, bias, stride, padding, dilation, groups);  // (N, C_out, out_h, out_w)
  return record("conv2d", out, {x, weight, bias},
                [x = saved(x), weight = saved(weight), stride, padding, dilation, groups, need_x, need_weight,
                 need_bias](const Tensor& g) {
                  const Tensor gx =
                      need_x ? ops::conv2d_backward_input(g, weight, x.shape(), stride, padding, dilation, groups)
                             : Tensor();
                  const Tensor gw =
                      need_weight ? ops::conv2d_backward_weight(g, x, weight.shape(), stride, padding, dilation, groups)
                                  : Tensor();
                  // Sum over each (H, W) plane first: a contiguous row sum, no reordering copy.
                  const Tensor gb =
                      need_bias ? ops::sum(ops::sum(ops::reshape(g, {g.size(0), g.size(1), -1}), {2}), {0}) : Tensor();
                  return grads(gx, gw, gb);
                });
}

Tensor max_pool2d(const Tensor& x, Size2d kernel, Size2d stride, Size2d padding) {
  auto [out, indices] = ops::max_pool2d(x, kernel, stride, padding);
  return record("max_pool2d", out, {x}, [shape = x.shape(), indices](const Tensor& g) {
    return grads(ops::max_pool2d_backward(g, indices, shape));
  });
}

Tensor avg_pool2d(const Tensor& x, Size2d kernel, Size2d stride, Size2d padding, bool count_include_pad) {
  return record("avg_pool2d", ops::avg_pool2d(x, kernel, stride, padding, count_include_pad), {x},
                [shape = x.shape(), kernel, stride, padding, count_include_pad](const Tensor& g) {
                  return grads(ops::avg_pool2d_backward(g, shape, kernel, stride, padding, count_include_pad));
                });
}

Tensor adaptive_avg_pool2d(const Tensor& x, std::int64_t out_h, std::int64_t out_w) {
  return record("adaptive_avg_pool2d", ops::adaptive_avg_pool2d(x, out_h, out_w), {x},
                [shape = x.shape()](const Tensor& g) { return grads(ops::adaptive_avg_pool2d_backward(g, shape)); });
}

Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, bool training, double momentum, double eps) {
  HEED_CHECK(x.dim() == 4, "batch_norm2d: expected input (N,C,H,W), got ", shape_str(x.shape()));
  HEED_CHECK(is_floating(x.dtype()), "batch_norm2d: needs a float32 or float64 input, got ", dtype_name(x.dtype()));
  const std::int64_t channels = x.size(1);
  for (const auto& [t, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"},
                                std::pair{&running_mean, "running_mean"}, std::pair{&running_var, "running_var"}}) {
    if (!t->defined()) continue;
    HEED_CHECK(t->dim() == 1 && t->size(0) == channels, "batch_norm2d: expected ", name, " (", channels,
               ",) for input ", shape_str(x.shape()), ", got ", shape_str(t->shape()));
    HEED_CHECK(t->dtype() == x.dtype() && t->device() == x.device(), "batch_norm2d: ", name, " is ",
               dtype_name(t->dtype()), " on ", t->device().str(), " but the input is ", dtype_name(x.dtype()), " on ",
               x.device().str(), "; convert it with .to()");
  }
  const std::int64_t count = x.numel() / std::max<std::int64_t>(channels, 1);  // values per channel: N*H*W

  Tensor mean, var;  // (C)
  if (training) {
    HEED_CHECK(count > 1, "batch_norm2d: training needs more than one value per channel, got input ",
               shape_str(x.shape()), "; use a larger batch, or eval()");
    const Tensor planes = ops::reshape(x, {x.size(0), channels, -1});  // (N, C, H*W)
    const Tensor plane_mean = ops::mean(planes, {2});                   // (N, C)
    const Tensor plane_var = ops::var(planes, {2}, /*correction=*/0);    // (N, C)
    mean = ops::mean(plane_mean, {0});
    // Every plane holds H*W values, so the law of total variance gives the channel's variance:
    // the mean of the planes' variances plus the variance of their means.
    var = ops::add(ops::mean(plane_var, {0}), ops::mean(ops::square(ops::sub(plane_mean, mean)), {0}));
    if (running_mean.defined()) {
      Tensor target = running_mean;
      ops::copy_(target, ops::add(ops::mul(running_mean, 1.0 - momentum), ops::mul(mean, momentum)));
    }
    if (running_var.defined()) {  // the running estimate uses the unbiased variance, as PyTorch
      const Tensor unbiased = ops::mul(var, static_cast<double>(count) / static_cast<double>(count - 1));
      Tensor target = running_var;
      ops::copy_(target, ops::add(ops::mul(running_var, 1.0 - momentum), ops::mul(unbiased, momentum)));
    }
  } else {
    HEED_CHECK(running_mean.defined() && running_var.defined(), "batch_norm2d: evaluation mode normalizes with ",
               "running_mean and running_var; pass both, or use training = true");
    // Copies: the backward pass must see the statistics of this forward pass.
    mean = ops::clone(running_mean);
    var = running_var;
  }
  const Tensor invstd = ops::rsqrt(ops::add(var, eps));                          // (C)
  const Tensor scale = weight.defined() ? ops::mul(weight, invstd) : invstd;    // (C)
  const Tensor shifted_mean = ops::neg(ops::mul(mean, scale));                  // (C)
  const Tensor shift = bias.defined() ? ops::add(bias, shifted_mean) : shifted_mean;
  // y = (x - mu) * invstd * weight + bias = x * scale + shift: two passes over x.
  Tensor out = ops::add(ops::mul(x, per_channel(scale)), per_channel(shift));  // (N, C, H, W)

  const bool need_x = autograd::needs_grad(x), need_weight = weight.defined() && autograd::needs_grad(weight);
  const bool need_bias = bias.defined() && autograd::needs_grad(bias);
  return record("batch_norm2d", out, {x, weight, bias},
                [x = saved(x), mean, invstd, scale, training, count, need_x, need_weight, need_bias](const Tensor& g) {
                  const Tensor grad_sum = channel_sums(g);  // (C): sum(dy), the bias gradient
                  Tensor grad_dot_xhat;                     // (C): sum(dy * xhat), the weight gradient
                  Tensor centered;                          // (N, C, H, W): x - mu
                  if (need_weight || (need_x && training)) {
                    centered = ops::sub(x, per_channel(mean));
                    grad_dot_xhat = ops::mul(channel_sums(ops::mul(g, centered)), invstd);
                  }
                  Tensor gx;
                  if (need_x && training) {
                    // dx = scale * (dy - grad_sum / M - xhat * grad_dot_xhat / M)
                    //    = dy * scale + (x - mu) * slope + offset, per channel:
                    const double inv_count = 1.0 / static_cast<double>(count);
                    const Tensor slope = ops::mul(ops::mul(ops::mul(scale, invstd), grad_dot_xhat), -inv_count);
                    const Tensor offset = ops::mul(ops::mul(scale, grad_sum), -inv_count);
                    gx = ops::add(ops::add(ops::mul(g, per_channel(scale)), ops::mul(centered, per_channel(slope))),
                                  per_channel(offset));
                  } else if (need_x) {
                    gx = ops::mul(g, per_channel(scale));
                  }
                  return grads(gx, need_weight ? grad_dot_xhat : Tensor(), need_bias ? grad_sum : Tensor());
                });
}

}  // namespace heed
