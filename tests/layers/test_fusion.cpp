// The fusion layers (gmu, cross-attention, concat) and the multimodal classifier: float64 gradient
// checks with respect to inputs and parameters, the GMU's gate at its extremes, padding that
// cross-attention must ignore, the registry's names and errors, and a model that trains.
#include <cmath>
#include <string>
#include <vector>

#include "data/captioned_images.h"
#include "helpers.h"
#include "layers/fusion/concat.h"
#include "layers/fusion/cross_attention.h"
#include "layers/fusion/gmu.h"
#include "layers/fusion/registry.h"
#include "layers/loss.h"
#include "layers/models/multimodal_classifier.h"
#include "optim/adam.h"

using namespace heed;
using heed::test::flat;
using heed::test::random_input;
using heed::test::require_close;
using heed::test::with_parameters;
using Inputs = std::vector<Tensor>;

namespace {

constexpr DType f64 = DType::Float64;

FusionConfig small_config() {
  FusionConfig c;
  c.image_dim = 5;
  c.image_channels = 3;
  c.text_dim = 4;
  c.fused_dim = 6;
  c.heads = 2;
  c.dtype = f64;
  return c;
}

// Three captions of 4 tokens; the second has 2 real tokens, the third 3.
const Tensor& caption_mask() {
  static const Tensor mask = from_vector({1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0}, {3, 4}, f64);
  return mask;
}

// A tiny captioned-image model in float64: 6 x 6 images, one conv block, captions of 4 tokens.
MultimodalConfig tiny_model(const std::string& fusion) {
  MultimodalConfig c;
  c.image_size = 6;
  c.channels = {2};
  c.image_hidden = 4;
  c.vocab_size = 7;
  c.embed_dim = 3;
  c.fusion = fusion;
  c.fused_dim = 4;
  c.heads = 2;
  c.num_classes = 3;
  c.dtype = f64;
  return c;
}

const Tensor& tiny_captions() {
  static const Tensor ids = from_vector(std::vector<std::int64_t>{4, 5, 6, 2, 3, 1, 0, 0}, {2, 4});
  return ids;
}

}  // namespace

TEST_CASE("gradcheck: gmu, the fused vector and the gate (inputs and parameters)", "[fusion][gmu][gradcheck]") {
  Generator gen(1);
  GatedMultimodalUnit gmu(small_config(), gen);
  const Tensor image = random_input({3, 5}, 11), text = random_input({3, 4}, 12);
  REQUIRE_GRADCHECK(
      [&](const Inputs& in) {
        const FusionOutput out = gmu.fuse({.image = in[0], .text = in[1]});
        return concat({flat(out.fused), flat(out.gate)}, 0);
      },
      with_parameters({image, text}, gmu));
}

TEST_CASE("gradcheck: concat fusion (inputs and parameters)", "[fusion][gradcheck]") {
  Generator gen(2);
  ConcatFusion fusion(small_config(), gen);
  const Tensor image = random_input({3, 5}, 21), text = random_input({3, 4}, 22);
  REQUIRE_GRADCHECK([&](const Inputs& in) { return fusion.fuse({.image = in[0], .text = in[1]}).fused; },
                    with_parameters({image, text}, fusion));
}

TEST_CASE("gradcheck: cross-attention fusion over padded captions (inputs and parameters)",
          "[fusion][gradcheck]") {
  Generator gen(3);
  CrossAttentionFusion fusion(small_config(), gen);
  const Tensor tokens = random_input({3, 4, 4}, 31), positions = random_input({3, 5, 3}, 32);
  REQUIRE_GRADCHECK(
      [&](const Inputs& in) {
        const FusionOutput out =
            fusion.fuse({.image_positions = in[1], .text_tokens = in[0], .text_mask = caption_mask()});
        return concat({flat(out.fused), flat(out.weights)}, 0);
      },
      with_parameters({tokens, positions}, fusion));
}

TEST_CASE("gmu: a gate forced to 1 keeps the image's half, forced to 0 the text's", "[fusion][gmu]") {
  Generator gen(4);
  GatedMultimodalUnit gmu(small_config(), gen);
  NoGradGuard no_grad;
  // Positive inputs and a gate weight of +-1000 everywhere saturate z = sigmoid(+-1000 * sum(x)).
  const Tensor image = abs(random_input({3, 5}, 41)) + 0.5, text = abs(random_input({3, 4}, 42)) + 0.5;
  for (const double sign : {1.0, -1.0}) {
    ops::fill_(gmu.gate->weight, sign * 1000.0);
    const FusionOutput out = gmu.fuse({.image = image, .text = text});
    const Tensor expected = sign > 0 ? tanh(gmu.image_proj->forward(image)) : tanh(gmu.text_proj->forward(text));
    require_close(out.fused, expected, 1e-12);
    require_close(out.gate, std::vector<double>(18, sign > 0 ? 1.0 : 0.0), 1e-12);
  }
}

