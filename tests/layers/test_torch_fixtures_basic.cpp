// heed against PyTorch: the basic layers and losses on the inputs, parameters
// and projection R that tests/fixtures/make_basic_fixtures.py recorded, in
// float64. Outputs and the gradients of L = sum(output * R) with respect to
// every input and parameter must agree to 1e-9 (relative).
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "fixture.h"
#include "layers/layers.h"

using namespace heed;
using heed::test::Fixture;
using heed::test::require_close;

namespace {

constexpr double kTolerance = 1e-9;

Fixture load_fixture(const std::string& name) { return heed::test::load_fixture("basic", name); }

Reduction reduction_of(const Fixture& f) {
  const auto name = f.config.at("reduction").get<std::string>();
  if (name == "sum") return Reduction::Sum;
  if (name == "none") return Reduction::None;
  return Reduction::Mean;
}

void require_output(const Fixture& f, const Tensor& output) {
  INFO(f.name << ": output");
  require_close(output, f["output"], kTolerance);
}

// Backpropagates sum(output * R) and compares the gradient of each named tensor.
void require_gradients(const Fixture& f, const Tensor& output, const NamedTensors& leaves) {
  sum(output * f["R"]).backward();
  for (const auto& [key, t] : leaves) {
    INFO(f.name << ": gradient of " << key);
    REQUIRE(t.grad().defined());
    require_close(t.grad(), f["grad." + key], kTolerance);
  }
}

}  // namespace

TEST_CASE("torch fixtures: Linear", "[layers][fixtures]") {
  for (const std::string name : {"linear", "linear_no_bias"}) {
    const Fixture f = load_fixture(name);
    const bool has_bias = f.config.at("bias").get<bool>();
    Linear layer(f.integer("in_features"), f.integer("out_features"), has_bias, default_generator(), DType::Float64);
    NamedTensors state{{"weight", f["weight"]}};
    if (has_bias) state.emplace_back("bias", f["bias"]);
    layer.load_state_dict(state);
    const Tensor x = f.leaf("x");
    const Tensor y = layer(x);
    require_output(f, y);
    NamedTensors leaves{{"x", x}, {"weight", layer.weight}};
    if (has_bias) leaves.emplace_back("bias", layer.bias);
    require_gradients(f, y, leaves);
  }
}

TEST_CASE("torch fixtures: Embedding with padding_idx", "[layers][fixtures]") {
  const Fixture f = load_fixture("embedding");
  Embedding layer(f.integer("num_embeddings"), f.integer("embedding_dim"), f.integer("padding_idx"),
                  default_generator(), DType::Float64);
  layer.load_state_dict({{"weight", f["weight"]}});
  const Tensor y = layer(f["ids"]);
  require_output(f, y);
  require_gradients(f, y, {{"weight", layer.weight}});
}

TEST_CASE("torch fixtures: LayerNorm", "[layers][fixtures]") {
  SECTION("last dim, random affine parameters") {
    const Fixture f = load_fixture("layer_norm");
    LayerNorm layer(f.config.at("normalized_shape").get<Shape>(), f.number("eps"), true, DType::Float64);
    layer.load_state_dict({{"weight", f["weight"]}, {"bias", f["bias"]}});
    const Tensor x = f.leaf("x");
    const Tensor y = layer(x);
    require_output(f, y);
    require_gradients(f, y, {{"x", x}, {"weight", layer.weight}, {"bias", layer.bias}});
  }
  SECTION("last two dims, no affine parameters") {
    const Fixture f = load_fixture("layer_norm_2d");
    LayerNorm layer(f.config.at("normalized_shape").get<Shape>(), f.number("eps"), false, DType::Float64);
    REQUIRE(layer.parameters().empty());
    const Tensor x = f.leaf("x");
    const Tensor y = layer(x);
    require_output(f, y);
    require_gradients(f, y, {{"x", x}});
  }
}

TEST_CASE("torch fixtures: RMSNorm", "[layers][fixtures]") {
  const Fixture f = load_fixture("rms_norm");
  RMSNorm layer(f.integer("dim"), f.number("eps"), DType::Float64);
  layer.load_state_dict({{"weight", f["weight"]}});
  const Tensor x = f.leaf("x");
  const Tensor y = layer(x);
  require_output(f, y);
  require_gradients(f, y, {{"x", x}, {"weight", layer.weight}});
}

TEST_CASE("torch fixtures: cross_entropy", "[loss][fixtures]") {
  for (const std::string name : {"cross_entropy", "cross_entropy_3d_sum", "cross_entropy_none"}) {
    const Fixture f = load_fixture(name);
    const Tensor logits = f.leaf("logits");
    const Tensor loss =
        cross_entropy(logits, f["targets"], f.integer("ignore_index"), f.number("label_smoothing"), reduction_of(f));
    require_output(f, loss);
    require_gradients(f, loss, {{"logits", logits}});
  }
}

TEST_CASE("torch fixtures: nll_loss", "[loss][fixtures]") {
  const Fixture f = load_fixture("nll_loss");
  const Tensor log_probs = f.leaf("log_probs");
  const Tensor loss = nll_loss(log_probs, f["targets"], f.integer("ignore_index"), reduction_of(f));
  require_output(f, loss);
  require_gradients(f, loss, {{"log_probs", log_probs}});
}

TEST_CASE("torch fixtures: mse_loss", "[loss][fixtures]") {
  const Fixture f = load_fixture("mse_loss");
  const Tensor prediction = f.leaf("prediction");
  const Tensor target = f.leaf("target");
  const Tensor loss = mse_loss(prediction, target, reduction_of(f));
  require_output(f, loss);
  require_gradients(f, loss, {{"prediction", prediction}, {"target", target}});
}

TEST_CASE("torch fixtures: bce_with_logits", "[loss][fixtures]") {
  SECTION("plain") {
    const Fixture f = load_fixture("bce_with_logits");
    const Tensor logits = f.leaf("logits");
    const Tensor targets = f.leaf("targets");
    const Tensor loss = bce_with_logits(logits, targets, reduction_of(f));
    require_output(f, loss);
    require_gradients(f, loss, {{"logits", logits}, {"targets", targets}});
  }
  SECTION("pos_weight") {
    const Fixture f = load_fixture("bce_with_logits_pos_weight");
    const Tensor logits = f.leaf("logits");
    const Tensor targets = f.leaf("targets");
    const Tensor loss = bce_with_logits(logits, targets, reduction_of(f), f["pos_weight"]);
    require_output(f, loss);
    require_gradients(f, loss, {{"logits", logits}, {"targets", targets}});
  }
}
