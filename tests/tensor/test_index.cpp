// Tests for the indexing ops (tensor/ops/index.cpp, tensor/cpu/index.cpp,
// tensor/cpu/cumsum.cpp): index_select, index_add, gather, scatter_add,
// embedding, cumsum, triu/tril and one_hot.
//
// Expected values are written out by hand on small tensors; the larger cases
// (parallel paths, cumsum of a 3-D tensor) are checked against plain loops.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <vector>

#include "tensor/ops.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

using namespace heed;
using Catch::Contains;

namespace {

std::vector<float> values_of(const Tensor& t) { return t.to_vector<float>(); }

// (3,4) float32 holding 0..11 in row-major order:
//   [[0, 1,  2,  3],
//    [4, 5,  6,  7],
//    [8, 9, 10, 11]]
Tensor counting_3x4() { return ops::reshape(arange(0, 12, 1, DType::Float32), {3, 4}); }

// sum(a * b) over all elements, in double, without relying on reduction ops.
double dot(const Tensor& a, const Tensor& b) {
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  double total = 0;
  for (std::size_t i = 0; i < x.size(); ++i) total += x[i] * y[i];
  return total;
}

}  // namespace

// ---- index_select

TEST_CASE("index_select picks rows along dim 0 with int64 indices, repeats included", "[index]") {
  const Tensor t = counting_3x4();
  const Tensor index = from_vector(std::vector<std::int64_t>{2, 0, 2}, {3});
  const Tensor out = ops::index_select(t, 0, index);
  REQUIRE(out.shape() == Shape{3, 4});
  REQUIRE(values_of(out) == std::vector<float>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
}

TEST_CASE("index_select picks columns along dim 1 and -1 with int32 indices", "[index]") {
  const Tensor t = counting_3x4();
  const Tensor index = from_vector(std::vector<std::int32_t>{3, 1}, {2});
  const std::vector<float> expected{3, 1, 7, 5, 11, 9};
  const Tensor by_dim_1 = ops::index_select(t, 1, index);
  REQUIRE(by_dim_1.shape() == Shape{3, 2});
  REQUIRE(values_of(by_dim_1) == expected);
  REQUIRE(values_of(ops::index_select(t, -1, index)) == expected);
}

TEST_CASE("index_select along the middle dim of a 3-D tensor", "[index]") {
  // (2,3,2) holding 0..11: [[[0,1],[2,3],[4,5]], [[6,7],[8,9],[10,11]]]
  const Tensor t = ops::reshape(arange(0, 12, 1, DType::Float64), {2, 3, 2});
  const Tensor out = ops::index_select(t, 1, from_vector(std::vector<std::int64_t>{1}, {1}));
  REQUIRE(out.shape() == Shape{2, 1, 2});
  REQUIRE(out.to_vector<double>() == std::vector<double>{2, 3, 8, 9});
}

TEST_CASE("index_select of a transposed input or a strided index matches the contiguous result", "[index]") {
  const Tensor t = counting_3x4();
  const Tensor transposed = ops::transpose(t, 0, 1);  // (4,3), not contiguous
  REQUIRE_FALSE(transposed.is_contiguous());
  const Tensor index = from_vector(std::vector<std::int64_t>{0, 3, 3}, {3});
  REQUIRE(values_of(ops::index_select(transposed, 0, index)) ==
          values_of(ops::index_select(ops::contiguous(transposed), 0, index)));
  // Rows 0, 3, 3 of the transpose are columns 0, 3, 3 of t.
  REQUIRE(values_of(ops::index_select(transposed, 0, index)) == std::vector<float>{0, 4, 8, 3, 7, 11, 3, 7, 11});

  const Tensor every_other = ops::slice(arange(6), 0, 0, 6, 2);  // [0, 2, 4], stride 2
  const Tensor columns = ops::index_select(ops::reshape(arange(0, 6, 1, DType::Float32), {1, 6}), 1, every_other);
  REQUIRE(values_of(columns) == std::vector<float>{0, 2, 4});
}

TEST_CASE("index_select rejects out-of-range and badly shaped indices", "[index]") {
  const Tensor t = counting_3x4();
  REQUIRE_THROWS_WITH(ops::index_select(t, 0, from_vector(std::vector<std::int64_t>{0, 3}, {2})),
                      Contains("index_select") && Contains("index 3") && Contains("[0, 3)"));
  REQUIRE_THROWS_WITH(ops::index_select(t, 1, from_vector(std::vector<std::int32_t>{-1}, {1})),
                      Contains("index_select") && Contains("index -1") && Contains("[0, 4)"));
  REQUIRE_THROWS_WITH(ops::index_select(t, 0, from_vector({0, 1}, {2}, DType::Float32)),
                      Contains("index_select") && Contains("float32") && Contains("int32 or int64"));
  REQUIRE_THROWS_WITH(ops::index_select(t, 0, from_vector(std::vector<std::int64_t>{0, 1}, {1, 2})),
                      Contains("index_select") && Contains("1-D"));
}

// ---- index_add

TEST_CASE("index_add adds every source row, summing rows sent to the same index", "[index]") {
  const Tensor t = ones({3, 2});
  const Tensor source = from_vector({1, 2, 3, 4, 5, 6}, {3, 2});
  const Tensor index = from_vector(std::vector<std::int64_t>{0, 2, 0}, {3});  // row 0 twice
  const Tensor out = ops::index_add(t, 0, index, source);
  REQUIRE(out.shape() == Shape{3, 2});
  // row 0: 1 + (1 + 5), 1 + (2 + 6); row 1 untouched; row 2: 1 + 3, 1 + 4.
  REQUIRE(values_of(out) == std::vector<float>{7, 9, 1, 1, 4, 5});
  REQUIRE(values_of(t) == std::vector<float>{1, 1, 1, 1, 1, 1});  // the input is not modified
}

TEST_CASE("index_add along dim 1 and -1 with int32 indices", "[index]") {
  const Tensor t = zeros({2, 3});
  const Tensor source = from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  const Tensor index = from_vector(std::vector<std::int32_t>{2, 2, 0, 1}, {4});
  // column 2 gets source columns 0 and 1; column 0 gets 2; column 1 gets 3.
  const std::vector<float> expected{3, 4, 3, 7, 8, 11};
  REQUIRE(values_of(ops::index_add(t, 1, index, source)) == expected);
  REQUIRE(values_of(ops::index_add(t, -1, index, source)) == expected);
}

TEST_CASE("index_add with a transposed source matches the contiguous source", "[index]") {
  const Tensor t = zeros({4, 3});
  const Tensor source_t = ops::transpose(counting_3x4(), 0, 1);  // (4,3), not contiguous
  const Tensor index = from_vector(std::vector<std::int64_t>{1, 1, 0}, {3});
  REQUIRE(values_of(ops::index_add(t, 1, index, source_t)) ==
          values_of(ops::index_add(t, 1, index, ops::contiguous(source_t))));
  // Row r of the source is [r, r+4, r+8]; column 1 gets r + (r+4), column 0 gets r+8.
  REQUIRE(values_of(ops::index_add(t, 1, index, source_t)) ==
          std::vector<float>{8, 4, 0, 9, 6, 0, 10, 8, 0, 11, 10, 0});
}

TEST_CASE("index_add stays exact with many repeated indices on the parallel path", "[index]") {
  // Along dim 1: 64 independent rows, 1000 additions into 4 columns each.
  const std::int64_t count = 1000;
  std::vector<std::int64_t> positions(count);
  for (std::int64_t j = 0; j < count; ++j) positions[j] = j % 4;
  const Tensor index = from_vector(positions, {count});
  const Tensor along_columns = ops::index_add(zeros({64, 4}, DType::Int64), 1, index, ones({64, count}, DType::Int64));
  for (const std::int64_t v : along_columns.to_vector<std::int64_t>()) REQUIRE(v == 250);

  // Along dim 0: rows of 600 columns (more than one column block per thread).
  const Tensor along_rows = ops::index_add(zeros({4, 600}, DType::Float64), 0, index, ones({count, 600}, DType::Float64));
  for (const double v : along_rows.to_vector<double>()) REQUIRE(v == 250.0);
}

TEST_CASE("index_add rejects out-of-range indices and a source of the wrong shape", "[index]") {
  const Tensor t = zeros({3, 2});
  REQUIRE_THROWS_WITH(ops::index_add(t, 0, from_vector(std::vector<std::int64_t>{0, 5}, {2}), ones({2, 2})),
                      Contains("index_add") && Contains("index 5") && Contains("[0, 3)"));
  REQUIRE_THROWS_WITH(ops::index_add(t, 0, from_vector(std::vector<std::int64_t>{0, 1}, {2}), ones({2, 3})),
                      Contains("index_add") && Contains("(2,3)") && Contains("(2,2)"));
}

// ---- gather

TEST_CASE("gather along dim 1, -1 and 0", "[index]") {
  const Tensor t = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});  // [[1,2,3],[4,5,6]]
  const Tensor index = from_vector(std::vector<std::int64_t>{2, 0, 1, 1}, {2, 2});
  // out[i][j] = t[i][index[i][j]]
  const Tensor out = ops::gather(t, 1, index);
  REQUIRE(out.shape() == Shape{2, 2});
  REQUIRE(values_of(out) == std::vector<float>{3, 1, 5, 5});
  REQUIRE(values_of(ops::gather(t, -1, index)) == std::vector<float>{3, 1, 5, 5});

  // out[i][j] = t[index[i][j]][j]
  const Tensor rows = from_vector(std::vector<std::int32_t>{1, 0, 1}, {1, 3});
  const Tensor by_rows = ops::gather(t, 0, rows);
  REQUIRE(by_rows.shape() == Shape{1, 3});
  REQUIRE(values_of(by_rows) == std::vector<float>{4, 2, 6});
}

