// Tests for the reductions of tensor/ops/reduce.cpp and their CPU kernel
// (tensor/cpu/reduce.cpp): hand-computed values over single dims, several
// dims, all dims, negative dims and keepdim; non-contiguous inputs; max/min
// indices with ties and NaN; logsumexp at extreme values; sum_to for the
// broadcast patterns autograd meets; the error messages; and large tensors
// that take the OpenMP paths, against a plain double-precision reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tensor/ops.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

using namespace heed;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Checks every element of t against `expected` (row-major), within float32 rounding.
void require_values(const Tensor& t, const std::vector<double>& expected) {
  const std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).epsilon(1e-6));
  }
}

// 0, 1, ..., 23 as a (2, 3, 4) float64 tensor: element (i, j, k) = 12i + 4j + k.
Tensor counting_2x3x4() { return ops::reshape(ops::to(arange(24), DType::Float64), {2, 3, 4}); }

// The thrown heed::Error's message, or "" when nothing was thrown.
template <typename Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sum over one dim, negative dims and keepdim", "[reduce]") {
  const Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});

  const Tensor over_rows = ops::sum(x, {0});
  CHECK(over_rows.shape() == Shape{3});
  require_values(over_rows, {5, 7, 9});

  require_values(ops::sum(x, {1}), {6, 15});
  require_values(ops::sum(x, {-1}), {6, 15});
  require_values(ops::sum(x, {-2}), {5, 7, 9});

  const Tensor kept = ops::sum(x, {1}, /*keepdim=*/true);
  CHECK(kept.shape() == Shape{2, 1});
  require_values(kept, {6, 15});
  CHECK(kept.dtype() == DType::Float32);
}

TEST_CASE("sum over all dims gives a 0-d tensor, or all ones with keepdim", "[reduce]") {
  const Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor total = ops::sum(x);
  CHECK(total.shape() == Shape{});
  CHECK(total.item() == 21.0);

  const Tensor kept = ops::sum(x, {}, /*keepdim=*/true);
  CHECK(kept.shape() == Shape{1, 1});
  CHECK(kept.item() == 21.0);

  // Listing every dim is the same as listing none.
  CHECK(ops::sum(x, {0, 1}).item() == 21.0);

  // A 0-d tensor is its own sum.
  const Tensor scalar = scalar_tensor(2.5, DType::Float64);
  CHECK(ops::sum(scalar).shape() == Shape{});
  CHECK(ops::sum(scalar).item() == 2.5);
}

TEST_CASE("sum over several dims, in any order", "[reduce]") {
  const Tensor x = counting_2x3x4();

  // sum over i and k of 12i + 4j + k = 32j + 60.
  const Tensor outer = ops::sum(x, {0, 2});
  CHECK(outer.shape() == Shape{3});
  require_values(outer, {60, 92, 124});
  require_values(ops::sum(x, {2, 0}), {60, 92, 124});
  require_values(ops::sum(x, {-1, -3}), {60, 92, 124});
  CHECK(ops::sum(x, {0, 2}, true).shape() == Shape{1, 3, 1});

  // sum over i and j = 6k + 60.
  const Tensor leading = ops::sum(x, {0, 1});
  CHECK(leading.shape() == Shape{4});
  require_values(leading, {60, 66, 72, 78});

  // sum over j and k = 144i + 66.
  require_values(ops::sum(x, {1, 2}), {66, 210});
}

TEST_CASE("sum of non-contiguous inputs", "[reduce]") {
  const Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor xt = ops::transpose(x, 0, 1);  // (3, 2): [[1, 4], [2, 5], [3, 6]]
  REQUIRE_FALSE(xt.is_contiguous());
  require_values(ops::sum(xt, {0}), {6, 15});
  require_values(ops::sum(xt, {1}), {5, 7, 9});
  CHECK(ops::sum(xt).item() == 21.0);

  // Every other column of the counting tensor: k in {0, 2}.
  const Tensor strided = ops::slice(counting_2x3x4(), 2, 0, 4, 2);  // (2, 3, 2)
  REQUIRE_FALSE(strided.is_contiguous());
  // sum over i and j of 12i + 4j + k = 6k + 60.
  require_values(ops::sum(strided, {0, 1}), {60, 72});

  // An expanded (stride-0) input.
  const Tensor row = from_vector({1, 2, 3}, {1, 3});
  require_values(ops::sum(ops::expand(row, {4, 3}), {0}), {4, 8, 12});
}

