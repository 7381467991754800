// The CUDA backend: heed's kernel seam (tensor/backend.h) implemented on an
// NVIDIA GPU. Built only when CMake finds nvcc (HEED_WITH_CUDA).
//
// What runs here today:
//   memory       cudaMalloc / cudaFree, cudaMemcpy to and from the host
//   fill, copy   strided kernels; copy converts dtype on the way
//   unary        every UnaryOp,  out[i] = f(in[i])
//   binary       every BinaryOp, out[i] = f(a[i], b[i]); broadcast inputs have stride 0
//   where        out[i] = cond[i] != 0 ? a[i] : b[i]
//   gemm         cuBLAS, batched:  out(b) = a(b) @ bm(b)   (+ out(b) when accumulating)
// The row kernels (reductions, softmax), indexing and cumsum throw an error that
// says to move the tensor to the CPU; they arrive with the GPU work on attention.
//
// The elementwise kernels take the op as a runtime argument instead of one
// template instance per op: the switch is the same for every thread of a warp
// (no divergence), the kernels are bound by memory traffic, and it keeps the
// number of instantiations (and nvcc's compile time) to one per dtype.
//
// GEMM and cuBLAS's column-major view. cuBLAS reads a matrix stored row-major
// as its transpose. So for row-major C = A @ B we ask cuBLAS for the
// column-major product C^T = B^T A^T: it writes exactly the bytes of row-major
// C. An operand whose rows (or columns) are contiguous is passed as it is, with
// a leading dimension and a transpose flag; only one that is neither (say, a
// matrix with both strides > 1) is first copied into row-major order.
//
// One device: every call runs on the current CUDA device (device 0 unless the
// process chose another) on the default stream, so copies to the host see the
// results of all kernels launched before them.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <type_traits>

#include "tensor/backend.h"
#include "tensor/cuda/cuda_kernels.cuh"

