// The CPU's loop over strided tensors, shared by every elementwise kernel.
//
// N operands (outputs and inputs) have the same shape but their own strides.
// The loop first merges dims that are laid out back to back in every operand
// ("coalescing"), so a contiguous tensor of any rank becomes a single row, and
// a transposed one becomes rows with a constant stride. It then calls
//   row(ptrs, steps, n)
// for each innermost row: ptrs[k] points at operand k's first element of the
// row, steps[k] is its stride in bytes along the row, n the row length. Rows
// are split across OpenMP threads once the tensor is large enough to pay for it.
#pragma once

#include <omp.h>

#include <array>
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace heed::cpu {

// Below this many elements a kernel runs on one thread: waking the team costs
// more than the work (a few microseconds against ~1 ns per element).
inline constexpr std::int64_t kParallelGrain = 1 << 15;

template <std::size_t N>
struct StridedLayout {
  std::vector<std::int64_t> sizes;                   // outermost first; sizes.back() is the row
  std::array<std::vector<std::int64_t>, N> strides;  // in bytes, per operand
  std::array<char*, N> base{};                       // first element of each operand
};

template <std::size_t N>
StridedLayout<N> coalesce(const Shape& shape, const std::array<const Tensor*, N>& operands) {
  StridedLayout<N> layout;
  for (std::size_t k = 0; k < N; ++k) layout.base[k] = static_cast<char*>(operands[k]->raw_data());
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;  // size-1 dims never move a pointer
    bool merges = !layout.sizes.empty();
    for (std::size_t k = 0; k < N && merges; ++k) {
      const auto elem = static_cast<std::int64_t>(dtype_size(operands[k]->dtype()));
      merges = layout.strides[k].back() == operands[k]->strides()[d] * elem * shape[d];
    }
    if (merges) {
      layout.sizes.back() *= shape[d];
      for (std::size_t k = 0; k < N; ++k) {
        const auto elem = static_cast<std::int64_t>(dtype_size(operands[k]->dtype()));
        layout.strides[k].back() = operands[k]->strides()[d] * elem;
      }
    } else {
      layout.sizes.push_back(shape[d]);
      for (std::size_t k = 0; k < N; ++k) {
        const auto elem = static_cast<std::int64_t>(dtype_size(operands[k]->dtype()));
        layout.strides[k].push_back(operands[k]->strides()[d] * elem);
      }
    }
  }
  if (layout.sizes.empty()) {  // a scalar, or all dims of size 1
    layout.sizes.push_back(1);
    for (auto& s : layout.strides) s.push_back(0);
  }
  return layout;
}

// Runs rows [row_begin, row_end) of the layout; the row itself may be cut to
// [col_begin, col_end) when a single long row is split between threads.
template <std::size_t N, typename Row>
void run_rows(const StridedLayout<N>& layout, std::int64_t row_begin, std::int64_t row_end,
              std::int64_t col_begin, std::int64_t col_end, Row& row) {
  const std::size_t outer = layout.sizes.size() - 1;
  std::array<std::int64_t, N> steps;
  for (std::size_t k = 0; k < N; ++k) steps[k] = layout.strides[k][outer];
  // The multi-index of row_begin over the outer dims.
  std::vector<std::int64_t> index(outer, 0);
  std::int64_t rest = row_begin;
  for (std::size_t d = outer; d-- > 0;) {
    index[d] = rest % layout.sizes[d];
    rest /= layout.sizes[d];
  }
  std::array<char*, N> ptrs;
  for (std::size_t k = 0; k < N; ++k) {
    ptrs[k] = layout.base[k] + col_begin * steps[k];
    for (std::size_t d = 0; d < outer; ++d) ptrs[k] += index[d] * layout.strides[k][d];
  }
  for (std::int64_t r = row_begin; r < row_end; ++r) {
    row(ptrs, steps, col_end - col_begin);
    // Advance the odometer.
    for (std::size_t d = outer; d-- > 0;) {
      for (std::size_t k = 0; k < N; ++k) ptrs[k] += layout.strides[k][d];
      if (++index[d] < layout.sizes[d]) break;
      for (std::size_t k = 0; k < N; ++k) ptrs[k] -= layout.sizes[d] * layout.strides[k][d];
      index[d] = 0;
    }
  }
}

template <std::size_t N, typename Row>
void for_each_row(const Shape& shape, const std::array<const Tensor*, N>& operands, Row&& row) {
  const std::int64_t total = numel_of(shape);
  if (total == 0) return;
  // Fast path, and the common one: every operand contiguous. One flat row,
  // no layout to build (this keeps small ops cheap).
  bool flat = true;
  for (const Tensor* t : operands) flat = flat && t->is_contiguous();
  if (flat) {
    std::array<char*, N> ptrs;
    std::array<std::int64_t, N> steps;
    for (std::size_t k = 0; k < N; ++k) {
      ptrs[k] = static_cast<char*>(operands[k]->raw_data());
      steps[k] = static_cast<std::int64_t>(dtype_size(operands[k]->dtype()));
    }
    const int threads = total >= kParallelGrain ? omp_get_max_threads() : 1;
    if (threads <= 1) {
      row(ptrs, steps, total);
      return;
    }
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const std::int64_t begin = total * t / nt, end = total * (t + 1) / nt;
      std::array<char*, N> mine;
      for (std::size_t k = 0; k < N; ++k) mine[k] = ptrs[k] + begin * steps[k];
      row(mine, steps, end - begin);
    }
    return;
  }
  const StridedLayout<N> layout = coalesce(shape, operands);
  const std::int64_t row_len = layout.sizes.back();
  const std::int64_t rows = total / row_len;
  const int threads = total >= kParallelGrain ? omp_get_max_threads() : 1;
  if (threads <= 1) {
    run_rows(layout, 0, rows, 0, row_len, row);
    return;
  }
  if (rows >= threads) {
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      run_rows(layout, rows * t / nt, rows * (t + 1) / nt, 0, row_len, row);
    }
  } else {  // few long rows: cut each row into per-thread pieces
    for (std::int64_t r = 0; r < rows; ++r) {
#pragma omp parallel num_threads(threads)
      {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        auto row_copy = row;
        run_rows(layout, r, r + 1, row_len * t / nt, row_len * (t + 1) / nt, row_copy);
      }
    }
  }
}

}  // namespace heed::cpu