TEST_CASE("sum of integer tensors keeps the dtype", "[reduce]") {
  const Tensor x = from_vector<std::int32_t>({1, -2, 3, 40, 50, 60}, {2, 3});
  const Tensor rows = ops::sum(x, {1});
  CHECK(rows.dtype() == DType::Int32);
  CHECK(rows.to_vector<std::int32_t>() == std::vector<std::int32_t>{2, 150});

  const Tensor big = from_vector<std::int64_t>({std::int64_t{1} << 40, 1}, {2});
  CHECK(ops::sum(big).to_vector<std::int64_t>() == std::vector<std::int64_t>{(std::int64_t{1} << 40) + 1});
}

TEST_CASE("mean and var by hand", "[reduce]") {
  const Tensor x = from_vector({1, 2, 3, 4, 2, 4, 6, 8}, {2, 4});

  require_values(ops::mean(x, {1}), {2.5, 5.0});
  require_values(ops::mean(x, {0}), {1.5, 3, 4.5, 6});
  CHECK(ops::mean(x).item() == Approx(3.75));
  CHECK(ops::mean(x, {1}, true).shape() == Shape{2, 1});

  // Row 0: deviations from 2.5 are -1.5, -0.5, 0.5, 1.5; their squares sum to 5.
  // Row 1 is twice row 0, so its squares sum to 20.
  require_values(ops::var(x, {1}), {5.0 / 3.0, 20.0 / 3.0});               // sample (correction 1)
  require_values(ops::var(x, {1}, /*correction=*/0), {5.0 / 4.0, 20.0 / 4.0});  // population
  CHECK(ops::var(x, {-1}, 1, true).shape() == Shape{2, 1});

  // Over all 8 elements: mean 3.75, squared deviations sum to 37.5.
  CHECK(ops::var(x).item() == Approx(37.5 / 7.0));
}

TEST_CASE("var is two-pass: a large offset does not cancel the spread", "[reduce]") {
  // 1e6 + {1, 2, 3, 4} is exact in float32; sum(x^2) - n*mean^2 would lose
  // every digit of the answer (the squares are near 1e12).
  const Tensor x = from_vector({1e6 + 1, 1e6 + 2, 1e6 + 3, 1e6 + 4}, {4});
  CHECK(ops::var(x).item() == Approx(5.0 / 3.0).epsilon(1e-6));
  CHECK(ops::var(x, {}, 0).item() == Approx(1.25).epsilon(1e-6));
}

TEST_CASE("mean and var of integer tensors ask for a conversion", "[reduce]") {
  const Tensor ints = from_vector<std::int64_t>({1, 2, 3}, {3});
  const std::string mean_error = error_message([&] { ops::mean(ints); });
  CHECK_THAT(mean_error, Catch::Contains("mean") && Catch::Contains("int64") && Catch::Contains(".to("));
  const std::string var_error = error_message([&] { ops::var(ints); });
  CHECK_THAT(var_error, Catch::Contains("var") && Catch::Contains("int64"));
  const std::string lse_error = error_message([&] { ops::logsumexp(ints, 0); });
  CHECK_THAT(lse_error, Catch::Contains("logsumexp"));
}

TEST_CASE("max and min give values and the first index on ties", "[reduce]") {
  const Tensor x = from_vector({3, 1, 3, 0, -2, -2}, {2, 3});

  auto [row_max, row_argmax] = ops::max(x, 1);
  CHECK(row_max.shape() == Shape{2});
  CHECK(row_argmax.dtype() == DType::Int64);
  require_values(row_max, {3, 0});
  CHECK(row_argmax.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 0});

  auto [row_min, row_argmin] = ops::min(x, 1);
  require_values(row_min, {1, -2});
  CHECK(row_argmin.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 1});  // -2 at 1 and 2: first wins

  auto [col_max, col_argmax] = ops::max(x, 0, /*keepdim=*/true);
  CHECK(col_max.shape() == Shape{1, 3});
  CHECK(col_argmax.shape() == Shape{1, 3});
  require_values(col_max, {3, 1, 3});
  CHECK(col_argmax.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 0, 0});

  auto [col_min, col_argmin] = ops::min(x, -2);
  require_values(col_min, {0, -2, -2});
  CHECK(col_argmin.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 1, 1});

  // Over all elements.
  CHECK(ops::max(x).item() == 3.0);
  CHECK(ops::min(x).item() == -2.0);
  CHECK(ops::max(x).shape() == Shape{});
}

