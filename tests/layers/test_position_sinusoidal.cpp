// The sinusoidal positional encoding (P2): its values against the formula at
// any offset (past the first cached table), its gradient (it adds a constant),
// its shape errors and its registry entry.
#include <cmath>
#include <vector>

#include "helpers.h"
#include "layers/position/registry.h"
#include "layers/position/sinusoidal.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;

namespace {

// PE(p, 2i) = sin(p / 10000^(2i/D)), PE(p, 2i+1) = cos(p / 10000^(2i/D)), written out.
std::vector<double> formula(std::int64_t offset, std::int64_t length, std::int64_t dim) {
  std::vector<double> table;
  for (std::int64_t p = offset; p < offset + length; ++p)
    for (std::int64_t c = 0; c < dim; ++c) {
      const double angle = static_cast<double>(p) / std::pow(10000.0, static_cast<double>(c - c % 2) / dim);
      table.push_back(c % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  return table;
}

}  // namespace

TEST_CASE("sinusoidal positions follow the formula at any offset and length", "[position][sinusoidal][transformer-model]") {
  SinusoidalPosition position({.model_dim = 6, .dtype = DType::Float64});
  CHECK(position.kind() == PositionKind::Absolute);
  require_close(position.table(0, 5, DType::Float64, kCPU), formula(0, 5, 6), 1e-12);
  // Beyond the first cached rows, then back before them: the cache grows and stays right.
  require_close(position.table(150, 20, DType::Float64, kCPU), formula(150, 20, 6), 1e-11);
  require_close(position.table(3, 4, DType::Float64, kCPU), formula(3, 4, 6), 1e-12);
  require_close(position.table(5000, 3, DType::Float64, kCPU), formula(5000, 3, 6), 1e-10);
  // float32, and an odd model size: the first D channels of the D + 1 encoding.
  SinusoidalPosition odd({.model_dim = 5});
  require_close(odd.table(10, 4, DType::Float32, kCPU), formula(10, 4, 5), 1e-6);
  // Position 0 is (0, 1, 0, 1, ...): sin 0 and cos 0.
  require_close(position.table(0, 1, DType::Float64, kCPU), {0, 1, 0, 1, 0, 1}, 0);
}

TEST_CASE("sinusoidal embed adds the table at the offset, and its gradient is the identity",
          "[position][sinusoidal][transformer-model][gradcheck]") {
  SinusoidalPosition position({.model_dim = 4, .dtype = DType::Float64});
  const Tensor x = random_input({2, 3, 4}, 1);
  const Tensor y = position.embed(x, 7);
  std::vector<double> expected = x.to_vector<double>();
  const std::vector<double> table = formula(7, 3, 4);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] += table[i % table.size()];
  require_close(y, expected, 1e-12);
  REQUIRE_GRADCHECK([&](const std::vector<Tensor>& in) { return position.embed(in[0], 7); }, {x});
  // The constant carries no gradient of its own, and nothing is trained or saved.
  CHECK(position.parameters().empty());
  CHECK(position.state_dict().empty());
  CHECK_THROWS_WITH(position.embed(random_input({2, 3, 5}, 2)),
                    Catch::Contains("SinusoidalPosition") && Catch::Contains("(2,3,5)"));
  CHECK_THROWS_WITH(position.table(-1, 2, DType::Float64, kCPU), Catch::Contains("negative"));
  CHECK_THROWS_WITH(SinusoidalPosition({.model_dim = 0}), Catch::Contains("model_dim"));
}

TEST_CASE("sinusoidal is registered by name", "[position][sinusoidal][transformer-model]") {
  const auto position = make_positional_encoding("sinusoidal", {.model_dim = 8});
  CHECK(position->kind() == PositionKind::Absolute);
  const Tensor x = zeros({1, 2, 8});
  require_close(position->embed(x, 0), formula(0, 2, 8), 1e-6);
  CHECK(positional_encoding_description("sinusoidal").find("P2") != std::string::npos);
}
