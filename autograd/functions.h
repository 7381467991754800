// The differentiable operations: what layers and users call.
//
// Each one runs the raw op from tensor/ops.h and, when gradients are being
// recorded, attaches its backward rule (autograd/functions/*.cpp, forward and
// backward side by side). Ops that broadcast reduce their gradients back to
// each input's shape. Comparisons, argmax and one_hot are not differentiable:
// they return plain tensors.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/backend.h"  // Size2d
#include "tensor/tensor.h"

namespace heed {

using Dims = std::vector<std::int64_t>;

// ---- Elementwise (functions/elementwise.cpp).
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor square(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& x, double value);
Tensor mul(const Tensor& x, double value);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // gradient flows to a and b, not cond
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
// Masks (not differentiable): 1 where true, 0 where false, in the inputs' dtype.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& x, double v);
Tensor operator+(double v, const Tensor& x);
Tensor operator-(const Tensor& x, double v);
Tensor operator-(double v, const Tensor& x);
Tensor operator*(const Tensor& x, double v);
Tensor operator*(double v, const Tensor& x);
Tensor operator/(const Tensor& x, double v);
Tensor operator/(double v, const Tensor& x);

// ---- Views and conversions (functions/views.cpp); also available as Tensor methods.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor view(const Tensor& x, const Shape& shape);
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
Tensor permute(const Tensor& x, const Dims& dims);
Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1);
Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);
Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index);
Tensor expand(const Tensor& x, const Shape& shape);
Tensor squeeze(const Tensor& x, std::int64_t dim);
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
Tensor contiguous(const Tensor& x);
Tensor clone(const Tensor& x);
Tensor to(const Tensor& x, DType dtype);
Tensor to(const Tensor& x, Device device);

// ---- Reductions (functions/reduce.cpp). Empty dims = every dim.
Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor var(const Tensor& x, const Dims& dims = {}, std::int64_t correction = 1, bool keepdim = false);
Tensor amax(const Tensor& x, std::int64_t dim, bool keepdim = false);  // values of max along dim
Tensor amin(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);  // not differentiable

// ---- Softmax (functions/softmax.cpp).
Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

// ---- Matrix product (functions/matmul.cpp): NumPy matmul, batch dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- Joining, splitting, indexing (functions/index.cpp).
Tensor concat(const std::vector<Tensor>& xs, std::int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, std::int64_t dim);
std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t dim);
std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim);
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& source);
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& source);
Tensor embedding(const Tensor& weight, const Tensor& ids);  // (V, D), ids (...) -> (..., D)
Tensor cumsum(const Tensor& x, std::int64_t dim);
Tensor triu(const Tensor& x, std::int64_t diagonal = 0);
Tensor tril(const Tensor& x, std::int64_t diagonal = 0);
Tensor one_hot(const Tensor& index, std::int64_t num_classes, DType dtype = DType::Float32);  // not differentiable

// ---- Convolutional networks: convolution, pooling, batch norm (functions/conv.cpp).
// Images are (N, C, H, W); a Size2d is one number for both dims or {h, w}.
// conv2d: x (N, C_in, H, W), weight (C_out, C_in / groups, kh, kw), bias (C_out) or undefined
//   -> (N, C_out, out_h, out_w), out_h = (H + 2 padding - dilation (kh - 1) - 1) / stride + 1.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Size2d stride = 1,
              Size2d padding = 0, Size2d dilation = 1, std::int64_t groups = 1);
// stride 0 means stride = kernel (PyTorch's default).
Tensor max_pool2d(const Tensor& x, Size2d kernel, Size2d stride = 0, Size2d padding = 0);
Tensor avg_pool2d(const Tensor& x, Size2d kernel, Size2d stride = 0, Size2d padding = 0, bool count_include_pad = true);
Tensor adaptive_avg_pool2d(const Tensor& x, std::int64_t out_h, std::int64_t out_w);  // PyTorch's windows
// Batch normalization of x (N, C, H, W) per channel over (N, H, W), then weight * . + bias
// (each (C) or undefined). training: the batch's mean and biased variance, and running_mean /
// running_var (when defined) move toward the batch's mean and unbiased variance by `momentum`,
// in place. Otherwise: normalizes with running_mean and running_var. As torch's F.batch_norm.
Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);

// ---- Attention (functions/flash_attention.cpp).
// Exact softmax(q k^T / sqrt(Dh) + mask) v computed in tiles of `tile` queries and keys with the
// online softmax, never forming the (Tq, Tk) matrix, forward or backward (Dao et al. 2022, 2023).
// q (B, H, Tq, Dh), k and v (B, H, Tk, Dh), key_mask (B, Tk) 1 real 0 padding or undefined;
// causal: query i, at position i + Tk - Tq, sees keys j <= it. -> (B, H, Tq, Dh); a query that
// sees no key gets zeros. Equals dense_attention(q, k, v, key_mask, causal, nullptr).output.
Tensor flash_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask = Tensor(),
                       bool causal = false, std::int64_t tile = 64);

}  // namespace heed
