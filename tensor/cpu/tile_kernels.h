// Small dense kernels on tiles that fit in the L1 cache, for fused ops that work tile by tile
// (flash_attention.cpp): a matrix product, exp, and row max, sum and dot product. Plain loops
// that the compiler vectorises at -O2 with -march=x86-64-v3. No BLIS: at 64 x 64 its packing and
// setup eat the gain of its faster inner kernel (measured below). No -ffast-math: the row
// reductions keep several independent partial results instead of letting the compiler reorder one.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace heed::cpu::tile {

// C (m, n) += A (m, p) B (p, n). B and C are row-major, rows ldb and ldc apart; A's entry (i, kk)
// is a[i * a_row + kk * a_col], so a transposed tile is read in place (A's entries are taken one
// at a time and broadcast; only B and C are loaded as vectors). A kRows x kCols block of C stays
// in registers while kk runs: each B row loaded serves kRows rows, and the FMAs wait on no memory.
template <typename T>
void multiply_add(std::int64_t m, std::int64_t n, std::int64_t p, const T* a, std::int64_t a_row, std::int64_t a_col,
                  const T* b, std::int64_t ldb, T* c, std::int64_t ldc) {
  constexpr std::int64_t kRows = 4;
  constexpr std::int64_t kCols = 64 / sizeof(T);  // two 256-bit vectors: 16 floats or 8 doubles
  const std::int64_t block_rows = m / kRows * kRows, block_cols = n / kCols * kCols;
  for (std::int64_t i = 0; i < block_rows; i += kRows) {
    for (std::int64_t j = 0; j < block_cols; j += kCols) {
      T block[kRows][kCols] = {};
      for (std::int64_t kk = 0; kk < p; ++kk) {
        const T* b_row = b + kk * ldb + j;
        // Unrolled in full, the block becomes kRows * 2 vector registers. Measured on a 64 x 64 x 64
        // float product, one core of a shared machine: 50-80 GFLOP/s, against 18-25 with the loops
        // rolled and the block in memory, and 40-50 for BLIS's sgemm of the same size; 4 x 2
        // vectors beat 8 x 1, 2 x 4, 4 x 3 and 6 x 2.
#pragma GCC unroll 4
        for (std::int64_t r = 0; r < kRows; ++r) {
          const T a_entry = a[(i + r) * a_row + kk * a_col];
#pragma GCC unroll 16
          for (std::int64_t cc = 0; cc < kCols; ++cc) block[r][cc] = std::fma(a_entry, b_row[cc], block[r][cc]);
        }
      }
      for (std::int64_t r = 0; r < kRows; ++r)
        for (std::int64_t cc = 0; cc < kCols; ++cc) c[(i + r) * ldc + j + cc] += block[r][cc];
    }
  }
  // The edges: the columns right of the blocks (in the block rows), then the rows below them.
  const auto edge = [&](std::int64_t row_begin, std::int64_t row_end, std::int64_t col_begin) {
    for (std::int64_t i = row_begin; i < row_end; ++i)
      for (std::int64_t kk = 0; kk < p; ++kk) {
        const T a_entry = a[i * a_row + kk * a_col];
        const T* b_row = b + kk * ldb;
        T* c_row = c + i * ldc;
#pragma omp simd
        for (std::int64_t j = col_begin; j < n; ++j) c_row[j] = std::fma(a_entry, b_row[j], c_row[j]);
      }
  };
  if (block_cols < n) edge(0, block_rows, block_cols);
  edge(block_rows, m, 0);
}

// x[i] = exp(x[i]) for the arguments of a softmax, x <= 0 (up to rounding): s - max, s - log-sum.
// float64 calls the C library. float32 evaluates the polynomial itself, because glibc's expf is
// a call per element that the compiler cannot vectorise without -ffast-math (0.6 ns an element
// here against 5.8 for expf).
//   exp(x) = 2^k e^r,  k = round(x / ln 2),  r = x - k ln 2 in [-ln 2 / 2, ln 2 / 2]
// with ln 2 in two parts so that k ln 2 is exact, and e^r by Cephes' expf polynomial (Moshier
// 1989): at most 1e-7 relative error, 1 to 2 units in the last place. Arguments below -88
// (-inf, a hidden key, included) are raised to -88, where k = -127 makes 2^k's bits 0: the
// result is 0, as exp(-inf) is (exp(-88) = 6e-39 is a subnormal; softmax weights that small do
// not count beside the row's largest, which is 1). The clamp runs on the bits as unsigned
// integers (a negative float's bits grow with its magnitude): a float comparison would stop
// GCC from vectorising the loop.
inline void exp_in_place(double* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) x[i] = std::exp(x[i]);
}

inline void exp_in_place(float* x, std::int64_t n) {
  constexpr std::uint32_t kFloorBits = 0xC2B00000u;  // the bits of -88.0f
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &x[i], sizeof bits);
    bits = std::min(bits, kFloorBits);  // positive floats' bits are below any negative float's
    float v;
    std::memcpy(&v, &bits, sizeof v);
    const float k = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round(v / ln 2): 1.5 * 2^23
    const float r = (v - k * 0.693359375f) - k * -2.12194440e-4f;             // v - k ln 2
    float e = 1.9875691500e-4f;
    e = e * r + 1.3981999507e-3f;
    e = e * r + 8.3334519073e-3f;
    e = e * r + 4.1665795894e-2f;
    e = e * r + 1.6666665459e-1f;
    e = e * r + 5.0000001201e-1f;
    e = e * r * r + r + 1.0f;                                                        // e^r
    const std::int32_t power_bits = (static_cast<std::int32_t>(k) + 127) << 23;  // 2^k (0 at k = -127)
    float power;
    std::memcpy(&power, &power_bits, sizeof power);
    x[i] = e * power;
  }
}

// Row max, sum and dot product with 2 vectors' worth of independent partial results: no chain of n
// dependent steps, and the sum vectorises. An empty row gives -inf and 0.
template <typename T>
T row_max(const T* x, std::int64_t n) {
  constexpr std::int64_t kLanes = 64 / sizeof(T);
  T lanes[kLanes];
  std::fill(lanes, lanes + kLanes, -std::numeric_limits<T>::infinity());
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
#pragma GCC unroll 16
    for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] = std::max(lanes[l], x[i + l]);
  for (; i < n; ++i) lanes[0] = std::max(lanes[0], x[i]);
  return *std::max_element(lanes, lanes + kLanes);
}

template <typename T>
T row_sum(const T* x, std::int64_t n) {
  constexpr std::int64_t kLanes = 64 / sizeof(T);
  T lanes[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
#pragma GCC unroll 16
    for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] += x[i + l];
  for (; i < n; ++i) lanes[0] += x[i];
  T total = 0;
  for (std::int64_t l = 0; l < kLanes; ++l) total += lanes[l];
  return total;
}

template <typename T>
T row_dot(const T* x, const T* y, std::int64_t n) {
  constexpr std::int64_t kLanes = 64 / sizeof(T);
  T lanes[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
#pragma GCC unroll 16
    for (std::int64_t l = 0; l < kLanes; ++l) lanes[l] = std::fma(x[i + l], y[i + l], lanes[l]);
  for (; i < n; ++i) lanes[0] = std::fma(x[i], y[i], lanes[0]);
  T total = 0;
  for (std::int64_t l = 0; l < kLanes; ++l) total += lanes[l];
  return total;
}

}  // namespace heed::cpu::tile