TEST_CASE("gather with an index smaller than the input in the other dims", "[index]") {
  const Tensor t = ops::reshape(arange(0, 9, 1, DType::Float32), {3, 3});  // [[0,1,2],[3,4,5],[6,7,8]]
  const Tensor index = from_vector(std::vector<std::int64_t>{2, 0}, {2, 1});
  // Only rows 0 and 1 are read: t[0][2], t[1][0].
  REQUIRE(values_of(ops::gather(t, 1, index)) == std::vector<float>{2, 3});
}

TEST_CASE("gather of a transposed 3-D input matches the contiguous input and a loop", "[index]") {
  Generator gen(7);
  const Tensor base = randn({4, 3, 5}, gen, DType::Float64);
  const Tensor t = ops::transpose(base, 0, 2);  // (5,3,4), not contiguous
  const Tensor index = randint(0, 3, {5, 2, 4}, gen, DType::Int64);
  const Tensor out = ops::gather(t, 1, index);
  REQUIRE(out.to_vector<double>() == ops::gather(ops::contiguous(t), 1, index).to_vector<double>());
  const std::vector<double> got = out.to_vector<double>(), from = base.to_vector<double>();
  const std::vector<std::int64_t> idx = index.to_vector<std::int64_t>();
  for (std::int64_t a = 0; a < 5; ++a)
    for (std::int64_t b = 0; b < 2; ++b)
      for (std::int64_t c = 0; c < 4; ++c) {
        const std::int64_t k = idx[(a * 2 + b) * 4 + c];
        REQUIRE(got[(a * 2 + b) * 4 + c] == from[(c * 3 + k) * 5 + a]);  // t[a][k][c] = base[c][k][a]
      }
}

