// Tests for ops::matmul and the CPU GEMM behind it (tensor/ops/matmul.cpp,
// tensor/cpu/gemm.cpp, tensor/cpu/blis_setup.cpp).
//
// The reference is the textbook triple loop in double precision, with NumPy's
// rules for 1-D operands and broadcast batch dims written out index by index.
// Every product BLIS computes is checked against it: all combinations of 1-D,
// 2-D and N-D operands, transposed and sliced views (which must be read in
// place, not copied), broadcast batches, float64, both threading strategies
// of the batched GEMM, and empty inner dims.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "tensor/ops.h"
#include "tensor/random.h"
#include "tensor/threads.h"

using namespace heed;

namespace {

struct Reference {
  Shape shape;
  std::vector<double> values;  // row-major
};

// numpy.matmul in plain loops: promote vectors, broadcast batch dims, sum over k.
Reference reference_matmul(const Tensor& a, const Tensor& b) {
  const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
  Shape as = a.shape(), bs = b.shape();
  if (a.dim() == 1) as.insert(as.begin(), 1);  // (K) -> (1, K)
  if (b.dim() == 1) bs.push_back(1);           // (K) -> (K, 1)
  const std::int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  const Shape batch = broadcast_shapes(a_batch, b_batch, "reference");

  // Offset of the matrix for output batch index `flat` in an operand whose own
  // batch dims are `own` (aligned right; size-1 dims repeat).
  auto matrix_offset = [&batch](std::int64_t flat, const Shape& own, std::int64_t matrix_size) {
    std::int64_t offset = 0, own_stride = matrix_size;
    for (std::size_t d = batch.size(); d-- > 0;) {
      const std::int64_t index = flat % batch[d];
      flat /= batch[d];
      const std::size_t lead = batch.size() - own.size();
      if (d < lead) continue;
      const std::int64_t size = own[d - lead];
      if (size != 1) offset += index * own_stride;
      own_stride *= size;
    }
    return offset;
  };

  Reference out;
  out.shape = batch;
  if (a.dim() > 1) out.shape.push_back(m);
  if (b.dim() > 1) out.shape.push_back(n);
  const std::int64_t batches = numel_of(batch);
  out.values.assign(static_cast<std::size_t>(batches * m * n), 0.0);
  for (std::int64_t p = 0; p < batches; ++p) {
    const std::int64_t a0 = matrix_offset(p, a_batch, m * k), b0 = matrix_offset(p, b_batch, k * n);
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (std::int64_t q = 0; q < k; ++q) sum += av[a0 + i * k + q] * bv[b0 + q * n + j];
        out.values[p * m * n + i * n + j] = sum;
      }
  }
  return out;
}

// Relative to the size of the terms, so long sums in float32 pass and wrong answers do not.
void require_matches(const Tensor& got, const Reference& want, double tolerance) {
  REQUIRE(got.shape() == want.shape);
  const std::vector<double> values = got.to_vector<double>();
  REQUIRE(values.size() == want.values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    INFO("element " << i << " of shape " << shape_str(got.shape()));
    REQUIRE(std::abs(values[i] - want.values[i]) <= tolerance * (1 + std::abs(want.values[i])));
  }
}

Reference as_reference(const Tensor& t) { return {t.shape(), t.to_vector<double>()}; }

void check_against_reference(const Shape& a_shape, const Shape& b_shape, DType dtype = DType::Float32) {
  Generator gen(static_cast<std::uint64_t>(numel_of(a_shape) * 31 + numel_of(b_shape)));
  const Tensor a = randn(a_shape, gen, dtype), b = randn(b_shape, gen, dtype);
  INFO(shape_str(a_shape) << " @ " << shape_str(b_shape));
  require_matches(ops::matmul(a, b), reference_matmul(a, b), dtype == DType::Float32 ? 1e-5 : 1e-12);
}

// Bytes allocated at the peak of `fn`, beyond what was live before it.
template <typename Fn>
std::int64_t peak_bytes_during(Fn&& fn) {
  reset_peak_memory(kCPU);
  const std::int64_t before = memory_stats(kCPU).current_bytes;
  fn();
  return memory_stats(kCPU).peak_bytes - before;
}

}  // namespace

