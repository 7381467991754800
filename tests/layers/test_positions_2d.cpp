// The patch-grid encodings sinusoidal-2d (P8), vit-learned (P9) and rope-2d:
// each against its formula written out by hand, the leading (class) token
// left alone, vit-learned's bilinear resizing against hand-computed weights,
// float64 gradient checks, and the errors a wrong grid or size gives.
#include <cmath>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/attention/mha.h"
#include "layers/models/transformer.h"
#include "layers/position/registry.h"
#include "layers/position/rope_2d.h"
#include "layers/position/sinusoidal_2d.h"
#include "layers/position/vit_learned.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;
using Inputs = std::vector<Tensor>;

namespace {

constexpr double kBase = 10000.0;

PositionConfig grid_config(std::int64_t model_dim, std::int64_t rows, std::int64_t cols, std::int64_t heads = 1) {
  return {.model_dim = model_dim, .heads = heads, .grid_rows = rows, .grid_cols = cols, .dtype = DType::Float64};
}

// The 1-D sinusoid of a d-channel encoding at position p, channel j: sin or cos of p / base^(2i/d), i = j / 2.
double wave(double p, std::int64_t j, std::int64_t d) {
  const double angle = p / std::pow(kBase, static_cast<double>(2 * (j / 2)) / static_cast<double>(d));
  return j % 2 == 0 ? std::sin(angle) : std::cos(angle);
}

// (r, c) of token t on a grid of `cols` columns after `leading` tokens.
std::pair<std::int64_t, std::int64_t> cell(std::int64_t t, std::int64_t leading, std::int64_t cols) {
  return {(t - leading) / cols, (t - leading) % cols};
}

// x (T, Dh) rotated by hand: pairs in the first half turn by row * theta_i, in the second by col * theta_i,
// theta_i = base^(-2i / (Dh/2)); leading tokens are not turned.
std::vector<double> rotate_2d_by_hand(const std::vector<double>& x, std::int64_t tokens, std::int64_t dh,
                                      std::int64_t leading, std::int64_t cols) {
  std::vector<double> out = x;
  const std::int64_t half = dh / 2;
  for (std::int64_t t = leading; t < tokens; ++t) {
    const auto [r, c] = cell(t, leading, cols);
    for (std::int64_t pair = 0; pair < dh / 2; ++pair) {
      const std::int64_t i = pair % (half / 2);
      const double position = static_cast<double>(pair < half / 2 ? r : c);
      const double angle = position * std::pow(kBase, -2.0 * static_cast<double>(i) / static_cast<double>(half));
      const double a = x[t * dh + 2 * pair], b = x[t * dh + 2 * pair + 1];
      out[t * dh + 2 * pair] = std::cos(angle) * a - std::sin(angle) * b;
      out[t * dh + 2 * pair + 1] = std::sin(angle) * a + std::cos(angle) * b;
    }
  }
  return out;
}

double dot(const std::vector<double>& x, std::int64_t i, const std::vector<double>& y, std::int64_t j, std::int64_t d) {
  double s = 0;
  for (std::int64_t k = 0; k < d; ++k) s += x[i * d + k] * y[j * d + k];
  return s;
}

}  // namespace

TEST_CASE("the patch-grid encodings are registered, and a sequence model refuses them", "[position][grid]") {
  for (const std::string name : {"sinusoidal-2d", "vit-learned", "rope-2d"}) {
    INFO(name);
    CHECK(is_grid_positional_encoding(name));
    CHECK_FALSE(positional_encoding_description(name).empty());
    CHECK_THROWS_WITH(make_positional_encoding(name, {.model_dim = 8, .heads = 2}),
                      Catch::Contains("grid_rows") && Catch::Contains("ViT") && Catch::Contains("sinusoidal"));
    TransformerConfig translation;
    translation.src_vocab = translation.tgt_vocab = 8;
    translation.model_dim = 8;
    translation.heads = 2;
    translation.position = name;
    CHECK_THROWS_WITH(Transformer(translation), Catch::Contains("grid of image patches"));
  }
  for (const std::string name : {"none", "sinusoidal", "learned", "rope", "t5"}) CHECK_FALSE(is_grid_positional_encoding(name));
  CHECK(make_positional_encoding("sinusoidal-2d", grid_config(8, 2, 2))->kind() == PositionKind::Absolute);
  CHECK(make_positional_encoding("vit-learned", grid_config(8, 2, 2))->kind() == PositionKind::Absolute);
  CHECK(make_positional_encoding("rope-2d", grid_config(8, 2, 2))->kind() == PositionKind::Rotary);
}

