// heed's mha, gqa and mqa layers against a PyTorch reference built on
// torch.nn.functional.scaled_dot_product_attention, with K/V heads repeated by
// repeat_interleave (tests/fixtures/make_attention_fixtures.py, float64). Each
// fixture holds self-attention with key padding, causal self-attention, or
// cross-attention over a padded memory, the layer's parameters under heed's
// names, the output and the gradients of L = sum(output * R).
//
// flash must compute the same function as mha, so it is held to mha's fixtures too.
#include <string>

#include "fixture.h"
#include "layers/attention/transformer_registry.h"

using namespace heed;
using heed::test::Fixture;

namespace {

constexpr double kTolerance = 1e-9;

void check_against_fixture(const std::string& variant, const std::string& fixture_name) {
  const Fixture f = heed::test::load_fixture("attention", fixture_name);
  INFO(variant << " against " << fixture_name << ": " << f.config.dump());
  Generator gen(3);
  TransformerAttentionConfig config;
  config.model_dim = f.integer("model_dim");
  config.heads = f.integer("heads");
  config.kv_heads = f.integer("kv_heads");
  config.tile = 2;  // flash: several tiles per row even at these lengths
  config.dtype = DType::Float64;
  const auto layer = make_transformer_attention(variant, config, gen);

  heed::test::load_parameters(*layer, f);

  const bool cross = f.config.at("cross").get<bool>();
  const Tensor x = f.leaf("x");
  const Tensor memory = cross ? f.leaf("memory") : x;
  heed::test::require_some_padding(f);
  // The fixture is the kind its name says: cross-attention reads a memory of another length.
  REQUIRE(cross == fixture_name.ends_with("_cross"));
  REQUIRE(f.config.at("causal").get<bool>() == fixture_name.ends_with("_causal"));
  if (cross) REQUIRE(memory.size(1) != x.size(1));
  AttentionCall call{.query = x, .memory = memory, .key_mask = f["mask"], .causal = f.config.at("causal").get<bool>()};
  NamedTensors inputs = {{"x", x}};
  if (cross) inputs.emplace_back("memory", memory);
  const Tensor output = layer->forward(call).output;
  REQUIRE(output.shape() == x.shape());
  heed::test::require_output_and_gradients(f, output, inputs, *layer, kTolerance);
}

}  // namespace

TEST_CASE("torch fixtures: mha, gqa and mqa match scaled_dot_product_attention with repeated K/V heads",
          "[transformer-attention][fixtures]") {
  for (const std::string variant : {"mha", "gqa", "mqa"})
    for (const std::string kind : {"self_padded", "causal", "cross"}) check_against_fixture(variant, variant + "_" + kind);
}

TEST_CASE("torch fixtures: flash matches PyTorch's attention as mha does", "[transformer-attention][fixtures][flash]") {
  for (const std::string kind : {"self_padded", "causal", "cross"}) check_against_fixture("flash", "mha_" + kind);
}
