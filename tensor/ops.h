// heed::ops — the raw tensor operations, without gradients.
//
// Each function checks its arguments (throwing heed::Error that names the op,
// the shapes and the fix), allocates its result, and runs the kernel of the
// tensors' device (tensor/backend.h). autograd/ builds the differentiable
// functions on top of these; optimizers and kernels of backward passes call
// them directly. Results are new contiguous tensors unless the function says
// it returns a view or works in place (trailing underscore).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "tensor/backend.h"
#include "tensor/tensor.h"

namespace heed::ops {

using Dims = std::vector<std::int64_t>;

// ---- Views (share storage; tensor/ops/views.cpp).
Tensor reshape(const Tensor& t, Shape shape);  // a view when strides allow, else a copy
Tensor view(const Tensor& t, Shape shape);     // a view or an error
Tensor flatten(const Tensor& t, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor transpose(const Tensor& t, std::int64_t dim0, std::int64_t dim1);
Tensor permute(const Tensor& t, const Dims& dims);
Tensor slice(const Tensor& t, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1);
Tensor narrow(const Tensor& t, std::int64_t dim, std::int64_t start, std::int64_t length);
Tensor select(const Tensor& t, std::int64_t dim, std::int64_t index);
Tensor expand(const Tensor& t, const Shape& shape);
Tensor squeeze(const Tensor& t, std::int64_t dim);
Tensor squeeze(const Tensor& t);  // every size-1 dim
Tensor unsqueeze(const Tensor& t, std::int64_t dim);
Tensor diagonal_view(const Tensor& t);  // (n, n) -> its diagonal (n), a view

// ---- Copies and conversions (tensor/ops/copy.cpp).
Tensor contiguous(const Tensor& t);  // t itself when already contiguous
Tensor clone(const Tensor& t);       // always a fresh copy
Tensor to(const Tensor& t, DType dtype);
Tensor to(const Tensor& t, Device device);
void copy_(Tensor& dst, const Tensor& src);  // src broadcast to dst's shape, dtype converted
void fill_(Tensor& dst, double value);

// ---- Elementwise (tensor/ops/elementwise.cpp). Binary ops broadcast like NumPy.
Tensor unary(UnaryOp op, const Tensor& t, double scalar = 0);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, double scalar = 0);
void binary_(BinaryOp op, Tensor& dst, const Tensor& src, double scalar = 0);  // dst = op(dst, src)
Tensor neg(const Tensor& t);
Tensor abs(const Tensor& t);
Tensor sign(const Tensor& t);
Tensor exp(const Tensor& t);
Tensor log(const Tensor& t);
Tensor sqrt(const Tensor& t);
Tensor rsqrt(const Tensor& t);
Tensor tanh(const Tensor& t);
Tensor sigmoid(const Tensor& t);
Tensor relu(const Tensor& t);
Tensor gelu(const Tensor& t);  // exact: x * Phi(x)
Tensor elu(const Tensor& t, double alpha = 1.0);
Tensor sin(const Tensor& t);
Tensor cos(const Tensor& t);
Tensor square(const Tensor& t);
Tensor pow(const Tensor& t, double exponent);
Tensor add(const Tensor& t, double value);
Tensor mul(const Tensor& t, double value);
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // cond != 0 ? a : b
Tensor masked_fill(const Tensor& t, const Tensor& mask, double value);

// ---- Reductions (tensor/ops/reduce.cpp). Empty dims means every dim.
Tensor sum(const Tensor& t, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& t, const Dims& dims = {}, bool keepdim = false);
Tensor var(const Tensor& t, const Dims& dims = {}, std::int64_t correction = 1, bool keepdim = false);
std::pair<Tensor, Tensor> max(const Tensor& t, std::int64_t dim, bool keepdim = false);  // values, int64 indices
std::pair<Tensor, Tensor> min(const Tensor& t, std::int64_t dim, bool keepdim = false);
Tensor max(const Tensor& t);  // over all elements
Tensor min(const Tensor& t);
Tensor argmax(const Tensor& t, std::int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& t, std::int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& t, std::int64_t dim, bool keepdim = false);
// Sums a broadcast result back to `shape` (the gradient of expand).
Tensor sum_to(const Tensor& t, const Shape& shape);

// ---- Softmax family (tensor/ops/softmax.cpp). Numerically stable; all -inf rows give zeros.
Tensor softmax(const Tensor& t, std::int64_t dim);
Tensor log_softmax(const Tensor& t, std::int64_t dim);
Tensor softmax_backward(const Tensor& y, const Tensor& grad_y, std::int64_t dim);
Tensor log_softmax_backward(const Tensor& y, const Tensor& grad_y, std::int64_t dim);

// ---- Matrix products (tensor/ops/matmul.cpp). NumPy matmul semantics: 1-D operands
// are promoted and the added dim removed; batch dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- Joining, splitting, indexing (tensor/ops/index.cpp, tensor/ops/join.cpp).
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim);
std::vector<Tensor> split(const Tensor& t, std::int64_t size, std::int64_t dim);  // views
std::vector<Tensor> split(const Tensor& t, const std::vector<std::int64_t>& sizes, std::int64_t dim);
std::vector<Tensor> chunk(const Tensor& t, std::int64_t chunks, std::int64_t dim);  // views
Tensor index_select(const Tensor& t, std::int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& t, std::int64_t dim, const Tensor& index, const Tensor& source);
Tensor gather(const Tensor& t, std::int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& t, std::int64_t dim, const Tensor& index, const Tensor& source);
Tensor embedding(const Tensor& weight, const Tensor& ids);  // (V, D) x ids(...) -> (..., D)
Tensor cumsum(const Tensor& t, std::int64_t dim);
Tensor triu(const Tensor& t, std::int64_t diagonal = 0);  // zero below the diagonal, last two dims
Tensor tril(const Tensor& t, std::int64_t diagonal = 0);
Tensor one_hot(const Tensor& index, std::int64_t num_classes, DType dtype = DType::Float32);