TEST_CASE("sinusoidal-2d: the row's waves in the first half of the channels, the column's in the second",
          "[position][grid]") {
  for (const std::int64_t D : {8, 7}) {  // 7: the row gets 3 channels, the column 4
    INFO("D = " << D);
    SinusoidalPosition2d position(grid_config(D, 3, 2));
    CHECK(position.num_parameters() == 0);
    const PatchGrid grid{3, 2, 1};  // a class token, then 3 rows of 2 patches
    position.set_grid(grid);
    const Tensor x = zeros({2, grid.tokens(), D}, DType::Float64);
    std::vector<double> expected;
    const std::int64_t row_dim = D / 2, col_dim = D - D / 2;
    for (std::int64_t b = 0; b < 2; ++b)
      for (std::int64_t t = 0; t < grid.tokens(); ++t)
        for (std::int64_t k = 0; k < D; ++k) {
          if (t < grid.leading) {
            expected.push_back(0.0);  // the class token gets no position
            continue;
          }
          const auto [r, c] = cell(t, grid.leading, grid.cols);
          expected.push_back(k < row_dim ? wave(static_cast<double>(r), k, row_dim)
                                         : wave(static_cast<double>(c), k - row_dim, col_dim));
        }
    require_close(position.embed(x), expected, 1e-12);
  }
}

TEST_CASE("sinusoidal-2d computes any grid and passes its gradient check", "[position][grid][gradcheck]") {
  SinusoidalPosition2d position(grid_config(6, 2, 2));
  position.set_grid({4, 5, 0});  // a larger image than the built grid: the waves go on
  const Tensor table = position.table(4, 5, DType::Float64, kCPU);
  REQUIRE(table.shape() == Shape({20, 6}));
  require_close(select(table, 0, 19), {wave(3, 0, 3), wave(3, 1, 3), wave(3, 2, 3), wave(4, 0, 3), wave(4, 1, 3),
                                       wave(4, 2, 3)}, 1e-12);
  REQUIRE_GRADCHECK([&](const Inputs& in) { return position.embed(in[0]); }, {random_input({2, 20, 6}, 1)});
  CHECK_THROWS_WITH(position.embed(zeros({1, 19, 6}, DType::Float64)),
                    Catch::Contains("(1,19,6)") && Catch::Contains("4 x 5 patches") && Catch::Contains("set_grid"));
  CHECK_THROWS_WITH(position.embed(zeros({1, 20, 6}, DType::Float64), 3), Catch::Contains("offset 3"));
}

TEST_CASE("linear_resize_matrix samples like F.interpolate(bilinear, align_corners=False)", "[position][grid]") {
  // 3 -> 2: centres at 0.25 and 1.75 of the input; 3 -> 4: -0.125 (clamped to 0), 0.625, 1.375, 2.125 (past the end).
  require_close(linear_resize_matrix(2, 3), {0.75, 0.25, 0, 0, 0.25, 0.75}, 1e-15);
  require_close(linear_resize_matrix(4, 3), {1, 0, 0, 0.375, 0.625, 0, 0, 0.625, 0.375, 0, 0, 1}, 1e-15);
  require_close(linear_resize_matrix(3, 3), {1, 0, 0, 0, 1, 0, 0, 0, 1}, 0);
  // 2-D: the weight of (k, l) for output (i, j) is the product of the row and column weights.
  const Tensor w = bilinear_resize_matrix(2, 4, 3, 3);  // (8, 9)
  REQUIRE(w.shape() == Shape({8, 9}));
  const auto rows = linear_resize_matrix(2, 3).to_vector<double>(), cols = linear_resize_matrix(4, 3).to_vector<double>();
  std::vector<double> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k)
        for (int l = 0; l < 3; ++l) expected.push_back(rows[i * 3 + k] * cols[j * 3 + l]);
  require_close(w, expected, 1e-15);
}

TEST_CASE("vit-learned adds its rows to the patches and resizes them as a matrix product on other grids",
          "[position][grid]") {
  Generator gen(3);
  VitLearnedPosition position(grid_config(4, 3, 3), gen);
  REQUIRE(position.table.shape() == Shape({9, 4}));
  REQUIRE(position.named_parameters().front().first == "table");
  const Tensor table = position.table;

  position.set_grid({3, 3, 1});
  const Tensor same = position.embed(zeros({1, 10, 4}, DType::Float64));
  require_close(narrow(same, 1, 0, 1), std::vector<double>(4, 0.0), 0);  // the class token: nothing added
  require_close(squeeze(narrow(same, 1, 1, 9), 0), table, 0);

  position.set_grid({2, 4, 0});
  const Tensor resized = squeeze(position.embed(zeros({1, 8, 4}, DType::Float64)), 0);  // (8, 4)
  require_close(resized, matmul(bilinear_resize_matrix(2, 4, 3, 3), table), 1e-14);
  // Patch (1, 3): row 1.75 of 3 (rows 1 and 2, weights 1/4, 3/4) and column 2.125 (past the end: column 2).
  const auto t = table.to_vector<double>();
  std::vector<double> expected;
  for (int k = 0; k < 4; ++k) expected.push_back(0.25 * t[(1 * 3 + 2) * 4 + k] + 0.75 * t[(2 * 3 + 2) * 4 + k]);
  require_close(select(resized, 0, 1 * 4 + 3), expected, 1e-14);
}

