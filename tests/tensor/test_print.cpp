// Tensor printing (tensor/print.cpp): exact strings for small tensors, so a
// change to the layout is a deliberate one, and the summary of a big tensor.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include "tensor/ops.h"
#include "tensor/tensor.h"

using namespace heed;

TEST_CASE("print: a rank-0 tensor shows its value and an empty shape", "[print]") {
  CHECK(scalar_tensor(3).str() == "tensor(3.0000, shape=(), dtype=float32)");
}

TEST_CASE("print: a vector", "[print]") {
  CHECK(from_vector({1, 2, 3}, {3}).str() == "tensor([1.0000, 2.0000, 3.0000], shape=(3,), dtype=float32)");
}

TEST_CASE("print: a matrix aligns its columns under one another", "[print]") {
  CHECK(from_vector({1, -2.5, 3, 4}, {2, 2}).str() ==
        "tensor([[ 1.0000, -2.5000],\n"
        "        [ 3.0000,  4.0000]], shape=(2,2), dtype=float32)");
}

TEST_CASE("print: rank 3 separates matrices with a blank line", "[print]") {
  CHECK(from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2}).str() ==
        "tensor([[[1.0000, 2.0000],\n"
        "         [3.0000, 4.0000]],\n"
        "\n"
        "        [[5.0000, 6.0000],\n"
        "         [7.0000, 8.0000]]], shape=(2,2,2), dtype=float32)");
}

TEST_CASE("print: integers print plainly, right-aligned", "[print]") {
  CHECK(from_vector({1, -20, 300}, {3}, DType::Int64).str() == "tensor([  1, -20, 300], shape=(3,), dtype=int64)");
  CHECK(from_vector({7}, {1}, DType::Int32).str() == "tensor([7], shape=(1,), dtype=int32)");
}

TEST_CASE("print: float64 names its dtype", "[print]") {
  CHECK(from_vector({0.5, 0.25}, {2}, DType::Float64).str() == "tensor([0.5000, 0.2500], shape=(2,), dtype=float64)");
}

TEST_CASE("print: tiny or huge magnitudes switch the whole tensor to scientific", "[print]") {
  CHECK(from_vector({1e-5, 2, 3}, {3}, DType::Float64).str() ==
        "tensor([1.0000e-05, 2.0000e+00, 3.0000e+00], shape=(3,), dtype=float64)");
  CHECK(from_vector({1e9, -1}, {2}, DType::Float64).str() ==
        "tensor([ 1.0000e+09, -1.0000e+00], shape=(2,), dtype=float64)");
  // Zero alone does not count as tiny.
  CHECK(from_vector({0, 1}, {2}).str() == "tensor([0.0000, 1.0000], shape=(2,), dtype=float32)");
}

TEST_CASE("print: nan and infinities", "[print]") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(from_vector({std::nan(""), inf, -inf, 1}, {4}).str() ==
        "tensor([   nan,    inf,   -inf, 1.0000], shape=(4,), dtype=float32)");
}

TEST_CASE("print: a transposed view prints its logical order, not its memory order", "[print]") {
  const Tensor t = ops::transpose(from_vector({1, 2, 3, 4, 5, 6}, {2, 3}), 0, 1);
  REQUIRE_FALSE(t.is_contiguous());
  CHECK(t.str() ==
        "tensor([[1.0000, 4.0000],\n"
        "        [2.0000, 5.0000],\n"
        "        [3.0000, 6.0000]], shape=(3,2), dtype=float32)");
}

TEST_CASE("print: a broadcast view repeats its shared row", "[print]") {
  const Tensor t = ops::expand(from_vector({1, 2, 3}, {1, 3}, DType::Int64), {2, 3});
  REQUIRE(t.stride(0) == 0);
  CHECK(t.str() ==
        "tensor([[1, 2, 3],\n"
        "        [1, 2, 3]], shape=(2,3), dtype=int64)");
}

TEST_CASE("print: empty tensors", "[print]") {
  CHECK(empty({0}).str() == "tensor([], shape=(0,), dtype=float32)");
  CHECK(empty({2, 0}, DType::Int64).str() == "tensor([], shape=(2,0), dtype=int64)");
}

TEST_CASE("print: a long vector wraps at 80 columns", "[print]") {
  const std::string text = arange(30, DType::Float32).str();
  CHECK(text.rfind("tensor([ 0.0000,  1.0000,", 0) == 0);
  std::istringstream lines(text);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    if (line.find("shape=") == std::string::npos) CHECK(line.size() <= 80);
  }
  CHECK(count == 4);
}

TEST_CASE("print: a big tensor is summarised with its first and last three entries", "[print]") {
  const Tensor big = ops::reshape(arange(100 * 100, DType::Float32), {100, 100});
  const std::string text = big.str();
  CHECK(text.find("...") != std::string::npos);
  CHECK(text.rfind("tensor([[   0.0000,    1.0000,    2.0000, ...,   97.0000,   98.0000,   99.0000],\n", 0) == 0);
  CHECK(text.find("        ...,\n") != std::string::npos);
  CHECK(text.find("[9900.0000, 9901.0000, 9902.0000, ..., 9997.0000, 9998.0000, 9999.0000]], "
                  "shape=(100,100), dtype=float32)") != std::string::npos);
  CHECK(text.find("50.0000") == std::string::npos);  // the middle is not shown
}

TEST_CASE("print: operator<< writes str()", "[print]") {
  std::ostringstream out;
  const Tensor t = from_vector({1, 2}, {2}, DType::Int32);
  out << t;
  CHECK(out.str() == t.str());
}
