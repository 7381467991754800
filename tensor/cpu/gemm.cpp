// Batched matrix products on the CPU, through BLIS.
//
//   out[b] = a[b] @ bm[b]   (+ out[b] when accumulating)      for b = 0 .. batch-1
//   a: (batch, M, K)    bm: (batch, K, N)    out: (batch, M, N), contiguous
//
// BLIS describes every matrix as (pointer, row stride, column stride) and accepts
// any strides, so a transposed view is just a matrix with its two strides swapped:
// it is read in place, never copied. A batch stride of 0 repeats one matrix
// across the batch (a weight shared by every sample).
//
// Two ways to spend the threads:
//   - few or large products: one after another, each split across all threads
//     inside BLIS;
//   - many small products (attention's per-head Q K^T at short lengths): BLIS
//     gains little from threads on a 32x32x32 product, so the batch itself is
//     split across OpenMP threads and each BLIS call runs on one thread.
// float32 goes to bli_sgemm, float64 to bli_dgemm (BLIS has no integer GEMM).
#include <cstdint>
#include <type_traits>

// blis.h's inline helpers trip these warnings; they are BLIS's code, not heed's.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wtype-limits"
#include <blis.h>
#pragma GCC diagnostic pop

#include "tensor/cpu/cpu_backend.h"
#include "tensor/threads.h"

namespace heed::cpu {
namespace {

// A product with fewer multiply-adds than this counts as small: BLIS splits it
// poorly across threads, so a batch of them is split by product instead.
constexpr std::int64_t kSmallProduct = 64 * 64 * 64;
// ... but only when the whole batch is worth waking the thread team for
// (a few microseconds, about the time of 2^16 multiply-adds on one core).
constexpr std::int64_t kParallelBatchWork = 1 << 16;

// One operand as BLIS sees it: element (b, i, j) is at
//   data[b * batch_stride + i * row_stride + j * col_stride].
template <typename T>
struct BlisMatrix {
  T* data;
  inc_t batch_stride, row_stride, col_stride;
  Tensor dense_copy;  // holds the copy's storage alive when one was needed
};

// BLIS requires positive strides that do not interleave rows and columns
// (bli_check_matrix_strides): with rs < cs it needs cs >= rows * rs, and with
// cs < rs it needs rs >= cols * cs. Views made by transpose, permute and slice
// always pass. What fails is a stride of 0 inside the matrix (from expand) or an
// overlapping layout (from as_strided); such an operand is copied first.
bool blis_accepts(std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs) {
  if (rs <= 0 || cs <= 0) return false;
  if (rs == cs) return rows == 1 || cols == 1;
  return rs < cs ? cs >= rows * rs : rs >= cols * cs;
}

// t is (batch, rows, cols) with any strides.
template <typename T>
BlisMatrix<T> as_blis_matrix(const Tensor& t, Backend& backend) {
  const std::int64_t rows = t.size(1), cols = t.size(2);
  std::int64_t rs = t.stride(1), cs = t.stride(2);
  // A dim of size 1 is never stepped along, so its stride is arbitrary (0 after
  // expand, anything after unsqueeze); give it the one a dense matrix would have.
  if (rows == 1 && cols == 1) rs = cs = 1;
  else if (rows == 1) rs = cols * cs;
  else if (cols == 1) cs = rows * rs;
  if (blis_accepts(rows, cols, rs, cs)) return {t.data<T>(), t.stride(0), rs, cs, Tensor()};

  // Copy to a dense row-major matrix; a broadcast batch stays one matrix.
  const bool broadcast = t.stride(0) == 0;
  const Tensor source = broadcast ? as_strided(t, {1, rows, cols}, {0, t.stride(1), t.stride(2)}, t.offset()) : t;
  Tensor dense = empty(source.shape(), t.dtype());
  backend.copy(source, dense);
  return {dense.data<T>(), broadcast ? 0 : rows * cols, cols, 1, dense};
}

// c = a @ b + beta * c for one (m, k) @ (k, n) product, on `threads` threads.
template <typename T>
void blis_gemm(dim_t m, dim_t n, dim_t k, T* a, inc_t rs_a, inc_t cs_a, T* b, inc_t rs_b, inc_t cs_b, T beta,
               T* c, inc_t rs_c, inc_t cs_c, int threads) {
  // The runtime object carries the thread count into this one call, whatever
  // BLIS's global setting says.
  rntm_t runtime;
  bli_rntm_init(&runtime);
  bli_rntm_set_num_threads(threads, &runtime);
  T alpha = 1;
  if constexpr (std::is_same_v<T, float>) {
    bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &alpha, a, rs_a, cs_a, b, rs_b, cs_b, &beta, c, rs_c,
                 cs_c, /*cntx=*/nullptr, &runtime);
  } else {
    bli_dgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &alpha, a, rs_a, cs_a, b, rs_b, cs_b, &beta, c, rs_c,
                 cs_c, /*cntx=*/nullptr, &runtime);
  }
}

template <typename T>
void batched_gemm(const Tensor& a, const Tensor& bm, Tensor& out, bool accumulate, Backend& backend) {
  const std::int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  const BlisMatrix<T> lhs = as_blis_matrix<T>(a, backend);   // (batch, M, K)
  const BlisMatrix<T> rhs = as_blis_matrix<T>(bm, backend);  // (batch, K, N)
  T* result = out.data<T>();                                  // (batch, M, N), row-major
  const T beta = accumulate ? 1 : 0;  // BLIS never reads c when beta is 0

  auto product = [&](std::int64_t b, int threads) {
    blis_gemm<T>(m, n, k, lhs.data + b * lhs.batch_stride, lhs.row_stride, lhs.col_stride,
                 rhs.data + b * rhs.batch_stride, rhs.row_stride, rhs.col_stride, beta, result + b * m * n, n, 1,
                 threads);
  };

  const int threads = num_threads();
  const std::int64_t work = m * n * k;
  if (batch >= 2 && work < kSmallProduct) {
#pragma omp parallel for num_threads(threads) schedule(static) if (batch * work >= kParallelBatchWork)
    for (std::int64_t b = 0; b < batch; ++b) product(b, 1);
  } else {
    for (std::int64_t b = 0; b < batch; ++b) product(b, threads);
  }
}

}  // namespace

void CpuBackend::gemm(const Tensor& a, const Tensor& bm, Tensor& out, bool accumulate) {
  const std::int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: the product is zero
    if (!accumulate) fill(out, 0);
    return;
  }
  HEED_CHECK(out.is_contiguous(), "gemm: the output must be contiguous, got strides ", shape_str(out.strides()));
  init_blas();
  dispatch_floating(out.dtype(), "gemm", [&]<typename T>() { batched_gemm<T>(a, bm, out, accumulate, *this); });
}

}  // namespace heed::cpu
