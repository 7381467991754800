// Reading the PyTorch fixtures in tests/fixtures/<folder>/<name>.json: a
// config object and named tensors {shape, dtype, data}, written by the
// tests/fixtures/make_<folder>_fixtures.py scripts; and the two steps most
// fixture tests share: loading a module's parameters from the fixture, and
// comparing an output and its gradients with PyTorch's.
#pragma once

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "helpers.h"
#include "layers/module.h"

namespace heed::test {

struct Fixture {
  std::string name;
  nlohmann::json config;
  std::map<std::string, Tensor> tensors;

  const Tensor& operator[](const std::string& key) const {
    const auto it = tensors.find(key);
    INFO("fixture " << name << " has no tensor '" << key << "'");
    REQUIRE(it != tensors.end());
    return it->second;
  }
  bool has(const std::string& key) const { return tensors.count(key) > 0; }
  std::int64_t integer(const std::string& key) const { return config.at(key).get<std::int64_t>(); }
  double number(const std::string& key) const { return config.at(key).get<double>(); }
  Size2d size2d(const std::string& key) const {
    const auto v = config.at(key).get<std::vector<std::int64_t>>();
    return {v.at(0), v.at(1)};
  }
  // A float input of the fixture as a fresh leaf that requires grad.
  Tensor leaf(const std::string& key) const { return clone((*this)[key]).requires_grad_(); }
};

// tests/fixtures/<folder>/<name>.json; a missing file names the script that makes it.
inline Fixture load_fixture(const std::string& folder, const std::string& name) {
  const std::string path = std::string(HEED_TEST_DATA_DIR) + "/" + folder + "/" + name + ".json";
  std::ifstream in(path);
  INFO("cannot read " << path << "; regenerate it with python3 tests/fixtures/make_" << folder << "_fixtures.py");
  REQUIRE(in.good());
  const nlohmann::json doc = nlohmann::json::parse(in);
  Fixture fixture{name, doc.at("config"), {}};
  for (const auto& [key, value] : doc.at("tensors").items()) {
    const Shape shape = value.at("shape").get<Shape>();
    fixture.tensors[key] = value.at("dtype") == "int64"
                               ? from_vector(value.at("data").get<std::vector<std::int64_t>>(), shape)
                               : from_vector(value.at("data").get<std::vector<double>>(), shape);
  }
  return fixture;
}

// Copies the fixture's tensors into the module's parameters, by the module's parameter names.
inline void load_parameters(Module& module, const Fixture& f) {
  NamedTensors state;
  for (const auto& [name, _] : module.named_parameters()) state.emplace_back(name, f[name]);
  module.load_state_dict(state);
}

// The named inputs of a fixture test followed by every named parameter of the module: the leaves
// whose gradients require_results_and_gradients compares.
inline NamedTensors with_named_parameters(NamedTensors inputs, const Module& module) {
  for (const auto& named : module.named_parameters()) inputs.push_back(named);
  return inputs;
}

// output against f["output"]; then backpropagates L = sum(output * f["R"]) and compares the
// gradient of every input and every parameter of the module with f["grad.<name>"].
inline void require_output_and_gradients(const Fixture& f, const Tensor& output, const NamedTensors& inputs,
                                         const Module& module, double tolerance) {
  require_close(output, f["output"], tolerance);
  sum(output * f["R"]).backward();
  for (const auto& [key, t] : with_named_parameters(inputs, module)) {
    INFO(f.name << ": gradient of " << key);
    REQUIRE(t.grad().defined());
    require_close(t.grad(), f["grad." + key], tolerance);
  }
}

// Several named results at once: each result <key> is compared with f[<key>], then
// L = sum over keys of sum(result * f["R.<key>"]) is backpropagated and the gradient of every
// leaf compared with f["grad.<name>"].
inline void require_results_and_gradients(const Fixture& f, const std::vector<std::pair<std::string, Tensor>>& results,
                                          const NamedTensors& leaves, double tolerance) {
  Tensor loss = scalar_tensor(0, DType::Float64);
  for (const auto& [key, value] : results) {
    INFO(f.name << ": " << key);
    require_close(value, f[key], tolerance);
    loss = loss + sum(value * f["R." + key]);
  }
  loss.backward();
  for (const auto& [key, t] : leaves) {
    INFO(f.name << ": gradient of " << key);
    REQUIRE(t.grad().defined());
    require_close(t.grad(), f["grad." + key], tolerance);
  }
}

// A masked fixture only tests masking when its mask ("mask": 1 real, 0 padding) pads something.
inline void require_some_padding(const Fixture& f) {
  const std::vector<double> mask = values(f["mask"]);
  REQUIRE(std::count(mask.begin(), mask.end(), 0.0) > 0);
}

}  // namespace heed::test
