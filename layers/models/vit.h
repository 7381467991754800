// Vision Transformer, ViT (V9): an image read as a sequence of patches by a
// Transformer encoder, with any attention variant and positional encoding of
// the registries.
//
//   images (B, C, H, W), H and W multiples of the patch size P
//   patches    x_n = W_e vec(patch_n) + b_e                 (B, N, D)   N = (H/P)(W/P), raster order
//   class token [cls; x_1 .. x_N]        (pool = cls)       (B, 1 + N, D)
//   positions  + PE (absolute), or inside attention          (B, T, D)   T = N or 1 + N
//   encoder    z = LN(EncoderLayer_L(.. EncoderLayer_1(x) ..))   pre-LN, GELU feed-forward
//   pooled     z_cls (pool = cls) or mean_t z_t (pool = mean)    (B, D)
//   logits     pooled W_h^T + b_h                            (B, classes)
//
// Patch embedding: a Conv2d with kernel = stride = P. Each output pixel of
// such a convolution sees exactly one patch and no other, so it equals
// "unfold the image into N vectors of C P^2 values, multiply by a (D, C P^2)
// matrix": the linear projection of the paper. The convolution is the layer
// heed already checks against PyTorch, its im2col for non-overlapping windows
// is exactly the unfolding, and its weight (D, C, P, P) is laid out like
// torchvision's conv_proj and timm's patch_embed.proj, so their weights load.
//
// Pooling: the paper prepends a learned class token, the same for every image,
// and classifies from its output: through attention it gathers what every
// patch says. Mean pooling averages the patch outputs instead and needs no
// extra token (Beyer, Zhai, Kolesnikov 2022, "Better plain ViT baselines for
// ImageNet-1k", prefer it); both are here.
//
// Positions (config.position, any name of layers/position/registry.h):
//   2-D encodings (sinusoidal-2d, vit-learned, rope-2d) are told the grid of
//     patches and the class token before each pass (GridPositionalEncoding::
//     set_grid); the class token gets no position (grid_position.h says why).
//     An image of another size than the training one gives another grid:
//     sinusoidal-2d and rope-2d compute it, vit-learned resizes its table
//     bilinearly.
//   1-D encodings (sinusoidal, learned, rope, t5, alibi, shaw) are accepted
//     and read the tokens as a sentence: the class token at position 0, then
//     the patches in raster order. The ViT paper found 1-D learned positions
//     as good as 2-D ones on ImageNet (Appendix D.4): the model learns the grid.
//     Absolute ones are added to the tokens, the others act inside attention.
//   A pairing the attention variant cannot do (rope-2d or t5 with linear, say)
//   is refused at construction, naming both.
//
// Attention: the encoder layers are layers/transformer_layers.h's, with the
// variant config.attention in every layer, as non-causal self-attention
// without padding, which every registered variant supports. The sparse ones
// (local, strided, fixed, longformer) see the raster order: a window of w
// tokens is a horizontal strip, reaching the rows above and below only once
// w >= the grid's width; longformer's first global token is the class token,
// as with BERT's [CLS]. Linformer's projections are sized for the training
// grid, so it refuses larger images.
//
// Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words: Transformers for
// Image Recognition at Scale".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "layers/conv2d.h"
#include "layers/position/grid_position.h"
#include "layers/transformer_layers.h"

namespace heed {

struct VitConfig {
  std::int64_t in_channels = 1;        // C
  std::int64_t image_size = 28;        // S: the training images are S x S; P must divide S
  std::int64_t patch = 4;              // P: the patches are P x P pixels
  std::int64_t num_classes = 10;
  std::int64_t model_dim = 64;         // D
  std::int64_t heads = 4;              // H
  std::int64_t layers = 4;             // L
  std::int64_t ff_dim = 128;           // the feed-forward's hidden size
  double dropout = 0.0;                // on the embedded tokens, each sublayer and inside the feed-forward
  std::string pool = "cls";            // cls (class token) or mean (average of the patch outputs)
  std::string position = "vit-learned";  // a name from positional_encoding_names()
  std::string attention = "mha";       // a name from transformer_attention_names()
  TransformerAttentionConfig knobs;    // the variant's knobs (window, kv_heads, ...); the sizes come from above
  DType dtype = DType::Float32;

  std::int64_t grid() const { return patch > 0 ? image_size / patch : 0; }  // patches per side
};

struct VitOutput {
  Tensor logits;     // (B, classes)
  Tensor attention;  // (B, H, T, T): the last layer's, when asked for and the variant has them
};

class VisionTransformer : public Module {
 public:
  // gen draws the initial weights and the dropout masks: it must outlive the model.
  explicit VisionTransformer(const VitConfig& config, Generator& gen = default_generator());

  // images (B, C, H, W) -> logits (B, classes); keep_weights also returns the
  // last layer's attention weights over the T tokens.
  VitOutput forward(const Tensor& images, bool keep_weights);
  Tensor forward(const Tensor& images) override { return forward(images, false).logits; }

  // images (B, C, H, W) -> the embedded patches (B, N, D), raster order.
  Tensor embed_patches(const Tensor& images);

  // The token layout of an image of this size: its grid, after the class token if any.
  PatchGrid token_grid(const Tensor& images) const;

  VitConfig config;
  std::shared_ptr<Conv2d> patch_embed;  // weight (D, C, P, P)
  Tensor cls_token;                     // (1, 1, D); undefined with pool = mean
  std::shared_ptr<PositionalEncoding> position;
  std::vector<std::shared_ptr<TransformerEncoderLayer>> layers;
  std::shared_ptr<LayerNorm> norm;      // the final LayerNorm of a pre-LN stack
  std::shared_ptr<Linear> head;         // (classes, D)
  std::shared_ptr<Dropout> dropout;

 private:
  void check_images(const Tensor& images) const;
};

}  // namespace heed
