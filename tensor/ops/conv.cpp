// 2-D convolution and pooling: argument checks, then the device's kernels.
//
// Convolution (cross-correlation, as in every deep-learning library):
//   out[n, o, y, x] = bias[o] + sum_{c in group(o), i, j}
//                     weight[o, c, i, j] * in[n, c, y*stride_h - pad_h + i*dil_h, x*stride_w - pad_w + j*dil_w]
//   x (N, C_in, H, W), weight (C_out, C_in/G, kh, kw), bias (C_out) -> (N, C_out, out_h, out_w)
// computed as im2col + GEMM (tensor/cpu/im2col.cpp explains the column matrix):
//   columns (N, C_in*kh*kw, L)     L = out_h * out_w; viewed per group as (N, G, C_in/G*kh*kw, L)
//   out     (N, G, C_out/G, L)  = weight (G, C_out/G, C_in/G*kh*kw) @ columns      (one GEMM per image)
// which is (N, C_out, out_h, out_w) in memory already. The backward pass is two
// more products of the same three matrices:
//   dcolumns = weight^T @ dout, then col2im (the adjoint of im2col) -> dx
//   dweight  = sum over images n of dout[n] @ columns[n]^T           (G, C_out/G, C_in/G*kh*kw)
// Groups (Krizhevsky et al. 2012, AlexNet's two-GPU split; groups = C_in is the
// depthwise convolution of MobileNets, Howard et al. 2017) are a batch dim of the GEMM.
//
// Why one image per GEMM and not the whole batch in one wide product: that
// layout, columns (C_in*kh*kw, N*L), leaves the output as (C_out, N, L), which
// costs a reordering pass forward and another backward, and BLIS runs the wide,
// shallow product of a first layer (K = 9) several times slower than N narrow ones.
//
// Pooling checks its arguments and hands the windows to the backend. Adaptive
// average pooling is average pooling when the sizes divide. Otherwise it needs
// no kernel of its own either: averaging rows and averaging columns are two
// linear maps, so
//   out (N, C, out_h, out_w) = A_h (out_h, H) @ x @ A_w^T (W, out_w),
//   A[o, i] = 1 / (end_o - start_o) for start_o <= i < end_o,
//   start_o = floor(o * in / out),  end_o = ceil((o + 1) * in / out)   (PyTorch's windows)
// which holds for sizes that do not divide too (the windows then overlap or
// differ in length). Its backward is the same two maps transposed.
#include <string>
#include <vector>

#include "tensor/ops.h"

