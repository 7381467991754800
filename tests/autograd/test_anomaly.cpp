// Anomaly detection: the first op that makes a NaN or an Inf, forward or
// backward, stops with its name, its input shapes and the layer it sits in;
// masked attention scores (-Inf on purpose) do not trip it; off by default.
#include <limits>
#include <memory>

#include "helpers.h"
#include "layers/linear.h"
#include "layers/models/transformer.h"

using namespace heed;

namespace {

// encoder (4 -> 3), then head (3 -> 2): parameter names encoder.weight, head.bias, ...
struct TwoLayers : Module {
  explicit TwoLayers(Generator& gen) : Module("TwoLayers") {
    encoder = register_module("encoder", std::make_shared<Linear>(4, 3, true, gen, DType::Float64));
    head = register_module("head", std::make_shared<Linear>(3, 2, true, gen, DType::Float64));
  }
  std::shared_ptr<Linear> encoder, head;
};

}  // namespace

TEST_CASE("anomaly mode: a NaN made in forward names the op, the shapes and the layer", "[autograd][anomaly]") {
  Generator gen(4);
  TwoLayers model(gen);
  const Tensor x = randn({5, 4}, gen, DType::Float64);
  DetectAnomalyGuard anomaly(model.named_parameters());
  // The encoder's outputs are of both signs, so log() of them makes NaN.
  REQUIRE_THROWS_WITH(log(model.encoder->forward(x)),
                      Catch::Contains("anomaly detected: 'log' made NaN in forward") &&
                          Catch::Contains("of its (5,3) output") && Catch::Contains("its inputs: (5,3)") &&
                          Catch::Contains("in the model: encoder (parameters nearest to it: encoder.bias)"));
  // One layer further: the nearest parameters are the head's.
  REQUIRE_THROWS_WITH(log(model.head->forward(model.encoder->forward(x))),
                      Catch::Contains("in the model: head (parameters nearest to it: head.bias)"));
}

TEST_CASE("anomaly mode: an Inf an op makes from finite inputs is an anomaly", "[autograd][anomaly]") {
  Tensor x = from_vector({1.0, 200.0}, {2}, DType::Float32).requires_grad_();
  DetectAnomalyGuard anomaly;
  REQUIRE_THROWS_WITH(exp(x), Catch::Contains("'exp' made Inf in forward (first at element 1 of its (2,) output)") &&
                                  Catch::Contains("in the model: unknown"));
  Tensor zero = from_vector({0.0, 1.0}, {2}, DType::Float64).requires_grad_();
  REQUIRE_THROWS_WITH(log(zero), Catch::Contains("'log' made Inf in forward (first at element 0"));
}

TEST_CASE("anomaly mode: a gradient that becomes Inf in backward names the backward op", "[autograd][anomaly]") {
  // sqrt(0) = 0 is fine forward; its gradient 1 / (2 sqrt(0)) is not.
  Tensor x = from_vector({0.0, 4.0}, {2}, DType::Float64).requires_grad_();
  DetectAnomalyGuard anomaly({{"x", x}});
  const Tensor loss = sum(sqrt(x));
  REQUIRE_THROWS_WITH(loss.backward(), Catch::Contains("anomaly detected: the backward of 'sqrt' made Inf") &&
                                           Catch::Contains("gradient of its input 0 (first at element 0 of the (2,) gradient)") &&
                                           Catch::Contains("parameters nearest to it: x"));
}

TEST_CASE("anomaly mode: masked attention scores are not anomalies, and results do not change",
          "[autograd][anomaly]") {
  Generator gen(8);
  TransformerConfig config;
  config.src_vocab = 9;
  config.tgt_vocab = 9;
  config.model_dim = 8;
  config.heads = 2;
  config.ff_dim = 12;
  config.dtype = DType::Float64;
  Transformer model(config, gen);
  const Tensor src = randint(3, 9, {3, 6}, gen), tgt_in = randint(3, 9, {3, 4}, gen);
  const Tensor lengths = from_vector(std::vector<std::int64_t>{6, 2, 4}, {3});  // real padding: -Inf scores
  auto loss_and_gradient = [&] {
    model.zero_grad();
    const Tensor loss = mean(model.forward(src, lengths, Tensor(), tgt_in).logits);
    loss.backward();
    return std::make_pair(loss.item(), model.parameters().front().grad().to_vector<double>());
  };
  const auto plain = loss_and_gradient();
  DetectAnomalyGuard anomaly(model.named_parameters());
  const auto checked = loss_and_gradient();
  CHECK(checked.first == plain.first);
  CHECK(checked.second == plain.second);
}

TEST_CASE("anomaly mode is off by default and ends with its guard", "[autograd][anomaly]") {
  const Tensor negative = from_vector({-1.0}, {1}, DType::Float64).requires_grad_();
  REQUIRE_FALSE(AnomalyMode::is_enabled());
  CHECK(std::isnan(log(negative).item()));  // no check without the guard
  {
    DetectAnomalyGuard anomaly;
    REQUIRE(AnomalyMode::is_enabled());
    CHECK_THROWS_AS(log(negative), Error);
  }
  REQUIRE_FALSE(AnomalyMode::is_enabled());
  CHECK(std::isnan(log(negative).item()));
}
