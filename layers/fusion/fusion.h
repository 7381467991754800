// Fusion: one vector from two modalities, an image and a text (CATALOG.md, part O).
//
// A multimodal model (layers/models/multimodal_classifier.h) encodes each side on its own and
// hands the fusion both forms of each: a summary vector and the sequence it came from.
//
//   image            (B, Di)     the image's feature vector
//   image_positions  (B, P, C)   its feature map, one row per position (P = h * w)
//   text             (B, Dt)     the caption's vector (its tokens, pooled)
//   text_tokens      (B, L, Dt)  one row per token
//   text_mask        (B, L)      1 real token, 0 padding; undefined: every token is real
//   -> fused         (B, D)      D = FusionConfig::fused_dim
//
// Each fusion reads the forms it needs: gmu and concat the two vectors, cross-attention the
// tokens and the positions. What a fusion learns to weigh is part of its output: the GMU's gate
// z (B, D), cross-attention's weights (B, H, L, P).
//
// A new fusion is one file pair (derive from Fusion, take (const FusionConfig&, Generator&)) and
// one line in layers/fusion/registry.cpp.
#pragma once

#include <cstdint>
#include <string>

#include "layers/module.h"

namespace heed {

struct FusionConfig {
  std::int64_t image_dim = 0;       // Di
  std::int64_t image_channels = 0;  // C, per position
  std::int64_t text_dim = 0;        // Dt
  std::int64_t fused_dim = 64;      // D
  std::int64_t heads = 4;           // cross-attention: heads; D must divide by them
  std::string attention = "mha";    // cross-attention: a Transformer attention (transformer_registry.h)
  DType dtype = DType::Float32;
};

struct FusionInputs {
  Tensor image{};            // (B, Di)
  Tensor image_positions{};  // (B, P, C)
  Tensor text{};             // (B, Dt)
  Tensor text_tokens{};      // (B, L, Dt)
  Tensor text_mask{};        // (B, L) or undefined
};

struct FusionOutput {
  Tensor fused;    // (B, D)
  Tensor gate;     // gmu: z (B, D), 1 = all image, 0 = all text; undefined for the others
  Tensor weights;  // cross-attention: (B, H, L, P); undefined for the others
};

class Fusion : public Module {
 public:
  using Module::Module;
  using Module::forward;  // the one-input form does not apply

  virtual FusionOutput fuse(const FusionInputs& inputs) = 0;
  virtual std::int64_t output_dim() const = 0;  // D
};

// Throws, naming `fusion` and the shapes, unless image is (B, image_dim) and text (B, text_dim).
void check_fusion_vectors(const char* fusion, const FusionInputs& inputs, std::int64_t image_dim,
                          std::int64_t text_dim);

}  // namespace heed
