// heed's Transformer encoder and decoder layers against PyTorch's
// nn.TransformerEncoderLayer and nn.TransformerDecoderLayer (batch_first,
// dropout 0), on the inputs, masks, parameters and projections that
// tests/fixtures/make_transformer_fixtures.py recorded in float64. The script
// saved the parameters under heed's names (in_proj split into q/k/v_proj).
// The output and the gradients of L = sum(output * R) with respect to the
// inputs and every parameter must agree to 1e-9 (relative).
#include <string>

#include "fixture.h"
#include "layers/transformer_layers.h"

using namespace heed;
using heed::test::Fixture;
using heed::test::load_parameters;
using heed::test::require_output_and_gradients;

namespace {

constexpr double kTolerance = 1e-9;

TransformerLayerConfig layer_config(const Fixture& f) {
  return {.model_dim = f.integer("model_dim"), .ff_dim = f.integer("ff_dim"), .dropout = 0.0,
          .activation = f.config.at("activation").get<std::string>(),
          .norm_first = f.config.at("norm_first").get<bool>(), .dtype = DType::Float64};
}

TransformerAttentionConfig attention_config(const Fixture& f) {
  TransformerAttentionConfig c;
  c.heads = f.integer("heads");
  return c;
}

}  // namespace

TEST_CASE("torch fixtures: TransformerEncoderLayer, pre-LN relu and post-LN gelu, with padding",
          "[transformer-model][fixtures]") {
  for (const std::string name : {"encoder_layer_pre_ln", "encoder_layer_post_ln"}) {
    INFO(name);
    const Fixture f = heed::test::load_fixture("transformer", name);
    Generator gen(1);
    TransformerEncoderLayer layer(layer_config(f), "mha", attention_config(f), gen);
    load_parameters(layer, f);
    const Tensor x = f.leaf("x");
    heed::test::require_some_padding(f);
    const Tensor output = layer.forward(x, f["mask"]).output;
    REQUIRE(output.shape() == x.shape());
    require_output_and_gradients(f, output, {{"x", x}}, layer, kTolerance);
  }
}

TEST_CASE("torch fixtures: TransformerDecoderLayer, pre-LN, causal, memory padding",
          "[transformer-model][fixtures]") {
  const Fixture f = heed::test::load_fixture("transformer", "decoder_layer_pre_ln");
  Generator gen(2);
  TransformerDecoderLayer layer(layer_config(f), "mha", "mha", attention_config(f), gen);
  load_parameters(layer, f);
  const Tensor y = f.leaf("y"), memory = f.leaf("memory");
  heed::test::require_some_padding(f);
  const Tensor output = layer.forward(y, memory, f["mask"]).output;
  REQUIRE(output.shape() == y.shape());
  require_output_and_gradients(f, output, {{"y", y}, {"memory", memory}}, layer, kTolerance);
}
