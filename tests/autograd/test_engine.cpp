// The backward engine: accumulation, shared subgraphs, deep chains, no_grad,
// detach, retain_graph, and the errors a user meets first.
#include "helpers.h"

using namespace heed;
using heed::test::require_close;

TEST_CASE("backward of a scalar fills leaf gradients", "[autograd]") {
  Tensor x = from_vector({1.0, 2.0, 3.0}, {3}, DType::Float64).requires_grad_();
  Tensor w = from_vector({4.0, 5.0, 6.0}, {3}, DType::Float64).requires_grad_();
  Tensor loss = sum(x * w);  // dL/dx = w, dL/dw = x
  loss.backward();
  require_close(x.grad(), {4, 5, 6});
  require_close(w.grad(), {1, 2, 3});
  REQUIRE(x.is_leaf());
  REQUIRE_FALSE(loss.is_leaf());
}

TEST_CASE("gradients accumulate across backward calls until zeroed", "[autograd]") {
  Tensor x = from_vector({2.0}, {1}, DType::Float64).requires_grad_();
  sum(x * x).backward();
  sum(x * x).backward();
  require_close(x.grad(), {8});  // 2 * (2x)
  x.zero_grad();
  REQUIRE_FALSE(x.grad().defined());
  sum(x * 3.0).backward();
  require_close(x.grad(), {3});
}

TEST_CASE("a tensor used twice receives the sum of both paths", "[autograd]") {
  Tensor x = from_vector({3.0}, {1}, DType::Float64).requires_grad_();
  Tensor y = exp(x);           // shared subgraph
  Tensor z = y * y + y;        // dz/dx = (2y + 1) * y
  sum(z).backward();
  const double ey = std::exp(3.0);
  require_close(x.grad(), {(2 * ey + 1) * ey});
}

TEST_CASE("a 10,000-step chain neither overflows the stack going backward nor being freed", "[autograd]") {
  Tensor x = from_vector({1.0}, {1}, DType::Float64).requires_grad_();
  Tensor h = x;
  for (int i = 0; i < 10000; ++i) h = h * 1.0001;
  sum(h).backward();
  require_close(x.grad(), {std::pow(1.0001, 10000)}, 1e-9);
  h = Tensor();  // drops the whole chain: must not recurse 10,000 deep
  REQUIRE(x.grad().defined());
}

TEST_CASE("backward on a non-scalar needs a gradient argument", "[autograd]") {
  Tensor x = from_vector({1.0, 2.0}, {2}, DType::Float64).requires_grad_();
  Tensor y = x * 2.0;
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("not a scalar") && Catch::Contains("(2,)"));
  y.backward(from_vector({1.0, 10.0}, {2}, DType::Float64));
  require_close(x.grad(), {2, 20});
}

TEST_CASE("backward on a tensor that does not require grad is an error", "[autograd]") {
  Tensor x = from_vector({1.0}, {1}, DType::Float64);
  REQUIRE_THROWS_WITH(sum(x * 2.0).backward(), Catch::Contains("does not require grad"));
}

TEST_CASE("the graph is freed after backward unless retained", "[autograd]") {
  Tensor x = from_vector({1.0, 2.0}, {2}, DType::Float64).requires_grad_();
  Tensor loss = sum(exp(x));
  loss.backward();
  REQUIRE_THROWS_WITH(loss.backward(), Catch::Contains("freed") && Catch::Contains("retain_graph"));

  Tensor loss2 = sum(exp(x));
  x.zero_grad();
  loss2.backward(Tensor(), /*retain_graph=*/true);
  loss2.backward();
  require_close(x.grad(), {2 * std::exp(1.0), 2 * std::exp(2.0)});
}

TEST_CASE("NoGradGuard records nothing", "[autograd]") {
  Tensor x = from_vector({1.0}, {1}, DType::Float64).requires_grad_();
  Tensor y;
  {
    NoGradGuard guard;
    y = x * 2.0;
    REQUIRE_FALSE(GradMode::is_enabled());
  }
  REQUIRE(GradMode::is_enabled());
  REQUIRE_FALSE(y.requires_grad());
  REQUIRE(y.is_leaf());
}

TEST_CASE("detach shares data and cuts the graph", "[autograd]") {
  Tensor x = from_vector({1.0, 2.0}, {2}, DType::Float64).requires_grad_();
  Tensor y = x * 3.0;
  Tensor d = y.detach();
  REQUIRE(d.shares_storage_with(y));
  REQUIRE_FALSE(d.requires_grad());
  Tensor loss = sum(y * d);  // gradient flows only through y: d counts as a constant
  loss.backward();
  require_close(x.grad(), {9, 18});
}

TEST_CASE("requires_grad_ is for float leaves", "[autograd]") {
  Tensor i = arange(3);
  REQUIRE_THROWS_WITH(i.requires_grad_(), Catch::Contains("int64"));
  Tensor x = ones({2}).requires_grad_();
  Tensor y = x * 2.0;
  REQUIRE_THROWS_WITH(y.requires_grad_(), Catch::Contains("leaf"));
}

TEST_CASE("broadcasting ops reduce gradients back to the input shapes", "[autograd]") {
  Tensor a = ones({2, 3}, DType::Float64).requires_grad_();
  Tensor b = from_vector({1.0, 2.0, 3.0}, {3}, DType::Float64).requires_grad_();
  Tensor c = from_vector({5.0}, {1, 1}, DType::Float64).requires_grad_();
  sum((a + b) * c).backward();
  REQUIRE(a.grad().shape() == Shape{2, 3});
  REQUIRE(b.grad().shape() == Shape{3});
  REQUIRE(c.grad().shape() == Shape{1, 1});
  require_close(a.grad(), {5, 5, 5, 5, 5, 5});
  require_close(b.grad(), {10, 10, 10});
  require_close(c.grad(), {2 * (2 + 3 + 4)});
}

TEST_CASE("retain_grad keeps the gradient of an intermediate tensor", "[autograd]") {
  Tensor x = from_vector({1.0, 2.0}, {2}, DType::Float64).requires_grad_();
  Tensor y = x * 2.0;
  y.retain_grad();
  sum(y * y).backward();
  require_close(y.grad(), {4, 8});
  require_close(x.grad(), {8, 16});
}

TEST_CASE("a path that carries no gradient does not stall the pass", "[autograd]") {
  // z depends on x through two paths; the masked_fill path is fully masked.
  Tensor x = from_vector({1.0, 2.0}, {2}, DType::Float64).requires_grad_();
  Tensor y = x * 2.0;
  Tensor mask = from_vector({1.0, 1.0}, {2}, DType::Float64);
  Tensor z = sum(masked_fill(y, mask, 0.0)) + sum(x);
  z.backward();
  require_close(x.grad(), {1, 1});
}

TEST_CASE("an op that returns its input unchanged leaves the input's graph intact", "[autograd]") {
  Tensor x = from_vector({1.0, 2.0}, {2}, DType::Float64).requires_grad_();
  Tensor c = contiguous(x);  // already contiguous: same storage
  REQUIRE(x.is_leaf());
  REQUIRE_FALSE(c.is_leaf());
  sum(c * 2.0).backward();
  require_close(x.grad(), {2, 2});
}
