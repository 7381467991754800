// Indexing kernels: index_select, index_add, gather, scatter_add.
//
// Every kernel views its contiguous tensors around `dim` as (outer, n, inner):
// element (o, j, i) sits at flat position (o * n + j) * inner + i, where outer is
// the product of the sizes before `dim` and inner the product of those after.
//
//   index_select  out(o, j, i)        = in(o, idx[j], i)          in (outer, n, inner), out (outer, k, inner)
//   index_add     out(o, idx[j], i)  += src(o, j, i)              src (outer, k, inner), idx (k)
//   gather        out[..j..]          = in[..idx[..j..]..]        idx and out share a shape
//   scatter_add   out[..idx[..j..]..] += src[..j..]               idx and src share a shape
//
// index_add and scatter_add are the backward passes of index_select and gather
// (and so of embedding), where the same index often appears many times: two
// additions into the same element must never run on two threads at once. They
// are therefore split across threads by (o, column block), never by j: every
// thread owns a disjoint set of output elements and walks all indices in order.
//
// Indices are checked before anything is written, so a bad index leaves `out`
// untouched and throws an Error naming the op, the index and the valid range.
#include <algorithm>
#include <string_view>
#include <vector>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"

namespace heed::cpu {
namespace {

// Sizes of a shape around `dim`: outer (before), size (at), inner (after).
struct AroundDim {
  std::int64_t outer = 1;
  std::int64_t size = 1;
  std::int64_t inner = 1;
};

AroundDim around_dim(const Shape& shape, int dim) {
  AroundDim view;
  for (int d = 0; d < dim; ++d) view.outer *= shape[d];
  view.size = shape[dim];
  for (std::size_t d = static_cast<std::size_t>(dim) + 1; d < shape.size(); ++d) view.inner *= shape[d];
  return view;
}

// Throws unless every index lies in [0, dim_size). Runs on one thread, before
// any output is written, because an exception must not leave an OpenMP region.
template <typename I>
void check_indices(std::string_view op, const I* idx, std::int64_t count, int dim, std::int64_t dim_size) {
  for (std::int64_t j = 0; j < count; ++j) {
    HEED_CHECK(idx[j] >= 0 && idx[j] < dim_size, op, ": index ", idx[j], " (at position ", j,
               " of the index tensor) is out of range for dim ", dim, " of size ", dim_size,
               "; expected indices in [0, ", dim_size, ")");
  }
}

// Offsets, in elements, of every position of index_shape[begin:end] inside a
// contiguous tensor of data_shape, in row-major order. gather and scatter_add
// need them because the index tensor may be smaller than the data tensor in the
// dims other than `dim`, so flat positions of the two do not line up.
std::vector<std::int64_t> data_offsets(const Shape& data_shape, const Shape& index_shape, int begin, int end) {
  const Strides data_strides = contiguous_strides(data_shape);
  std::vector<std::int64_t> offsets{0};
  for (int d = begin; d < end; ++d) {
    std::vector<std::int64_t> longer;
    longer.reserve(offsets.size() * static_cast<std::size_t>(index_shape[d]));
    for (const std::int64_t base : offsets)
      for (std::int64_t c = 0; c < index_shape[d]; ++c) longer.push_back(base + c * data_strides[d]);
    offsets = std::move(longer);
  }
  return offsets;
}

// How gather and scatter_add walk the index tensor: as (outer, count, inner),
// where the idx element (o, j, i) addresses the data element
//   data[outer_offset[o] + idx(o, j, i) * dim_stride + inner_offset[i]].
struct IndexWalk {
  AroundDim index;  // the index tensor around dim
  std::int64_t dim_size = 0;
  std::int64_t dim_stride = 0;
  std::vector<std::int64_t> outer_offset;
  std::vector<std::int64_t> inner_offset;
};

IndexWalk index_walk(const Shape& data_shape, const Shape& index_shape, int dim) {
  const int rank = static_cast<int>(data_shape.size());
  IndexWalk walk;
  walk.index = around_dim(index_shape, dim);
  walk.dim_size = data_shape[dim];
  walk.dim_stride = contiguous_strides(data_shape)[dim];
  walk.outer_offset = data_offsets(data_shape, index_shape, 0, dim);
  walk.inner_offset = data_offsets(data_shape, index_shape, dim + 1, rank);
  return walk;
}

// Columns of the inner dim handed to one thread at a time by index_add and
// scatter_add: long enough to vectorize, short enough to spread a single row.
constexpr std::int64_t kColumnBlock = 256;

}  // namespace

void CpuBackend::index_select(const Tensor& in, int dim, const Tensor& idx, Tensor& out) {
  const AroundDim src = around_dim(in.shape(), dim);
  const std::int64_t count = idx.numel();
  dispatch_index(idx.dtype(), "index_select", [&]<typename I>() {
    const I* positions = idx.data<I>();
    check_indices("index_select", positions, count, dim, src.size);
    dispatch(in.dtype(), [&]<typename T>() {
      const T* from = in.data<T>();
      T* to = out.data<T>();
      const std::int64_t rows = src.outer * count;  // output rows (o, j), each `inner` long
      // Each output row is written by exactly one iteration, so rows split freely.
#pragma omp parallel for schedule(static) if (rows * src.inner >= kParallelGrain)
      for (std::int64_t row = 0; row < rows; ++row) {
        const std::int64_t o = row / count, j = row % count;
        const T* source_row = from + (o * src.size + positions[j]) * src.inner;
        std::copy(source_row, source_row + src.inner, to + row * src.inner);
      }
    });
  });
}

void CpuBackend::index_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) {
  const AroundDim dst = around_dim(out.shape(), dim);
  const std::int64_t count = idx.numel();
  dispatch_index(idx.dtype(), "index_add", [&]<typename I>() {
    const I* positions = idx.data<I>();
    check_indices("index_add", positions, count, dim, dst.size);
    dispatch(out.dtype(), [&]<typename T>() {
      const T* from = src.data<T>();
      T* to = out.data<T>();
      const std::int64_t blocks_per_row = (dst.inner + kColumnBlock - 1) / kColumnBlock;
      const std::int64_t tasks = dst.outer * blocks_per_row;
      // A task owns columns [begin, end) of slice o for every index j: no two
      // tasks touch the same output element, however often an index repeats.
#pragma omp parallel for schedule(static) if (src.numel() >= kParallelGrain)
      for (std::int64_t task = 0; task < tasks; ++task) {
        const std::int64_t o = task / blocks_per_row;
        const std::int64_t begin = (task % blocks_per_row) * kColumnBlock;
        const std::int64_t end = std::min(dst.inner, begin + kColumnBlock);
        for (std::int64_t j = 0; j < count; ++j) {
          T* target_row = to + (o * dst.size + positions[j]) * dst.inner;
          const T* source_row = from + (o * count + j) * dst.inner;
          for (std::int64_t i = begin; i < end; ++i) target_row[i] += source_row[i];
        }
      }
    });
  });
}