TEST_CASE("argmax and argmin", "[reduce]") {
  const Tensor x = from_vector({0.1, 0.7, 0.2, 0.9, 0.05, 0.9}, {2, 3});
  const Tensor best = ops::argmax(x, -1);
  CHECK(best.dtype() == DType::Int64);
  CHECK(best.shape() == Shape{2});
  CHECK(best.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  CHECK(ops::argmin(x, 1).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1});
  CHECK(ops::argmax(x, 0).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 1});
  CHECK(ops::argmax(x, 1, /*keepdim=*/true).shape() == Shape{2, 1});

  // A transposed input, and integer values.
  CHECK(ops::argmax(ops::transpose(x, 0, 1), 0).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  const Tensor ints = from_vector<std::int32_t>({5, 9, 9, -1}, {4});
  CHECK(ops::argmax(ints, 0).item() == 1.0);
  CHECK(ops::argmin(ints, 0).item() == 3.0);
  CHECK(ops::max(ints).dtype() == DType::Int32);
  CHECK(ops::max(ints).item() == 9.0);
}

TEST_CASE("max and min propagate NaN, at the first NaN's index", "[reduce]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = from_vector({1, nan, 5, nan}, {1, 4});
  auto [max_value, max_index] = ops::max(x, 1);
  CHECK(std::isnan(max_value.item()));
  CHECK(max_index.item() == 1.0);
  auto [min_value, min_index] = ops::min(x, 1);
  CHECK(std::isnan(min_value.item()));
  CHECK(min_index.item() == 1.0);
  CHECK(std::isnan(ops::max(x).item()));
}

TEST_CASE("logsumexp is stable for large values and all -inf rows", "[reduce]") {
  const Tensor x = from_vector({1, 2, 3}, {3});
  CHECK(ops::logsumexp(x, 0).item() == Approx(std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))));

  // exp(1000) overflows; the max-shifted form does not.
  const Tensor large = from_vector({1000, 1000, -1000, 1000}, {2, 2});
  const Tensor lse = ops::logsumexp(large, 1);
  CHECK(lse.shape() == Shape{2});
  const std::vector<double> values = lse.to_vector<double>();
  CHECK(values[0] == Approx(1000 + std::log(2.0)));
  CHECK(values[1] == Approx(1000));
  CHECK(ops::logsumexp(large, 0, /*keepdim=*/true).shape() == Shape{1, 2});

  // A fully masked row has log(0) = -inf, never NaN; a partly masked row ignores the -inf.
  const Tensor masked = from_vector({-kInf, -kInf, -kInf, 0, -kInf, 0}, {2, 3});
  const std::vector<double> masked_lse = ops::logsumexp(masked, 1).to_vector<double>();
  CHECK(masked_lse[0] == -kInf);
  CHECK(masked_lse[1] == Approx(std::log(2.0)));

  // +inf anywhere makes the row +inf.
  CHECK(ops::logsumexp(from_vector({1, kInf}, {2}), 0).item() == kInf);
}