namespace heed {
namespace gpu {
namespace {

// ---- Elementwise functions --------------------------------------------------

constexpr bool unary_needs_floating(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Relu: case UnaryOp::Square:
    case UnaryOp::AddScalar: case UnaryOp::MulScalar: case UnaryOp::RSubScalar: case UnaryOp::FillLike:
      return false;
    default:
      return true;
  }
}

constexpr bool binary_needs_floating(BinaryOp op) {
  switch (op) {
    case BinaryOp::Pow: case BinaryOp::GeluBackward: case BinaryOp::EluBackward: case BinaryOp::SigmoidBackward:
    case BinaryOp::TanhBackward:
      return true;
    default:
      return false;
  }
}

// 1/sqrt(2) and 1/sqrt(2*pi), for the exact GELU: x * Phi(x), Phi(x) = (1 + erf(x/sqrt(2))) / 2.
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// f(x) for one UnaryOp, written as the CPU kernels write it (tensor/cpu/unary.cpp)
// so the two backends agree to rounding.
template <typename T>
__device__ T apply_unary(UnaryOp op, T x, T c) {
  switch (op) {
    case UnaryOp::Neg: return static_cast<T>(-x);
    case UnaryOp::Abs: return x < T(0) ? static_cast<T>(-x) : x;
    case UnaryOp::Sign: return static_cast<T>((T(0) < x) - (x < T(0)));
    case UnaryOp::Relu: return x > T(0) ? x : T(0);
    case UnaryOp::Square: return static_cast<T>(x * x);
    case UnaryOp::AddScalar: return static_cast<T>(x + c);
    case UnaryOp::MulScalar: return static_cast<T>(x * c);
    case UnaryOp::RSubScalar: return static_cast<T>(c - x);
    case UnaryOp::FillLike: return c;
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnaryOp::Exp: return math::exp(x);
      case UnaryOp::Log: return math::log(x);
      case UnaryOp::Sqrt: return math::sqrt(x);
      case UnaryOp::Rsqrt: return T(1) / math::sqrt(x);
      case UnaryOp::Tanh: return math::tanh(x);
      case UnaryOp::Sigmoid: {
        // Two branches keep exp() from overflowing for large |x|.
        if (x >= T(0)) return T(1) / (T(1) + math::exp(-x));
        const T e = math::exp(x);
        return e / (T(1) + e);
      }
      case UnaryOp::Gelu: return T(0.5) * x * (T(1) + math::erf(x * T(kInvSqrt2)));
      case UnaryOp::Elu: return x > T(0) ? x : c * math::expm1(x);
      case UnaryOp::Sin: return math::sin(x);
      case UnaryOp::Cos: return math::cos(x);
      case UnaryOp::Reciprocal: return T(1) / x;
      case UnaryOp::PowScalar: return c == T(2) ? x * x : math::pow(x, c);
      default: break;
    }
  }
  return x;  // unreachable: the host rejects ops the dtype cannot run
}

// f(a, b) for one BinaryOp, as tensor/cpu/binary.cpp computes it.
template <typename T>
__device__ T apply_binary(BinaryOp op, T x, T y, T c) {
  switch (op) {
    case BinaryOp::Add: return static_cast<T>(x + y);
    case BinaryOp::Sub: return static_cast<T>(x - y);
    case BinaryOp::Mul: return static_cast<T>(x * y);
    case BinaryOp::Div: return static_cast<T>(x / y);
    case BinaryOp::Maximum: return (x != x || x > y) ? x : y;  // NaN propagates
    case BinaryOp::Minimum: return (x != x || x < y) ? x : y;
    case BinaryOp::Eq: return T(x == y);
    case BinaryOp::Ne: return T(x != y);
    case BinaryOp::Lt: return T(x < y);
    case BinaryOp::Le: return T(x <= y);
    case BinaryOp::Gt: return T(x > y);
    case BinaryOp::Ge: return T(x >= y);
    case BinaryOp::ReluBackward: return y > T(0) ? x : T(0);
    case BinaryOp::AddScaled: return static_cast<T>(x + c * y);
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::Pow: return math::pow(x, y);
      case BinaryOp::GeluBackward: {  // x = upstream gradient, y = forward input
        const T cdf = T(0.5) * (T(1) + math::erf(y * T(kInvSqrt2)));
        const T pdf = math::exp(T(-0.5) * y * y) * T(kInvSqrt2Pi);
        return x * (cdf + y * pdf);
      }
      case BinaryOp::EluBackward: return y > T(0) ? x : x * c * math::exp(y);
      case BinaryOp::SigmoidBackward: return x * y * (T(1) - y);  // y = sigmoid output
      case BinaryOp::TanhBackward: return x * (T(1) - y * y);     // y = tanh output
      default: break;
    }
  }
  return x;  // unreachable: the host rejects ops the dtype cannot run
}

// ---- Kernels ------------------------------------------------------------------

template <typename T>
__global__ void fill_kernel(StridedGeometry<1> g, std::int64_t n, T* out, T value) {
  HEED_GRID_STRIDE_LOOP(i, n) {
    std::int64_t at[1];
    element_offsets(g, i, at);
    out[at[0]] = value;
  }
}

template <typename D, typename S>
__global__ void copy_kernel(StridedGeometry<2> g, std::int64_t n, D* dst, const S* src) {
  HEED_GRID_STRIDE_LOOP(i, n) {
    std::int64_t at[2];
    element_offsets(g, i, at);
    dst[at[0]] = static_cast<D>(src[at[1]]);
  }
}

template <typename T>
__global__ void unary_kernel(StridedGeometry<2> g, std::int64_t n, T* out, const T* in, UnaryOp op, T c) {
  HEED_GRID_STRIDE_LOOP(i, n) {
    std::int64_t at[2];
    element_offsets(g, i, at);
    out[at[0]] = apply_unary(op, in[at[1]], c);
  }
}

