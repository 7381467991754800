// The kernel seam: one Backend per device type.
//
// tensor/ops/*.cpp check arguments, allocate outputs and then call the backend
// of the tensors' device. A kernel can trust what it is given: shapes agree,
// dtypes agree, `out` is allocated with its final shape. A new device is "implement
// this list": tensor/cpu/ does it with loops, OpenMP and BLIS; tensor/cuda/ with
// CUDA kernels and cuBLAS.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/device.h"
#include "tensor/tensor.h"

namespace heed {

enum class UnaryOp : std::uint8_t {
  Neg, Abs, Sign, Exp, Log, Sqrt, Rsqrt, Tanh, Sigmoid, Relu, Gelu, Elu, Sin, Cos,
  Square, Reciprocal,
  PowScalar,  // x^scalar
  AddScalar,  // x + scalar
  MulScalar,  // x * scalar
  RSubScalar, // scalar - x
  FillLike,   // scalar (used for full_like)
};

enum class BinaryOp : std::uint8_t {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum,
  Eq, Ne, Lt, Le, Gt, Ge,  // masks: 1 where true, 0 where false, in the inputs' dtype
  // Fused backward rules: a = upstream gradient, b = saved forward value, scalar = parameter.
  ReluBackward,     // a * (b > 0),        b = x
  GeluBackward,     // a * gelu'(b),       b = x
  EluBackward,      // a * elu'(b; alpha), b = x, scalar = alpha
  SigmoidBackward,  // a * b * (1 - b),    b = y
  TanhBackward,     // a * (1 - b^2),      b = y
  AddScaled,        // a + scalar * b      (axpy, used by optimizers and accumulation)
};

// Row reductions over a contiguous (rows, cols) matrix into (rows).
enum class ReduceOp : std::uint8_t {
  Sum, Mean, Max, Min,  // Max/Min also write the argmax/argmin (int64) when asked
  Var,                  // variance with `scalar` = correction (0 population, 1 sample)
  LogSumExp,            // log(sum(exp(x))); a row of -inf gives -inf
};

// ---- Convolution and pooling: the geometry a kernel is given (tensor/ops/conv.cpp fills it in).

// A (height, width) pair; one number means the same for both: Size2d(3) is 3x3.
struct Size2d {
  std::int64_t h = 0, w = 0;
  Size2d(std::int64_t both) : h(both), w(both) {}  // implicit on purpose: conv2d(x, w, b, 2) means stride 2x2
  Size2d(std::int64_t height, std::int64_t width) : h(height), w(width) {}
};

// Where the window of a 2-D convolution lands. Output pixel (oh, ow) reads, for
// kernel tap (i, j), the input pixel
//   (oh * stride_h - pad_h + i * dil_h,  ow * stride_w - pad_w + j * dil_w)    (zero outside)
// and out_h = (H + 2 pad_h - dil_h (kh - 1) - 1) / stride_h + 1 (the same for w).
struct Conv2dGeometry {
  std::int64_t kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, out_h, out_w;
};

// The window of a 2-D pooling: output (oh, ow) covers input rows
// [oh * stride_h - pad_h, + kh) and columns [ow * stride_w - pad_w, + kw).
struct Pool2dGeometry {
  std::int64_t kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w;
};

// ---- Flash attention: what the kernels are given (tensor/ops/flash_attention.cpp fills it in).
struct FlashAttentionGeometry {
  bool causal = false;      // query i, at position i + Tk - Tq, sees keys j <= i + Tk - Tq only
  double scale = 1.0;       // multiplies q . k before the softmax: 1 / sqrt(Dh)
  std::int64_t tile = 64;   // queries per query tile and keys per key tile
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual void* allocate(std::size_t nbytes) = 0;
  virtual void deallocate(void* ptr, std::size_t nbytes) = 0;
  // Byte copies between this device and host memory.
  virtual void copy_to_host(const void* device_src, void* host_dst, std::size_t nbytes) = 0;
  virtual void copy_from_host(const void* host_src, void* device_dst, std::size_t nbytes) = 0;