TEST_CASE("gather rejects mismatched ranks, oversized and out-of-range indices", "[index]") {
  const Tensor t = zeros({3, 4, 5});
  REQUIRE_THROWS_WITH(ops::gather(t, 1, zeros({2, 2}, DType::Int64)),
                      Contains("gather: index has rank 2 but input (3,4,5) has rank 3; expected equal ranks"));
  REQUIRE_THROWS_WITH(ops::gather(t, 1, zeros({3, 1, 6}, DType::Int64)),
                      Contains("gather") && Contains("dim 2") && Contains("6 > 5"));
  REQUIRE_THROWS_WITH(ops::gather(t, 1, full({1, 1, 1}, 4, DType::Int32)),
                      Contains("gather") && Contains("index 4") && Contains("[0, 4)"));
}

// ---- scatter_add

TEST_CASE("scatter_add along dim 1 sums values sent to the same place", "[index]") {
  const Tensor t = zeros({2, 3});
  const Tensor index = from_vector(std::vector<std::int64_t>{0, 0, 2, 1, 2, 1}, {2, 3});
  const Tensor source = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  // out[i][index[i][j]] += source[i][j]: row 0 gets 1+2 at 0 and 3 at 2; row 1 gets 4+6 at 1 and 5 at 2.
  const std::vector<float> expected{3, 0, 3, 0, 10, 5};
  REQUIRE(values_of(ops::scatter_add(t, 1, index, source)) == expected);
  REQUIRE(values_of(ops::scatter_add(t, -1, index, source)) == expected);
}

