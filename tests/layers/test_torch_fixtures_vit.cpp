// heed's Vision Transformer against a one-layer ViT written with torch.nn
// pieces (Conv2d patch embedding, class token, learned patch positions,
// nn.TransformerEncoderLayer pre-LN with GELU, LayerNorm, Linear head), on
// the images, parameters and projections that tests/fixtures/make_vit_fixtures.py
// recorded in float64. One case runs on the grid the model was built for; the
// other feeds a differently shaped image, so the position table is resized
// and its gradient goes back through the interpolation, which must match
// F.interpolate(mode="bilinear", align_corners=False). Logits and the
// gradients of L = sum(logits * R) for the images and every parameter must
// agree to 1e-9 (relative).
#include <string>

#include "fixture.h"
#include "layers/models/vit.h"

using namespace heed;
using heed::test::Fixture;

TEST_CASE("torch fixtures: a one-layer ViT, class token on its own grid, mean pooling on a resized grid",
          "[vit][fixtures]") {
  for (const std::string name : {"vit_cls_same_grid", "vit_mean_resized_grid"}) {
    INFO(name);
    const Fixture f = heed::test::load_fixture("vit", name);
    VitConfig config;
    config.in_channels = f.integer("in_channels");
    config.image_size = f.integer("image_size");
    config.patch = f.integer("patch");
    config.num_classes = f.integer("num_classes");
    config.model_dim = f.integer("model_dim");
    config.heads = f.integer("heads");
    config.layers = f.integer("layers");
    config.ff_dim = f.integer("ff_dim");
    config.pool = f.config.at("pool").get<std::string>();
    config.position = f.config.at("position").get<std::string>();
    config.dtype = DType::Float64;
    Generator gen(1);
    VisionTransformer vit(config, gen);
    heed::test::load_parameters(vit, f);
    const Tensor images = f.leaf("images");
    // The resized case must really feed another grid than the model was built for.
    const bool same_grid = images.size(2) == config.image_size && images.size(3) == config.image_size;
    REQUIRE(same_grid == (name == "vit_cls_same_grid"));
    heed::test::require_output_and_gradients(f, vit.forward(images), {{"images", images}}, vit, 1e-9);
  }
}