namespace heed::ops {
namespace {

std::string size_str(Size2d s) { return std::to_string(s.h) + "x" + std::to_string(s.w); }

void check_image(const Tensor& x, const char* op) {
  HEED_CHECK(x.dim() == 4, op, ": expected input (N,C,H,W), got ", shape_str(x.shape()),
             x.dim() == 3 ? "; add the batch dim with unsqueeze(0)" : "");
  HEED_CHECK(is_floating(x.dtype()), op, ": needs a float32 or float64 input, got ", dtype_name(x.dtype()),
             "; convert it with .to(DType::Float32)");
}

// Everything a convolution's kernels need, from the shapes and options.
struct ConvPlan {
  Conv2dGeometry geometry;
  std::int64_t batch, in_channels, out_channels, groups;
  std::int64_t group_rows;  // C_in/G * kh * kw: one group's rows of an image's column matrix
  std::int64_t pixels;      // L = out_h * out_w: the columns of an image's column matrix
};

ConvPlan plan_conv(const Shape& input, const Shape& weight, Size2d stride, Size2d padding, Size2d dilation,
                   std::int64_t groups, const char* op) {
  HEED_CHECK(input.size() == 4, op, ": expected input (N,C,H,W), got ", shape_str(input),
             input.size() == 3 ? "; add the batch dim with unsqueeze(0)" : "");
  HEED_CHECK(weight.size() == 4, op, ": expected weight (C_out,C_in/groups,kh,kw), got ", shape_str(weight));
  HEED_CHECK(stride.h > 0 && stride.w > 0, op, ": stride must be positive, got ", size_str(stride));
  HEED_CHECK(dilation.h > 0 && dilation.w > 0, op, ": dilation must be positive, got ", size_str(dilation));
  HEED_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding must be >= 0, got ", size_str(padding));
  HEED_CHECK(groups >= 1, op, ": groups must be >= 1, got ", groups);
  const std::int64_t in_channels = input[1], out_channels = weight[0];
  HEED_CHECK(in_channels % groups == 0, op, ": groups ", groups, " does not divide the ", in_channels,
             " input channels of ", shape_str(input), "; choose groups dividing both channel counts");
  HEED_CHECK(out_channels % groups == 0, op, ": groups ", groups, " does not divide the ", out_channels,
             " output channels of weight ", shape_str(weight), "; choose groups dividing both channel counts");
  HEED_CHECK(weight[1] * groups == in_channels, op, ": input ", shape_str(input), " has ", in_channels,
             " channels but weight ", shape_str(weight), " with groups ", groups, " expects ", weight[1] * groups,
             "; expected weight.shape[1] == C_in / groups");
  const std::int64_t kh = weight[2], kw = weight[3];
  const std::int64_t reach_h = dilation.h * (kh - 1) + 1, reach_w = dilation.w * (kw - 1) + 1;
  const std::int64_t padded_h = input[2] + 2 * padding.h, padded_w = input[3] + 2 * padding.w;
  HEED_CHECK(reach_h <= padded_h && reach_w <= padded_w, op, ": kernel ", kh, "x", kw, " with dilation ",
             size_str(dilation), " spans ", reach_h, "x", reach_w, ", more than the padded input ", padded_h, "x",
             padded_w, " of ", shape_str(input), "; use a smaller kernel or more padding");
  const std::int64_t out_h = (padded_h - reach_h) / stride.h + 1, out_w = (padded_w - reach_w) / stride.w + 1;
  const Conv2dGeometry g{kh, kw, stride.h, stride.w, padding.h, padding.w, dilation.h, dilation.w, out_h, out_w};
  return {g, input[0], in_channels, out_channels, groups, weight[1] * kh * kw, out_h * out_w};
}

void check_same_kind(const Tensor& a, const char* a_name, const Tensor& b, const char* b_name, const char* op) {
  HEED_CHECK(a.dtype() == b.dtype(), op, ": ", a_name, " is ", dtype_name(a.dtype()), " but ", b_name, " is ",
             dtype_name(b.dtype()), "; convert one with .to(dtype)");
  HEED_CHECK(a.device() == b.device(), op, ": ", a_name, " is on ", a.device().str(), " but ", b_name, " on ",
             b.device().str(), "; move one with .to(device)");
}

void check_grad_out(const Tensor& grad_out, const ConvPlan& plan, const char* op) {
  const Shape expected = {plan.batch, plan.out_channels, plan.geometry.out_h, plan.geometry.out_w};
  HEED_CHECK(grad_out.shape() == expected, op, ": grad_out has shape ", shape_str(grad_out.shape()), ", expected ",
             shape_str(expected));
}

// The column matrices of x: (N, C_in*kh*kw, L).
Tensor im2col(const Tensor& x, const ConvPlan& plan) {
  const Tensor image = contiguous(x);
  Tensor columns = empty({plan.batch, plan.groups * plan.group_rows, plan.pixels}, x.dtype(), x.device());
  backend_for(x.device()).im2col(image, plan.geometry, columns);
  return columns;
}

// weight (C_out, C_in/G, kh, kw) as one matrix per group: (G, C_out/G, C_in/G*kh*kw).
Tensor group_kernels(const Tensor& weight, const ConvPlan& plan) {
  return reshape(weight, {plan.groups, plan.out_channels / plan.groups, plan.group_rows});
}

struct PoolPlan {
  Pool2dGeometry geometry;
  Size2d stride;
};

PoolPlan plan_pool(const Shape& input, Size2d kernel, Size2d stride, Size2d padding, const char* op) {
  if (stride.h == 0 && stride.w == 0) stride = kernel;
  HEED_CHECK(kernel.h > 0 && kernel.w > 0, op, ": kernel must be positive, got ", size_str(kernel));
  HEED_CHECK(stride.h > 0 && stride.w > 0, op, ": stride must be positive, got ", size_str(stride),
             " (0 means the kernel size)");
  HEED_CHECK(padding.h >= 0 && padding.w >= 0 && 2 * padding.h <= kernel.h && 2 * padding.w <= kernel.w, op,
             ": padding ", size_str(padding), " must be >= 0 and at most half the kernel ", size_str(kernel),
             " (a window must hold at least one real pixel)");
  const std::int64_t padded_h = input[2] + 2 * padding.h, padded_w = input[3] + 2 * padding.w;
  HEED_CHECK(kernel.h <= padded_h && kernel.w <= padded_w, op, ": kernel ", size_str(kernel),
             " is larger than the padded input ", padded_h, "x", padded_w, " of ", shape_str(input));
  const std::int64_t out_h = (padded_h - kernel.h) / stride.h + 1, out_w = (padded_w - kernel.w) / stride.w + 1;
  return {{kernel.h, kernel.w, stride.h, stride.w, padding.h, padding.w, out_h, out_w}, stride};
}

Shape pooled_shape(const Shape& input, const Pool2dGeometry& g) { return {input[0], input[1], g.out_h, g.out_w}; }

// The (out, in) matrix whose row o averages PyTorch's adaptive window o.
Tensor adaptive_averaging_matrix(std::int64_t in, std::int64_t out, DType dtype, Device device) {
  std::vector<double> weights(static_cast<std::size_t>(out * in), 0.0);
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t start = o * in / out, end = ((o + 1) * in + out - 1) / out;
    for (std::int64_t i = start; i < end; ++i)
      weights[static_cast<std::size_t>(o * in + i)] = 1.0 / static_cast<double>(end - start);
  }
  return to(to(from_vector(weights, {out, in}), dtype), device);
}

}  // namespace