TEST_CASE("scatter_add along dim 0 with int32 indices and a larger source", "[index]") {
  const Tensor t = ones({3, 2});
  const Tensor index = from_vector(std::vector<std::int32_t>{2, 0, 2, 2}, {2, 2});
  // Source is (2,3): only its first two columns are covered by index (PyTorch's rule).
  const Tensor source = from_vector({1, 2, 100, 3, 4, 100}, {2, 3});
  // out[index[i][j]][j] += source[i][j]: (2,0) += 1+3, (0,1) += 2, (2,1) += 4.
  REQUIRE(values_of(ops::scatter_add(t, 0, index, source)) == std::vector<float>{1, 3, 1, 1, 5, 5});
  REQUIRE(values_of(t) == std::vector<float>{1, 1, 1, 1, 1, 1});  // the input is not modified
}

TEST_CASE("scatter_add is the adjoint of gather, on transposed inputs too", "[index]") {
  // <gather(x, idx), g> == <x, scatter_add(0, idx, g)> for every x and g.
  Generator gen(11);
  const Tensor x = randn({4, 6, 3}, gen, DType::Float64);
  const Tensor index = randint(0, 6, {4, 9, 3}, gen, DType::Int64);  // many repeats along dim 1
  const Tensor g = ops::transpose(randn({3, 9, 4}, gen, DType::Float64), 0, 2);  // (4,9,3), not contiguous
  const Tensor scattered = ops::scatter_add(zeros_like(x), 1, index, g);
  REQUIRE(dot(ops::gather(x, 1, index), g) == Approx(dot(x, scattered)).epsilon(1e-12));
  REQUIRE(scattered.to_vector<double>() ==
          ops::scatter_add(zeros_like(x), 1, index, ops::contiguous(g)).to_vector<double>());
}

TEST_CASE("scatter_add stays exact with many collisions on the parallel path", "[index]") {
  // 40000 ones scattered into 8 columns of each of 8 rows: 625 land on each element.
  const std::int64_t rows = 8, count = 5000;
  std::vector<std::int64_t> positions(static_cast<std::size_t>(rows * count));
  for (std::size_t k = 0; k < positions.size(); ++k) positions[k] = static_cast<std::int64_t>(k % 8);
  const Tensor index = from_vector(positions, {rows, count});
  const Tensor out = ops::scatter_add(zeros({rows, 8}, DType::Int64), 1, index, ones({rows, count}, DType::Int64));
  for (const std::int64_t v : out.to_vector<std::int64_t>()) REQUIRE(v == 625);
}

TEST_CASE("scatter_add rejects out-of-range indices and an index larger than the source", "[index]") {
  const Tensor t = zeros({2, 3});
  const Tensor index = from_vector(std::vector<std::int64_t>{0, 3}, {1, 2});
  REQUIRE_THROWS_WITH(ops::scatter_add(t, 1, index, ones({1, 2})),
                      Contains("scatter_add") && Contains("index 3") && Contains("[0, 3)"));
  REQUIRE_THROWS_WITH(ops::scatter_add(t, 1, zeros({2, 2}, DType::Int64), ones({2, 1})),
                      Contains("scatter_add") && Contains("source") && Contains("2 > 1"));
}

// ---- embedding

