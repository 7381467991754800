// Building blocks of the CUDA backend (tensor/cuda/cuda_backend.cu): error
// checks, the strided geometry every elementwise kernel indexes with, the
// launch shape, and the float/double overloads of the device math functions.
//
// Strided indexing. A kernel sees N operands of one logical shape, each with
// its own strides (a transposed input, a broadcast input with stride 0, a
// contiguous output). Thread i handles the i-th element in row-major order and
// turns i into one memory offset per operand:
//   offset_k(i) = sum_d index_d(i) * stride_k[d],  index_d(i) = (i / prod_{e>d} size_e) % size_d
// Before launching, the host merges dims that are back to back in every operand
// (the CPU loop does the same, tensor/cpu/strided_loop.h), so a contiguous tensor
// of any rank becomes one dim and costs no division at all. The geometry then
// travels to the kernel by value, as a kernel argument: no device allocation,
// no copy, for up to kMaxDims merged dims.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "tensor/error.h"
#include "tensor/tensor.h"

// Runs a CUDA runtime call and turns a failure into heed::Error naming the call.
#define HEED_CUDA_CHECK(call)                                                                      \
  do {                                                                                             \
    const cudaError_t heed_cuda_status = (call);                                                   \
    if (heed_cuda_status != cudaSuccess)                                                           \
      ::heed::detail::fail("CUDA error: ", cudaGetErrorString(heed_cuda_status), " in ", #call, " (", \
                           __FILE__, ":", __LINE__, ")");                                          \
  } while (0)

// The same for cuBLAS calls.
#define HEED_CUBLAS_CHECK(call)                                                                       \
  do {                                                                                                \
    const cublasStatus_t heed_cublas_status = (call);                                                 \
    if (heed_cublas_status != CUBLAS_STATUS_SUCCESS)                                                  \
      ::heed::detail::fail("cuBLAS error: ", cublasGetStatusString(heed_cublas_status), " in ", #call, \
                           " (", __FILE__, ":", __LINE__, ")");                                       \
  } while (0)

namespace heed::gpu {

inline constexpr int kMaxDims = 8;

template <int N>
struct StridedGeometry {
  int rank = 0;                           // merged dims; 0 for a single element
  std::int64_t sizes[kMaxDims] = {};      // outermost first
  std::int64_t strides[N][kMaxDims] = {};  // in elements, per operand
};

// Merges the dims of `shape` that are contiguous with each other in all operands
// and drops dims of size 1. `op` names the caller in the error for a layout that
// stays above kMaxDims dims after merging.
template <int N>
StridedGeometry<N> make_geometry(const Shape& shape, const std::array<const Tensor*, N>& operands, const char* op) {
  StridedGeometry<N> g;
  std::int64_t merged_sizes[kMaxDims];
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;  // a size-1 dim never moves a pointer
    bool merges = g.rank > 0;
    for (int k = 0; k < N && merges; ++k)
      merges = g.strides[k][g.rank - 1] == operands[k]->strides()[d] * shape[d];
    if (merges) {
      merged_sizes[g.rank - 1] *= shape[d];
      for (int k = 0; k < N; ++k) g.strides[k][g.rank - 1] = operands[k]->strides()[d];
      continue;
    }
    HEED_CHECK(g.rank < kMaxDims, op, ": a tensor of shape ", shape_str(shape), " whose strides leave more than ",
               kMaxDims, " dims after merging is beyond the CUDA kernels; make it contiguous first with .contiguous()");
    merged_sizes[g.rank] = shape[d];
    for (int k = 0; k < N; ++k) g.strides[k][g.rank] = operands[k]->strides()[d];
    ++g.rank;
  }
  std::copy(merged_sizes, merged_sizes + g.rank, g.sizes);
  return g;
}

// The memory offset (in elements) of the element at row-major position `linear`,
// for each operand. The outermost dim needs no modulo: linear is already below its size.
template <int N>
__device__ inline void element_offsets(const StridedGeometry<N>& g, std::int64_t linear, std::int64_t (&offsets)[N]) {
  for (int k = 0; k < N; ++k) offsets[k] = 0;
  if (g.rank == 0) return;
  for (int d = g.rank - 1; d > 0; --d) {
    const std::int64_t size = g.sizes[d];
    const std::int64_t index = linear % size;
    linear /= size;
    for (int k = 0; k < N; ++k) offsets[k] += index * g.strides[k][d];
  }
  for (int k = 0; k < N; ++k) offsets[k] += linear * g.strides[k][0];
}

// Launch shape: 256 threads a block and a grid-stride loop, so one launch covers
// any element count with a bounded grid.
inline constexpr int kThreadsPerBlock = 256;
inline constexpr std::int64_t kMaxBlocks = 1 << 16;

inline unsigned int blocks_for(std::int64_t n) {
  return static_cast<unsigned int>(std::min((n + kThreadsPerBlock - 1) / kThreadsPerBlock, kMaxBlocks));
}

#define HEED_GRID_STRIDE_LOOP(i, n)                                                                  \
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

// Launches kernel over n elements and checks the launch itself; an error inside
// the kernel surfaces at the next synchronising call (a copy to the host).
template <typename... KernelArgs, typename... Args>
void launch_elementwise(void (*kernel)(KernelArgs...), std::int64_t n, Args&&... args) {
  if (n == 0) return;
  kernel<<<blocks_for(n), kThreadsPerBlock>>>(std::forward<Args>(args)...);
  HEED_CUDA_CHECK(cudaGetLastError());
}

// Device math for float and double. The float versions call the single-precision
// functions (expf, not exp) so float kernels never compute in double by accident.
namespace math {
__device__ inline float exp(float x) { return ::expf(x); }
__device__ inline double exp(double x) { return ::exp(x); }
__device__ inline float expm1(float x) { return ::expm1f(x); }
__device__ inline double expm1(double x) { return ::expm1(x); }
__device__ inline float log(float x) { return ::logf(x); }
__device__ inline double log(double x) { return ::log(x); }
__device__ inline float sqrt(float x) { return ::sqrtf(x); }
__device__ inline double sqrt(double x) { return ::sqrt(x); }
__device__ inline float tanh(float x) { return ::tanhf(x); }
__device__ inline double tanh(double x) { return ::tanh(x); }
__device__ inline float erf(float x) { return ::erff(x); }
__device__ inline double erf(double x) { return ::erf(x); }
__device__ inline float sin(float x) { return ::sinf(x); }
__device__ inline double sin(double x) { return ::sin(x); }
__device__ inline float cos(float x) { return ::cosf(x); }
__device__ inline double cos(double x) { return ::cos(x); }
__device__ inline float pow(float x, float y) { return ::powf(x, y); }
__device__ inline double pow(double x, double y) { return ::pow(x, y); }
}  // namespace math

}  // namespace heed::gpu
