// Tests for softmax / log_softmax and their backward rules (tensor/ops/softmax.cpp,
// tensor/cpu/softmax.cpp): hand-computed values, stability at 1000, fully
// masked (all -inf) rows, other dims than the last, non-contiguous inputs,
// the backward kernels against a central finite difference in float64, and a
// large matrix on the OpenMP path against a double-precision reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tensor/ops.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

using namespace heed;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void require_values(const Tensor& t, const std::vector<double>& expected) {
  const std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).epsilon(1e-6).margin(1e-7));
  }
}

bool has_nan(const Tensor& t) {
  for (const double v : t.to_vector<double>()) {
    if (std::isnan(v)) return true;
  }
  return false;
}

template <typename Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// dL/dx for L(x) = sum_i grad_y[i] * f(x)[i], by central differences in float64:
//   dL/dx[i] ~ (L(x + h e_i) - L(x - h e_i)) / 2h
std::vector<double> numeric_gradient(const std::function<Tensor(const Tensor&)>& f, const Tensor& x,
                                     const Tensor& grad_y) {
  const double h = 1e-6;
  const std::vector<double> weights = grad_y.to_vector<double>();
  const auto loss = [&](const Tensor& at) {
    const std::vector<double> y = f(at).to_vector<double>();
    double total = 0;
    for (std::size_t i = 0; i < y.size(); ++i) total += weights[i] * y[i];
    return total;
  };
  std::vector<double> gradient(static_cast<std::size_t>(x.numel()));
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    Tensor plus = ops::clone(x), minus = ops::clone(x);
    plus.data<double>()[i] += h;
    minus.data<double>()[i] -= h;
    gradient[static_cast<std::size_t>(i)] = (loss(plus) - loss(minus)) / (2 * h);
  }
  return gradient;
}

void require_close(const std::vector<double>& got, const std::vector<double>& expected, double tolerance) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).margin(tolerance));
  }
}

}  // namespace

