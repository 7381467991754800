// A float64 gradient check for every differentiable elementwise op.
#include "helpers.h"

using namespace heed;
using heed::test::random_input;

namespace {
using Inputs = std::vector<Tensor>;

void check_unary(const char* name, Tensor (*op)(const Tensor&), double low = -1.0, double high = 1.0) {
  INFO(name);
  Tensor x = random_input({3, 4}, 7, low, high);
  REQUIRE_GRADCHECK([op](const Inputs& in) { return op(in[0]); }, {x});
}
}  // namespace

TEST_CASE("gradcheck: unary ops", "[gradcheck][elementwise]") {
  check_unary("neg", heed::neg);
  check_unary("exp", heed::exp);
  check_unary("log", heed::log, 0.2, 3.0);
  check_unary("sqrt", heed::sqrt, 0.2, 3.0);
  check_unary("rsqrt", heed::rsqrt, 0.2, 3.0);
  check_unary("tanh", heed::tanh, -2.0, 2.0);
  check_unary("sigmoid", heed::sigmoid, -4.0, 4.0);
  check_unary("gelu", heed::gelu, -3.0, 3.0);
  check_unary("sin", heed::sin, -3.0, 3.0);
  check_unary("cos", heed::cos, -3.0, 3.0);
  check_unary("square", heed::square);
}

TEST_CASE("gradcheck: piecewise ops away from their kinks", "[gradcheck][elementwise]") {
  // Values kept at least 0.1 from zero, where abs/relu/elu are not differentiable.
  Tensor x = from_vector({-1.5, -0.7, -0.2, 0.3, 0.9, 2.0}, {2, 3}, DType::Float64).requires_grad_();
  REQUIRE_GRADCHECK([](const Inputs& in) { return abs(in[0]); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return relu(in[0]); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return elu(in[0], 0.7); }, {x});
}

TEST_CASE("gradcheck: scalar ops and pow", "[gradcheck][elementwise]") {
  Tensor x = random_input({2, 5}, 3, 0.5, 2.0);
  REQUIRE_GRADCHECK([](const Inputs& in) { return pow(in[0], 3.0); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return pow(in[0], -0.5); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0] * 2.5 + 1.0; }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return 3.0 - in[0] / 4.0; }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return 1.0 / in[0]; }, {x});
}

TEST_CASE("gradcheck: broadcasting binary ops", "[gradcheck][elementwise]") {
  Tensor a = random_input({2, 3, 4}, 11, 0.5, 2.0);
  Tensor b = random_input({3, 1}, 12, 0.5, 2.0);
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0] + in[1]; }, {a, b});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0] - in[1]; }, {a, b});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0] * in[1]; }, {a, b});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0] / in[1]; }, {a, b});
  REQUIRE_GRADCHECK([](const Inputs& in) { return pow(in[0], in[1]); }, {a, b});
}

TEST_CASE("gradcheck: maximum, minimum, where, masked_fill", "[gradcheck][elementwise]") {
  Tensor a = from_vector({0.1, 0.9, -0.5, 2.0, 1.2, -1.0}, {2, 3}, DType::Float64).requires_grad_();
  Tensor b = from_vector({0.5, 0.2, 0.3}, {3}, DType::Float64).requires_grad_();
  REQUIRE_GRADCHECK([](const Inputs& in) { return maximum(in[0], in[1]); }, {a, b});
  REQUIRE_GRADCHECK([](const Inputs& in) { return minimum(in[0], in[1]); }, {a, b});
  Tensor cond = from_vector({1.0, 0.0, 1.0, 0.0, 0.0, 1.0}, {2, 3}, DType::Float64);
  REQUIRE_GRADCHECK([cond](const Inputs& in) { return where(cond, in[0], in[1]); }, {a, b});
  REQUIRE_GRADCHECK([cond](const Inputs& in) { return masked_fill(in[0], cond, 0.25); }, {a});
}

TEST_CASE("maximum splits the gradient evenly on ties", "[autograd][elementwise]") {
  Tensor a = from_vector({1.0, 2.0}, {2}, DType::Float64).requires_grad_();
  Tensor b = from_vector({1.0, 1.0}, {2}, DType::Float64).requires_grad_();
  sum(maximum(a, b)).backward();
  heed::test::require_close(a.grad(), {0.5, 1.0});
  heed::test::require_close(b.grad(), {0.5, 0.0});
}
