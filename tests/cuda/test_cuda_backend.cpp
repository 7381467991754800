// The CUDA backend (tensor/cuda/) checked against the CPU, as ggml's
// test-backend-ops checks each backend: the same input goes through both
// devices and the GPU must give the CPU's answer, to rounding for the floating
// math and exactly for everything else. Inputs are strided on purpose
// (transposed, broadcast, sliced views), since indexing is where kernels go wrong.
//
// These tests run only where a CUDA device exists: tests/main_cuda.cpp exits
// with 77 (CTest's "Skipped") before running any of them otherwise. They use
// only the public API, so they compile in a CPU-only build too.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/backend.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

using namespace heed;

namespace {

const Device kGpu = cuda(0);

Tensor on_gpu(const Tensor& t) { return ops::to(t, kGpu); }

// Float32 tolerances allow a few ulps of difference between CUDA's and glibc's
// math functions; float64 ones are near its own rounding.
double relative_tolerance(DType dtype) { return dtype == DType::Float32 ? 2e-5 : 1e-12; }
double absolute_tolerance(DType dtype) { return dtype == DType::Float32 ? 1e-6 : 1e-14; }

// Every element of `got` (on the GPU) matches `want` (computed elsewhere): equal
// NaN-ness, equal infinities, and finite values within rtol/atol. Reports the
// first mismatch with its position.
void require_values(const Tensor& got, const std::vector<double>& want, double rtol, double atol) {
  REQUIRE(got.device().is_cuda());
  const std::vector<double> values = got.to_vector<double>();
  REQUIRE(values.size() == want.size());
  std::size_t mismatches = 0, first = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double g = values[i], w = want[i];
    const bool same = std::isnan(w)   ? std::isnan(g)
                      : std::isinf(w) ? g == w
                                      : std::abs(g - w) <= atol + rtol * std::abs(w);
    if (!same && mismatches++ == 0) first = i;
  }
  INFO(mismatches << " of " << values.size() << " elements differ; the first, at " << first << ": got "
                  << (values.empty() ? 0 : values[first]) << ", expected " << (want.empty() ? 0 : want[first]));
  REQUIRE(mismatches == 0);
}

// The GPU result matches the CPU result of the same op on the same input.
void require_matches_cpu(const Tensor& gpu_result, const Tensor& cpu_result) {
  REQUIRE(gpu_result.shape() == cpu_result.shape());
  REQUIRE(gpu_result.dtype() == cpu_result.dtype());
  const bool floating = is_floating(cpu_result.dtype());
  require_values(gpu_result, cpu_result.to_vector<double>(), floating ? relative_tolerance(cpu_result.dtype()) : 0,
                 floating ? absolute_tolerance(cpu_result.dtype()) : 0);
}

Tensor random_uniform(const Shape& shape, double low, double high, DType dtype, std::uint64_t seed) {
  Generator gen(seed);
  return uniform(shape, low, high, gen, dtype);
}

// out(b) = a(b) @ bm(b) in double on the host: the reference for the GPU's GEMM.
// a: (batch, M, K), bm: (batch, K, N), any layout and device.
std::vector<double> reference_gemm(const Tensor& a, const Tensor& bm) {
  const std::int64_t batch = a.size(0), m = a.size(1), k = a.size(2), n = bm.size(2);
  const std::vector<double> x = a.to_vector<double>(), y = bm.to_vector<double>();
  std::vector<double> out(static_cast<std::size_t>(batch * m * n), 0.0);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (std::int64_t p = 0; p < k; ++p)
          sum += x[static_cast<std::size_t>((b * m + i) * k + p)] * y[static_cast<std::size_t>((b * k + p) * n + j)];
        out[static_cast<std::size_t>((b * m + i) * n + j)] = sum;
      }
  return out;
}

// Runs the GPU backend's gemm directly, so each operand layout reaches cuBLAS as written.
Tensor gpu_gemm(const Tensor& a, const Tensor& bm) {
  Tensor out = empty({a.size(0), a.size(1), bm.size(2)}, a.dtype(), kGpu);
  backend_for(kGpu).gemm(a, bm, out, /*accumulate=*/false);
  return out;
}