TEST_CASE("matmul: small products computed by hand", "[matmul]") {
  const Tensor a = from_vector({1, 2, 3, 4}, {2, 2});
  const Tensor b = from_vector({5, 6, 7, 8}, {2, 2});
  CHECK(ops::matmul(a, b).to_vector<double>() == std::vector<double>{19, 22, 43, 50});

  const Tensor u = from_vector({1, 2, 3}, {3}), v = from_vector({4, 5, 6}, {3});
  const Tensor dot = ops::matmul(u, v);
  CHECK(dot.shape() == Shape{});
  CHECK(dot.item() == 32);

  // (2, 3) @ (3) -> (2): each row dotted with v.
  const Tensor m = from_vector({1, 0, 0, 1, 1, 1}, {2, 3});
  const Tensor mv = ops::matmul(m, v);
  CHECK(mv.shape() == Shape{2});
  CHECK(mv.to_vector<double>() == std::vector<double>{4, 15});

  // (3) @ (3, 2) -> (2): v combines the rows of m's transpose.
  const Tensor vm = ops::matmul(v, ops::transpose(m, 0, 1));
  CHECK(vm.shape() == Shape{2});
  CHECK(vm.to_vector<double>() == std::vector<double>{4, 15});
}

TEST_CASE("matmul: every combination of 1-D, 2-D and N-D operands matches the triple loop", "[matmul]") {
  check_against_reference({5}, {5});
  check_against_reference({5}, {5, 3});
  check_against_reference({4, 5}, {5});
  check_against_reference({4, 5}, {5, 3});
  check_against_reference({5}, {2, 5, 3});
  check_against_reference({2, 4, 5}, {5});
  check_against_reference({2, 4, 5}, {5, 3});
  check_against_reference({4, 5}, {2, 5, 3});
  check_against_reference({2, 4, 5}, {2, 5, 3});
  check_against_reference({2, 3, 4, 5}, {2, 3, 5, 6});
  check_against_reference({1, 4, 5}, {3, 5, 2});
  check_against_reference({7, 1, 3}, {1, 1, 3, 2});
  check_against_reference({1, 1}, {1, 1});
  check_against_reference({1}, {1});
}

TEST_CASE("matmul: broadcast batch dims", "[matmul]") {
  check_against_reference({2, 1, 3, 4}, {5, 4, 6});  // -> (2, 5, 3, 6)
  check_against_reference({3, 1, 2, 3}, {1, 4, 3, 2});
  check_against_reference({2, 3, 4}, {1, 4, 5});
  const Tensor out = ops::matmul(ones({2, 1, 3, 4}), ones({5, 4, 6}));
  CHECK(out.shape() == Shape{2, 5, 3, 6});
  CHECK(ops::max(out).item() == 4);
  CHECK(ops::min(out).item() == 4);
}