TEST_CASE("vit-learned passes its gradient checks on its own grid and through the resizing",
          "[position][grid][gradcheck]") {
  Generator gen(4);
  VitLearnedPosition position(grid_config(3, 2, 3), gen);
  const Tensor x = random_input({2, 7, 3}, 2);
  position.set_grid({2, 3, 1});
  REQUIRE_GRADCHECK([&](const Inputs& in) { return position.embed(in[0]); }, {x});
  REQUIRE_GRADCHECK([&](const Inputs&) { return position.embed(x); }, position.parameters());
  position.set_grid({3, 2, 0});  // the rows stretched, the columns shrunk
  const Tensor y = random_input({2, 6, 3}, 3);
  REQUIRE_GRADCHECK([&](const Inputs& in) { return position.embed(in[0]); }, {y});
  REQUIRE_GRADCHECK([&](const Inputs&) { return position.embed(y); }, position.parameters());
}

TEST_CASE("rope-2d turns the first half of each head by the row, the second by the column", "[position][grid]") {
  RotaryPosition2d rope(grid_config(16, 2, 3, 2));  // Dh = 8: pairs 0, 1 by the row, pairs 2, 3 by the column
  CHECK(rope.num_parameters() == 0);
  rope.set_grid({2, 3, 1});
  const Tensor x = random_input({7, 8}, 5).detach();
  const Tensor turned = rope.rotate(x, position_ids(7));
  require_close(turned, rotate_2d_by_hand(x.to_vector<double>(), 7, 8, 1, 3), 1e-12);
  require_close(select(turned, 0, 0), select(x, 0, 0), 0);  // the class token is not turned

  // (R(r, c) q) . (R(r', c') k) depends only on the offset (r' - r, c' - c), not on the raster distance.
  rope.set_grid({3, 4, 0});
  const Tensor q = random_input({1, 8}, 6).detach(), k = random_input({1, 8}, 7).detach();
  const Tensor queries = expand(q, {12, 8}), keys = expand(k, {12, 8});
  const auto rq = rope.rotate(contiguous(queries), position_ids(12)).to_vector<double>();
  const auto rk = rope.rotate(contiguous(keys), position_ids(12)).to_vector<double>();
  // token = 4 r + c: (0,0)->(1,2) is tokens 0->6, (1,1)->(2,3) is 5->11: the same offset (1, 2).
  CHECK(dot(rq, 0, rk, 6, 8) == Approx(dot(rq, 5, rk, 11, 8)).epsilon(1e-12));
  // (0,3)->(1,0) is raster distance 1 like (0,0)->(0,1), but offset (1, -3) versus (0, 1).
  CHECK(dot(rq, 3, rk, 4, 8) != Approx(dot(rq, 0, rk, 1, 8)).epsilon(1e-6));
}

TEST_CASE("rope-2d passes a gradient check through mha and refuses heads it cannot split",
          "[position][grid][gradcheck]") {
  Generator gen(8);
  MultiHeadAttention mha({.model_dim = 8, .heads = 2, .dtype = DType::Float64}, gen);
  RotaryPosition2d rope(grid_config(8, 2, 2, 2));
  rope.set_grid({2, 2, 1});
  const Tensor x = random_input({2, 5, 8}, 9);
  auto attend = [&](const Tensor& input) {
    return mha.forward({.query = input, .memory = input, .position = &rope}).output;
  };
  REQUIRE_GRADCHECK([&](const Inputs& in) { return attend(in[0]); }, {x});
  REQUIRE_GRADCHECK([&](const Inputs&) { return attend(x); }, mha.parameters());
  CHECK_THROWS_WITH(rope.rotate(zeros({6, 4}, DType::Float64), position_ids(6)),
                    Catch::Contains("token 5") && Catch::Contains("set_grid"));
  CHECK_THROWS_WITH(RotaryPosition2d(grid_config(12, 2, 2, 2)), Catch::Contains("head size 6") &&
                                                                     Catch::Contains("multiple of 4"));
}