void require_gemm_matches(const Tensor& a, const Tensor& bm) {
  INFO("a " << shape_str(a.shape()) << " strides " << shape_str(a.strides()) << ", b " << shape_str(bm.shape())
            << " strides " << shape_str(bm.strides()) << ", " << dtype_name(a.dtype()));
  const double rtol = a.dtype() == DType::Float32 ? 1e-5 : 1e-12;
  require_values(gpu_gemm(a, bm), reference_gemm(a, bm), rtol, rtol);
}

}  // namespace

TEST_CASE("cuda: a tensor survives the round trip to the device and back", "[cuda]") {
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int32, DType::Int64}) {
    INFO(dtype_name(dtype));
    const Tensor host = from_vector({1, -2, 3, 40, 5, -6}, {2, 3}, dtype);
    const Tensor device = on_gpu(host);
    REQUIRE(device.device() == kGpu);
    REQUIRE(device.dtype() == dtype);
    const Tensor back = ops::to(device, kCPU);
    REQUIRE(back.device().is_cpu());
    CHECK(back.to_vector<double>() == host.to_vector<double>());
  }
  const Tensor nothing = on_gpu(empty({0, 3}));
  CHECK(nothing.numel() == 0);
  CHECK(ops::to(nothing, kCPU).shape() == Shape{0, 3});
  // A strided host view travels as its logical values.
  const Tensor transposed = ops::transpose(from_vector({1, 2, 3, 4, 5, 6}, {2, 3}), 0, 1);
  CHECK(on_gpu(transposed).to_vector<double>() == std::vector<double>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("cuda: fill writes every element, and only the view's elements", "[cuda]") {
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int32, DType::Int64}) {
    INFO(dtype_name(dtype));
    CHECK(full({3, 4}, 7, dtype, kGpu).to_vector<double>() == std::vector<double>(12, 7.0));
    CHECK(zeros({5}, dtype, kGpu).to_vector<double>() == std::vector<double>(5, 0.0));
  }
  CHECK(scalar_tensor(2.5, DType::Float64, kGpu).item() == 2.5);
  // Columns 1 and 3 of a (2, 4) matrix: a view with strides (4, 2).
  Tensor grid = zeros({2, 4}, DType::Float32, kGpu);
  Tensor columns = ops::slice(grid, 1, 1, 4, 2);
  ops::fill_(columns, 9);
  CHECK(grid.to_vector<double>() == std::vector<double>{0, 9, 0, 9, 0, 9, 0, 9});
}

TEST_CASE("cuda: copy reads strided sources and converts dtypes", "[cuda]") {
  const Tensor host = random_uniform({3, 5, 4}, -3, 3, DType::Float64, 1);
  const Tensor device = on_gpu(host);
  SECTION("a transposed source made contiguous") {
    const Tensor got = ops::contiguous(ops::transpose(device, 0, 2));
    CHECK(got.is_contiguous());
    require_matches_cpu(got, ops::contiguous(ops::transpose(host, 0, 2)));
  }
  SECTION("a transposed source converted to every dtype") {
    for (DType dtype : {DType::Float32, DType::Float64, DType::Int32, DType::Int64}) {
      INFO(dtype_name(dtype));
      require_matches_cpu(ops::to(ops::transpose(device, 1, 2), dtype), ops::to(ops::transpose(host, 1, 2), dtype));
    }
  }
  SECTION("integers to floating") {
    Generator gen(2);
    const Tensor ints = randint(-100, 100, {6, 7}, gen, DType::Int64);
    require_matches_cpu(ops::to(ops::transpose(on_gpu(ints), 0, 1), DType::Float32),
                        ops::to(ops::transpose(ints, 0, 1), DType::Float32));
  }
  SECTION("a broadcast source into a sliced destination") {
    Tensor dst_gpu = zeros({4, 6}, DType::Float32, kGpu);
    Tensor dst_cpu = zeros({4, 6}, DType::Float32);
    Tensor dst_gpu_view = ops::slice(dst_gpu, 1, 0, 6, 2);
    Tensor dst_cpu_view = ops::slice(dst_cpu, 1, 0, 6, 2);
    const Tensor row = from_vector({1, 2, 3}, {3}, DType::Float64);
    ops::copy_(dst_gpu_view, on_gpu(row));
    ops::copy_(dst_cpu_view, row);
    require_matches_cpu(dst_gpu, dst_cpu);
  }
}