void CpuBackend::gather(const Tensor& in, int dim, const Tensor& idx, Tensor& out) {
  const IndexWalk walk = index_walk(in.shape(), idx.shape(), dim);
  const AroundDim& shape = walk.index;
  dispatch_index(idx.dtype(), "gather", [&]<typename I>() {
    const I* positions = idx.data<I>();
    check_indices("gather", positions, idx.numel(), dim, walk.dim_size);
    dispatch(in.dtype(), [&]<typename T>() {
      const T* from = in.data<T>();
      T* to = out.data<T>();
      const std::int64_t rows = shape.outer * shape.size;
      // out has idx's shape and every element is written once: rows split freely.
#pragma omp parallel for schedule(static) if (idx.numel() >= kParallelGrain)
      for (std::int64_t row = 0; row < rows; ++row) {
        const std::int64_t o = row / shape.size;
        const I* row_positions = positions + row * shape.inner;
        T* out_row = to + row * shape.inner;
        for (std::int64_t i = 0; i < shape.inner; ++i)
          out_row[i] = from[walk.outer_offset[o] + row_positions[i] * walk.dim_stride + walk.inner_offset[i]];
      }
    });
  });
}

void CpuBackend::scatter_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) {
  const IndexWalk walk = index_walk(out.shape(), idx.shape(), dim);
  const AroundDim& shape = walk.index;
  dispatch_index(idx.dtype(), "scatter_add", [&]<typename I>() {
    const I* positions = idx.data<I>();
    check_indices("scatter_add", positions, idx.numel(), dim, walk.dim_size);
    dispatch(out.dtype(), [&]<typename T>() {
      const T* from = src.data<T>();
      T* to = out.data<T>();
      const std::int64_t blocks_per_row = (shape.inner + kColumnBlock - 1) / kColumnBlock;
      const std::int64_t tasks = shape.outer * blocks_per_row;
      // As in index_add: a task owns the output elements whose coordinates
      // outside `dim` are (o, columns [begin, end)), and walks every j in order.
#pragma omp parallel for schedule(static) if (idx.numel() >= kParallelGrain)
      for (std::int64_t task = 0; task < tasks; ++task) {
        const std::int64_t o = task / blocks_per_row;
        const std::int64_t begin = (task % blocks_per_row) * kColumnBlock;
        const std::int64_t end = std::min(shape.inner, begin + kColumnBlock);
        for (std::int64_t j = 0; j < shape.size; ++j) {
          const std::int64_t row = o * shape.size + j;
          const I* row_positions = positions + row * shape.inner;
          const T* source_row = from + row * shape.inner;
          for (std::int64_t i = begin; i < end; ++i)
            to[walk.outer_offset[o] + row_positions[i] * walk.dim_stride + walk.inner_offset[i]] += source_row[i];
        }
      }
    });
  });
}

}  // namespace heed::cpu
