// heed against PyTorch: Conv2d, BatchNorm2d and the pooling layers on the
// inputs, parameters and projection R that tests/fixtures/make_conv_fixtures.py
// recorded, in float64. Outputs, the gradients of L = sum(output * R) with
// respect to every input and parameter, and BatchNorm's updated running
// statistics must agree to 1e-9 (relative).
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "fixture.h"
#include "layers/batch_norm2d.h"
#include "layers/conv2d.h"
#include "layers/pooling.h"

using namespace heed;
using heed::test::Fixture;
using heed::test::require_close;

namespace {

constexpr double kTolerance = 1e-9;

Fixture load_fixture(const std::string& name) { return heed::test::load_fixture("conv", name); }

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

TEST_CASE("torch fixtures: Conv2d with stride, padding, dilation and groups", "[conv][fixtures]") {
  for (const std::string name :
       {"conv2d", "conv2d_stride2_pad1", "conv2d_dilation2", "conv2d_groups2", "conv2d_depthwise"}) {
    INFO("fixture " << name);
    const Fixture f = load_fixture(name);
    const bool has_bias = f.config.at("bias").get<bool>();
    Conv2d layer(f.config.at("in_channels").get<std::int64_t>(), f.config.at("out_channels").get<std::int64_t>(),
                 f.size2d("kernel"), f.size2d("stride"), f.size2d("padding"), f.size2d("dilation"),
                 f.config.at("groups").get<std::int64_t>(), has_bias, default_generator(), DType::Float64);
    NamedTensors state = {{"weight", f["weight"]}};
    if (has_bias) state.emplace_back("bias", f["bias"]);
    layer.load_state_dict(state);

    Tensor x = f.leaf("x");
    const Tensor y = layer(x);
    require_output(f, y);
    NamedTensors leaves = {{"x", x}, {"weight", layer.weight}};
    if (has_bias) leaves.emplace_back("bias", layer.bias);
    require_gradients(f, y, leaves);
  }
}

TEST_CASE("torch fixtures: BatchNorm2d in training and evaluation mode", "[conv][fixtures]") {
  for (const std::string name : {"batch_norm2d_train", "batch_norm2d_eval"}) {
    INFO("fixture " << name);
    const Fixture f = load_fixture(name);
    const bool training = f.config.at("training").get<bool>();
    BatchNorm2d layer(f.config.at("num_features").get<std::int64_t>(), f.config.at("eps").get<double>(),
                      f.config.at("momentum").get<double>(), true, DType::Float64);
    layer.load_state_dict({{"weight", f["weight"]},
                           {"bias", f["bias"]},
                           {"running_mean", f["running_mean"]},
                           {"running_var", f["running_var"]}},
                          /*strict=*/false);
    layer.train(training);

    Tensor x = f.leaf("x");
    const Tensor y = layer(x);
    require_output(f, y);
    require_gradients(f, y, {{"x", x}, {"weight", layer.weight}, {"bias", layer.bias}});
    INFO("running statistics after the forward pass");
    require_close(layer.running_mean, f["running_mean.after"], kTolerance);
    require_close(layer.running_var, f["running_var.after"], kTolerance);
    CHECK(layer.num_batches_tracked.item() == (training ? 1 : 0));
  }
}

TEST_CASE("torch fixtures: MaxPool2d and AvgPool2d", "[conv][fixtures]") {
  for (const std::string name : {"max_pool2d", "max_pool2d_overlap"}) {
    INFO("fixture " << name);
    const Fixture f = load_fixture(name);
    MaxPool2d layer(f.size2d("kernel"), f.size2d("stride"), f.size2d("padding"));
    Tensor x = f.leaf("x");
    const Tensor y = layer(x);
    require_output(f, y);
    require_gradients(f, y, {{"x", x}});
  }
  for (const std::string name : {"avg_pool2d", "avg_pool2d_exclude_pad"}) {
    INFO("fixture " << name);
    const Fixture f = load_fixture(name);
    AvgPool2d layer(f.size2d("kernel"), f.size2d("stride"), f.size2d("padding"),
                    f.config.at("count_include_pad").get<bool>());
    Tensor x = f.leaf("x");
    const Tensor y = layer(x);
    require_output(f, y);
    require_gradients(f, y, {{"x", x}});
  }
}

TEST_CASE("torch fixtures: AdaptiveAvgPool2d with sizes that do not divide", "[conv][fixtures]") {
  for (const std::string name : {"adaptive_avg_pool2d", "adaptive_avg_pool2d_rect"}) {
    INFO("fixture " << name);
    const Fixture f = load_fixture(name);
    AdaptiveAvgPool2d layer(f.size2d("output_size"));
    Tensor x = f.leaf("x");
    const Tensor y = layer(x);
    require_output(f, y);
    require_gradients(f, y, {{"x", x}});
  }
}
