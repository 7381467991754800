// Row reductions on the CPU: a contiguous (rows, cols) matrix x becomes a
// vector out of (rows), one value per row r:
//   Sum        out[r] = sum_j x[r, j]
//   Mean       out[r] = sum_j x[r, j] / cols
//   Max, Min   out[r] = max_j x[r, j]  (min_j), and index[r] = the first j that attains it
//   Var        out[r] = sum_j (x[r, j] - mean_r)^2 / max(cols - correction, 0)
//   LogSumExp  out[r] = m + log(sum_j exp(x[r, j] - m)),  m = max_j x[r, j]
// tensor/ops/reduce.cpp brings any reduction (any dims, any layout) to this form.
//
// Accuracy without slowness:
// - Sums use pairwise summation (as NumPy's np.add.reduce): short blocks are
//   summed with 8 independent partial sums, which the compiler maps onto vector
//   lanes, and the blocks are added as a balanced tree. The rounding error then
//   grows like O(log n) instead of O(n), so float32 can accumulate in float.
// - Var is two passes (the mean, then the squared deviations from it), which
//   avoids the cancellation of the one-pass sum(x^2) - n*mean^2 formula.
// - LogSumExp subtracts the row max before exp(), so exp() never overflows;
//   a row of all -inf has m = -inf and gives -inf (not -inf - -inf = NaN).
// - NaN propagates: Max/Min of a row holding NaN is NaN, at the first NaN's index.
//
// Threads: rows are split across OpenMP threads once the matrix is large. When
// there are fewer rows than threads (one huge row, say), each row is cut into
// per-thread pieces whose partial results are combined in order, so the result
// does not depend on which thread finished first.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"

namespace heed::cpu {
namespace {

// Integers sum in int64 (an int32 row easily overflows int32); floats sum in
// their own type, kept accurate by the pairwise order.
template <typename T>
using SumType = std::conditional_t<std::is_floating_point_v<T>, T, std::int64_t>;

template <typename T>
bool is_nan(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(value);
  } else {
    return false;
  }
}

// Blocks this short are summed directly; longer spans split in two.
constexpr std::int64_t kPairwiseBlock = 128;

// sum_{i < n} term(x[i]), in pairwise order.
template <typename Acc, typename T, typename Term>
Acc pairwise_sum(const T* x, std::int64_t n, const Term& term) {
  if (n <= kPairwiseBlock) {
    // Eight independent accumulators: no add waits on the previous one, and
    // lanes[0..7] fill one AVX register for float32.
    Acc lanes[8] = {};
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      for (int k = 0; k < 8; ++k) lanes[k] += static_cast<Acc>(term(x[i + k]));
    }
    Acc total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    for (; i < n; ++i) total += static_cast<Acc>(term(x[i]));
    return total;
  }
  const std::int64_t half = n / 2 / 8 * 8;  // a multiple of 8, so every block but the last is full
  return pairwise_sum<Acc>(x, half, term) + pairwise_sum<Acc>(x + half, n - half, term);
}

template <typename T>
struct Extreme {
  T value;
  std::int64_t index;
};

// The max (or min) of x[begin, end) and the first index holding it; a NaN
// wins at once. The span must not be empty.
template <bool kIsMax, typename T>
Extreme<T> extreme_of(const T* x, std::int64_t begin, std::int64_t end) {
  Extreme<T> best{x[begin], begin};
  for (std::int64_t i = begin; i < end; ++i) {
    const T v = x[i];
    if (is_nan(v)) return {v, i};
    // Strict comparison keeps the first index when values tie.
    if (kIsMax ? v > best.value : v < best.value) best = {v, i};
  }
  return best;
}

// Combines the results of two neighbouring pieces, `left` covering the lower indices.
template <bool kIsMax, typename T>
Extreme<T> combine_extremes(const Extreme<T>& left, const Extreme<T>& right) {
  if (is_nan(left.value)) return left;
  if (is_nan(right.value)) return right;
  const bool right_wins = kIsMax ? right.value > left.value : right.value < left.value;
  return right_wins ? right : left;
}

// Reduces [0, n) by cutting it into `pieces` spans, running partial(begin, end)
// on each (in parallel when pieces > 1) and folding the results left to right
// with combine(left, right).
template <typename R, typename Partial, typename Combine>
R split_reduce(std::int64_t n, int pieces, const Partial& partial, const Combine& combine) {
  if (pieces <= 1) return partial(std::int64_t{0}, n);
  std::vector<R> parts(static_cast<std::size_t>(pieces));
#pragma omp parallel for schedule(static) num_threads(pieces)
  for (int p = 0; p < pieces; ++p) {
    parts[static_cast<std::size_t>(p)] = partial(n * p / pieces, n * (p + 1) / pieces);
  }
  R total = parts[0];
  for (std::size_t p = 1; p < parts.size(); ++p) total = combine(total, parts[p]);
  return total;
}

