// A float64 gradient check for every differentiable view and conversion.
#include "helpers.h"

using namespace heed;
using heed::test::random_input;
using Inputs = std::vector<Tensor>;

TEST_CASE("gradcheck: reshaping views", "[gradcheck][views]") {
  Tensor x = random_input({2, 3, 4}, 21);
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].reshape({4, -1}); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].view({6, 4}); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].flatten(1); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].unsqueeze(1).squeeze(1); }, {x});
  // reshape of a non-contiguous view copies; its gradient must still land right.
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].transpose(0, 2).reshape({-1}); }, {x});
}

TEST_CASE("gradcheck: reordering views", "[gradcheck][views]") {
  Tensor x = random_input({2, 3, 4}, 22);
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].transpose(0, 2); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].permute({2, 0, 1}); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].permute({1, 2, 0}).contiguous(); }, {x});
}

TEST_CASE("gradcheck: selecting views", "[gradcheck][views]") {
  Tensor x = random_input({4, 5}, 23);
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].slice(1, 1, 5, 2); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].narrow(0, 1, 2); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].select(1, 3); }, {x});
  // Overlapping picks of the same input sum their gradients.
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].narrow(0, 0, 3) * in[0].narrow(0, 1, 3); }, {x});
}

TEST_CASE("gradcheck: expand and conversions", "[gradcheck][views]") {
  Tensor x = random_input({3, 1}, 24);
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].expand({2, 3, 4}); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return clone(in[0]) * 2.0; }, {x});
  // float64 -> float32 -> float64: the gradient converts back at each step.
  Tensor y = random_input({4}, 25);
  Tensor g = y.to(DType::Float32).to(DType::Float64);
  sum(g * 3.0).backward();
  REQUIRE(y.grad().dtype() == DType::Float64);
  heed::test::require_close(y.grad(), {3, 3, 3, 3});
}
