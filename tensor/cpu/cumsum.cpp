// Inclusive prefix sum along one dim:
//   out(o, j, i) = in(o, 0, i) + in(o, 1, i) + ... + in(o, j, i)
// with the contiguous tensors viewed as (outer, n, inner) around `dim`.
//
// The sum runs down j with a whole block of inner columns at a time, so the
// innermost loop is unit-stride and vectorizes. Running totals are kept in a
// wider type (double for floats, int64 for ints): a float32 prefix sum over a
// long sequence would otherwise drift, each partial sum rounding to 24 bits.
#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"

namespace heed::cpu {
namespace {

// Inner columns summed together by one task; their running totals live on the stack.
constexpr std::int64_t kColumnBlock = 256;

template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;

}  // namespace

void CpuBackend::cumsum(const Tensor& in, int dim, Tensor& out) {
  const Shape& shape = in.shape();
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < dim; ++d) outer *= shape[d];
  for (std::size_t d = static_cast<std::size_t>(dim) + 1; d < shape.size(); ++d) inner *= shape[d];
  const std::int64_t n = shape[dim];

  dispatch(in.dtype(), [&]<typename T>() {
    using Acc = Accumulator<T>;
    const T* from = in.data<T>();
    T* to = out.data<T>();
    const std::int64_t blocks_per_row = (inner + kColumnBlock - 1) / kColumnBlock;
    const std::int64_t tasks = outer * blocks_per_row;
    // Each task owns columns [begin, end) of slice o, all the way down j.
#pragma omp parallel for schedule(static) if (in.numel() >= kParallelGrain)
    for (std::int64_t task = 0; task < tasks; ++task) {
      const std::int64_t o = task / blocks_per_row;
      const std::int64_t begin = (task % blocks_per_row) * kColumnBlock;
      const std::int64_t width = std::min(inner, begin + kColumnBlock) - begin;
      std::array<Acc, kColumnBlock> running{};  // zeros
      for (std::int64_t j = 0; j < n; ++j) {
        const std::int64_t row_start = (o * n + j) * inner + begin;
        for (std::int64_t i = 0; i < width; ++i) {
          running[i] += static_cast<Acc>(from[row_start + i]);
          to[row_start + i] = static_cast<T>(running[i]);
        }
      }
    }
  });
}

}  // namespace heed::cpu