// One row x[0, n) reduced with `op`, its pieces spread over `pieces` threads.
// Returns the value; writes the argmax/argmin to *index when index is non-null.
template <typename T>
T reduce_row(ReduceOp op, const T* x, std::int64_t n, double correction, int pieces, std::int64_t* index) {
  using Acc = SumType<T>;
  const auto identity = [](T v) { return v; };
  const auto add = [](Acc a, Acc b) { return a + b; };
  const auto sum_with = [&](const auto& term) {
    const auto partial = [&](std::int64_t begin, std::int64_t end) {
      return pairwise_sum<Acc>(x + begin, end - begin, term);
    };
    return split_reduce<Acc>(n, pieces, partial, add);
  };
  const auto extreme = [&]<bool kIsMax>() {
    const auto partial = [&](std::int64_t begin, std::int64_t end) { return extreme_of<kIsMax>(x, begin, end); };
    return split_reduce<Extreme<T>>(n, pieces, partial, combine_extremes<kIsMax, T>);
  };

  switch (op) {
    case ReduceOp::Sum: return static_cast<T>(sum_with(identity));
    case ReduceOp::Max:
    case ReduceOp::Min: {
      const Extreme<T> best = op == ReduceOp::Max ? extreme.template operator()<true>()
                                                  : extreme.template operator()<false>();
      if (index != nullptr) *index = best.index;
      return best.value;
    }
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case ReduceOp::Mean: return sum_with(identity) / static_cast<T>(n);  // 0/0 = NaN for an empty row
      case ReduceOp::Var: {
        const T mean = sum_with(identity) / static_cast<T>(n);
        const T squares = sum_with([mean](T v) {
          const T deviation = v - mean;
          return deviation * deviation;
        });
        // As PyTorch: a non-positive divisor gives inf (or NaN for 0/0).
        return squares / static_cast<T>(std::max(static_cast<double>(n) - correction, 0.0));
      }
      case ReduceOp::LogSumExp: {
        if (n == 0) return -std::numeric_limits<T>::infinity();  // log(0)
        const T row_max = extreme.template operator()<true>().value;
        // -inf: every entry is -inf; +inf: the sum is +inf; NaN: stays NaN.
        if (!std::isfinite(row_max)) return row_max;
        const T exp_sum = sum_with([row_max](T v) { return std::exp(v - row_max); });
        return row_max + std::log(exp_sum);
      }
      default: break;
    }
  }
  return T(0);  // unreachable: reduce_rows rejects other (op, dtype) pairs before the loops start
}

const char* reduce_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Mean: return "mean";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
    case ReduceOp::Var: return "var";
    case ReduceOp::LogSumExp: return "logsumexp";
  }
  return "reduce";
}

}  // namespace

void CpuBackend::reduce_rows(ReduceOp op, const Tensor& in, Tensor& out, Tensor* indices, double scalar) {
  const std::int64_t rows = in.size(0);
  const std::int64_t cols = in.size(1);
  // Errors are raised here, before any parallel region: an exception must not
  // leave an OpenMP thread.
  const bool integer_ok = op == ReduceOp::Sum || op == ReduceOp::Max || op == ReduceOp::Min;
  HEED_CHECK(is_floating(in.dtype()) || integer_ok, reduce_name(op), ": needs a float32 or float64 tensor, got ",
             dtype_name(in.dtype()), "; convert it with .to(DType::Float32)");
  HEED_CHECK(cols > 0 || (op != ReduceOp::Max && op != ReduceOp::Min), reduce_name(op),
             ": cannot reduce an empty row (", rows, " rows of 0 elements); the result is undefined");
  if (rows == 0) return;

  const int threads = rows * cols >= kParallelGrain ? omp_get_max_threads() : 1;
  dispatch(in.dtype(), [&]<typename T>() {
    const T* x = in.data<T>();  // (rows, cols)
    T* result = out.data<T>();  // (rows)
    std::int64_t* index = indices != nullptr ? indices->data<std::int64_t>() : nullptr;  // (rows)
    const auto index_of = [index](std::int64_t r) { return index != nullptr ? index + r : nullptr; };
    if (rows < threads) {
      // Fewer rows than threads: each row in turn gets every thread.
      const int pieces = static_cast<int>(std::min<std::int64_t>(threads, cols));
      for (std::int64_t r = 0; r < rows; ++r) {
        result[r] = reduce_row<T>(op, x + r * cols, cols, scalar, pieces, index_of(r));
      }
    } else {
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
      for (std::int64_t r = 0; r < rows; ++r) {
        result[r] = reduce_row<T>(op, x + r * cols, cols, scalar, /*pieces=*/1, index_of(r));
      }
    }
  });
}

}  // namespace heed::cpu