// out may alias a (in-place ops): each thread reads its element before writing it.
template <typename T>
__global__ void binary_kernel(StridedGeometry<3> g, std::int64_t n, T* out, const T* a, const T* b, BinaryOp op, T c) {
  HEED_GRID_STRIDE_LOOP(i, n) {
    std::int64_t at[3];
    element_offsets(g, i, at);
    out[at[0]] = apply_binary(op, a[at[1]], b[at[2]], c);
  }
}

template <typename T, typename C>
__global__ void where_kernel(StridedGeometry<4> g, std::int64_t n, T* out, const C* cond, const T* a, const T* b) {
  HEED_GRID_STRIDE_LOOP(i, n) {
    std::int64_t at[4];
    element_offsets(g, i, at);
    out[at[0]] = cond[at[1]] != C(0) ? a[at[2]] : b[at[3]];
  }
}

template <typename T>
T* device_ptr(const Tensor& t) {
  return static_cast<T*>(t.raw_data_any_device());
}

[[noreturn]] void not_on_cuda_yet(const char* op) {
  detail::fail(op, ": not implemented on CUDA yet; move the tensor to the CPU with .to(kCPU)");
}

// ---- GEMM through cuBLAS -----------------------------------------------------------

// One handle for the process. It is never destroyed: at exit the CUDA runtime may
// already be gone when static destructors run, and cublasDestroy would then fail.
cublasHandle_t cublas_handle() {
  static const cublasHandle_t handle = [] {
    cublasHandle_t h = nullptr;
    HEED_CUBLAS_CHECK(cublasCreate(&h));
    return h;
  }();
  return handle;
}

// A batch of row-major (rows, cols) matrices as cuBLAS will read them.
struct GemmOperand {
  const void* data = nullptr;
  cublasOperation_t op = CUBLAS_OP_N;  // N: rows are contiguous; T: columns are
  std::int64_t ld = 1;                 // leading dimension, in elements
  std::int64_t batch_stride = 0;       // 0 reuses one matrix for every batch
  Tensor storage_owner;                // keeps a packed copy alive until the call returns
};

// t: (batch, rows, cols). The operand cuBLAS can read in place, if t's layout allows:
// rows contiguous (read as the column-major transpose, op N, ld = row stride) or
// columns contiguous (read as a column-major matrix and transposed, op T).
std::optional<GemmOperand> read_in_place(const Tensor& t) {
  const std::int64_t rows = t.size(1), cols = t.size(2);
  std::int64_t row_stride = t.stride(1), col_stride = t.stride(2);
  // The stride of a size-1 dim never moves the pointer, so choose one that makes the layout valid.
  if (cols == 1) col_stride = 1;
  if (rows == 1) row_stride = std::max<std::int64_t>(cols, 1);
  GemmOperand operand;
  operand.data = t.raw_data_any_device();
  operand.batch_stride = t.size(0) == 1 ? 0 : t.stride(0);
  operand.storage_owner = t;
  if (col_stride == 1 && row_stride >= std::max<std::int64_t>(cols, 1)) {
    operand.op = CUBLAS_OP_N;
    operand.ld = row_stride;
    return operand;
  }
  if (row_stride == 1 && col_stride >= std::max<std::int64_t>(rows, 1)) {
    operand.op = CUBLAS_OP_T;
    operand.ld = col_stride;
    return operand;
  }
  return std::nullopt;
}

// The operand as cuBLAS can read it: in place when possible, else packed row-major
// by the copy kernel. A broadcast batch (stride 0) is packed once, not once per batch.
GemmOperand gemm_operand(const Tensor& t, Backend& backend) {
  if (auto in_place = read_in_place(t)) return *in_place;
  Tensor source = t;
  if (t.size(0) > 1 && t.stride(0) == 0) {
    source = as_strided(t, {1, t.size(1), t.size(2)}, {0, t.stride(1), t.stride(2)}, t.offset());
  }
  Tensor packed = empty(source.shape(), t.dtype(), t.device());
  backend.copy(source, packed);
  auto operand = read_in_place(packed);
  HEED_CHECK(operand.has_value(), "gemm: a packed row-major operand was not readable by cuBLAS");
  return *operand;
}

