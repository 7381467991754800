// heed's vision attention modules against PyTorch: SE, CBAM (3x3 and 7x7 spatial kernels), ECA
// (k = 3 and 5), coordinate attention, the non-local block and attention pooling, on the inputs,
// parameters and projection R that tests/fixtures/make_vision_fixtures.py recorded, in float64.
// Outputs, the maps each module keeps, and the gradients of L = sum(output * R) with respect to
// the input and every parameter must agree to 1e-9 (relative).
#include <set>
#include <string>

#include "fixture.h"
#include "layers/vision/registry.h"

using namespace heed;
using heed::test::Fixture;
using heed::test::require_close;

namespace {

constexpr double kTolerance = 1e-9;

// The fixture's parameters are exactly the module's: every other tensor is one of these.
const std::set<std::string> kNotParameters = {"x", "output", "R", "channel_weights", "spatial_map"};

VisionAttentionConfig config_of(const Fixture& f) {
  VisionAttentionConfig c;
  c.channels = f.integer("channels");
  c.reduction = f.config.value("reduction", c.reduction);
  c.spatial_kernel = f.config.value("spatial_kernel", c.spatial_kernel);
  c.eca_gamma = f.config.value("gamma", c.eca_gamma);
  c.dtype = DType::Float64;
  return c;
}

void require_map(const Fixture& f, const std::string& key, const Tensor& kept) {
  INFO(f.name << ": " << key);
  if (!f.has(key)) {
    REQUIRE_FALSE(kept.defined());
    return;
  }
  REQUIRE(kept.defined());
  require_close(kept, f[key], kTolerance);
}

// Loads the fixture's parameters into `module`, runs it, and compares everything.
void require_matches_torch(const std::string& case_name, const std::string& module_name) {
  const Fixture f = heed::test::load_fixture("vision", case_name);
  const auto module = make_vision_attention(module_name, config_of(f));
  NamedTensors state;
  for (const auto& [name, _] : module->named_parameters()) state.emplace_back(name, f[name]);
  std::size_t fixture_parameters = 0;
  for (const auto& [key, _] : f.tensors)
    fixture_parameters += kNotParameters.count(key) == 0 && key.rfind("grad.", 0) != 0 ? 1 : 0;
  CHECK(fixture_parameters == state.size());
  module->load_state_dict(state, /*strict=*/false);  // coord's batch norm keeps its fresh running statistics

  Tensor x = f.leaf("x");
  const Tensor output = module->forward(x);
  {
    INFO(f.name << ": output");
    require_close(output, f["output"], kTolerance);
  }
  require_map(f, "channel_weights", module->last_channel_weights());
  require_map(f, "spatial_map", module->last_spatial_map());

  sum(output * f["R"]).backward();
  {
    INFO(f.name << ": gradient of x");
    require_close(x.grad(), f["grad.x"], kTolerance);
  }
  for (const auto& [name, parameter] : module->named_parameters()) {
    INFO(f.name << ": gradient of " << name);
    REQUIRE(parameter.grad().defined());
    require_close(parameter.grad(), f["grad." + name], kTolerance);
  }
}

}  // namespace

TEST_CASE("torch fixtures: squeeze-excitation", "[vision][fixtures]") { require_matches_torch("se", "se"); }

TEST_CASE("torch fixtures: CBAM, channel then spatial gate, with 3x3 and 7x7 kernels", "[vision][fixtures]") {
  require_matches_torch("cbam", "cbam");
  require_matches_torch("cbam_k7", "cbam");  // the 7x7 window is wider than the 5x6 map: padding everywhere
}

TEST_CASE("torch fixtures: ECA with kernels of 3 and 5 taps", "[vision][fixtures]") {
  require_matches_torch("eca", "eca");
  require_matches_torch("eca_k5", "eca");
}

TEST_CASE("torch fixtures: coordinate attention", "[vision][fixtures]") { require_matches_torch("coord", "coord"); }

TEST_CASE("torch fixtures: non-local block", "[vision][fixtures]") { require_matches_torch("non_local", "non-local"); }

TEST_CASE("torch fixtures: attention pooling over a feature map", "[vision][fixtures]") {
  require_matches_torch("attention_pool", "attention-pool");
}