TEST_CASE("matmul: transposed and sliced operands are read in place", "[matmul]") {
  Generator gen(7);
  const Tensor a_storage = randn({40, 30}, gen), b_storage = randn({50, 40}, gen);
  const Tensor a = ops::transpose(a_storage, 0, 1);  // (30, 40), column-major
  const Tensor b = ops::transpose(b_storage, 0, 1);  // (40, 50)
  REQUIRE_FALSE(a.is_contiguous());

  Tensor from_views;
  const std::int64_t extra = peak_bytes_during([&] { from_views = ops::matmul(a, b); });
  CHECK(extra == 30 * 50 * 4);  // the output, and no copy of a or b
  const Tensor from_copies = ops::matmul(ops::contiguous(a), ops::contiguous(b));
  require_matches(from_views, as_reference(from_copies), 1e-6);
  require_matches(from_views, reference_matmul(a, b), 1e-5);

  // Attention's scores: q (B, H, T, D) @ k^T, where k^T is a view of k (B, H, T, D).
  const Tensor q = randn({2, 3, 6, 8}, gen), k = randn({2, 3, 6, 8}, gen);
  const Tensor k_t = ops::transpose(k, -2, -1);  // (2, 3, 8, 6)
  Tensor scores;
  const std::int64_t scores_extra = peak_bytes_during([&] { scores = ops::matmul(q, k_t); });
  CHECK(scores_extra == 2 * 3 * 6 * 6 * 4);
  require_matches(scores, reference_matmul(q, k_t), 1e-5);

  // Every other row (strides (2*16, 1)) and every other column (strides (16, 2)).
  const Tensor wide = randn({12, 16}, gen);
  const Tensor even_rows = ops::slice(wide, 0, 0, 12, 2);                        // (6, 16)
  const Tensor even_cols = ops::slice(ops::slice(wide, 1, 0, 16, 2), 0, 0, 8);  // (8, 8)
  const Tensor odd_cols_t = ops::transpose(ops::slice(wide, 1, 1, 16, 2), 0, 1);  // (8, 12)
  const Tensor wide_t = ops::transpose(wide, 0, 1);                              // (16, 12)
  require_matches(ops::matmul(even_rows, wide_t), reference_matmul(even_rows, wide_t), 1e-5);
  require_matches(ops::matmul(even_cols, odd_cols_t), reference_matmul(even_cols, odd_cols_t), 1e-5);
}

TEST_CASE("matmul: a linear layer's shared weight runs as one product without copies", "[matmul]") {
  Generator gen(11);
  const Tensor x = randn({4, 5, 8}, gen);                    // (B, T, D)
  const Tensor weight = randn({3, 8}, gen);                  // (O, D), used as weight^T
  const Tensor weight_t = ops::transpose(weight, 0, 1);      // (D, O), a view
  Tensor y;
  const std::int64_t extra = peak_bytes_during([&] { y = ops::matmul(x, weight_t); });
  CHECK(extra == 4 * 5 * 3 * 4);
  require_matches(y, reference_matmul(x, weight_t), 1e-5);
}

TEST_CASE("matmul: operands BLIS cannot take as strided are copied and still right", "[matmul]") {
  Generator gen(5);
  // A row repeated by expand has row stride 0, which BLIS does not accept.
  const Tensor row = randn({1, 6}, gen);
  const Tensor repeated = ops::expand(row, {4, 6});
  const Tensor b = randn({6, 3}, gen);
  require_matches(ops::matmul(repeated, b), reference_matmul(ops::contiguous(repeated), b), 1e-5);
  // A size-1 dim from unsqueeze carries an arbitrary stride; it must not matter.
  const Tensor column = ops::unsqueeze(randn({6}, gen), 1);  // (6, 1)
  require_matches(ops::matmul(ops::transpose(column, 0, 1), b), reference_matmul(ops::transpose(column, 0, 1), b),
                  1e-5);
  // Rows that overlap in memory: row i is elements i .. i+5 of one buffer.
  const Tensor buffer = randn({10}, gen);
  const Tensor windows = as_strided(buffer, {5, 6}, {1, 1}, 0);
  require_matches(ops::matmul(windows, b), reference_matmul(ops::contiguous(windows), b), 1e-5);
}

TEST_CASE("matmul: float64 is exact to rounding", "[matmul]") {
  check_against_reference({7, 9}, {9, 5}, DType::Float64);
  check_against_reference({3, 7, 9}, {9}, DType::Float64);
  check_against_reference({2, 1, 4, 3}, {5, 3, 2}, DType::Float64);
  const Tensor a = from_vector({0.1, 0.2}, {1, 2}, DType::Float64);
  const Tensor b = from_vector({0.3, 0.4}, {2, 1}, DType::Float64);
  CHECK(ops::matmul(a, b).dtype() == DType::Float64);
  CHECK(ops::matmul(a, b).item() == 0.1 * 0.3 + 0.2 * 0.4);
}