// ---- Convolution.

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2d stride, Size2d padding,
              Size2d dilation, std::int64_t groups) {
  check_image(x, "conv2d");
  check_same_kind(x, "input", weight, "weight", "conv2d");
  const ConvPlan plan = plan_conv(x.shape(), weight.shape(), stride, padding, dilation, groups, "conv2d");
  if (bias.defined()) {
    check_same_kind(x, "input", bias, "bias", "conv2d");
    HEED_CHECK(bias.dim() == 1 && bias.size(0) == plan.out_channels, "conv2d: expected bias (", plan.out_channels,
               ",) for weight ", shape_str(weight.shape()), ", got ", shape_str(bias.shape()));
  }
  const Tensor columns = view(im2col(x, plan), {plan.batch, plan.groups, plan.group_rows, plan.pixels});
  // (G, C_out/G, rows) @ (N, G, rows, L): the kernels broadcast over the images (a stride-0
  // view with one group; with several, matmul copies them once per image, small beside columns).
  const Tensor out = view(matmul(group_kernels(weight, plan), columns),
                          {plan.batch, plan.out_channels, plan.geometry.out_h, plan.geometry.out_w});
  return bias.defined() ? add(out, view(bias, {1, plan.out_channels, 1, 1})) : out;
}

Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Shape& input_shape, Size2d stride,
                             Size2d padding, Size2d dilation, std::int64_t groups) {
  const char* op = "conv2d_backward_input";
  const ConvPlan plan = plan_conv(input_shape, weight.shape(), stride, padding, dilation, groups, op);
  check_grad_out(grad_out, plan, op);
  check_same_kind(grad_out, "grad_out", weight, "weight", op);
  const Tensor grad =
      view(contiguous(grad_out), {plan.batch, plan.groups, plan.out_channels / plan.groups, plan.pixels});
  const Tensor grad_columns = matmul(transpose(group_kernels(weight, plan), 1, 2), grad);  // (N, G, rows, L)
  Tensor grad_input = zeros(input_shape, grad_out.dtype(), grad_out.device());
  backend_for(grad_out.device()).col2im(grad_columns, plan.geometry, grad_input);
  return grad_input;
}

Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape, Size2d stride,
                              Size2d padding, Size2d dilation, std::int64_t groups) {
  const char* op = "conv2d_backward_weight";
  const ConvPlan plan = plan_conv(x.shape(), weight_shape, stride, padding, dilation, groups, op);
  check_grad_out(grad_out, plan, op);
  check_same_kind(grad_out, "grad_out", x, "input", op);
  const Tensor grad = contiguous(grad_out);  // (N, C_out, out_h, out_w)
  const Tensor columns = im2col(x, plan);     // (N, C_in*kh*kw, L)
  const std::int64_t group_outputs = plan.out_channels / plan.groups, rows = plan.group_rows, pixels = plan.pixels;
  Tensor grad_kernels = zeros({plan.groups, group_outputs, rows}, x.dtype(), x.device());
  // Summed over the images one product at a time, into the same (G, C_out/G, rows) result: the
  // batched product would first write N such matrices, then sum them.
  Backend& backend = backend_for(x.device());
  for (std::int64_t n = 0; n < plan.batch; ++n) {
    const Tensor image_grad =  // dout[n] (G, C_out/G, L)
        as_strided(grad, {plan.groups, group_outputs, pixels}, {group_outputs * pixels, pixels, 1},
                   grad.offset() + n * plan.out_channels * pixels);
    const Tensor image_columns_t = as_strided(columns, {plan.groups, pixels, rows}, {rows * pixels, 1, pixels},
                                              n * plan.groups * rows * pixels);  // columns[n]^T (G, L, rows)
    backend.gemm(image_grad, image_columns_t, grad_kernels, /*accumulate=*/true);
  }
  return view(grad_kernels, weight_shape);
}

// ---- Pooling.