TEST_CASE("sum_to undoes broadcasting", "[reduce]") {
  const Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});

  // A bias of shape (3) broadcast over rows: sum the leading dim.
  const Tensor bias_grad = ops::sum_to(x, {3});
  CHECK(bias_grad.shape() == Shape{3});
  require_values(bias_grad, {5, 7, 9});

  // A size-1 dim kept in place.
  const Tensor row = ops::sum_to(x, {1, 3});
  CHECK(row.shape() == Shape{1, 3});
  require_values(row, {5, 7, 9});
  const Tensor column = ops::sum_to(x, {2, 1});
  CHECK(column.shape() == Shape{2, 1});
  require_values(column, {6, 15});

  // Both at once: (2, 3, 4) -> (3, 1) sums dims 0 and 2 (32j + 60 for j = 0, 1, 2).
  const Tensor both = ops::sum_to(counting_2x3x4(), {3, 1});
  CHECK(both.shape() == Shape{3, 1});
  require_values(both, {60, 92, 124});

  // Down to a scalar.
  const Tensor scalar = ops::sum_to(x, {});
  CHECK(scalar.shape() == Shape{});
  CHECK(scalar.item() == 21.0);

  // Dropping only leading size-1 dims.
  const Tensor dropped = ops::sum_to(from_vector({7, 8}, {1, 1, 2}), {2});
  CHECK(dropped.shape() == Shape{2});
  require_values(dropped, {7, 8});

  // Leading dims of a contiguous tensor (summed as one product with a row of ones) and of a
  // transposed one (summed by rows) both agree with sum over those dims.
  Generator gen(3);
  const Tensor big = uniform({5, 7, 6}, -1, 1, gen, DType::Float64);
  const std::vector<double> expected = ops::sum(big, {0, 1}).to_vector<double>();
  const std::vector<double> got = ops::sum_to(big, {6}).to_vector<double>();
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(got[i] == Approx(expected[i]).epsilon(1e-12));
  const Tensor transposed = ops::transpose(big, 0, 1);  // (7, 5, 6), not contiguous
  const std::vector<double> got_transposed = ops::sum_to(transposed, {6}).to_vector<double>();
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(got_transposed[i] == Approx(expected[i]).epsilon(1e-12));

  // Already the right shape: the very same tensor comes back.
  const Tensor same = ops::sum_to(x, {2, 3});
  CHECK(same.impl_ptr() == x.impl_ptr());
}

TEST_CASE("sum_to rejects shapes that do not broadcast to the input", "[reduce]") {
  const Tensor x = zeros({2, 3});
  CHECK_THAT(error_message([&] { ops::sum_to(x, {4}); }), Catch::Contains("sum_to") && Catch::Contains("(2,3)"));
  CHECK_THAT(error_message([&] { ops::sum_to(x, {1, 2, 3}); }), Catch::Contains("sum_to"));
}

TEST_CASE("reducing a dim of size 0", "[reduce]") {
  const Tensor empty_rows = zeros({2, 0});
  const Tensor sums = ops::sum(empty_rows, {1});
  CHECK(sums.shape() == Shape{2});
  require_values(sums, {0, 0});
  CHECK(ops::sum(empty_rows).item() == 0.0);

  // Kept dims of size 0 give an empty result.
  const Tensor none = ops::sum(zeros({0, 3}), {1});
  CHECK(none.shape() == Shape{0});
  require_values(ops::sum(zeros({0, 3}), {0}), {0, 0, 0});

  CHECK_THAT(error_message([&] { ops::max(empty_rows, 1); }),
             Catch::Contains("max") && Catch::Contains("size 0") && Catch::Contains("(2,0)"));
  CHECK_THAT(error_message([&] { ops::min(empty_rows); }), Catch::Contains("min"));
  CHECK_THAT(error_message([&] { ops::argmax(empty_rows, 1); }), Catch::Contains("argmax"));
  // Reducing a non-empty dim of an empty tensor is fine: the result is empty too.
  CHECK(ops::max(empty_rows, 0).first.shape() == Shape{0});
}

TEST_CASE("reduction errors name the op and the fix", "[reduce]") {
  const Tensor x = zeros({2, 3});
  const std::string out_of_range = error_message([&] { ops::sum(x, {2}); });
  CHECK_THAT(out_of_range, Catch::Contains("sum") && Catch::Contains("out of range") && Catch::Contains("(2,3)"));
  CHECK_THAT(error_message([&] { ops::sum(x, {-3}); }), Catch::Contains("out of range"));
  CHECK_THAT(error_message([&] { ops::sum(x, {1, -1}); }), Catch::Contains("sum") && Catch::Contains("twice"));
  CHECK_THAT(error_message([&] { ops::max(x, 5); }), Catch::Contains("max") && Catch::Contains("out of range"));
  CHECK_THAT(error_message([&] { ops::logsumexp(x, -3); }), Catch::Contains("logsumexp"));
}

