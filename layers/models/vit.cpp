#include "layers/models/vit.h"

#include <sstream>

#include "layers/init.h"
#include "layers/position/registry.h"

namespace heed {

namespace {

// "1, 2, 4, 7, 14, 28": the patch sizes that fit an image side.
std::string divisors_of(std::int64_t n) {
  std::ostringstream out;
  for (std::int64_t d = 1; d <= n; ++d)
    if (n % d == 0) out << (out.tellp() > 0 ? ", " : "") << d;
  return out.str();
}

void check_config(const VitConfig& c) {
  HEED_CHECK(c.in_channels > 0 && c.num_classes > 0, "ViT: in_channels ", c.in_channels, " and num_classes ",
             c.num_classes, " must be positive");
  HEED_CHECK(c.patch > 0 && c.image_size >= c.patch && c.image_size % c.patch == 0, "ViT: patch ", c.patch,
             " does not divide the image size ", c.image_size, " into whole patches; choose a patch size that "
             "divides it (", c.image_size, ": ", divisors_of(c.image_size), ")");
  HEED_CHECK(c.model_dim > 0 && c.heads > 0 && c.model_dim % c.heads == 0, "ViT: model_dim ", c.model_dim,
             " must be a positive multiple of heads ", c.heads);
  HEED_CHECK(c.layers > 0, "ViT: layers is ", c.layers, "; expected at least one encoder layer");
  HEED_CHECK(c.pool == "cls" || c.pool == "mean", "ViT: unknown pool '", c.pool,
             "'; valid: cls (a class token) or mean (the average of the patch outputs)");
}

}  // namespace

VisionTransformer::VisionTransformer(const VitConfig& cfg, Generator& gen) : Module("VisionTransformer"), config(cfg) {
  check_config(cfg);
  const std::int64_t D = cfg.model_dim;
  const std::int64_t leading = cfg.pool == "cls" ? 1 : 0;
  const std::int64_t tokens = leading + cfg.grid() * cfg.grid();

  patch_embed = register_module("patch_embed", std::make_shared<Conv2d>(cfg.in_channels, D, cfg.patch, cfg.patch, 0, 1,
                                                                        1, true, gen, cfg.dtype));
  if (leading > 0) {
    cls_token = register_parameter("cls_token", empty({1, 1, D}, cfg.dtype));
    normal_(cls_token, 0.0, 0.02, gen);
  }
  const PositionConfig position_config{.model_dim = D, .heads = cfg.heads, .max_len = tokens,
                                       .grid_rows = cfg.grid(), .grid_cols = cfg.grid(), .dtype = cfg.dtype};
  position = register_module("position", make_positional_encoding(cfg.position, position_config, gen));

  TransformerAttentionConfig attention = cfg.knobs;
  attention.heads = cfg.heads;
  attention.max_len = tokens;
  const TransformerLayerConfig layer{.model_dim = D, .ff_dim = cfg.ff_dim, .dropout = cfg.dropout,
                                     .activation = "gelu", .norm_first = true, .dtype = cfg.dtype};
  // Sequential only for the names (layers.0.self_attn.q_proj.weight); forward walks the vector.
  auto stack = register_module("layers", std::make_shared<Sequential>());
  for (std::int64_t i = 0; i < cfg.layers; ++i) {
    layers.push_back(std::make_shared<TransformerEncoderLayer>(layer, cfg.attention, attention, gen));
    stack->push_back(layers.back());
  }
  norm = register_module("norm", std::make_shared<LayerNorm>(D, 1e-5, true, cfg.dtype));
  head = register_module("head", std::make_shared<Linear>(D, cfg.num_classes, true, gen, cfg.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(cfg.dropout, gen));

  const PositionKind kind = position->kind();
  HEED_CHECK(!acts_inside_attention(kind) || layers.front()->self_attn->accepts_position(kind), "ViT: attention '",
             cfg.attention, "' cannot take the ", position_kind_name(kind), " encoding '", cfg.position,
             "' inside attention; use an absolute encoding (vit-learned, sinusoidal-2d, learned, sinusoidal) or none "
             "with it, or choose another attention (classify --list shows which variant takes which)");
}

void VisionTransformer::check_images(const Tensor& images) const {
  const std::int64_t P = config.patch;
  HEED_CHECK(images.dim() == 4 && images.size(1) == config.in_channels, "ViT: images have shape ",
             shape_str(images.shape()), "; expected (batch, ", config.in_channels, ", height, width)");
  const std::int64_t height = images.size(2), width = images.size(3);
  HEED_CHECK(height >= P && width >= P && height % P == 0 && width % P == 0, "ViT: a ", height, " x ", width,
             " image does not split into whole ", P, " x ", P, " patches; crop or pad the images to multiples of ",
             P, " (the model was built for ", config.image_size, " x ", config.image_size, "), or build it with a "
             "patch size that divides both sides");
}

PatchGrid VisionTransformer::token_grid(const Tensor& images) const {
  return {images.size(2) / config.patch, images.size(3) / config.patch, cls_token.defined() ? 1 : 0};
}

Tensor VisionTransformer::embed_patches(const Tensor& images) {
  check_images(images);
  const Tensor grid = patch_embed->forward(images);  // (B, D, H/P, W/P): one pixel per patch
  return transpose(flatten(grid, 2), 1, 2);           // (B, N, D), raster order
}

VitOutput VisionTransformer::forward(const Tensor& images, bool keep_weights) {
  Tensor x = embed_patches(images);  // (B, N, D)
  const std::int64_t batch = x.size(0), D = config.model_dim;
  if (cls_token.defined()) x = concat({expand(cls_token, {batch, 1, D}), x}, 1);  // (B, 1 + N, D)

  if (auto* grid = dynamic_cast<GridPositionalEncoding*>(position.get())) grid->set_grid(token_grid(images));
  if (position->kind() == PositionKind::Absolute) x = position->embed(x, 0);
  x = dropout->forward(x);
  PositionalEncoding* inside = acts_inside_attention(position->kind()) ? position.get() : nullptr;

  VitOutput result;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const bool last = i + 1 == layers.size();
    TransformerLayerOutput out = layers[i]->forward(x, Tensor(), inside, /*causal=*/false, keep_weights && last);
    x = out.output;
    if (last) result.attention = out.self_weights;  // (B, H, T, T) or undefined
  }
  x = norm->forward(x);                                                     // (B, T, D)
  const Tensor pooled = cls_token.defined() ? select(x, 1, 0) : mean(x, {1});  // (B, D)
  result.logits = head->forward(pooled);                                    // (B, classes)
  return result;
}

}  // namespace heed
