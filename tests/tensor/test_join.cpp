// Tests for joining and splitting (tensor/ops/join.cpp): concat, stack, split
// by size and by sizes, and chunk. concat and stack make new tensors; the
// pieces of split and chunk are views that share storage with their input.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "tensor/ops.h"
#include "tensor/tensor.h"

using namespace heed;
using Catch::Contains;

namespace {

std::vector<float> values_of(const Tensor& t) { return t.to_vector<float>(); }

// A float32 tensor of `shape` holding 0, 1, 2, ... in row-major order.
Tensor counting(const Shape& shape) {
  return ops::reshape(arange(0, static_cast<double>(numel_of(shape)), 1, DType::Float32), shape);
}

std::vector<Shape> shapes_of(const std::vector<Tensor>& pieces) {
  std::vector<Shape> shapes;
  for (const Tensor& piece : pieces) shapes.push_back(piece.shape());
  return shapes;
}

}  // namespace

// ---- concat

TEST_CASE("concat three tensors along dim 0", "[join]") {
  const Tensor a = from_vector({1, 2}, {1, 2});
  const Tensor b = from_vector({3, 4, 5, 6}, {2, 2});
  const Tensor c = from_vector({7, 8}, {1, 2});
  const Tensor out = ops::concat({a, b, c}, 0);
  REQUIRE(out.shape() == Shape{4, 2});
  REQUIRE(values_of(out) == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});
  REQUIRE_FALSE(out.shares_storage_with(a));
}

TEST_CASE("concat three tensors along the last dim, as dim 1 and as dim -1", "[join]") {
  const Tensor a = from_vector({1, 2}, {2, 1});
  const Tensor b = from_vector({3, 4, 5, 6}, {2, 2});
  const Tensor c = from_vector({7, 8, 9, 10, 11, 12}, {2, 3});
  const std::vector<float> expected{1, 3, 4, 7, 8, 9, 2, 5, 6, 10, 11, 12};
  const Tensor out = ops::concat({a, b, c}, 1);
  REQUIRE(out.shape() == Shape{2, 6});
  REQUIRE(values_of(out) == expected);
  REQUIRE(values_of(ops::concat({a, b, c}, -1)) == expected);
}

TEST_CASE("concat along the middle dim of 3-D int64 tensors", "[join]") {
  const Tensor a = from_vector(std::vector<std::int64_t>{0, 1, 2, 3}, {2, 1, 2});
  const Tensor b = from_vector(std::vector<std::int64_t>{10, 11, 12, 13, 14, 15, 16, 17}, {2, 2, 2});
  const Tensor out = ops::concat({a, b}, 1);
  REQUIRE(out.shape() == Shape{2, 3, 2});
  REQUIRE(out.dtype() == DType::Int64);
  REQUIRE(out.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17});
}

TEST_CASE("concat of a transposed input matches the contiguous input, empty inputs are fine", "[join]") {
  const Tensor a = ops::transpose(from_vector({1, 2, 3, 4, 5, 6}, {2, 3}), 0, 1);  // [[1,4],[2,5],[3,6]]
  REQUIRE_FALSE(a.is_contiguous());
  const Tensor b = from_vector({7, 8, 9}, {3, 1});
  const Tensor out = ops::concat({a, b}, 1);
  REQUIRE(values_of(out) == std::vector<float>{1, 4, 7, 2, 5, 8, 3, 6, 9});
  REQUIRE(values_of(out) == values_of(ops::concat({ops::contiguous(a), b}, 1)));
  REQUIRE(values_of(ops::concat({zeros({0, 2}), ones({1, 2}), zeros({0, 2})}, 0)) == std::vector<float>{1, 1});
}

TEST_CASE("concat reports mismatched shapes, ranks, dtypes and an empty list", "[join]") {
  REQUIRE_THROWS_WITH(ops::concat({zeros({2, 3}), zeros({2, 4})}, 0),
                      Contains("concat: tensor 1 has shape (2,4) but tensor 0 has shape (2,3); expected equal "
                               "ranks and equal sizes in every dim except dim 0"));
  REQUIRE_THROWS_WITH(ops::concat({zeros({2, 3}), zeros({2, 3, 1})}, 1),
                      Contains("concat") && Contains("(2,3,1)"));
  REQUIRE_THROWS_WITH(ops::concat({zeros({2}), zeros({2}, DType::Float64)}, 0),
                      Contains("concat") && Contains("float64") && Contains("float32"));
  REQUIRE_THROWS_WITH(ops::concat({}, 0), Contains("concat") && Contains("empty list"));
  REQUIRE_THROWS_WITH(ops::concat({zeros({2, 3})}, 2), Contains("concat") && Contains("dim 2"));
}

// ---- stack

TEST_CASE("stack three vectors along dim 0 and along the last dim", "[join]") {
  const Tensor a = from_vector({1, 2}, {2});
  const Tensor b = from_vector({3, 4}, {2});
  const Tensor c = from_vector({5, 6}, {2});
  const Tensor rows = ops::stack({a, b, c}, 0);
  REQUIRE(rows.shape() == Shape{3, 2});
  REQUIRE(values_of(rows) == std::vector<float>{1, 2, 3, 4, 5, 6});
  const Tensor columns = ops::stack({a, b, c}, -1);
  REQUIRE(columns.shape() == Shape{2, 3});
  REQUIRE(values_of(columns) == std::vector<float>{1, 3, 5, 2, 4, 6});
  REQUIRE(values_of(ops::stack({a, b, c}, 1)) == values_of(columns));
}

