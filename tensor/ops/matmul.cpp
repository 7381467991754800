// matmul: NumPy's matrix product, on top of the backend's batched GEMM.
//
//   C[..., i, j] = sum_k A[..., i, k] * B[..., k, j]
//
// Shapes follow numpy.matmul:
//   (K) @ (K)                 -> ()           dot product
//   (K) @ (..., K, N)         -> (..., N)     a is read as (1, K), that dim dropped after
//   (..., M, K) @ (K)         -> (..., M)     b is read as (K, 1), that dim dropped after
//   (..., M, K) @ (..., K, N) -> (..., M, N)  batch dims broadcast:
//                                             (2,1,3,4) @ (5,4,6) -> (2,5,3,6)
//
// The backend multiplies (batch, M, K) @ (batch, K, N) with any strides, so each
// operand is turned into such a 3-D view of its own storage: broadcast batch dims
// get stride 0 (expand) and the batch dims fold into one strided dim. A
// transposed operand stays a view. Only when the batch dims cannot fold into one
// stride (an expanded dim in front of a real one) is the operand copied.
//
// When b is one matrix shared by the whole batch (a linear layer: (B, T, D) @ (D, O)),
// a's batch dims fold into its rows instead, so BLIS runs one (B*T, D) @ (D, O)
// product rather than B small ones.
#include <algorithm>
#include <optional>
#include <string>

#include "tensor/ops.h"

namespace heed::ops {
namespace {

// The single stride that walks dims [0, count) of (sizes, strides) in row-major
// order, if one exists: each dim must step over exactly one full pass of the
// dims inside it. Size-1 dims never move a pointer and are skipped. No moving
// dims at all gives 0.
std::optional<std::int64_t> folded_stride(const Shape& sizes, const Strides& strides, std::size_t count) {
  std::optional<std::int64_t> step;  // stride of the innermost moving dim
  std::int64_t span = 0;             // stride the next dim out must have
  for (std::size_t d = count; d-- > 0;) {
    if (sizes[d] == 1) continue;
    if (step && strides[d] != span) return std::nullopt;
    if (!step) step = strides[d];
    span = strides[d] * sizes[d];
  }
  return step.value_or(0);
}

// t (batch..., rows, cols), with batch dims broadcastable to batch_shape, as a
// (batch, rows, cols) view; a contiguous copy only when no single batch stride exists.
Tensor as_batched_matrices(const Tensor& t, const Shape& batch_shape, std::int64_t batch) {
  const std::int64_t rows = t.size(-2), cols = t.size(-1);
  Tensor expanded = t;
  if (static_cast<std::size_t>(t.dim()) != batch_shape.size() + 2 ||
      !std::equal(batch_shape.begin(), batch_shape.end(), t.shape().begin())) {
    Shape full = batch_shape;
    full.push_back(rows);
    full.push_back(cols);
    expanded = expand(t, full);
  }
  std::optional<std::int64_t> batch_stride = folded_stride(expanded.shape(), expanded.strides(), batch_shape.size());
  if (!batch_stride) {
    expanded = contiguous(expanded);
    batch_stride = rows * cols;
  }
  return as_strided(expanded, {batch, rows, cols}, {*batch_stride, expanded.stride(-2), expanded.stride(-1)},
                    expanded.offset());
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  HEED_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: needs tensors of at least 1 dim, got ", shape_str(a.shape()),
             " @ ", shape_str(b.shape()), "; multiply by a scalar with mul");
  HEED_CHECK(a.dtype() == b.dtype(), "matmul: dtypes differ: ", dtype_name(a.dtype()), " ", shape_str(a.shape()),
             " @ ", dtype_name(b.dtype()), " ", shape_str(b.shape()), "; convert one with .to(dtype)");
  HEED_CHECK(is_floating(a.dtype()), "matmul: needs float32 or float64 tensors, got ", dtype_name(a.dtype()),
             "; convert them with .to(DType::Float32)");
  HEED_CHECK(a.device() == b.device(), "matmul: tensors on different devices: ", a.device().str(), " vs ",
             b.device().str(), "; move one with .to(device)");

  // Vectors become matrices: a (K) is one row (1, K), b (K) one column (K, 1).
  const bool a_is_vector = a.dim() == 1, b_is_vector = b.dim() == 1;
  const Tensor a2 = a_is_vector ? unsqueeze(a, 0) : a;  // (..., M, K)
  const Tensor b2 = b_is_vector ? unsqueeze(b, 1) : b;  // (..., K, N)
  const std::int64_t m = a2.size(-2), k = a2.size(-1), n = b2.size(-1);
  HEED_CHECK(k == b2.size(-2), "matmul: inner dims differ: ", shape_str(a.shape()), " @ ", shape_str(b.shape()),
             "; expected a.shape[-1] == ", b_is_vector ? "b.shape[0]" : "b.shape[-2]");

  // Batch dims: everything before the last two, broadcast against each other.
  const Shape a_batch(a2.shape().begin(), a2.shape().end() - 2);
  const Shape b_batch(b2.shape().begin(), b2.shape().end() - 2);
  Shape batch_shape = a_batch.size() >= b_batch.size() ? a_batch : b_batch;
  if (a_batch != b_batch && !a_batch.empty() && !b_batch.empty()) {
    const std::string context = "matmul: batch dims of " + shape_str(a.shape()) + " @ " + shape_str(b.shape());
    batch_shape = broadcast_shapes(a_batch, b_batch, context);
  }
  const std::int64_t batch = numel_of(batch_shape);

  // The result, allocated with its final shape: the promoted vector dims are never in it.
  Shape out_shape = batch_shape;
  if (!a_is_vector) out_shape.push_back(m);
  if (!b_is_vector) out_shape.push_back(n);
  Tensor out = empty(out_shape, a.dtype(), a.device());
  Backend& backend = backend_for(a.device());

  // One shared matrix b and a whose batch dims fold into its rows: one big product.
  if (b2.dim() == 2 && !a_batch.empty()) {
    if (const auto row_stride = folded_stride(a2.shape(), a2.strides(), a2.shape().size() - 1)) {
      const std::int64_t rows = batch * m;
      const Tensor a3 = as_strided(a2, {1, rows, k}, {0, *row_stride, a2.stride(-1)}, a2.offset());
      const Tensor b3 = as_strided(b2, {1, k, n}, {0, b2.stride(0), b2.stride(1)}, b2.offset());
      Tensor out3 = as_strided(out, {1, rows, n}, {0, n, 1}, 0);
      backend.gemm(a3, b3, out3, /*accumulate=*/false);
      return out;
    }
  }

  const Tensor a3 = as_batched_matrices(a2, batch_shape, batch);  // (batch, M, K)
  const Tensor b3 = as_batched_matrices(b2, batch_shape, batch);  // (batch, K, N)
  Tensor out3 = as_strided(out, {batch, m, n}, {m * n, n, 1}, 0);  // (batch, M, N)
  backend.gemm(a3, b3, out3, /*accumulate=*/false);
  return out;
}

}  // namespace heed::ops