TEST_CASE("softmax by hand, rows sum to 1", "[softmax]") {
  const Tensor x = from_vector({1, 2, 3, 0, 0, 0}, {2, 3});
  const Tensor y = ops::softmax(x, -1);
  CHECK(y.shape() == Shape{2, 3});
  CHECK(y.dtype() == DType::Float32);
  require_values(y, {0.09003057317038046, 0.24472847105479764, 0.6652409557748219, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  require_values(ops::sum(y, {1}), {1, 1});

  // log_softmax(x) = x - logsumexp(x).
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  require_values(ops::log_softmax(x, 1),
                 {1 - lse, 2 - lse, 3 - lse, -std::log(3.0), -std::log(3.0), -std::log(3.0)});
}

TEST_CASE("softmax is stable at large values", "[softmax]") {
  const Tensor x = from_vector({1000, 1000, -1000, 0}, {2, 2});
  require_values(ops::softmax(x, 1), {0.5, 0.5, 0, 1});
  require_values(ops::log_softmax(x, 1), {-std::log(2.0), -std::log(2.0), -1000, 0});
  CHECK_FALSE(has_nan(ops::softmax(x, 1)));
}

TEST_CASE("a fully masked row gives zeros (softmax) and -inf (log_softmax), never NaN", "[softmax]") {
  const Tensor x = from_vector({-kInf, -kInf, -kInf, 0, 0, -kInf}, {2, 3}, DType::Float64);

  const Tensor y = ops::softmax(x, 1);
  CHECK_FALSE(has_nan(y));
  require_values(y, {0, 0, 0, 0.5, 0.5, 0});

  const Tensor log_y = ops::log_softmax(x, 1);
  CHECK_FALSE(has_nan(log_y));
  const std::vector<double> log_values = log_y.to_vector<double>();
  CHECK(log_values[0] == -kInf);
  CHECK(log_values[1] == -kInf);
  CHECK(log_values[2] == -kInf);
  CHECK(log_values[3] == Approx(-std::log(2.0)));
  CHECK(log_values[4] == Approx(-std::log(2.0)));
  CHECK(log_values[5] == -kInf);

  // Backward through the masked row: no gradient and no NaN.
  const Tensor grad_y = from_vector({1, 2, 3, 1, -1, 5}, {2, 3}, DType::Float64);
  const Tensor grad_x = ops::softmax_backward(y, grad_y, 1);
  CHECK_FALSE(has_nan(grad_x));
  const Tensor log_grad_x = ops::log_softmax_backward(log_y, grad_y, 1);
  CHECK_FALSE(has_nan(log_grad_x));
  const std::vector<double> softmax_grad = grad_x.to_vector<double>();
  const std::vector<double> log_softmax_grad = log_grad_x.to_vector<double>();
  for (int j = 0; j < 3; ++j) {
    CHECK(softmax_grad[j] == 0.0);
    CHECK(log_softmax_grad[j] == 0.0);
  }
}

TEST_CASE("softmax along dim 0 and along a middle dim", "[softmax]") {
  // Columns [1, 3], [2, 2], [3, 1].
  const Tensor x = from_vector({1, 2, 3, 3, 2, 1}, {2, 3});
  const Tensor y = ops::softmax(x, 0);
  CHECK(y.shape() == Shape{2, 3});
  CHECK(y.is_contiguous());
  const double low = 1 / (1 + std::exp(2.0)), high = 1 - low;  // softmax([1, 3])
  require_values(y, {low, 0.5, high, high, 0.5, low});
  require_values(ops::sum(y, {0}), {1, 1, 1});

  // (2, 3, 2) along dim 1 equals softmax along the last dim of the transposed tensor.
  Generator gen(3);
  const Tensor cube = randn({2, 3, 2}, gen, DType::Float64);
  const Tensor along_middle = ops::log_softmax(cube, 1);
  CHECK(along_middle.is_contiguous());
  const Tensor reference = ops::transpose(ops::log_softmax(ops::contiguous(ops::transpose(cube, 1, 2)), -1), 1, 2);
  require_values(along_middle, reference.to_vector<double>());
  require_values(ops::sum(ops::exp(along_middle), {1}), {1, 1, 1, 1});
}

TEST_CASE("softmax of a non-contiguous input along the last dim", "[softmax]") {
  const Tensor x = from_vector({1, 3, 2, 2, 3, 1}, {3, 2});
  const Tensor xt = ops::transpose(x, 0, 1);  // (2, 3): [[1, 2, 3], [3, 2, 1]]
  REQUIRE_FALSE(xt.is_contiguous());
  const Tensor y = ops::softmax(xt, -1);
  CHECK(y.shape() == Shape{2, 3});
  CHECK(y.is_contiguous());
  require_values(y, {0.09003057317038046, 0.24472847105479764, 0.6652409557748219, 0.6652409557748219,
                     0.24472847105479764, 0.09003057317038046});
}

TEST_CASE("softmax_backward matches a central finite difference", "[softmax]") {
  Generator gen(11);
  const Tensor x = randn({3, 5}, gen, DType::Float64);
  const Tensor grad_y = randn({3, 5}, gen, DType::Float64);

  for (const std::int64_t dim : {1, 0}) {
    INFO("dim " << dim);
    const auto softmax_of = [dim](const Tensor& at) { return ops::softmax(at, dim); };
    const Tensor analytic = ops::softmax_backward(ops::softmax(x, dim), grad_y, dim);
    CHECK(analytic.shape() == x.shape());
    require_close(analytic.to_vector<double>(), numeric_gradient(softmax_of, x, grad_y), 1e-7);
  }
}

TEST_CASE("log_softmax_backward matches a central finite difference", "[softmax]") {
  Generator gen(12);
  const Tensor x = randn({2, 3, 4}, gen, DType::Float64);
  const Tensor grad_y = randn({2, 3, 4}, gen, DType::Float64);

  for (const std::int64_t dim : {-1, 1, 0}) {
    INFO("dim " << dim);
    const auto log_softmax_of = [dim](const Tensor& at) { return ops::log_softmax(at, dim); };
    const Tensor analytic = ops::log_softmax_backward(ops::log_softmax(x, dim), grad_y, dim);
    CHECK(analytic.shape() == x.shape());
    require_close(analytic.to_vector<double>(), numeric_gradient(log_softmax_of, x, grad_y), 1e-7);
  }

  // A non-contiguous upstream gradient gives the same result.
  const Tensor y = ops::log_softmax(x, -1);
  const Tensor grad_y_strided = ops::transpose(ops::contiguous(ops::transpose(grad_y, 0, 2)), 0, 2);
  REQUIRE_FALSE(grad_y_strided.is_contiguous());
  require_close(ops::log_softmax_backward(y, grad_y_strided, -1).to_vector<double>(),
                ops::log_softmax_backward(y, grad_y, -1).to_vector<double>(), 1e-15);
}

TEST_CASE("large softmax on the OpenMP path matches a double-precision reference", "[softmax]") {
  Generator gen(99);
  const std::int64_t rows = 300, cols = 5000;
  const Tensor x = ops::mul(randn({rows, cols}, gen), 10.0);  // float32, (300, 5000), wide spread
  const std::vector<float> host = x.to_vector<float>();

  const std::vector<double> y = ops::softmax(x, 1).to_vector<double>();
  const std::vector<double> log_y = ops::log_softmax(x, 1).to_vector<double>();
  std::int64_t mismatches = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    double row_max = -kInf;
    for (std::int64_t c = 0; c < cols; ++c) row_max = std::max(row_max, static_cast<double>(host[r * cols + c]));
    double exp_sum = 0;
    for (std::int64_t c = 0; c < cols; ++c) exp_sum += std::exp(host[r * cols + c] - row_max);
    for (std::int64_t c = 0; c < cols; ++c) {
      const std::size_t i = static_cast<std::size_t>(r * cols + c);
      const double log_p = host[i] - row_max - std::log(exp_sum);
      // float32 rounds x - max (up to ~80 here) to ~5e-6, which exp() turns into a relative error.
      if (std::abs(y[i] - std::exp(log_p)) > 1e-5 * std::exp(log_p) + 1e-12) ++mismatches;
      if (std::abs(log_y[i] - log_p) > 1e-5 * std::abs(log_p) + 1e-5) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("softmax errors name the op", "[softmax]") {
  const Tensor ints = from_vector<std::int64_t>({1, 2}, {2});
  CHECK_THAT(error_message([&] { ops::softmax(ints, 0); }), Catch::Contains("softmax") && Catch::Contains("int64"));
  const Tensor x = zeros({2, 3});
  CHECK_THAT(error_message([&] { ops::log_softmax(x, 2); }),
             Catch::Contains("log_softmax") && Catch::Contains("out of range"));
  CHECK_THAT(error_message([&] { ops::softmax_backward(x, zeros({3, 2}), 1); }),
             Catch::Contains("softmax_backward") && Catch::Contains("(3,2)"));
}
