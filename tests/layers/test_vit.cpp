// The Vision Transformer: shapes and parameter names, a float64 gradient check
// of the whole forward pass on 8 x 8 images with 4 x 4 patches, images of
// another size, a few training steps with every attention variant and every
// positional encoding (a pairing the variant cannot do is refused, naming
// both), and the errors a wrong image gives.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/attention/transformer_registry.h"
#include "layers/loss.h"
#include "layers/models/vit.h"
#include "layers/position/registry.h"
#include "optim/adam.h"

using namespace heed;
using heed::test::random_input;
using Inputs = std::vector<Tensor>;

namespace {

// 8 x 8 images of 2 channels, 4 x 4 patches (a 2 x 2 grid), D = 8, 2 heads.
VitConfig tiny(DType dtype = DType::Float64) {
  VitConfig c;
  c.in_channels = 2;
  c.image_size = 8;
  c.patch = 4;
  c.num_classes = 3;
  c.model_dim = 8;
  c.heads = 2;
  c.layers = 1;
  c.ff_dim = 12;
  c.dtype = dtype;
  return c;
}

bool variant_takes(const std::string& attention, const std::string& position) {
  Generator gen(0);
  const auto probe = make_transformer_attention(attention, {.model_dim = 16, .heads = 2}, gen);
  const auto encoding = make_positional_encoding(position, {.model_dim = 16, .heads = 2, .grid_rows = 2, .grid_cols = 2});
  return !acts_inside_attention(encoding->kind()) || probe->accepts_position(encoding->kind());
}

// 30 Adam steps on 16 fixed random images with random labels (memorized, so even
// a model without positions learns them): the mean loss of the last 5 steps must
// be finite and below 85% of the first 5's.
void require_training(const std::string& attention, const std::string& position) {
  Generator gen(21);
  VitConfig c = tiny(DType::Float32);
  c.model_dim = 16;
  c.ff_dim = 32;
  c.layers = 2;
  c.num_classes = 4;
  c.attention = attention;
  c.position = position;
  c.knobs.window = 2;
  c.knobs.chunk = 2;
  c.knobs.projected_len = 3;
  c.knobs.landmarks = 2;
  VisionTransformer vit(c, gen);
  const Tensor images = randn({16, 2, 8, 8}, gen);
  const Tensor labels = randint(0, 4, {16}, gen);
  optim::Adam adam(vit.parameters(), {.lr = 3e-3});
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    adam.zero_grad();
    const Tensor loss = cross_entropy(vit.forward(images), labels);
    loss.backward();
    adam.step();
    if (step < 5) first += loss.item() / 5;
    if (step >= 25) last += loss.item() / 5;
  }
  INFO(attention << " + " << position << ": mean loss of the first 5 steps " << first << ", of the last 5 " << last);
  CHECK(std::isfinite(last));
  CHECK(last < 0.85 * first);
}

// Every encoding with one variant: trains when the variant takes it, refused naming both when not.
void require_every_position(const std::string& attention) {
  for (const std::string& position : positional_encoding_names()) {
    if (position.rfind("test-", 0) == 0) continue;  // registered at run time by other tests
    DYNAMIC_SECTION(attention << " + " << position) {
      if (variant_takes(attention, position)) {
        require_training(attention, position);
      } else {
        VitConfig c = tiny();
        c.attention = attention;
        c.position = position;
        CHECK_THROWS_WITH(VisionTransformer(c), Catch::Contains("ViT: attention '" + attention + "'") &&
                                                    Catch::Contains("'" + position + "'") &&
                                                    Catch::Contains("classify --list"));
      }
    }
  }
}

}  // namespace

TEST_CASE("vit: shapes, parameter names, and the last layer's attention over the tokens", "[vit]") {
  Generator gen(1);
  VisionTransformer vit(tiny(), gen);
  const Tensor images = random_input({3, 2, 8, 8}, 1);
  CHECK(vit.embed_patches(images).shape() == Shape({3, 4, 8}));
  const VitOutput out = vit.forward(images, /*keep_weights=*/true);
  CHECK(out.logits.shape() == Shape({3, 3}));
  REQUIRE(out.attention.shape() == Shape({3, 2, 5, 5}));  // the class token and 4 patches
  heed::test::require_close(sum(out.attention, {-1}), std::vector<double>(3 * 2 * 5, 1.0), 1e-12);
  std::vector<std::string> names;
  for (const auto& [name, _] : vit.named_parameters()) names.push_back(name);
  for (const std::string expected : {"patch_embed.weight", "cls_token", "position.table", "layers.0.self_attn.q_proj.weight",
                                     "layers.0.ff.linear1.weight", "norm.weight", "head.weight"})
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  CHECK(vit.patch_embed->weight.shape() == Shape({8, 2, 4, 4}));

  VitConfig mean_pool = tiny();
  mean_pool.pool = "mean";
  VisionTransformer averaged(mean_pool, gen);
  CHECK_FALSE(averaged.cls_token.defined());
  CHECK(averaged.forward(images, true).attention.shape() == Shape({3, 2, 4, 4}));  // patches only
}