TEST_CASE("large reductions on the OpenMP path match a double-precision reference", "[reduce]") {
  Generator gen(1234);
  const std::int64_t rows = 300, cols = 5000;
  const Tensor x = randn({rows, cols}, gen);  // float32, (300, 5000)
  const std::vector<float> host = x.to_vector<float>();

  std::vector<double> row_sum(rows, 0), row_max(rows, -kInf), col_sum(cols, 0), row_var(rows, 0), row_lse(rows, 0);
  std::vector<std::int64_t> row_argmax(rows, 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const double v = host[r * cols + c];
      row_sum[r] += v;
      col_sum[c] += v;
      if (v > row_max[r]) {
        row_max[r] = v;
        row_argmax[r] = c;
      }
    }
    const double mean = row_sum[r] / cols;
    double exp_sum = 0;
    for (std::int64_t c = 0; c < cols; ++c) {
      const double v = host[r * cols + c];
      row_var[r] += (v - mean) * (v - mean);
      exp_sum += std::exp(v - row_max[r]);
    }
    row_var[r] /= cols - 1;
    row_lse[r] = row_max[r] + std::log(exp_sum);
  }

  const std::vector<double> sums = ops::sum(x, {1}).to_vector<double>();
  const std::vector<double> means = ops::mean(x, {1}).to_vector<double>();
  const std::vector<double> vars = ops::var(x, {1}).to_vector<double>();
  const std::vector<double> lses = ops::logsumexp(x, 1).to_vector<double>();
  auto [maxes, argmaxes] = ops::max(x, 1);
  const std::vector<double> max_values = maxes.to_vector<double>();
  const std::vector<std::int64_t> max_indices = argmaxes.to_vector<std::int64_t>();
  for (std::int64_t r = 0; r < rows; ++r) {
    INFO("row " << r);
    // A sum of 5000 terms of size ~1 is ~70; float32 pairwise keeps it to a few ulps of the terms.
    CHECK(sums[r] == Approx(row_sum[r]).margin(1e-4));
    CHECK(means[r] == Approx(row_sum[r] / cols).margin(1e-7));
    CHECK(vars[r] == Approx(row_var[r]).epsilon(1e-5));
    CHECK(lses[r] == Approx(row_lse[r]).epsilon(1e-6));
    CHECK(max_values[r] == row_max[r]);
    CHECK(max_indices[r] == row_argmax[r]);
  }

  // Over dim 0: the permute-then-contiguous path.
  const std::vector<double> column_sums = ops::sum(x, {0}).to_vector<double>();
  for (std::int64_t c = 0; c < cols; ++c) CHECK(column_sums[c] == Approx(col_sum[c]).margin(1e-4));
}

TEST_CASE("one huge row is split across threads and combined in order", "[reduce]") {
  const std::int64_t n = 1 << 20;
  Generator gen(7);
  Tensor x = rand({1, n}, gen);  // float32 in [0, 1)
  float* data = x.data<float>();
  // Two equal maxima far apart, in different threads' pieces: the first must win.
  data[10] = 2.0f;
  data[n - 10] = 2.0f;
  data[n / 2] = -1.0f;

  double reference_sum = 0;
  for (std::int64_t i = 0; i < n; ++i) reference_sum += data[i];
  const double reference_mean = reference_sum / static_cast<double>(n);
  double reference_squares = 0;
  for (std::int64_t i = 0; i < n; ++i) reference_squares += (data[i] - reference_mean) * (data[i] - reference_mean);

  // A running float32 sum of a million values near 0.5 would be off by ~100;
  // pairwise summation stays within a few parts in 10^7.
  CHECK(ops::sum(x).item() == Approx(reference_sum).epsilon(1e-6));
  CHECK(ops::var(x, {1}, 0).item() == Approx(reference_squares / static_cast<double>(n)).epsilon(1e-5));
  auto [max_value, max_index] = ops::max(x, 1);
  CHECK(max_value.item() == 2.0);
  CHECK(max_index.item() == 10.0);
  auto [min_value, min_index] = ops::min(x, 1);
  CHECK(min_value.item() == -1.0);
  CHECK(min_index.item() == static_cast<double>(n / 2));

  // float64 and int64 on the same path.
  const Tensor ones_row = ones({1, n}, DType::Float64);
  CHECK(ops::sum(ones_row).item() == static_cast<double>(n));
  const Tensor int_row = ops::reshape(arange(n), {1, n});
  CHECK(ops::sum(int_row).to_vector<std::int64_t>()[0] == n * (n - 1) / 2);
  CHECK(ops::argmax(int_row, 1).item() == static_cast<double>(n - 1));
}