TEST_CASE("cuda: every unary op matches the CPU", "[cuda]") {
  struct Case {
    UnaryOp op;
    const char* name;
    double scalar, low, high;  // the op's scalar and the input range it is defined on
  };
  const std::vector<Case> cases = {
      {UnaryOp::Neg, "neg", 0, -3, 3},          {UnaryOp::Abs, "abs", 0, -3, 3},
      {UnaryOp::Sign, "sign", 0, -3, 3},        {UnaryOp::Exp, "exp", 0, -5, 5},
      {UnaryOp::Log, "log", 0, 0.01, 10},       {UnaryOp::Sqrt, "sqrt", 0, 0, 10},
      {UnaryOp::Rsqrt, "rsqrt", 0, 0.01, 10},   {UnaryOp::Tanh, "tanh", 0, -4, 4},
      {UnaryOp::Sigmoid, "sigmoid", 0, -30, 30}, {UnaryOp::Relu, "relu", 0, -3, 3},
      {UnaryOp::Gelu, "gelu", 0, -5, 5},        {UnaryOp::Elu, "elu", 0.7, -3, 3},
      {UnaryOp::Sin, "sin", 0, -6, 6},          {UnaryOp::Cos, "cos", 0, -6, 6},
      {UnaryOp::Square, "square", 0, -3, 3},    {UnaryOp::Reciprocal, "reciprocal", 0, 0.1, 5},
      {UnaryOp::PowScalar, "pow", 2.5, 0, 4},   {UnaryOp::AddScalar, "add", 1.5, -3, 3},
      {UnaryOp::MulScalar, "mul", -0.5, -3, 3}, {UnaryOp::RSubScalar, "rsub", 2, -3, 3},
      {UnaryOp::FillLike, "full_like", 3, -3, 3},
  };
  // A new UnaryOp must be added to this table (and to the CUDA kernel).
  REQUIRE(cases.size() == static_cast<std::size_t>(UnaryOp::FillLike) + 1);

  SECTION("floating tensors, strided and contiguous") {
    for (DType dtype : {DType::Float32, DType::Float64}) {
      for (const Case& c : cases) {
        INFO(c.name << " on " << dtype_name(dtype));
        // A transposed input exercises the strided path; the contiguous one the fast path.
        const Tensor host = random_uniform({6, 9}, c.low, c.high, dtype, 10 + static_cast<std::uint64_t>(c.op));
        const Tensor transposed = ops::transpose(host, 0, 1);
        require_matches_cpu(ops::unary(c.op, on_gpu(host), c.scalar), ops::unary(c.op, host, c.scalar));
        require_matches_cpu(ops::unary(c.op, ops::transpose(on_gpu(host), 0, 1), c.scalar),
                            ops::unary(c.op, transposed, c.scalar));
      }
    }
  }
  SECTION("pow by 2 is the exact square, as on the CPU") {
    const Tensor host = random_uniform({17}, -3, 3, DType::Float32, 5);
    require_values(ops::pow(on_gpu(host), 2), ops::square(host).to_vector<double>(), 0, 0);
  }
  SECTION("integer tensors, exactly") {
    for (DType dtype : {DType::Int32, DType::Int64}) {
      Generator gen(3);
      const Tensor host = randint(-50, 50, {5, 4}, gen, dtype);
      for (const Case& c : cases) {
        const bool integer_op = c.op == UnaryOp::Neg || c.op == UnaryOp::Abs || c.op == UnaryOp::Sign ||
                                c.op == UnaryOp::Relu || c.op == UnaryOp::Square || c.op == UnaryOp::AddScalar ||
                                c.op == UnaryOp::MulScalar || c.op == UnaryOp::RSubScalar || c.op == UnaryOp::FillLike;
        if (!integer_op) continue;
        INFO(c.name << " on " << dtype_name(dtype));
        require_matches_cpu(ops::unary(c.op, ops::transpose(on_gpu(host), 0, 1), c.scalar),
                            ops::unary(c.op, ops::transpose(host, 0, 1), c.scalar));
      }
    }
  }
}

