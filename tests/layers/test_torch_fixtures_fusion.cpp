// heed's fusion layers against the PyTorch reference of tests/fixtures/make_fusion_fixtures.py
// (written from torch's Linear, tanh, sigmoid and MultiheadAttention), in float64. Parameters load
// by name; results and the gradients of L = sum_k sum(result_k * R.result_k) with respect to the
// inputs and every parameter must agree to 1e-9 (relative).
#include <string>
#include <utility>
#include <vector>

#include "fixture.h"
#include "layers/fusion/concat.h"
#include "layers/fusion/cross_attention.h"
#include "layers/fusion/gmu.h"

using namespace heed;
using heed::test::Fixture;
using heed::test::load_parameters;
using heed::test::require_close;
using heed::test::require_results_and_gradients;

namespace {

constexpr double kTolerance = 1e-9;

FusionConfig vector_config(const Fixture& f) {
  FusionConfig c;
  c.image_dim = f.integer("image_dim");
  c.text_dim = f.integer("text_dim");
  c.fused_dim = f.integer("fused_dim");
  c.dtype = DType::Float64;
  return c;
}

NamedTensors leaves_of(const Module& module, NamedTensors inputs) {
  for (const auto& named : module.named_parameters()) inputs.push_back(named);
  return inputs;
}

}  // namespace

TEST_CASE("torch fixtures: the GMU's fused vector and gate", "[fusion][gmu][fixtures]") {
  const Fixture f = heed::test::load_fixture("fusion", "gmu");
  GatedMultimodalUnit gmu(vector_config(f));
  load_parameters(gmu, f);
  const Tensor image = f.leaf("image"), text = f.leaf("text");
  const FusionOutput out = gmu.fuse({.image = image, .text = text});
  require_results_and_gradients(f, {{"fused", out.fused}, {"gate", out.gate}},
                                leaves_of(gmu, {{"image", image}, {"text", text}}), kTolerance);
}

TEST_CASE("torch fixtures: concat fusion", "[fusion][fixtures]") {
  const Fixture f = heed::test::load_fixture("fusion", "concat");
  ConcatFusion fusion(vector_config(f));
  load_parameters(fusion, f);
  const Tensor image = f.leaf("image"), text = f.leaf("text");
  const FusionOutput out = fusion.fuse({.image = image, .text = text});
  require_results_and_gradients(f, {{"fused", out.fused}}, leaves_of(fusion, {{"image", image}, {"text", text}}), kTolerance);
}

TEST_CASE("torch fixtures: cross-attention fusion with mha over padded captions", "[fusion][fixtures]") {
  const Fixture f = heed::test::load_fixture("fusion", "cross_attention");
  FusionConfig c;
  c.image_channels = f.integer("image_channels");
  c.text_dim = f.integer("text_dim");
  c.fused_dim = f.integer("fused_dim");
  c.heads = f.integer("heads");
  c.dtype = DType::Float64;
  CrossAttentionFusion fusion(c);
  load_parameters(fusion, f);
  const Tensor tokens = f.leaf("text_tokens"), positions = f.leaf("image_positions");
  const FusionOutput out =
      fusion.fuse({.image_positions = positions, .text_tokens = tokens, .text_mask = f["text_mask"]});
  require_results_and_gradients(f, {{"fused", out.fused}, {"weights", out.weights}},
                                leaves_of(fusion, {{"text_tokens", tokens}, {"image_positions", positions}}), kTolerance);
}