TEST_CASE("embedding looks up rows for a 2-D id tensor", "[index]") {
  const Tensor weight = from_vector({0, 1, 10, 11, 20, 21, 30, 31}, {4, 2});  // row v is [10v, 10v+1]
  const Tensor ids = from_vector(std::vector<std::int64_t>{1, 3, 1, 0, 2, 3}, {2, 3});
  const Tensor out = ops::embedding(weight, ids);
  REQUIRE(out.shape() == Shape{2, 3, 2});
  REQUIRE(values_of(out) == std::vector<float>{10, 11, 30, 31, 10, 11, 0, 1, 20, 21, 30, 31});

  const Tensor ids32 = from_vector(std::vector<std::int32_t>{2}, {1});
  REQUIRE(values_of(ops::embedding(weight, ids32)) == std::vector<float>{20, 21});
}

TEST_CASE("embedding names itself and the bad id when an id is out of range", "[index]") {
  const Tensor weight = zeros({4, 2});
  const Tensor ids = from_vector(std::vector<std::int64_t>{1, 4}, {1, 2});
  REQUIRE_THROWS_WITH(ops::embedding(weight, ids), Contains("embedding") && Contains("index 4") && Contains("[0, 4)"));
  REQUIRE_THROWS_WITH(ops::embedding(weight, zeros({2}, DType::Float32)), Contains("embedding") && Contains("float32"));
}

// ---- cumsum

TEST_CASE("cumsum of small float and int tensors", "[index]") {
  REQUIRE(values_of(ops::cumsum(from_vector({1, 2, 3, 4}, {4}), 0)) == std::vector<float>{1, 3, 6, 10});
  const Tensor ints = from_vector(std::vector<std::int32_t>{1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor along_rows = ops::cumsum(ints, 1);
  REQUIRE(along_rows.dtype() == DType::Int32);
  REQUIRE(along_rows.to_vector<std::int32_t>() == std::vector<std::int32_t>{1, 3, 6, 4, 9, 15});
  const Tensor longs = from_vector(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});
  REQUIRE(ops::cumsum(longs, 0).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3, 5, 7, 9});
  REQUIRE(ops::cumsum(longs, -1).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 3, 6, 4, 9, 15});
}

TEST_CASE("cumsum over each dim of a 3-D tensor matches a loop", "[index]") {
  Generator gen(3);
  const Shape shape{3, 4, 5};
  const Tensor t = randn(shape, gen, DType::Float64);
  const std::vector<double> x = t.to_vector<double>();
  for (int dim = 0; dim < 3; ++dim) {
    // Walk each line along `dim` and keep a running total.
    std::vector<double> expected(x.size());
    const Strides strides = contiguous_strides(shape);
    for (std::int64_t flat = 0; flat < t.numel(); ++flat) {
      const std::int64_t coordinate = (flat / strides[dim]) % shape[dim];
      expected[flat] = x[flat] + (coordinate > 0 ? expected[flat - strides[dim]] : 0.0);
    }
    const std::vector<double> got = ops::cumsum(t, dim).to_vector<double>();
    for (std::size_t k = 0; k < got.size(); ++k) REQUIRE(got[k] == Approx(expected[k]).epsilon(1e-12));
    // A negative dim and a transposed view give the same sums.
    REQUIRE(ops::cumsum(t, dim - 3).to_vector<double>() == got);
  }
  const Tensor transposed = ops::transpose(t, 0, 2);  // (5,4,3)
  REQUIRE(ops::cumsum(transposed, 1).to_vector<double>() ==
          ops::cumsum(ops::contiguous(transposed), 1).to_vector<double>());
}

TEST_CASE("cumsum of a large tensor on the parallel path is exact for ints", "[index]") {
  // (2, 300, 100) ones: the running sum at position j along dim 1 is j + 1.
  const Tensor out = ops::cumsum(ones({2, 300, 100}, DType::Int64), 1);
  const std::vector<std::int64_t> got = out.to_vector<std::int64_t>();
  for (std::int64_t o = 0; o < 2; ++o)
    for (std::int64_t j = 0; j < 300; ++j)
      for (std::int64_t i = 0; i < 100; i += 33) REQUIRE(got[(o * 300 + j) * 100 + i] == j + 1);
}

// ---- triu / tril

