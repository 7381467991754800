// softmax and log_softmax along any dim, and their backward rules:
//   softmax(x)[i]     = exp(x[i]) / sum_k exp(x[k])      (over `dim`, for every other index fixed)
//   log_softmax(x)[i] = x[i] - log(sum_k exp(x[k]))
// The backend's kernels (tensor/cpu/softmax.cpp) work on the rows of a
// contiguous (rows, cols) matrix, so `dim` is first moved to the end:
//   t (B, C, L), dim 1:  transpose(1, 2) -> (B, L, C), contiguous, rows = B*L, cols = C
// and the result is moved back and made contiguous in t's own layout. When dim
// is already the last dim of a contiguous tensor (attention scores over keys),
// nothing moves: the kernel runs on t's memory directly.
#include <utility>

#include "tensor/ops.h"

namespace heed::ops {
namespace {

void check_floating(const Tensor& t, const char* op) {
  HEED_CHECK(is_floating(t.dtype()), op, ": needs a float32 or float64 tensor, got ", dtype_name(t.dtype()), " ",
             shape_str(t.shape()), "; convert it first with .to(DType::Float32)");
}

// dim, wrapped into [0, rank); a 0-d tensor is treated as a single row of one.
int softmax_dim(const Tensor& t, std::int64_t dim, const char* op) {
  if (t.dim() == 0) {
    HEED_CHECK(dim == 0 || dim == -1, op, ": dim ", dim, " is out of range for a 0-d tensor; expected 0 or -1");
    return 0;
  }
  return wrap_dim(dim, t.shape().size(), op);
}

// t with `dim` swapped to the end, contiguous, viewed as (rows, cols). t is not empty.
Tensor to_rows(const Tensor& t, int dim) {
  if (t.dim() == 0) return view(t, {1, 1});
  const int last = t.dim() - 1;
  const Tensor moved = contiguous(dim == last ? t : transpose(t, dim, last));
  const std::int64_t cols = t.size(dim);
  return view(moved, {t.numel() / cols, cols});
}

// The inverse of to_rows: `rows` (of the moved layout) back to t's shape, contiguous.
Tensor from_rows(const Tensor& rows, const Tensor& t, int dim) {
  const int last = t.dim() - 1;
  if (dim == last || t.dim() == 0) return view(rows, t.shape());
  Shape moved_shape = t.shape();
  std::swap(moved_shape[dim], moved_shape[last]);
  return contiguous(transpose(view(rows, moved_shape), dim, last));
}

Tensor run_softmax(const Tensor& t, std::int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_floating(t, op);
  const int d = softmax_dim(t, dim, op);
  if (t.numel() == 0) return empty(t.shape(), t.dtype(), t.device());
  const Tensor x = to_rows(t, d);  // (rows, cols)
  Tensor y = empty(x.shape(), t.dtype(), t.device());
  backend_for(t.device()).softmax_rows(x, y, log);
  return from_rows(y, t, d);
}

Tensor run_softmax_backward(const Tensor& y, const Tensor& grad_y, std::int64_t dim, bool log) {
  const char* op = log ? "log_softmax_backward" : "softmax_backward";
  check_floating(y, op);
  HEED_CHECK(y.shape() == grad_y.shape() && y.dtype() == grad_y.dtype(), op, ": the output is ", dtype_name(y.dtype()),
             " ", shape_str(y.shape()), " but its gradient is ", dtype_name(grad_y.dtype()), " ",
             shape_str(grad_y.shape()), "; expected the same shape and dtype");
  HEED_CHECK(y.device() == grad_y.device(), op, ": the output is on ", y.device().str(), " but its gradient on ",
             grad_y.device().str(), "; move one with .to(device)");
  const int d = softmax_dim(y, dim, op);
  if (y.numel() == 0) return empty(y.shape(), y.dtype(), y.device());
  const Tensor y_rows = to_rows(y, d);        // (rows, cols)
  const Tensor grad_rows = to_rows(grad_y, d);  // (rows, cols)
  Tensor grad_x = empty(y_rows.shape(), y.dtype(), y.device());
  backend_for(y.device()).softmax_backward_rows(y_rows, grad_rows, grad_x, log);
  return from_rows(grad_x, y, d);
}

}  // namespace

Tensor softmax(const Tensor& t, std::int64_t dim) { return run_softmax(t, dim, /*log=*/false); }
Tensor log_softmax(const Tensor& t, std::int64_t dim) { return run_softmax(t, dim, /*log=*/true); }

Tensor softmax_backward(const Tensor& y, const Tensor& grad_y, std::int64_t dim) {
  return run_softmax_backward(y, grad_y, dim, /*log=*/false);
}

Tensor log_softmax_backward(const Tensor& y, const Tensor& grad_y, std::int64_t dim) {
  return run_softmax_backward(y, grad_y, dim, /*log=*/true);
}

}  // namespace heed::ops
