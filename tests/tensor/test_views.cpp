// Views share storage and see the right elements; reshape copies only when it must.
#include "helpers.h"

using namespace heed;
using heed::test::require_close;
using heed::test::values;

namespace {
Tensor grid() { return from_vector({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4}); }
}  // namespace

TEST_CASE("views share storage with their base", "[views]") {
  Tensor x = grid();
  for (const Tensor& v : {ops::transpose(x, 0, 1), ops::reshape(x, {4, 3}), ops::slice(x, 1, 1, 3),
                          ops::unsqueeze(x, 0), ops::expand(ops::unsqueeze(x, 0), {2, 3, 4}), ops::select(x, 0, 1),
                          ops::narrow(x, 0, 1, 2), ops::permute(x, {1, 0})}) {
    REQUIRE(v.shares_storage_with(x));
  }
  // Writing through a view changes the base.
  Tensor row = ops::select(x, 0, 1);
  ops::fill_(row, -1);
  require_close(x, {0, 1, 2, 3, -1, -1, -1, -1, 8, 9, 10, 11});
}

TEST_CASE("transpose and permute reorder elements", "[views]") {
  Tensor t = ops::transpose(grid(), 0, 1);
  REQUIRE(t.shape() == Shape{4, 3});
  REQUIRE_FALSE(t.is_contiguous());
  require_close(t, {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  Tensor p = ops::permute(ops::reshape(arange(24, DType::Float32), {2, 3, 4}), {2, 0, 1});
  REQUIRE(p.shape() == Shape{4, 2, 3});
  // p[i][j][k] = x[j][k][i] = 12j + 4k + i, so p[1][:, 2] = {9, 21}.
  REQUIRE(values(ops::select(ops::select(p, 0, 1), 1, 2)) == std::vector<double>{9, 21});
}

TEST_CASE("slice, narrow and select pick the right elements", "[views]") {
  require_close(ops::slice(grid(), 1, 0, 4, 2), {0, 2, 4, 6, 8, 10});
  require_close(ops::slice(grid(), 0, -2, 100), {4, 5, 6, 7, 8, 9, 10, 11});
  require_close(ops::narrow(grid(), 1, 1, 2), {1, 2, 5, 6, 9, 10});
  require_close(ops::select(grid(), 1, -1), {3, 7, 11});
  REQUIRE_THROWS_WITH(ops::narrow(grid(), 1, 3, 2), Catch::Contains("narrow") && Catch::Contains("outside"));
}

TEST_CASE("reshape views when it can and copies when it must", "[views]") {
  Tensor x = grid();
  Tensor r = ops::reshape(x, {2, -1});
  REQUIRE(r.shape() == Shape{2, 6});
  REQUIRE(r.shares_storage_with(x));
  Tensor t = ops::transpose(x, 0, 1);
  Tensor flat = ops::reshape(t, {12});
  REQUIRE_FALSE(flat.shares_storage_with(x));
  require_close(flat, {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  REQUIRE_THROWS_WITH(ops::view(t, {12}), Catch::Contains("view") && Catch::Contains("contiguous"));
  REQUIRE_THROWS_WITH(ops::reshape(x, {5, -1}), Catch::Contains("reshape") && Catch::Contains("(3,4)"));
  // Size-1 dims never block a view.
  Tensor col = ops::slice(x, 1, 0, 1);  // (3,1) with stride 4
  REQUIRE(ops::view(col, {3}).shares_storage_with(x));
}

TEST_CASE("expand broadcasts without copying and squeeze/unsqueeze move size-1 dims", "[views]") {
  Tensor v = from_vector({1, 2, 3}, {3, 1});
  Tensor e = ops::expand(v, {2, 3, 4});
  REQUIRE(e.shape() == Shape{2, 3, 4});
  REQUIRE(e.strides()[0] == 0);
  REQUIRE(e.strides()[2] == 0);
  REQUIRE(values(ops::sum(e)) == std::vector<double>{2 * 4 * 6});
  REQUIRE_THROWS_WITH(ops::expand(v, {2, 4}), Catch::Contains("expand") && Catch::Contains("(3,1)"));
  REQUIRE(ops::squeeze(v, 1).shape() == Shape{3});
  REQUIRE(ops::squeeze(ops::unsqueeze(v, 0)).shape() == Shape{3});
  REQUIRE(ops::unsqueeze(v, -1).shape() == Shape{3, 1, 1});
  REQUIRE(ops::flatten(v).shape() == Shape{3});
}

TEST_CASE("contiguous materialises a strided view in row-major order", "[views]") {
  Tensor t = ops::contiguous(ops::transpose(grid(), 0, 1));
  REQUIRE(t.is_contiguous());
  require_close(t, {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  Tensor c = grid();
  REQUIRE(ops::contiguous(c).impl_ptr() == c.impl_ptr());  // no copy when already contiguous
}

TEST_CASE("bad dims name the op and the valid range", "[views][errors]") {
  REQUIRE_THROWS_WITH(ops::transpose(grid(), 0, 2), Catch::Contains("transpose") && Catch::Contains("[-2, 1]"));
  REQUIRE_THROWS_WITH(ops::permute(grid(), {0, 0}), Catch::Contains("permute") && Catch::Contains("twice"));
}
