// The losses: float64 gradient checks (ignore_index and label smoothing
// included), values worked out by hand, numerical stability, and the errors.
#include <cmath>
#include <limits>

#include "helpers.h"
#include "layers/layers.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;
using heed::test::values;
using Inputs = std::vector<Tensor>;
using Catch::Contains;

namespace {
Tensor ids(const std::vector<std::int64_t>& v, const Shape& shape) { return from_vector(v, shape); }
}  // namespace

// ---- Gradient checks.

TEST_CASE("cross_entropy: gradcheck for every reduction, ignore_index and label smoothing", "[loss][gradcheck]") {
  const Tensor logits = random_input({5, 4}, 201, -2, 2);
  const Tensor targets = ids({3, 0, 2, 3, 1}, {5});
  const Tensor with_ignored = ids({3, -100, 2, -100, 1}, {5});
  for (Reduction reduction : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    REQUIRE_GRADCHECK([&](const Inputs& in) { return cross_entropy(in[0], targets, -100, 0.0, reduction); },
                      {logits});
    REQUIRE_GRADCHECK([&](const Inputs& in) { return cross_entropy(in[0], with_ignored, -100, 0.0, reduction); },
                      {logits});
    REQUIRE_GRADCHECK([&](const Inputs& in) { return cross_entropy(in[0], with_ignored, -100, 0.1, reduction); },
                      {logits});
  }
  // (B, T, C) logits with (B, T) targets; padding id 0 ignored; int32 targets.
  const Tensor sequence_logits = random_input({2, 3, 4}, 202, -2, 2);
  const Tensor padded = ids({1, 2, 0, 3, 0, 0}, {2, 3});
  REQUIRE_GRADCHECK([&](const Inputs& in) { return cross_entropy(in[0], padded, 0, 0.2); }, {sequence_logits});
  REQUIRE_GRADCHECK([&](const Inputs& in) { return cross_entropy(in[0], padded.to(DType::Int32), 0); },
                    {sequence_logits});
}

TEST_CASE("nll_loss: gradcheck", "[loss][gradcheck]") {
  const Tensor log_probs = random_input({4, 3}, 211, -3, 0);
  const Tensor targets = ids({2, 0, 1, 2}, {4});
  REQUIRE_GRADCHECK([&](const Inputs& in) { return nll_loss(in[0], targets); }, {log_probs});
  REQUIRE_GRADCHECK([&](const Inputs& in) { return nll_loss(in[0], targets, 2, Reduction::Sum); }, {log_probs});
  REQUIRE_GRADCHECK([&](const Inputs& in) { return nll_loss(in[0], targets, 0, Reduction::None); }, {log_probs});
}

TEST_CASE("mse_loss: gradcheck w.r.t. prediction and target", "[loss][gradcheck]") {
  const Tensor prediction = random_input({3, 4}, 221);
  const Tensor target = random_input({3, 4}, 222);
  for (Reduction reduction : {Reduction::Mean, Reduction::Sum, Reduction::None})
    REQUIRE_GRADCHECK([&](const Inputs& in) { return mse_loss(in[0], in[1], reduction); }, {prediction, target});
}

TEST_CASE("bce_with_logits: gradcheck w.r.t. logits, targets and pos_weight", "[loss][gradcheck]") {
  const Tensor logits = random_input({3, 4}, 231, -4, 4);
  const Tensor targets = random_input({3, 4}, 232, 0, 1);
  const Tensor pos_weight = random_input({4}, 233, 0.5, 3);
  for (Reduction reduction : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    REQUIRE_GRADCHECK([&](const Inputs& in) { return bce_with_logits(in[0], in[1], reduction); }, {logits, targets});
    REQUIRE_GRADCHECK([&](const Inputs& in) { return bce_with_logits(in[0], in[1], reduction, in[2]); },
                      {logits, targets, pos_weight});
  }
}

TEST_CASE("bce_with_logits: the gradient at x = 0 is sigmoid(0) - y", "[loss]") {
  // max(x, 0) and |x| both have a kink at 0; the gradient there must still be the smooth function's.
  const Tensor logits = zeros({3}, DType::Float64).requires_grad_();
  const Tensor targets = from_vector({0.0, 0.25, 1.0}, {3}, DType::Float64);
  bce_with_logits(logits, targets, Reduction::Sum).backward();
  require_close(logits.grad(), {0.5, 0.25, -0.5}, 1e-12);
  Tensor(logits).zero_grad();
  const Tensor pos_weight = from_vector({2.0, 2.0, 2.0}, {3}, DType::Float64);
  bce_with_logits(logits, targets, Reduction::Sum, pos_weight).backward();
  // d/dx [(1 - y) x + (1 + (p - 1) y) softplus(-x)] at 0 = (1 - y) - (1 + (p - 1) y) / 2
  require_close(logits.grad(), {0.5, 0.75 - 1.25 / 2, -1.0}, 1e-12);
}

// ---- Values.

TEST_CASE("cross_entropy: uniform logits give log C, with or without smoothing", "[loss]") {
  const Tensor logits = zeros({3, 5}, DType::Float64);
  const Tensor targets = ids({4, 0, 2}, {3});
  REQUIRE(cross_entropy(logits, targets).item() == Approx(std::log(5.0)));
  REQUIRE(cross_entropy(logits, targets, -100, 0.3).item() == Approx(std::log(5.0)));
  REQUIRE(cross_entropy(logits, targets, -100, 0.0, Reduction::Sum).item() == Approx(3 * std::log(5.0)));
}