void check_fits_int(std::int64_t value, const char* what) {
  HEED_CHECK(value <= INT32_MAX, "gemm: ", what, " = ", value, " exceeds cuBLAS's 32-bit int; split the product");
}

// ---- The backend -------------------------------------------------------------------

class CudaBackend final : public Backend {
 public:
  void* allocate(std::size_t nbytes) override {
    void* ptr = nullptr;
    HEED_CUDA_CHECK(cudaMalloc(&ptr, nbytes));
    return ptr;
  }

  // Called from ~Storage, so it must not throw. At process exit the runtime may be
  // unloading; memory is then released with the context and the error means nothing.
  // cudaFree waits for the kernels in flight, so a temporary (a packed GEMM operand)
  // may be dropped right after the launch that reads it.
  void deallocate(void* ptr, std::size_t) override {
    const cudaError_t status = cudaFree(ptr);
    if (status != cudaSuccess && status != cudaErrorCudartUnloading) {
      std::fprintf(stderr, "heed: cudaFree failed: %s\n", cudaGetErrorString(status));
    }
  }

  void copy_to_host(const void* device_src, void* host_dst, std::size_t nbytes) override {
    HEED_CUDA_CHECK(cudaMemcpy(host_dst, device_src, nbytes, cudaMemcpyDeviceToHost));
  }

  void copy_from_host(const void* host_src, void* device_dst, std::size_t nbytes) override {
    HEED_CUDA_CHECK(cudaMemcpy(device_dst, host_src, nbytes, cudaMemcpyHostToDevice));
  }

  void fill(Tensor& out, double value) override {
    const auto g = make_geometry<1>(out.shape(), {&out}, "fill");
    dispatch(out.dtype(), [&]<typename T>() {
      launch_elementwise(fill_kernel<T>, out.numel(), g, out.numel(), device_ptr<T>(out), static_cast<T>(value));
    });
  }

  void copy(const Tensor& src, Tensor& dst) override {
    const auto g = make_geometry<2>(dst.shape(), {&dst, &src}, "copy");
    dispatch(dst.dtype(), [&]<typename D>() {
      dispatch(src.dtype(), [&]<typename S>() {
        launch_elementwise(copy_kernel<D, S>, dst.numel(), g, dst.numel(), device_ptr<D>(dst), device_ptr<S>(src));
      });
    });
  }

  void unary(UnaryOp op, const Tensor& in, Tensor& out, double scalar) override {
    HEED_CHECK(!unary_needs_floating(op) || is_floating(out.dtype()), "unary: op ", static_cast<int>(op),
               " needs a floating tensor, got ", dtype_name(out.dtype()));
    const auto g = make_geometry<2>(out.shape(), {&out, &in}, "unary");
    dispatch(out.dtype(), [&]<typename T>() {
      launch_elementwise(unary_kernel<T>, out.numel(), g, out.numel(), device_ptr<T>(out), device_ptr<T>(in), op,
                         static_cast<T>(scalar));
    });
  }

