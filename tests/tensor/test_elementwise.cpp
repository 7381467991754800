// Elementwise ops against hand-computed values, NumPy broadcasting, masks.
#include <limits>

#include "helpers.h"

using namespace heed;
using heed::test::require_close;

TEST_CASE("unary ops compute the textbook functions", "[elementwise]") {
  Tensor x = from_vector({-2.0, -0.5, 0.0, 0.5, 2.0}, {5}, DType::Float64);
  require_close(ops::neg(x), {2, 0.5, 0, -0.5, -2});
  require_close(ops::abs(x), {2, 0.5, 0, 0.5, 2});
  require_close(ops::relu(x), {0, 0, 0, 0.5, 2});
  require_close(ops::exp(x), {std::exp(-2.0), std::exp(-0.5), 1, std::exp(0.5), std::exp(2.0)});
  require_close(ops::tanh(x), {std::tanh(-2.0), std::tanh(-0.5), 0, std::tanh(0.5), std::tanh(2.0)});
  require_close(ops::sigmoid(x), {1 / (1 + std::exp(2.0)), 1 / (1 + std::exp(0.5)), 0.5, 1 / (1 + std::exp(-0.5)),
                                  1 / (1 + std::exp(-2.0))});
  // Exact GELU: x * Phi(x); Phi(0.5) = 0.691462461274013.
  require_close(ops::gelu(x), {-2 * 0.022750131948179, -0.5 * 0.308537538725987, 0, 0.5 * 0.691462461274013,
                               2 * 0.977249868051821}, 1e-9);
  require_close(ops::elu(x, 1.0), {std::expm1(-2.0), std::expm1(-0.5), 0, 0.5, 2});
  require_close(ops::sin(x), {std::sin(-2.0), std::sin(-0.5), 0, std::sin(0.5), std::sin(2.0)});
  require_close(ops::cos(x), {std::cos(-2.0), std::cos(-0.5), 1, std::cos(0.5), std::cos(2.0)});
  require_close(ops::pow(x, 2.0), {4, 0.25, 0, 0.25, 4});
  Tensor p = from_vector({0.25, 1.0, 4.0}, {3}, DType::Float64);
  require_close(ops::sqrt(p), {0.5, 1, 2});
  require_close(ops::rsqrt(p), {2, 1, 0.5});
  require_close(ops::log(p), {std::log(0.25), 0, std::log(4.0)});
}

TEST_CASE("sigmoid stays finite for large inputs", "[elementwise]") {
  Tensor x = from_vector({-1000.0, 1000.0}, {2});
  require_close(ops::sigmoid(x), {0, 1});
}

TEST_CASE("binary ops broadcast like NumPy", "[elementwise][broadcast]") {
  Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor col = from_vector({10, 20}, {2, 1});
  Tensor row = from_vector({1, 2, 3}, {3});
  require_close(ops::add(a, col), {11, 12, 13, 24, 25, 26});
  require_close(ops::sub(a, row), {0, 0, 0, 3, 3, 3});
  require_close(ops::mul(col, row), {10, 20, 30, 20, 40, 60});  // (2,1) x (3) -> (2,3)
  require_close(ops::div(a, scalar_tensor(2.0)), {0.5, 1, 1.5, 2, 2.5, 3});
  require_close(ops::pow(row, from_vector({2}, {1})), {1, 4, 9});
  require_close(ops::maximum(a, from_vector({3}, {1})), {3, 3, 3, 4, 5, 6});
  require_close(ops::minimum(a, from_vector({3}, {1})), {1, 2, 3, 3, 3, 3});
  Tensor big = ops::add(zeros_like(a), ops::reshape(col, {2, 1, 1}));
  REQUIRE(big.shape() == Shape{2, 2, 3});
}

TEST_CASE("non-contiguous operands give the same result as contiguous ones", "[elementwise][broadcast]") {
  Generator gen(5);
  Tensor a = randn({64, 48}, gen);
  Tensor b = randn({48, 64}, gen);
  Tensor bt = ops::transpose(b, 0, 1);
  require_close(ops::mul(a, bt), ops::mul(a, ops::contiguous(bt)));
  // Large enough to take the OpenMP path.
  Tensor c = randn({512, 300}, gen);
  Tensor d = randn({300, 512}, gen);
  require_close(ops::add(c, ops::transpose(d, 0, 1)), ops::add(c, ops::contiguous(ops::transpose(d, 0, 1))));
}

TEST_CASE("comparisons give 0/1 masks, where and masked_fill select", "[elementwise]") {
  Tensor a = from_vector({1, 2, 3}, {3});
  Tensor b = from_vector({2, 2, 2}, {3});
  require_close(ops::lt(a, b), {1, 0, 0});
  require_close(ops::le(a, b), {1, 1, 0});
  require_close(ops::gt(a, b), {0, 0, 1});
  require_close(ops::ge(a, b), {0, 1, 1});
  require_close(ops::eq(a, b), {0, 1, 0});
  require_close(ops::ne(a, b), {1, 0, 1});
  require_close(ops::where(ops::gt(a, b), a, b), {2, 2, 3});
  const double inf = std::numeric_limits<double>::infinity();
  require_close(ops::masked_fill(a, ops::eq(a, b), -inf), {1, -inf, 3});
}

TEST_CASE("integer tensors support integer arithmetic", "[elementwise]") {
  Tensor i = arange(5);
  REQUIRE(ops::add(i, i).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 2, 4, 6, 8});
  REQUIRE(ops::mul(i, 3.0).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 3, 6, 9, 12});
  REQUIRE_THROWS_WITH(ops::exp(i), Catch::Contains("exp") && Catch::Contains("int64"));
}

TEST_CASE("elementwise errors name the op, the shapes and the fix", "[elementwise][errors]") {
  Tensor a = zeros({2, 3});
  REQUIRE_THROWS_WITH(ops::add(a, zeros({4})), Catch::Contains("add") && Catch::Contains("(2,3)") &&
                                                   Catch::Contains("(4,)") && Catch::Contains("broadcast"));
  REQUIRE_THROWS_WITH(ops::mul(a, zeros({2, 3}, DType::Float64)),
                      Catch::Contains("mul") && Catch::Contains("float32") && Catch::Contains("float64"));
}

TEST_CASE("in-place binary ops update the destination", "[elementwise]") {
  Tensor acc = zeros({3});
  ops::binary_(BinaryOp::AddScaled, acc, from_vector({1, 2, 3}, {3}), 0.5);
  require_close(acc, {0.5, 1, 1.5});
  REQUIRE_THROWS_WITH(ops::binary_(BinaryOp::Add, acc, zeros({2, 3})), Catch::Contains("destination"));
}