TEST_CASE("cross_entropy: a hand-computed example with ignore_index and label smoothing", "[loss]") {
  const Tensor logits = from_vector({2, 0, 0, 0, 0, 1, 5, 5, 5}, {3, 3}, DType::Float64);
  const Tensor targets = ids({0, 2, -100}, {3});
  const double z0 = std::exp(2.0) + 2, z1 = 2 + std::exp(1.0);
  const double nll0 = -(2 - std::log(z0)), nll1 = -(1 - std::log(z1));
  // Mean over the two counted targets, not the three rows.
  REQUIRE(cross_entropy(logits, targets).item() == Approx((nll0 + nll1) / 2));
  // Smoothing: (1 - eps) nll + eps * mean over classes of -log p.
  const double eps = 0.1;
  const double uniform0 = (3 * std::log(z0) - 2) / 3, uniform1 = (3 * std::log(z1) - 1) / 3;
  const double smoothed = ((1 - eps) * nll0 + eps * uniform0 + (1 - eps) * nll1 + eps * uniform1) / 2;
  REQUIRE(cross_entropy(logits, targets, -100, eps).item() == Approx(smoothed));
  // Reduction::None: one value per target, 0 where ignored.
  require_close(cross_entropy(logits, targets, -100, 0.0, Reduction::None), {nll0, nll1, 0.0}, 1e-12);
  // Every target ignored: the mean is 0/0, as in PyTorch.
  REQUIRE(std::isnan(cross_entropy(logits, ids({-100, -100, -100}, {3})).item()));
}

TEST_CASE("cross_entropy: (B, T, C) equals the flattened (B*T, C) and nll_loss of log_softmax", "[loss]") {
  const Tensor logits = random_input({2, 3, 4}, 241, -2, 2);
  const Tensor targets = ids({1, 3, 0, 2, 2, 1}, {2, 3});
  const double batched = cross_entropy(logits, targets).item();
  REQUIRE(batched == Approx(cross_entropy(logits.reshape({6, 4}), targets.reshape({6})).item()).epsilon(1e-12));
  REQUIRE(batched == Approx(nll_loss(log_softmax(logits, -1), targets).item()).epsilon(1e-12));
  REQUIRE(cross_entropy(logits, targets, -100, 0.0, Reduction::None).shape() == Shape{2, 3});
}

TEST_CASE("mse_loss and bce_with_logits: values and stability", "[loss]") {
  const Tensor prediction = from_vector({1, 2, 3, 4}, {2, 2}, DType::Float64);
  const Tensor target = from_vector({1, 0, 3, 1}, {2, 2}, DType::Float64);
  REQUIRE(mse_loss(prediction, target).item() == Approx(13.0 / 4));
  REQUIRE(mse_loss(prediction, target, Reduction::Sum).item() == Approx(13.0));
  require_close(mse_loss(prediction, target, Reduction::None), {0, 4, 0, 9}, 0);

  // Huge logits: the naive -y log s - (1 - y) log(1 - s) would give inf or NaN.
  const Tensor logits = from_vector({1000, -1000, 1000, 0}, {4}, DType::Float64);
  const Tensor labels = from_vector({0, 1, 1, 1}, {4}, DType::Float64);
  require_close(bce_with_logits(logits, labels, Reduction::None), {1000, 1000, 0, std::log(2.0)}, 1e-12);
  const Tensor pos_weight = full({4}, 3.0, DType::Float64);
  require_close(bce_with_logits(logits, labels, Reduction::None, pos_weight), {1000, 3000, 0, 3 * std::log(2.0)},
                1e-12);
  const Tensor big_float32 = from_vector({100, -100}, {2});
  REQUIRE(std::isfinite(bce_with_logits(big_float32, from_vector({0, 1}, {2})).item()));
}

// ---- Errors.

TEST_CASE("losses: errors name the loss, the shapes and the bad class id", "[loss]") {
  const Tensor logits = zeros({4, 5});
  REQUIRE_THROWS_WITH(cross_entropy(logits, ids({0, 1, 2}, {3})),
                      Contains("cross_entropy: logits (4,5) and targets (3,) do not match") && Contains("shape (4,)"));
  REQUIRE_THROWS_WITH(cross_entropy(logits, ids({0, 7, 2, 1}, {4})),
                      Contains("cross_entropy: target class 7 is out of range for 5 classes"));
  REQUIRE_THROWS_WITH(cross_entropy(logits, ids({0, -3, 2, 1}, {4})), Contains("target class -3 is out of range"));
  REQUIRE_THROWS_WITH(cross_entropy(logits, zeros({4})), Contains("cross_entropy: targets must be int64"));
  REQUIRE_THROWS_WITH(cross_entropy(logits, ids({0, 1, 2, 3}, {4}), -100, 1.5), Contains("label_smoothing = 1.5"));
  REQUIRE_THROWS_WITH(nll_loss(logits, ids({0, 5, 2, 1}, {4})),
                      Contains("nll_loss: target class 5 is out of range for 5 classes"));
  REQUIRE_THROWS_WITH(mse_loss(zeros({2, 3}), zeros({3, 2})),
                      Contains("mse_loss: prediction (2,3) and target (3,2) differ in shape"));
  REQUIRE_THROWS_WITH(bce_with_logits(zeros({2, 3}), zeros({2, 4})),
                      Contains("bce_with_logits: logits (2,3) and targets (2,4) differ in shape"));
  REQUIRE_THROWS_WITH(bce_with_logits(zeros({2, 3}), zeros({2, 3}), Reduction::Mean, ones({2})),
                      Contains("bce_with_logits: pos_weight (2,) does not broadcast to logits (2,3)"));
  // An ignored target outside [0, C) is fine.
  REQUIRE_NOTHROW(cross_entropy(logits, ids({0, -100, 4, 1}, {4})));
}