TEST_CASE("stack matrices along the middle dim", "[join]") {
  const Tensor a = from_vector({1, 2, 3, 4}, {2, 2});
  const Tensor b = from_vector({5, 6, 7, 8}, {2, 2});
  const Tensor out = ops::stack({a, b}, 1);  // out[i][k][j] = (a, b)[k][i][j]
  REQUIRE(out.shape() == Shape{2, 2, 2});
  REQUIRE(values_of(out) == std::vector<float>{1, 2, 5, 6, 3, 4, 7, 8});
}

TEST_CASE("stack reports tensors of different shapes", "[join]") {
  REQUIRE_THROWS_WITH(ops::stack({zeros({2}), zeros({2}), zeros({3})}, 0),
                      Contains("stack: tensor 2 has shape (3,) but tensor 0 has shape (2,)"));
  REQUIRE_THROWS_WITH(ops::stack({}, 0), Contains("stack") && Contains("empty list"));
}

// ---- split

TEST_CASE("split by a size gives views, the last piece smaller", "[join]") {
  const Tensor t = counting({7, 4});
  std::vector<Tensor> pieces = ops::split(t, 3, 0);
  REQUIRE(shapes_of(pieces) == std::vector<Shape>{{3, 4}, {3, 4}, {1, 4}});
  for (const Tensor& piece : pieces) REQUIRE(piece.shares_storage_with(t));
  REQUIRE(values_of(pieces[1]) == std::vector<float>{12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
  REQUIRE(values_of(pieces[2]) == std::vector<float>{24, 25, 26, 27});
  // Writing through a piece writes the input: they are the same memory.
  ops::fill_(pieces[2], -1);
  REQUIRE(values_of(ops::select(t, 0, 6)) == std::vector<float>{-1, -1, -1, -1});
}

TEST_CASE("split along the last dim", "[join]") {
  const Tensor t = counting({2, 5});
  const std::vector<Tensor> pieces = ops::split(t, 2, -1);
  REQUIRE(shapes_of(pieces) == std::vector<Shape>{{2, 2}, {2, 2}, {2, 1}});
  REQUIRE(values_of(pieces[1]) == std::vector<float>{2, 3, 7, 8});
  REQUIRE(values_of(pieces[2]) == std::vector<float>{4, 9});
  REQUIRE(pieces[1].shares_storage_with(t));
}

TEST_CASE("split by a list of sizes", "[join]") {
  const Tensor t = counting({3, 5});
  const std::vector<Tensor> pieces = ops::split(t, std::vector<std::int64_t>{1, 4}, 1);
  REQUIRE(shapes_of(pieces) == std::vector<Shape>{{3, 1}, {3, 4}});
  REQUIRE(values_of(pieces[0]) == std::vector<float>{0, 5, 10});
  REQUIRE(values_of(pieces[1]) == std::vector<float>{1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14});
  REQUIRE(pieces[0].shares_storage_with(t));
  REQUIRE(pieces[1].shares_storage_with(t));
  // A zero size gives an empty piece.
  REQUIRE(shapes_of(ops::split(t, std::vector<std::int64_t>{0, 3}, 0)) == std::vector<Shape>{{0, 5}, {3, 5}});
}

TEST_CASE("split reports sizes that do not sum to the dim and a non-positive size", "[join]") {
  const Tensor t = zeros({3, 5});
  REQUIRE_THROWS_WITH(ops::split(t, std::vector<std::int64_t>{2, 2}, 1),
                      Contains("split: sizes (2,2) sum to 4 but dim 1 of input (3,5) has size 5; "
                               "expected sizes that sum to 5"));
  REQUIRE_THROWS_WITH(ops::split(t, std::vector<std::int64_t>{4, -1}, 1), Contains("split") && Contains("-1"));
  REQUIRE_THROWS_WITH(ops::split(t, 0, 0), Contains("split") && Contains("positive"));
}

// ---- chunk

TEST_CASE("chunk uses pieces of ceil(n / chunks) and may return fewer pieces", "[join]") {
  const Tensor t = counting({7, 4});
  const std::vector<Tensor> thirds = ops::chunk(t, 3, 0);
  REQUIRE(shapes_of(thirds) == std::vector<Shape>{{3, 4}, {3, 4}, {1, 4}});
  for (const Tensor& piece : thirds) REQUIRE(piece.shares_storage_with(t));

  // 6 in 4 chunks: pieces of 2, so only three of them.
  REQUIRE(shapes_of(ops::chunk(counting({6}), 4, 0)) == std::vector<Shape>{{2}, {2}, {2}});
  REQUIRE(shapes_of(ops::chunk(counting({5}), 5, 0)) == std::vector<Shape>{{1}, {1}, {1}, {1}, {1}});

  const Tensor wide = counting({2, 6});
  const std::vector<Tensor> halves = ops::chunk(wide, 2, -1);
  REQUIRE(shapes_of(halves) == std::vector<Shape>{{2, 3}, {2, 3}});
  REQUIRE(values_of(halves[1]) == std::vector<float>{3, 4, 5, 9, 10, 11});
  REQUIRE(values_of(ops::concat(halves, -1)) == values_of(wide));  // concat undoes chunk
  REQUIRE_THROWS_WITH(ops::chunk(wide, 0, 0), Contains("chunk") && Contains("at least 1"));
}
