// Reductions over any set of dims: sum, mean, var, max/min (with indices),
// argmax/argmin, logsumexp, and sum_to (the gradient of broadcasting).
//
// Every reduction becomes the backend's one row kernel (tensor/cpu/reduce.cpp):
//   1. permute t so the kept dims come first and the reduced dims last,
//        t (2, 3, 4), dims {1}:  permute (0, 2, 1) -> (2, 4, 3)
//   2. make it contiguous and view it as a matrix (rows, cols),
//        rows = product of kept sizes = 8,  cols = product of reduced sizes = 3
//   3. reduce each row, giving (rows) = (8), and reshape to the result shape:
//        (2, 4), or (2, 1, 4) with keepdim.
// When the reduced dims already trail a contiguous tensor (the common case:
// a sum over the last dim, or over all dims) the permutation is the identity
// and step 2 is a free view; no data moves.
//
// Empty dims means every dim. Dims may be negative (counted from the end) but
// not repeated. var uses `correction` as PyTorch: divide by (N - correction).
#include <vector>

#include "tensor/ops.h"

namespace heed::ops {
namespace {

// A reduction brought to matrix form.
struct RowReduction {
  Tensor matrix;       // (rows, cols), contiguous: kept dims flattened into rows, reduced dims into cols
  Shape result_shape;  // the kept sizes; with keepdim, also a 1 at each reduced dim
};

// Marks which dims of t the caller reduces; empty `dims` reduces every dim.
std::vector<bool> reduced_mask(const Tensor& t, const Dims& dims, const char* op) {
  const auto rank = static_cast<std::int64_t>(t.dim());
  std::vector<bool> reduced(static_cast<std::size_t>(rank), dims.empty());
  for (const std::int64_t dim : dims) {
    // A 0-d tensor has no dims, but accepts dim 0 or -1 (it is its own only element).
    if (rank == 0 && (dim == 0 || dim == -1)) continue;
    HEED_CHECK(dim >= -rank && dim < rank, op, ": dim ", dim, " is out of range for a tensor of shape ",
               shape_str(t.shape()), "; expected a dim in [", -rank, ", ", rank - 1, "]");
    const auto d = static_cast<std::size_t>(dim < 0 ? dim + rank : dim);
    HEED_CHECK(!reduced[d], op, ": dim ", d, " appears twice in dims ", shape_str(dims), " for a tensor of shape ",
               shape_str(t.shape()), "; list each dim once");
    reduced[d] = true;
  }
  return reduced;
}

RowReduction to_rows(const Tensor& t, const Dims& dims, bool keepdim, const char* op) {
  const std::vector<bool> reduced = reduced_mask(t, dims, op);
  Dims order;  // kept dims first, then reduced dims, each in their original order
  Shape kept_sizes, keepdim_sizes;
  std::int64_t rows = 1, cols = 1;
  for (int d = 0; d < t.dim(); ++d) {
    if (reduced[d]) continue;
    order.push_back(d);
    rows *= t.size(d);
  }
  for (int d = 0; d < t.dim(); ++d) {
    if (!reduced[d]) continue;
    order.push_back(d);
    cols *= t.size(d);
  }
  for (int d = 0; d < t.dim(); ++d) {
    if (!reduced[d]) kept_sizes.push_back(t.size(d));
    keepdim_sizes.push_back(reduced[d] ? 1 : t.size(d));
  }
  // contiguous() returns its argument untouched when the permuted tensor is
  // already laid out row by row (the identity permutation of a contiguous
  // tensor, or a transposed view reduced over its innermost memory dim): the
  // no-copy fast path.
  const Tensor grouped = contiguous(permute(t, order));
  return {reshape(grouped, {rows, cols}), keepdim ? keepdim_sizes : kept_sizes};
}

// Runs `reduce_op` on the rows of t; writes argmax/argmin positions to *indices when asked.
Tensor reduce(ReduceOp reduce_op, const Tensor& t, const Dims& dims, bool keepdim, double scalar, const char* op,
              Tensor* indices = nullptr) {
  const RowReduction plan = to_rows(t, dims, keepdim, op);
  const std::int64_t rows = plan.matrix.size(0);
  Tensor out = empty({rows}, t.dtype(), t.device());
  if (indices != nullptr) *indices = empty({rows}, DType::Int64, t.device());
  if (rows > 0) backend_for(t.device()).reduce_rows(reduce_op, plan.matrix, out, indices, scalar);
  if (indices != nullptr) *indices = reshape(*indices, plan.result_shape);
  return reshape(out, plan.result_shape);
}

void check_floating(const Tensor& t, const char* op) {
  HEED_CHECK(is_floating(t.dtype()), op, ": needs a float32 or float64 tensor, got ", dtype_name(t.dtype()), " ",
             shape_str(t.shape()), "; convert it first with .to(DType::Float32)");
}

// max and min have no value to give for an empty set.
void check_not_empty(const Tensor& t, const Dims& dims, const char* op) {
  const std::vector<bool> reduced = reduced_mask(t, dims, op);
  for (int d = 0; d < t.dim(); ++d) {
    HEED_CHECK(!reduced[d] || t.size(d) > 0, op, ": cannot reduce dim ", d, " of size 0 in a tensor of shape ",
               shape_str(t.shape()), "; there is no ", op, " of an empty set");
  }
}

std::pair<Tensor, Tensor> extreme(ReduceOp reduce_op, const Tensor& t, std::int64_t dim, bool keepdim,
                                  const char* op) {
  check_not_empty(t, {dim}, op);
  Tensor indices;
  Tensor values = reduce(reduce_op, t, {dim}, keepdim, 0, op, &indices);
  return {values, indices};
}

}  // namespace

Tensor sum(const Tensor& t, const Dims& dims, bool keepdim) {
  return reduce(ReduceOp::Sum, t, dims, keepdim, 0, "sum");
}

Tensor mean(const Tensor& t, const Dims& dims, bool keepdim) {
  check_floating(t, "mean");  // the mean of integers is rarely an integer
  return reduce(ReduceOp::Mean, t, dims, keepdim, 0, "mean");
}

Tensor var(const Tensor& t, const Dims& dims, std::int64_t correction, bool keepdim) {
  check_floating(t, "var");
  HEED_CHECK(correction >= 0, "var: correction must be >= 0 (0 for the population variance, 1 for the sample "
             "variance), got ", correction);
  return reduce(ReduceOp::Var, t, dims, keepdim, static_cast<double>(correction), "var");
}

std::pair<Tensor, Tensor> max(const Tensor& t, std::int64_t dim, bool keepdim) {
  return extreme(ReduceOp::Max, t, dim, keepdim, "max");
}

std::pair<Tensor, Tensor> min(const Tensor& t, std::int64_t dim, bool keepdim) {
  return extreme(ReduceOp::Min, t, dim, keepdim, "min");
}

Tensor max(const Tensor& t) {
  check_not_empty(t, {}, "max");
  return reduce(ReduceOp::Max, t, {}, false, 0, "max");
}

Tensor min(const Tensor& t) {
  check_not_empty(t, {}, "min");
  return reduce(ReduceOp::Min, t, {}, false, 0, "min");
}

Tensor argmax(const Tensor& t, std::int64_t dim, bool keepdim) {
  return extreme(ReduceOp::Max, t, dim, keepdim, "argmax").second;
}

Tensor argmin(const Tensor& t, std::int64_t dim, bool keepdim) {
  return extreme(ReduceOp::Min, t, dim, keepdim, "argmin").second;
}

Tensor logsumexp(const Tensor& t, std::int64_t dim, bool keepdim) {
  check_floating(t, "logsumexp");
  return reduce(ReduceOp::LogSumExp, t, {dim}, keepdim, 0, "logsumexp");
}

// Broadcasting aligns shapes on the right, so t's extra leading dims, and the
// dims where `shape` has 1 but t does not, are the ones that were expanded:
//   t (4, 2, 3) -> shape (2, 1):  t (4, 2, 3) vs (_, 2, 1): sum dims {0, 2}
Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  const auto rank = static_cast<std::size_t>(t.dim());
  HEED_CHECK(shape.size() <= rank, "sum_to: cannot sum ", shape_str(t.shape()), " to ", shape_str(shape),
             ", which has more dims; expected a shape that broadcasts to ", shape_str(t.shape()));
  const std::size_t lead = rank - shape.size();
  Dims dims;
  for (std::size_t d = 0; d < rank; ++d) {
    if (d < lead) {
      dims.push_back(static_cast<std::int64_t>(d));
      continue;
    }
    const std::int64_t want = shape[d - lead], have = t.shape()[d];
    HEED_CHECK(want == have || want == 1, "sum_to: cannot sum ", shape_str(t.shape()), " to ", shape_str(shape),
               " (dim ", d, ": size ", have, " cannot come from ", want,
               "); expected a shape that broadcasts to ", shape_str(t.shape()));
    if (want != have) dims.push_back(static_cast<std::int64_t>(d));
  }
  if (dims.size() == lead && !shape.empty() && is_floating(t.dtype()) && t.is_contiguous()) {
    // Only leading dims are summed (a bias's gradient, (B, T, N) -> (N)): ones (1, R) @ t (R, N)
    // reads t where it lies, while the row reduction would first copy it transposed to (N, R).
    const std::int64_t cols = numel_of(shape), rows = t.numel() / cols;
    return reshape(matmul(ones({1, rows}, t.dtype(), t.device()), reshape(t, {rows, cols})), shape);
  }
  // dims is not empty (the shapes differ), so this never falls back to "every dim".
  return reshape(sum(t, dims, /*keepdim=*/true), shape);
}

}  // namespace heed::ops
