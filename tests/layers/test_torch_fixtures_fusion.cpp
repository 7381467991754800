// heed's fusion layers against the PyTorch reference of tests/fixtures/make_fusion_fixtures.py
// (written from torch's Linear, tanh, sigmoid and MultiheadAttention), in float64. Parameters load
// by name; results and the gradients of L = sum_k sum(result_k * R.result_k) with respect to the
// inputs and every parameter must agree to 1e-9 (relative).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "fixture.h"
#include "layers/fusion/concat.h"
#include "layers/fusion/cross_attention.h"
#include "layers/fusion/gmu.h"

using namespace heed;
using heed::test::Fixture;
using heed::test::values;
using heed::test::load_parameters;
using heed::test::require_close;
using heed::test::require_results_and_gradients;
using heed::test::with_named_parameters;

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

}  // namespace

TEST_CASE("torch fixtures: the GMU's fused vector and gate", "[fusion][gmu][fixtures]") {
  const Fixture f = heed::test::load_fixture("fusion", "gmu");
  GatedMultimodalUnit gmu(vector_config(f));
  load_parameters(gmu, f);
  const Tensor image = f.leaf("image"), text = f.leaf("text");
  const FusionOutput out = gmu.fuse({.image = image, .text = text});
  // The gate z = sigmoid(...) is one weight per fused unit, strictly between image and text.
  REQUIRE(out.gate.shape() == out.fused.shape());
  for (double z : values(out.gate)) REQUIRE((z > 0 && z < 1));
  require_results_and_gradients(f, {{"fused", out.fused}, {"gate", out.gate}},
                                with_named_parameters({{"image", image}, {"text", text}}, gmu), kTolerance);
}

TEST_CASE("torch fixtures: concat fusion", "[fusion][fixtures]") {
  const Fixture f = heed::test::load_fixture("fusion", "concat");
  ConcatFusion fusion(vector_config(f));
  load_parameters(fusion, f);
  const Tensor image = f.leaf("image"), text = f.leaf("text");
  const FusionOutput out = fusion.fuse({.image = image, .text = text});
  require_results_and_gradients(f, {{"fused", out.fused}}, with_named_parameters({{"image", image}, {"text", text}}, fusion), kTolerance);
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
  // The captions really are padded, and each caption token's weights over the image positions
  // (B, H, L, P) are a distribution.
  const std::vector<double> mask = values(f["text_mask"]);
  REQUIRE(std::count(mask.begin(), mask.end(), 0.0) > 0);
  const std::vector<double> row_sums = values(sum(out.weights, {-1}));
  for (double s : row_sums) REQUIRE(s == Approx(1.0).margin(1e-12));
  require_results_and_gradients(f, {{"fused", out.fused}, {"weights", out.weights}},
                                with_named_parameters({{"text_tokens", tokens}, {"image_positions", positions}}, fusion), kTolerance);
}