TEST_CASE("cross-attention fusion: padded tokens change nothing, weights are softmaxes over positions",
          "[fusion][mask]") {
  Generator gen(5);
  CrossAttentionFusion fusion(small_config(), gen);
  const Tensor tokens = random_input({3, 4, 4}, 51), positions = random_input({3, 5, 3}, 52);
  const FusionOutput out = fusion.fuse({.image_positions = positions, .text_tokens = tokens, .text_mask = caption_mask()});
  REQUIRE(out.fused.shape() == Shape({3, 6}));
  REQUIRE(out.weights.shape() == Shape({3, 2, 4, 5}));  // (B, H, L, P)
  require_close(sum(out.weights, {-1}), std::vector<double>(24, 1.0), 1e-12);
  // Rewrite the padded tokens (caption 1 from token 2, caption 2 at token 3): the fused vectors stay.
  std::vector<double> changed = tokens.to_vector<double>();
  for (std::size_t i = (1 * 4 + 2) * 4; i < (1 * 4 + 4) * 4; ++i) changed[i] += 7.0;
  for (std::size_t i = (2 * 4 + 3) * 4; i < (2 * 4 + 4) * 4; ++i) changed[i] -= 5.0;
  const FusionOutput again = fusion.fuse(
      {.image_positions = positions, .text_tokens = from_vector(changed, {3, 4, 4}), .text_mask = caption_mask()});
  require_close(again.fused, out.fused, 1e-12);
}

TEST_CASE("fusions refuse inputs of the wrong shape, naming the layer and the shapes", "[fusion][errors]") {
  Generator gen(6);
  GatedMultimodalUnit gmu(small_config(), gen);
  CHECK_THROWS_WITH(gmu.fuse({.image = random_input({3, 4}, 1), .text = random_input({3, 4}, 2)}),
                    Catch::Contains("GatedMultimodalUnit") && Catch::Contains("(3,4)") && Catch::Contains("(B, 5)"));
  ConcatFusion concat_fusion(small_config(), gen);
  CHECK_THROWS_WITH(concat_fusion.fuse({.image = random_input({3, 5}, 1)}), Catch::Contains("ConcatFusion"));
  CrossAttentionFusion cross(small_config(), gen);
  CHECK_THROWS_WITH(cross.fuse({.image_positions = random_input({3, 5, 2}, 1), .text_tokens = random_input({3, 4, 4}, 2)}),
                    Catch::Contains("CrossAttentionFusion") && Catch::Contains("(3,5,2)") && Catch::Contains("(B, P, 3)"));
  FusionConfig odd = small_config();
  odd.fused_dim = 5;
  CHECK_THROWS_WITH(CrossAttentionFusion(odd, gen), Catch::Contains("fused_dim 5") && Catch::Contains("2 heads"));
  odd = small_config();
  odd.attention = "linformer";
  CHECK_THROWS_WITH(CrossAttentionFusion(odd, gen), Catch::Contains("linformer") && Catch::Contains("cross-attention"));
}

TEST_CASE("the fusion registry lists gmu, cross-attention and concat and refuses unknown names", "[fusion]") {
  REQUIRE(fusion_names() == std::vector<std::string>{"gmu", "cross-attention", "concat"});
  CHECK_THAT(fusion_description("gmu"), Catch::Contains("Arevalo"));
  Generator gen(7);
  CHECK(make_fusion("gmu", small_config(), gen)->type_name() == "GatedMultimodalUnit");
  CHECK(make_fusion("cross-attention", small_config(), gen)->type_name() == "CrossAttentionFusion");
  CHECK(make_fusion("concat", small_config(), gen)->output_dim() == 6);
  CHECK_THROWS_WITH(make_fusion("telepathy", small_config(), gen),
                    Catch::Contains("telepathy") && Catch::Contains("gmu, cross-attention, concat"));
  CHECK_THROWS_WITH(check_fusion_name("telepathy"), Catch::Contains("gmu"));
}