TEST_CASE("triu and tril with diagonals -1, 0 and 1", "[index]") {
  // [[1, 2,  3,  4],
  //  [5, 6,  7,  8],
  //  [9, 10, 11, 12]]
  const Tensor m = ops::reshape(arange(1, 13, 1, DType::Float32), {3, 4});
  REQUIRE(values_of(ops::triu(m, 0)) == std::vector<float>{1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12});
  REQUIRE(values_of(ops::triu(m, 1)) == std::vector<float>{0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12});
  REQUIRE(values_of(ops::triu(m, -1)) == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12});
  REQUIRE(values_of(ops::tril(m, 0)) == std::vector<float>{1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0});
  REQUIRE(values_of(ops::tril(m, 1)) == std::vector<float>{1, 2, 0, 0, 5, 6, 7, 0, 9, 10, 11, 12});
  REQUIRE(values_of(ops::tril(m, -1)) == std::vector<float>{0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0});
}

TEST_CASE("triu and tril apply to every matrix of a batch", "[index]") {
  const Tensor batch = ops::reshape(arange(0, 18, 1, DType::Float64), {2, 3, 3});
  for (const std::int64_t diagonal : {-1, 0, 1}) {
    const Tensor upper = ops::triu(batch, diagonal), lower = ops::tril(batch, diagonal);
    REQUIRE(upper.shape() == Shape{2, 3, 3});
    for (std::int64_t b = 0; b < 2; ++b) {
      const Tensor matrix = ops::select(batch, 0, b);
      REQUIRE(ops::select(upper, 0, b).to_vector<double>() == ops::triu(matrix, diagonal).to_vector<double>());
      REQUIRE(ops::select(lower, 0, b).to_vector<double>() == ops::tril(matrix, diagonal).to_vector<double>());
    }
  }
  // Batch 1, diagonal 0: [[9,10,11],[12,13,14],[15,16,17]] loses everything below the diagonal.
  REQUIRE(ops::select(ops::triu(batch, 0), 0, 1).to_vector<double>() ==
          std::vector<double>{9, 10, 11, 0, 13, 14, 0, 0, 17});
}

TEST_CASE("tril zeroes infinities above the diagonal instead of making NaN", "[index]") {
  // The causal-mask pattern: -inf above the diagonal.
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor m = from_vector(std::vector<float>{1, -inf, 2, 3}, {2, 2});
  REQUIRE(values_of(ops::tril(m)) == std::vector<float>{1, 0, 2, 3});
  REQUIRE_THROWS_WITH(ops::triu(zeros({3})), Contains("triu") && Contains("(3,)") && Contains("at least 2 dims"));
}

// ---- one_hot

TEST_CASE("one_hot of 1-D and 2-D indices", "[index]") {
  const Tensor labels = from_vector(std::vector<std::int64_t>{2, 0, 1}, {3});
  const Tensor out = ops::one_hot(labels, 3);
  REQUIRE(out.shape() == Shape{3, 3});
  REQUIRE(out.dtype() == DType::Float32);
  REQUIRE(values_of(out) == std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0});

  const Tensor grid = from_vector(std::vector<std::int32_t>{3, 0, 1, 3}, {2, 2});
  const Tensor as_ints = ops::one_hot(grid, 4, DType::Int64);
  REQUIRE(as_ints.shape() == Shape{2, 2, 4});
  REQUIRE(as_ints.dtype() == DType::Int64);
  REQUIRE(as_ints.to_vector<std::int64_t>() ==
          std::vector<std::int64_t>{0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1});
}

TEST_CASE("one_hot rejects class ids outside 0 .. num_classes - 1", "[index]") {
  REQUIRE_THROWS_WITH(ops::one_hot(from_vector(std::vector<std::int64_t>{0, 3}, {2}), 3),
                      Contains("one_hot") && Contains("class id 3") && Contains("[0, 3)"));
  REQUIRE_THROWS_WITH(ops::one_hot(from_vector(std::vector<std::int64_t>{-1}, {1}), 3),
                      Contains("one_hot") && Contains("class id -1"));
  REQUIRE_THROWS_WITH(ops::one_hot(zeros({2}), 3), Contains("one_hot") && Contains("float32"));
}