TEST_CASE("cuda: every binary op matches the CPU, with broadcasting", "[cuda]") {
  struct Case {
    BinaryOp op;
    const char* name;
    double scalar;
    double a_low, a_high, b_low, b_high;
    bool small_integers;  // whole-number values, so that equality comparisons are sometimes true
  };
  const std::vector<Case> cases = {
      {BinaryOp::Add, "add", 0, -3, 3, -3, 3, false},
      {BinaryOp::Sub, "sub", 0, -3, 3, -3, 3, false},
      {BinaryOp::Mul, "mul", 0, -3, 3, -3, 3, false},
      {BinaryOp::Div, "div", 0, -3, 3, 0.5, 3, false},
      {BinaryOp::Pow, "pow", 0, 0.1, 3, -2, 2, false},
      {BinaryOp::Maximum, "maximum", 0, -3, 3, -3, 3, false},
      {BinaryOp::Minimum, "minimum", 0, -3, 3, -3, 3, false},
      {BinaryOp::Eq, "eq", 0, -2, 3, -2, 3, true},
      {BinaryOp::Ne, "ne", 0, -2, 3, -2, 3, true},
      {BinaryOp::Lt, "lt", 0, -2, 3, -2, 3, true},
      {BinaryOp::Le, "le", 0, -2, 3, -2, 3, true},
      {BinaryOp::Gt, "gt", 0, -2, 3, -2, 3, true},
      {BinaryOp::Ge, "ge", 0, -2, 3, -2, 3, true},
      {BinaryOp::ReluBackward, "relu_backward", 0, -3, 3, -3, 3, false},
      {BinaryOp::GeluBackward, "gelu_backward", 0, -3, 3, -5, 5, false},
      {BinaryOp::EluBackward, "elu_backward", 0.7, -3, 3, -3, 3, false},
      {BinaryOp::SigmoidBackward, "sigmoid_backward", 0, -3, 3, 0, 1, false},
      {BinaryOp::TanhBackward, "tanh_backward", 0, -3, 3, -1, 1, false},
      {BinaryOp::AddScaled, "add_scaled", -0.3, -3, 3, -3, 3, false},
  };
  REQUIRE(cases.size() == static_cast<std::size_t>(BinaryOp::AddScaled) + 1);

  SECTION("floating tensors, broadcast, strided and contiguous") {
    for (DType dtype : {DType::Float32, DType::Float64}) {
      for (const Case& c : cases) {
        INFO(c.name << " on " << dtype_name(dtype));
        const auto seed = 100 + static_cast<std::uint64_t>(c.op);
        Tensor a = random_uniform({3, 5, 4}, c.a_low, c.a_high, dtype, seed);
        Tensor b = random_uniform({4}, c.b_low, c.b_high, dtype, seed + 50);
        Tensor b_full = random_uniform({3, 5, 4}, c.b_low, c.b_high, dtype, seed + 7);
        if (c.small_integers) {
          Generator gen(seed);
          const auto low = static_cast<std::int64_t>(c.a_low), high = static_cast<std::int64_t>(c.a_high);
          a = ops::to(randint(low, high, {3, 5, 4}, gen), dtype);
          b = ops::to(randint(low, high, {4}, gen), dtype);
          b_full = ops::to(randint(low, high, {3, 5, 4}, gen), dtype);
        }
        // a is read transposed, (3, 4, 5); b as a column (4, 1) broadcasts along a's first and last dims.
        require_matches_cpu(
            ops::binary(c.op, ops::transpose(on_gpu(a), 1, 2), ops::unsqueeze(on_gpu(b), 1), c.scalar),
            ops::binary(c.op, ops::transpose(a, 1, 2), ops::unsqueeze(b, 1), c.scalar));
        // Same shapes, both contiguous: the fast path.
        require_matches_cpu(ops::binary(c.op, on_gpu(a), on_gpu(b_full), c.scalar),
                            ops::binary(c.op, a, b_full, c.scalar));
      }
    }
  }
  SECTION("in place, into the first operand") {
    const Tensor a = random_uniform({4, 6}, -1, 1, DType::Float32, 7);
    const Tensor row = random_uniform({6}, -1, 1, DType::Float32, 8);
    Tensor gpu = on_gpu(a);
    Tensor cpu = ops::clone(a);
    ops::binary_(BinaryOp::AddScaled, gpu, on_gpu(row), 0.5);
    ops::binary_(BinaryOp::AddScaled, cpu, row, 0.5);
    require_matches_cpu(gpu, cpu);
  }
  SECTION("integer tensors, exactly") {
    for (DType dtype : {DType::Int32, DType::Int64}) {
      Generator gen(9);
      const Tensor a = randint(-20, 20, {4, 5}, gen, dtype);
      const Tensor b = randint(1, 6, {5}, gen, dtype);  // never 0: integer division
      for (const Case& c : cases) {
        if (c.op == BinaryOp::Pow || c.op == BinaryOp::GeluBackward || c.op == BinaryOp::EluBackward ||
            c.op == BinaryOp::SigmoidBackward || c.op == BinaryOp::TanhBackward)
          continue;  // floating only, on both devices
        INFO(c.name << " on " << dtype_name(dtype));
        require_matches_cpu(ops::binary(c.op, on_gpu(a), on_gpu(b), 2), ops::binary(c.op, a, b, 2));
      }
    }
  }
}