  // out[...] = value.
  virtual void fill(Tensor& out, double value) = 0;
  // dst[...] = src[...], any strides on both sides, converting dtype if they differ.
  virtual void copy(const Tensor& src, Tensor& dst) = 0;
  // out = op(in). in and out have the same shape and dtype; in may be strided.
  virtual void unary(UnaryOp op, const Tensor& in, Tensor& out, double scalar) = 0;
  // out = op(a, b). a and b are already expanded to out's shape (stride 0 on
  // broadcast dims). out may alias a when the op is applied in place.
  virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out, double scalar) = 0;
  // out = cond != 0 ? a : b; all expanded to out's shape.
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) = 0;

  // in: contiguous (rows, cols); out: contiguous (rows); indices: (rows) int64 or nullptr.
  virtual void reduce_rows(ReduceOp op, const Tensor& in, Tensor& out, Tensor* indices, double scalar) = 0;
  // Row-wise softmax (or log-softmax) of a contiguous (rows, cols) matrix. A row
  // whose entries are all -inf gives zeros (softmax) or -inf (log-softmax), never NaN.
  virtual void softmax_rows(const Tensor& in, Tensor& out, bool log) = 0;
  // Given y = softmax(x) (or log_softmax) and gy = dL/dy, writes gx = dL/dx. All (rows, cols).
  virtual void softmax_backward_rows(const Tensor& y, const Tensor& gy, Tensor& gx, bool log) = 0;

  // out(b) = a(b) @ bm(b) for each batch b (+ out(b) when accumulate).
  // a: (batch, M, K), bm: (batch, K, N), out: (batch, M, N); any strides on a and bm
  // (batch stride 0 means broadcast); out is contiguous.
  virtual void gemm(const Tensor& a, const Tensor& bm, Tensor& out, bool accumulate) = 0;

  // Indexing along `dim`. in/src/out are contiguous; idx is contiguous int32/int64.
  // index_select: out.shape = in.shape with shape[dim] = idx.numel().
  virtual void index_select(const Tensor& in, int dim, const Tensor& idx, Tensor& out) = 0;
  // out[..., i, ...] += src[..., j, ...] where i = idx[j] along dim.
  virtual void index_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) = 0;
  // gather: out[i][j] = in[i][idx[i][j]] (dim = 1 case); idx has out's shape.
  virtual void gather(const Tensor& in, int dim, const Tensor& idx, Tensor& out) = 0;
  // scatter_add: out[i][idx[i][j]] += src[i][j] (dim = 1 case); idx has src's shape.
  virtual void scatter_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) = 0;
  // Inclusive prefix sum along dim; in and out contiguous, same shape.
  virtual void cumsum(const Tensor& in, int dim, Tensor& out) = 0;

  // ---- Convolution and pooling. Not pure: a backend without them inherits versions that throw
  // (tensor/backend_defaults.cpp). All tensors contiguous, float32 or float64 (indices int64).
  // im2col: image (N, C, H, W) -> columns (N, C*kh*kw, out_h*out_w); columns[n, (c*kh + i)*kw + j,
  // oh*out_w + ow] holds the pixel of image n, channel c that tap (i, j) of output (oh, ow) reads (0 in the padding).
  virtual void im2col(const Tensor& image, const Conv2dGeometry& g, Tensor& columns);
  // The adjoint of im2col: image_grad (N, C, H, W) += each column entry, at the pixel it was read from.
  virtual void col2im(const Tensor& columns, const Conv2dGeometry& g, Tensor& image_grad);
  // in (N, C, H, W) -> out (N, C, out_h, out_w), the max of each window; indices (int64, out's shape)
  // hold its flat position ih * W + iw in the (H, W) plane. Padding never wins; NaN does.
  virtual void max_pool2d(const Tensor& in, const Pool2dGeometry& g, Tensor& out, Tensor& indices);
  // Writes all of grad_in (N, C, H, W): zero, plus each grad_out entry at its window's argmax.
  virtual void max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, Tensor& grad_in);
  // The mean of each window; divided by the window's size including the padding
  // (count_include_pad) or by the number of real pixels in it.
  virtual void avg_pool2d(const Tensor& in, const Pool2dGeometry& g, Tensor& out, bool count_include_pad);
  // Writes all of grad_in (N, C, H, W): each grad_out entry shared evenly over its window.
  virtual void avg_pool2d_backward(const Tensor& grad_out, const Pool2dGeometry& g, Tensor& grad_in,
                                   bool count_include_pad);

  // ---- Flash attention (Dao et al. 2022; tensor/cpu/flash_attention.cpp). Not pure, as above.
  // q (B, H, Tq, Dh), k and v (B, H, Tk, Dh), key_mask (B, Tk) in q's dtype (nonzero: a real key)
  // or undefined; all contiguous, float32 or float64. Writes out (B, H, Tq, Dh), the softmax
  // attention output, and logsumexp (B, H, Tq), L = log sum_j exp(s_ij) over the keys query i
  // sees; a query that sees no key gets out = 0 and L = +inf. Never forms the (Tq, Tk) matrix.
  virtual void flash_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                               const FlashAttentionGeometry& g, Tensor& out, Tensor& logsumexp);
  // Given the forward's out and logsumexp and grad_out = dL/d(out) (B, H, Tq, Dh), writes all
  // of grad_q, grad_k, grad_v (q's, k's, v's shapes), recomputing the weights tile by tile.
  virtual void flash_attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                                        const Tensor& out, const Tensor& logsumexp, const Tensor& grad_out,
                                        const FlashAttentionGeometry& g, Tensor& grad_q, Tensor& grad_k,
                                        Tensor& grad_v);
};

// The backend that runs kernels for `device`; throws if none is built in.
Backend& backend_for(Device device);
// True when heed was built with CUDA and a CUDA device is present.
bool cuda_available();

// The built-in backends (tensor/cpu/cpu_backend.cpp, tensor/cuda/cuda_backend.cu).
Backend& cpu_backend();
#ifdef HEED_WITH_CUDA
Backend& cuda_backend();
int cuda_device_count();
#endif

}  // namespace heed