std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, Size2d kernel, Size2d stride, Size2d padding) {
  check_image(x, "max_pool2d");
  const PoolPlan plan = plan_pool(x.shape(), kernel, stride, padding, "max_pool2d");
  const Shape out_shape = pooled_shape(x.shape(), plan.geometry);
  Tensor out = empty(out_shape, x.dtype(), x.device());
  Tensor indices = empty(out_shape, DType::Int64, x.device());
  backend_for(x.device()).max_pool2d(contiguous(x), plan.geometry, out, indices);
  return {out, indices};
}

Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Shape& input_shape) {
  HEED_CHECK(input_shape.size() == 4 && grad_out.shape() == indices.shape() && grad_out.dim() == 4 &&
                 grad_out.size(0) == input_shape[0] && grad_out.size(1) == input_shape[1],
             "max_pool2d_backward: grad_out ", shape_str(grad_out.shape()), " and indices ",
             shape_str(indices.shape()), " do not fit the input ", shape_str(input_shape));
  Tensor grad_input = empty(input_shape, grad_out.dtype(), grad_out.device());
  backend_for(grad_out.device()).max_pool2d_backward(contiguous(grad_out), contiguous(indices), grad_input);
  return grad_input;
}

Tensor avg_pool2d(const Tensor& x, Size2d kernel, Size2d stride, Size2d padding, bool count_include_pad) {
  check_image(x, "avg_pool2d");
  const PoolPlan plan = plan_pool(x.shape(), kernel, stride, padding, "avg_pool2d");
  Tensor out = empty(pooled_shape(x.shape(), plan.geometry), x.dtype(), x.device());
  backend_for(x.device()).avg_pool2d(contiguous(x), plan.geometry, out, count_include_pad);
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape, Size2d kernel, Size2d stride,
                           Size2d padding, bool count_include_pad) {
  HEED_CHECK(input_shape.size() == 4, "avg_pool2d_backward: expected input shape (N,C,H,W), got ",
             shape_str(input_shape));
  const PoolPlan plan = plan_pool(input_shape, kernel, stride, padding, "avg_pool2d_backward");
  HEED_CHECK(grad_out.shape() == pooled_shape(input_shape, plan.geometry), "avg_pool2d_backward: grad_out has shape ",
             shape_str(grad_out.shape()), ", expected ", shape_str(pooled_shape(input_shape, plan.geometry)));
  Tensor grad_input = empty(input_shape, grad_out.dtype(), grad_out.device());
  backend_for(grad_out.device())
      .avg_pool2d_backward(contiguous(grad_out), plan.geometry, grad_input, count_include_pad);
  return grad_input;
}

Tensor adaptive_avg_pool2d(const Tensor& x, std::int64_t out_h, std::int64_t out_w) {
  check_image(x, "adaptive_avg_pool2d");
  HEED_CHECK(out_h > 0 && out_w > 0, "adaptive_avg_pool2d: output size must be positive, got ", out_h, "x", out_w);
  // Sizes that divide give equal, disjoint windows: plain average pooling (global pooling among them).
  if (x.size(2) % out_h == 0 && x.size(3) % out_w == 0)
    return avg_pool2d(x, {x.size(2) / out_h, x.size(3) / out_w});
  const Tensor rows = adaptive_averaging_matrix(x.size(2), out_h, x.dtype(), x.device());     // (out_h, H)
  const Tensor columns = adaptive_averaging_matrix(x.size(3), out_w, x.dtype(), x.device());  // (out_w, W)
  // Columns first: x's (N, C, H) rows fold into one (N*C*H, W) @ (W, out_w) product.
  return matmul(rows, matmul(x, transpose(columns, 0, 1)));
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape) {
  HEED_CHECK(input_shape.size() == 4 && grad_out.dim() == 4, "adaptive_avg_pool2d_backward: expected (N,C,H,W) "
             "shapes, got grad_out ", shape_str(grad_out.shape()), " for input ", shape_str(input_shape));
  if (input_shape[2] % grad_out.size(2) == 0 && input_shape[3] % grad_out.size(3) == 0)
    return avg_pool2d_backward(grad_out, input_shape,
                               {input_shape[2] / grad_out.size(2), input_shape[3] / grad_out.size(3)});
  const DType dtype = grad_out.dtype();
  const Tensor rows = adaptive_averaging_matrix(input_shape[2], grad_out.size(2), dtype, grad_out.device());
  const Tensor columns = adaptive_averaging_matrix(input_shape[3], grad_out.size(3), dtype, grad_out.device());
  return matmul(transpose(rows, 0, 1), matmul(grad_out, columns));  // (H, out_h) @ g @ (out_w, W)
}

}  // namespace heed::ops