TEST_CASE("cuda: where and masked_fill match the CPU", "[cuda]") {
  Generator gen(11);
  const Tensor mask = randint(0, 2, {5, 6}, gen, DType::Int64);
  const Tensor a = random_uniform({6, 5}, -2, 2, DType::Float32, 12);
  const Tensor b = scalar_tensor(-1);
  require_matches_cpu(ops::where(on_gpu(mask), ops::transpose(on_gpu(a), 0, 1), on_gpu(b)),
                      ops::where(mask, ops::transpose(a, 0, 1), b));
  // A floating mask, broadcast along rows.
  const Tensor row_mask = ops::to(randint(0, 2, {5}, gen, DType::Int64), DType::Float64);
  const Tensor values = random_uniform({3, 5}, -2, 2, DType::Float64, 13);
  require_matches_cpu(ops::masked_fill(on_gpu(values), on_gpu(row_mask), -1e9), ops::masked_fill(values, row_mask, -1e9));
}

TEST_CASE("cuda: gemm matches a host reference for every operand layout", "[cuda]") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    auto matrices = [&](const Shape& shape, std::uint64_t seed) { return on_gpu(random_uniform(shape, -1, 1, dtype, seed)); };
    SECTION(std::string("plain row-major operands, ") + std::string(dtype_name(dtype))) {
      require_gemm_matches(matrices({1, 3, 4}, 1), matrices({1, 4, 5}, 2));
      require_gemm_matches(matrices({1, 33, 17}, 3), matrices({1, 17, 65}, 4));
    }
    SECTION(std::string("transposed operands, ") + std::string(dtype_name(dtype))) {
      const Tensor a_t = ops::transpose(matrices({2, 4, 3}, 5), 1, 2);  // (2, 3, 4), columns contiguous
      const Tensor b_t = ops::transpose(matrices({2, 5, 4}, 6), 1, 2);  // (2, 4, 5)
      const Tensor a = matrices({2, 3, 4}, 7), b = matrices({2, 4, 5}, 8);
      require_gemm_matches(a_t, b);
      require_gemm_matches(a, b_t);
      require_gemm_matches(a_t, b_t);
    }
    SECTION(std::string("batched, and a batch broadcast with stride 0, ") + std::string(dtype_name(dtype))) {
      require_gemm_matches(matrices({4, 6, 7}, 9), matrices({4, 7, 3}, 10));
      const Tensor shared = ops::expand(matrices({1, 7, 3}, 11), {4, 7, 3});
      REQUIRE(shared.stride(0) == 0);
      require_gemm_matches(matrices({4, 6, 7}, 12), shared);
    }
    SECTION(std::string("operands that must be packed first, ") + std::string(dtype_name(dtype))) {
      // Every other row and column: neither rows nor columns are contiguous.
      const Tensor a = ops::slice(ops::slice(matrices({2, 6, 8}, 13), 1, 0, 6, 2), 2, 0, 8, 2);  // (2, 3, 4)
      const Tensor b = ops::slice(ops::slice(matrices({2, 8, 10}, 14), 1, 0, 8, 2), 2, 0, 10, 2);  // (2, 4, 5)
      require_gemm_matches(a, b);
      // The same, broadcast over a batch of 3: packed once.
      const Tensor one = ops::slice(ops::slice(matrices({1, 6, 8}, 15), 1, 0, 6, 2), 2, 0, 8, 2);
      require_gemm_matches(ops::expand(one, {3, 3, 4}), matrices({3, 4, 2}, 16));
    }
    SECTION(std::string("vectors: M, N or K of 1, ") + std::string(dtype_name(dtype))) {
      require_gemm_matches(matrices({2, 1, 5}, 17), matrices({2, 5, 3}, 18));
      require_gemm_matches(matrices({2, 3, 5}, 19), matrices({2, 5, 1}, 20));
      require_gemm_matches(matrices({2, 3, 1}, 21), matrices({2, 1, 4}, 22));
      // A column picked out of a wider matrix: rows 1 apart, a stride that is not the width.
      const Tensor column = ops::slice(matrices({1, 5, 3}, 23), 2, 1, 2);  // (1, 5, 1), strides (15, 3, 1)
      require_gemm_matches(matrices({1, 4, 5}, 24), column);
    }
    SECTION(std::string("accumulate adds into out, ") + std::string(dtype_name(dtype))) {
      const Tensor a = matrices({2, 3, 4}, 25), b = matrices({2, 4, 5}, 26);
      Tensor out = ones({2, 3, 5}, dtype, kGpu);
      backend_for(kGpu).gemm(a, b, out, /*accumulate=*/true);
      std::vector<double> want = reference_gemm(a, b);
      for (double& v : want) v += 1;
      require_values(out, want, 1e-5, 1e-5);
    }
    SECTION(std::string("an empty inner dim gives zeros, ") + std::string(dtype_name(dtype))) {
      Tensor out = full({2, 3, 5}, 4, dtype, kGpu);
      backend_for(kGpu).gemm(empty({2, 3, 0}, dtype, kGpu), empty({2, 0, 5}, dtype, kGpu), out, false);
      CHECK(out.to_vector<double>() == std::vector<double>(30, 0.0));
    }
  }
}