TEST_CASE("gradcheck: a tiny multimodal classifier with each fusion (every parameter)",
          "[fusion][multimodal][gradcheck]") {
  const Tensor images = random_input({2, 1, 6, 6}, 81);
  for (const std::string fusion : {"gmu", "cross-attention", "concat"}) {
    INFO("fusion " << fusion);
    Generator gen(8);
    MultimodalClassifier model(tiny_model(fusion), gen);
    REQUIRE_GRADCHECK([&](const Inputs& in) { return model.forward(in[0], tiny_captions()).logits; },
                      with_parameters({images}, model));
  }
}

TEST_CASE("multimodal classifier: shapes, the gate and the weights it returns, bad inputs",
          "[fusion][multimodal]") {
  Generator gen(9);
  const Tensor images = random_input({2, 1, 6, 6}, 91);
  MultimodalClassifier gmu_model(tiny_model("gmu"), gen);
  const MultimodalOutput gated = gmu_model.forward(images, tiny_captions());
  REQUIRE(gated.logits.shape() == Shape({2, 3}));
  REQUIRE(gated.gate.shape() == Shape({2, 4}));
  for (const double z : gated.gate.to_vector<double>()) CHECK((z > 0.0 && z < 1.0));
  CHECK_FALSE(gated.weights.defined());

  MultimodalClassifier cross_model(tiny_model("cross-attention"), gen);
  const MultimodalOutput read = cross_model.forward(images, tiny_captions());
  REQUIRE(read.weights.shape() == Shape({2, 2, 4, 9}));  // (B, H, L, P): 3 x 3 positions after one block
  CHECK_FALSE(read.gate.defined());

  CHECK_THROWS_WITH(gmu_model.forward(random_input({2, 1, 5, 5}, 1), tiny_captions()),
                    Catch::Contains("MultimodalClassifier") && Catch::Contains("(2,1,5,5)"));
  CHECK_THROWS_WITH(gmu_model.forward(images, from_vector(std::vector<std::int64_t>{4, 5, 6}, {3, 1})),
                    Catch::Contains("captions") && Catch::Contains("(3,1)"));
  MultimodalConfig bad = tiny_model("telepathy");
  CHECK_THROWS_WITH(MultimodalClassifier(bad, gen), Catch::Contains("telepathy") && Catch::Contains("gmu"));
  bad = tiny_model("gmu");
  bad.image_size = 1;
  CHECK_THROWS_WITH(MultimodalClassifier(bad, gen), Catch::Contains("image_size 1"));
}

TEST_CASE("the multimodal classifier trains on a few captioned Fashion-MNIST images with each fusion",
          "[fusion][multimodal][training]") {
  static const data::ImageDataset test_split = data::load_fashion_mnist(data::kFashionMnistDir, "test");
  data::ImageDataset subset = test_split;
  subset.images = narrow(test_split.images, 0, 0, 256);
  subset.labels = narrow(test_split.labels, 0, 0, 256);
  const data::CaptionedDataset captioned = data::caption_images(subset, {.wrong_rate = 0.3, .seed = 1});
  for (const std::string fusion : {"gmu", "cross-attention", "concat"}) {
    INFO("fusion " << fusion);
    MultimodalConfig c;
    c.channels = {4, 8};
    c.image_hidden = 32;
    c.vocab_size = captioned.vocab.size();
    c.embed_dim = 16;
    c.fusion = fusion;
    c.fused_dim = 32;
    c.heads = 4;
    Generator gen(11);
    MultimodalClassifier model(c, gen);
    optim::Adam adam(model.parameters(), {.lr = 3e-3});
    data::CaptionedLoader loader(captioned, 32, /*shuffle=*/true, 2);
    std::vector<double> losses;
    for (int step = 0; step < 40; ++step) {
      const data::CaptionedBatch batch = loader.next();
      Tensor loss = cross_entropy(model.forward(batch.images, batch.captions).logits, batch.labels);
      losses.push_back(loss.item());
      REQUIRE(std::isfinite(losses.back()));
      loss.backward();
      adam.step();
      adam.zero_grad();
    }
    const auto mean_of = [&](std::size_t from) {
      double total = 0;
      for (std::size_t i = from; i < from + 5; ++i) total += losses[i];
      return total / 5;
    };
    INFO("loss over the first 5 steps " << mean_of(0) << ", over the last 5 " << mean_of(35));
    CHECK(mean_of(35) < 0.75 * mean_of(0));
  }
}