// ---- Convolution and pooling (tensor/ops/conv.cpp). Images are (N, C, H, W); sizes are
// Size2d (one number for both dims, or {h, w}); out = (in + 2 padding - dilation (k - 1) - 1) / stride + 1.
// conv2d: x (N, C_in, H, W), weight (C_out, C_in / groups, kh, kw), bias (C_out) or undefined
//   -> (N, C_out, out_h, out_w). Each group of C_in / groups input channels feeds its own
//   C_out / groups output channels (groups = C_in: a depthwise convolution).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2d stride = 1, Size2d padding = 0,
              Size2d dilation = 1, std::int64_t groups = 1);
// dL/dx and dL/dweight of conv2d, given grad_out = dL/d(output) (N, C_out, out_h, out_w).
Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Shape& input_shape, Size2d stride,
                             Size2d padding, Size2d dilation, std::int64_t groups);
Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape, Size2d stride,
                              Size2d padding, Size2d dilation, std::int64_t groups);
// Pooling over kernel-sized windows; stride 0 means stride = kernel (PyTorch's default).
// max_pool2d returns the values and, as int64, each max's flat position ih * W + iw in its (H, W) plane.
std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, Size2d kernel, Size2d stride = 0, Size2d padding = 0);
Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Shape& input_shape);
Tensor avg_pool2d(const Tensor& x, Size2d kernel, Size2d stride = 0, Size2d padding = 0, bool count_include_pad = true);
Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape, Size2d kernel, Size2d stride = 0,
                           Size2d padding = 0, bool count_include_pad = true);
// Average pooling to a fixed output size, any input size: output row o averages input rows
// [floor(o H / out_h), ceil((o + 1) H / out_h)) (the same for columns), as PyTorch does.
Tensor adaptive_avg_pool2d(const Tensor& x, std::int64_t out_h, std::int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape);

// ---- Flash attention (tensor/ops/flash_attention.cpp): exact softmax attention in tiles that
// never form the (Tq, Tk) matrix. q (B, H, Tq, Dh), k and v (B, H, Tk, Dh), key_mask (B, Tk)
// (nonzero: a real key) or undefined; causal: query i, at position i + Tk - Tq, sees keys j <= it.
// Returns out (B, H, Tq, Dh) = softmax(q k^T / sqrt(Dh) + mask) v and logsumexp (B, H, Tq), the log
// of each softmax denominator (+inf for a query that sees no key; its output row is 0).
struct FlashAttentionGrads {
  Tensor q, k, v;  // dL/dq, dL/dk, dL/dv
};
std::pair<Tensor, Tensor> flash_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                                          bool causal, std::int64_t tile);
// Given the forward's out and logsumexp and grad_out = dL/d(out), the gradients wrt q, k and v.
FlashAttentionGrads flash_attention_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                             const Tensor& key_mask, const Tensor& out, const Tensor& logsumexp,
                                             const Tensor& grad_out, bool causal, std::int64_t tile);

}  // namespace heed::ops