TEST_CASE("cuda: matmul through the op layer matches the CPU", "[cuda]") {
  const Tensor a = random_uniform({2, 1, 5, 7}, -1, 1, DType::Float32, 30);
  const Tensor b = random_uniform({3, 7, 4}, -1, 1, DType::Float32, 31);
  const Tensor got = ops::matmul(on_gpu(a), on_gpu(b));  // (2, 3, 5, 4)
  const Tensor want = ops::matmul(a, b);
  REQUIRE(got.shape() == want.shape());
  require_values(got, want.to_vector<double>(), 1e-5, 1e-5);
  const Tensor w = random_uniform({4, 7}, -1, 1, DType::Float32, 32);  // a linear layer's (out, in) weight
  require_values(ops::matmul(on_gpu(a), ops::transpose(on_gpu(w), 0, 1)),
                 ops::matmul(a, ops::transpose(w, 0, 1)).to_vector<double>(), 1e-5, 1e-5);
}

TEST_CASE("cuda: kernels not on the GPU yet fail with a message that says what to do", "[cuda]") {
  Backend& gpu = backend_for(kGpu);
  Tensor matrix = zeros({2, 3}, DType::Float32, kGpu);
  Tensor row = zeros({2}, DType::Float32, kGpu);
  Tensor idx = zeros({2}, DType::Int64, kGpu);
  const auto says_move_to_cpu =
      Catch::Matchers::Contains("not implemented on CUDA yet; move the tensor to the CPU with .to(kCPU)");
  CHECK_THROWS_WITH(gpu.reduce_rows(ReduceOp::Sum, matrix, row, nullptr, 0), says_move_to_cpu);
  CHECK_THROWS_WITH(gpu.softmax_rows(matrix, matrix, false), says_move_to_cpu);
  CHECK_THROWS_WITH(gpu.softmax_backward_rows(matrix, matrix, matrix, false), says_move_to_cpu);
  CHECK_THROWS_WITH(gpu.index_select(matrix, 0, idx, matrix), says_move_to_cpu);
  CHECK_THROWS_WITH(gpu.index_add(matrix, 0, idx, matrix), says_move_to_cpu);
  CHECK_THROWS_WITH(gpu.gather(matrix, 1, matrix, matrix), says_move_to_cpu);
  CHECK_THROWS_WITH(gpu.scatter_add(matrix, 1, matrix, matrix), says_move_to_cpu);
  CHECK_THROWS_WITH(gpu.cumsum(matrix, 1, matrix), says_move_to_cpu);
}

TEST_CASE("cuda: a device that does not exist is refused with an error", "[cuda]") {
  CHECK_THROWS_AS(empty({2}, DType::Float32, cuda(1 << 20)), Error);
}

TEST_CASE("cuda: printing a GPU tensor names its device", "[cuda]") {
  const Tensor t = from_vector({1, 2}, {2}, DType::Float32, kGpu);
  CHECK(t.str() == "tensor([1.0000, 2.0000], shape=(2,), dtype=float32, device=cuda:0)");
}