TEST_CASE("matmul: many small products (threaded by batch) agree with large ones (threaded in BLIS)", "[matmul]") {
  Generator gen(3);
  // 64 products of 16x16x16: below the small-product threshold, split across threads by batch.
  const Tensor a = randn({64, 16, 16}, gen), b = randn({64, 16, 16}, gen);
  const Tensor batched = ops::matmul(a, b);
  require_matches(batched, reference_matmul(a, b), 1e-5);
  for (std::int64_t i : {0, 31, 63}) {
    const Tensor one = ops::matmul(ops::select(a, 0, i), ops::select(b, 0, i));  // batch of 1: the other path
    require_matches(ops::select(batched, 0, i), as_reference(one), 1e-6);
  }
  // 2 products of 96x80x72: large, one after another with BLIS's threads.
  check_against_reference({2, 96, 80}, {2, 80, 72});
  // A broadcast operand (batch stride 0) on the small path.
  check_against_reference({32, 8, 8}, {8, 8});
  check_against_reference({8, 8}, {32, 8, 8});
  // The same on one thread, then back.
  const int threads = num_threads();
  set_num_threads(1);
  CHECK(num_threads() == 1);
  require_matches(ops::matmul(a, b), as_reference(batched), 1e-6);
  set_num_threads(threads);
  CHECK(num_threads() == threads);
}

TEST_CASE("gemm: accumulate adds into the output", "[matmul]") {
  Generator gen(9);
  const Tensor a = randn({3, 4, 5}, gen), b = randn({3, 5, 2}, gen);
  Tensor out = ones({3, 4, 2});
  cpu_backend().gemm(a, b, out, /*accumulate=*/true);
  Reference want = reference_matmul(a, b);
  for (double& v : want.values) v += 1;
  require_matches(out, want, 1e-5);
}

TEST_CASE("matmul: an empty inner dim gives zeros, and empty outer dims an empty result", "[matmul]") {
  const Tensor zero_k = ops::matmul(ones({3, 0}), ones({0, 4}));
  CHECK(zero_k.shape() == Shape{3, 4});
  CHECK(zero_k.to_vector<double>() == std::vector<double>(12, 0.0));
  CHECK(ops::matmul(ones({0}), ones({0})).item() == 0);
  CHECK(ops::matmul(ones({0, 5}), ones({5, 4})).shape() == Shape{0, 4});
  CHECK(ops::matmul(ones({2, 0, 3, 5}), ones({5, 4})).shape() == Shape{2, 0, 3, 4});

  Tensor out = full({2, 3, 4}, 7.0);
  cpu_backend().gemm(ones({2, 3, 0}), ones({2, 0, 4}), out, /*accumulate=*/true);
  CHECK(out.to_vector<double>() == std::vector<double>(24, 7.0));
}

TEST_CASE("matmul: errors name the shapes and what was expected", "[matmul]") {
  REQUIRE_THROWS_WITH(ops::matmul(ones({3, 4}), ones({5, 6})),
                      Catch::Contains("matmul: inner dims differ: (3,4) @ (5,6); expected a.shape[-1] == b.shape[-2]"));
  REQUIRE_THROWS_WITH(ops::matmul(ones({3}), ones({4})), Catch::Contains("matmul: inner dims differ: (3,) @ (4,)"));
  REQUIRE_THROWS_WITH(ops::matmul(ones({2, 3, 4}), ones({5, 4, 6})),
                      Catch::Contains("matmul: batch dims of (2,3,4) @ (5,4,6)"));
  REQUIRE_THROWS_WITH(ops::matmul(ones({2, 2}), ones({2, 2}, DType::Float64)),
                      Catch::Contains("matmul: dtypes differ"));
  REQUIRE_THROWS_WITH(ops::matmul(ones({2, 2}, DType::Int64), ones({2, 2}, DType::Int64)),
                      Catch::Contains("matmul: needs float32 or float64"));
  REQUIRE_THROWS_WITH(ops::matmul(scalar_tensor(2), ones({2})),
                      Catch::Contains("matmul: needs tensors of at least 1 dim, got () @ (2,)"));
}

TEST_CASE("blas: fast kernels are in use on a CPU with AVX2", "[matmul]") {
  const std::string kernels = blas_kernels();
  INFO(kernels);
  CHECK(!kernels.empty());
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) CHECK(kernels.rfind("generic", 0) != 0);
  CHECK(blas_kernels() == kernels);  // chosen once per process
}
