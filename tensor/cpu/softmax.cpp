// Row softmax and log-softmax on the CPU, forward and backward, over a
// contiguous (rows, cols) matrix; each row r is handled on its own:
//   softmax      y[j] = exp(x[j] - m) / s          m = max_j x[j],  s = sum_j exp(x[j] - m)
//   log_softmax  y[j] = x[j] - m - log(s)
// Subtracting the row max m changes nothing mathematically (it cancels) but
// keeps exp() in [0, 1], so a row like [1000, 1000] gives [0.5, 0.5] instead
// of inf/inf = NaN. A row of all -inf (a fully masked attention row) has
// m = -inf; it gives zeros (softmax) or -inf (log_softmax), never NaN.
//
// Backward, given gy = dL/dy (Bridle 1990; the Jacobian of softmax is
// diag(y) - y y^T):
//   softmax      gx[j] = y[j] * (gy[j] - sum_k gy[k] * y[k])
//   log_softmax  gx[j] = gy[j] - exp(y[j]) * sum_k gy[k]     (y holds log-probabilities)
// An all -inf row of log_softmax has no probabilities to move; its gx is 0.
//
// Rows are split across OpenMP threads once the matrix is large.
#include <omp.h>

#include <cmath>
#include <limits>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"

namespace heed::cpu {
namespace {

// sum_{i < n} term(i) with eight independent accumulators: the adds do not wait
// on each other (and map onto vector lanes), and the error grows eight times
// more slowly than with one running sum. Softmax rows are short enough for this;
// tensor/cpu/reduce.cpp sums arbitrarily long rows pairwise.
template <typename T, typename Term>
T blocked_sum(std::int64_t n, const Term& term) {
  T lanes[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) lanes[k] += term(i + k);
  }
  T total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; i < n; ++i) total += term(i);
  return total;
}

// The row max; NaN if the row holds one (so a NaN row is never mistaken for an
// all -inf row), -inf for an empty row.
template <typename T>
T row_max(const T* x, std::int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
  for (std::int64_t j = 0; j < n; ++j) m = (x[j] > m || std::isnan(x[j])) ? x[j] : m;
  return m;
}

template <typename T>
void softmax_row(const T* x, T* y, std::int64_t n, bool log) {
  constexpr T kMinusInf = -std::numeric_limits<T>::infinity();
  const T m = row_max(x, n);
  if (m == kMinusInf) {  // every entry is -inf: no mass anywhere
    for (std::int64_t j = 0; j < n; ++j) y[j] = log ? kMinusInf : T(0);
    return;
  }
  if (log) {
    const T log_sum = std::log(blocked_sum<T>(n, [&](std::int64_t j) { return std::exp(x[j] - m); }));
    for (std::int64_t j = 0; j < n; ++j) y[j] = (x[j] - m) - log_sum;
  } else {
    for (std::int64_t j = 0; j < n; ++j) y[j] = std::exp(x[j] - m);
    const T inverse_sum = T(1) / blocked_sum<T>(n, [&](std::int64_t j) { return y[j]; });
    for (std::int64_t j = 0; j < n; ++j) y[j] *= inverse_sum;
  }
}

template <typename T>
void softmax_backward_row(const T* y, const T* gy, T* gx, std::int64_t n, bool log) {
  if (log) {
    if (row_max(y, n) == -std::numeric_limits<T>::infinity()) {  // an all -inf row
      for (std::int64_t j = 0; j < n; ++j) gx[j] = T(0);
      return;
    }
    const T gy_sum = blocked_sum<T>(n, [&](std::int64_t j) { return gy[j]; });
    for (std::int64_t j = 0; j < n; ++j) gx[j] = gy[j] - std::exp(y[j]) * gy_sum;
  } else {
    const T gy_dot_y = blocked_sum<T>(n, [&](std::int64_t j) { return gy[j] * y[j]; });
    for (std::int64_t j = 0; j < n; ++j) gx[j] = y[j] * (gy[j] - gy_dot_y);
  }
}

// Calls row_fn(r) for every row, across threads when rows * cols is large.
template <typename RowFn>
void for_each_matrix_row(std::int64_t rows, std::int64_t cols, const RowFn& row_fn) {
  const int threads = rows > 1 && rows * cols >= kParallelGrain ? omp_get_max_threads() : 1;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t r = 0; r < rows; ++r) row_fn(r);
}

}  // namespace

void CpuBackend::softmax_rows(const Tensor& in, Tensor& out, bool log) {
  const std::int64_t rows = in.size(0), cols = in.size(1);
  dispatch_floating(in.dtype(), log ? "log_softmax" : "softmax", [&]<typename T>() {
    const T* x = in.data<T>();  // (rows, cols)
    T* y = out.data<T>();       // (rows, cols)
    for_each_matrix_row(rows, cols, [&](std::int64_t r) { softmax_row(x + r * cols, y + r * cols, cols, log); });
  });
}

void CpuBackend::softmax_backward_rows(const Tensor& y, const Tensor& gy, Tensor& gx, bool log) {
  const std::int64_t rows = y.size(0), cols = y.size(1);
  dispatch_floating(y.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&]<typename T>() {
    const T* output = y.data<T>();     // (rows, cols): the forward output (log-probabilities for log_softmax)
    const T* grad_out = gy.data<T>();  // (rows, cols)
    T* grad_in = gx.data<T>();         // (rows, cols)
    for_each_matrix_row(rows, cols, [&](std::int64_t r) {
      softmax_backward_row(output + r * cols, grad_out + r * cols, grad_in + r * cols, cols, log);
    });
  });
}

}  // namespace heed::cpu