  void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out, double scalar) override {
    HEED_CHECK(!binary_needs_floating(op) || is_floating(out.dtype()), "binary: op ", static_cast<int>(op),
               " has no kernel for ", dtype_name(out.dtype()));
    const auto g = make_geometry<3>(out.shape(), {&out, &a, &b}, "binary");
    dispatch(out.dtype(), [&]<typename T>() {
      launch_elementwise(binary_kernel<T>, out.numel(), g, out.numel(), device_ptr<T>(out), device_ptr<T>(a),
                         device_ptr<T>(b), op, static_cast<T>(scalar));
    });
  }

  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) override {
    const auto g = make_geometry<4>(out.shape(), {&out, &cond, &a, &b}, "where");
    dispatch(out.dtype(), [&]<typename T>() {
      dispatch(cond.dtype(), [&]<typename C>() {
        launch_elementwise(where_kernel<T, C>, out.numel(), g, out.numel(), device_ptr<T>(out), device_ptr<C>(cond),
                           device_ptr<T>(a), device_ptr<T>(b));
      });
    });
  }

  void gemm(const Tensor& a, const Tensor& bm, Tensor& out, bool accumulate) override {
    const std::int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
    if (batch == 0 || m == 0 || n == 0) return;
    if (k == 0) {  // an empty sum: the product is zero
      if (!accumulate) fill(out, 0.0);
      return;
    }
    check_fits_int(batch, "batch");
    check_fits_int(m, "M");
    check_fits_int(n, "N");
    check_fits_int(k, "K");
    const GemmOperand lhs = gemm_operand(a, *this);   // (batch, M, K)
    const GemmOperand rhs = gemm_operand(bm, *this);  // (batch, K, N)
    check_fits_int(lhs.ld, "leading dimension of a");
    check_fits_int(rhs.ld, "leading dimension of b");
    // Column-major C^T (N x M, ld N) = op(B^T) (N x K) @ op(A^T) (K x M).
    const auto cm = static_cast<int>(n), cn = static_cast<int>(m), ck = static_cast<int>(k);
    const auto ldb_as_a = static_cast<int>(rhs.ld), lda_as_b = static_cast<int>(lhs.ld);
    dispatch_floating(out.dtype(), "gemm on CUDA", [&]<typename T>() {
      const T alpha = 1, beta = accumulate ? 1 : 0;
      const T* first = static_cast<const T*>(rhs.data);
      const T* second = static_cast<const T*>(lhs.data);
      T* result = device_ptr<T>(out);
      if constexpr (std::is_same_v<T, float>) {
        HEED_CUBLAS_CHECK(cublasSgemmStridedBatched(cublas_handle(), rhs.op, lhs.op, cm, cn, ck, &alpha, first,
                                                    ldb_as_a, rhs.batch_stride, second, lda_as_b, lhs.batch_stride,
                                                    &beta, result, cm, m * n, static_cast<int>(batch)));
      } else {
        HEED_CUBLAS_CHECK(cublasDgemmStridedBatched(cublas_handle(), rhs.op, lhs.op, cm, cn, ck, &alpha, first,
                                                    ldb_as_a, rhs.batch_stride, second, lda_as_b, lhs.batch_stride,
                                                    &beta, result, cm, m * n, static_cast<int>(batch)));
      }
    });
  }

  // Not yet on the GPU: each says so and how to go on.
  void reduce_rows(ReduceOp, const Tensor&, Tensor&, Tensor*, double) override { not_on_cuda_yet("reduce_rows"); }
  void softmax_rows(const Tensor&, Tensor&, bool) override { not_on_cuda_yet("softmax_rows"); }
  void softmax_backward_rows(const Tensor&, const Tensor&, Tensor&, bool) override {
    not_on_cuda_yet("softmax_backward_rows");
  }
  void index_select(const Tensor&, int, const Tensor&, Tensor&) override { not_on_cuda_yet("index_select"); }
  void index_add(Tensor&, int, const Tensor&, const Tensor&) override { not_on_cuda_yet("index_add"); }
  void gather(const Tensor&, int, const Tensor&, Tensor&) override { not_on_cuda_yet("gather"); }
  void scatter_add(Tensor&, int, const Tensor&, const Tensor&) override { not_on_cuda_yet("scatter_add"); }
  void cumsum(const Tensor&, int, Tensor&) override { not_on_cuda_yet("cumsum"); }
};

}  // namespace
}  // namespace gpu

Backend& cuda_backend() {
  static gpu::CudaBackend backend;
  return backend;
}

// Counted once: the set of visible devices is fixed when the runtime starts, and
// backend_for() asks on every op. No driver, no device, or a driver too old for
// this runtime all count as zero devices: the caller then falls back or skips.
int cuda_device_count() {
  static const int count = [] {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess) {
      (void)cudaGetLastError();  // clear the error so a later call does not report it
      return 0;
    }
    return devices;
  }();
  return count;
}

}  // namespace heed