TEST_CASE("vit passes float64 gradient checks: 8 x 8 images, 4 x 4 patches, each 2-D encoding and pooling",
          "[vit][gradcheck]") {
  const Tensor images = random_input({2, 2, 8, 8}, 2);
  for (const std::string position : {"vit-learned", "sinusoidal-2d", "rope-2d"}) {
    for (const std::string pool : {"cls", "mean"}) {
      INFO(position << ", pool " << pool);
      Generator gen(3);
      VitConfig c = tiny();
      c.position = position;
      c.pool = pool;
      VisionTransformer vit(c, gen);
      REQUIRE_GRADCHECK([&](const Inputs& in) { return vit.forward(in[0]); }, {images});
      REQUIRE_GRADCHECK([&](const Inputs&) { return vit.forward(images); }, vit.parameters());
    }
  }
}

TEST_CASE("vit reads images of another size with the 2-D encodings; a 1-D table and linformer refuse them", "[vit]") {
  const Tensor larger = random_input({2, 2, 12, 16}, 4);  // a 3 x 4 grid instead of 2 x 2
  for (const std::string position : {"vit-learned", "sinusoidal-2d", "rope-2d"}) {
    INFO(position);
    Generator gen(5);
    VitConfig c = tiny();
    c.position = position;
    VisionTransformer vit(c, gen);
    const VitOutput out = vit.forward(larger, true);
    CHECK(out.logits.shape() == Shape({2, 3}));
    CHECK(out.attention.shape() == Shape({2, 2, 13, 13}));
    REQUIRE_GRADCHECK([&](const Inputs& in) { return vit.forward(in[0]); }, {larger});
  }
  VitConfig c = tiny();
  c.position = "learned";  // 1-D: a table of 1 + 4 rows, patches read in raster order
  VisionTransformer vit(c);
  CHECK(vit.forward(random_input({2, 2, 8, 8}, 5)).shape() == Shape({2, 3}));
  CHECK_THROWS_WITH(vit.forward(larger), Catch::Contains("max_len = 5"));
  c.position = "vit-learned";
  c.attention = "linformer";  // E and F cover the training grid's tokens only
  VisionTransformer projected(c);
  CHECK_THROWS_WITH(projected.forward(larger), Catch::Contains("LinformerAttention") && Catch::Contains("max_len = 5"));
}

TEST_CASE("vit refuses images that do not split into whole patches, and bad settings", "[vit][errors]") {
  VisionTransformer vit(tiny());
  CHECK_THROWS_WITH(vit.forward(random_input({1, 2, 10, 8}, 6)),
                    Catch::Contains("10 x 8 image") && Catch::Contains("4 x 4 patches"));
  CHECK_THROWS_WITH(vit.forward(random_input({1, 3, 8, 8}, 6)),
                    Catch::Contains("(1,3,8,8)") && Catch::Contains("(batch, 2, height, width)"));
  CHECK_THROWS_WITH(vit.forward(random_input({2, 8, 8}, 6)), Catch::Contains("(2,8,8)"));
  VitConfig c = tiny();
  c.image_size = 28;
  c.patch = 5;
  CHECK_THROWS_WITH(VisionTransformer(c), Catch::Contains("patch 5 does not divide the image size 28") &&
                                              Catch::Contains("1, 2, 4, 7, 14, 28"));
  c = tiny();
  c.pool = "max";
  CHECK_THROWS_WITH(VisionTransformer(c), Catch::Contains("'max'") && Catch::Contains("cls") && Catch::Contains("mean"));
  c = tiny();
  c.heads = 3;
  CHECK_THROWS_WITH(VisionTransformer(c), Catch::Contains("multiple of heads 3"));
  c = tiny();
  c.position = "telepathy";
  CHECK_THROWS_WITH(VisionTransformer(c), Catch::Contains("telepathy") && Catch::Contains("vit-learned"));
  c = tiny();
  c.attention = "telepathy";
  CHECK_THROWS_WITH(VisionTransformer(c), Catch::Contains("telepathy") && Catch::Contains("flash"));
}

TEST_CASE("every registered transformer attention trains the ViT a few steps over patches", "[vit]") {
  for (const std::string& attention : transformer_attention_names()) {
    if (attention.rfind("test-", 0) == 0) continue;  // registered at run time by other tests
    DYNAMIC_SECTION(attention) { require_training(attention, "vit-learned"); }
  }
}

TEST_CASE("vit with mha trains with every positional encoding", "[vit]") { require_every_position("mha"); }
TEST_CASE("vit with local attention trains with every encoding it takes", "[vit]") { require_every_position("local"); }
TEST_CASE("vit with linear attention trains with every encoding it takes", "[vit]") { require_every_position("linear"); }
TEST_CASE("vit with flash attention trains with every encoding it takes", "[vit]") { require_every_position("flash"); }
