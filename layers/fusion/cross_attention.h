// CrossAttentionFusion: the caption's tokens ask, the image's positions answer (CATALOG.md, O3).
//
//   q_t = W_t e_t + b_t               e (B, L, Dt) caption tokens -> q (B, L, D)     text_proj
//   m_p = W_i f_p + b_i               f (B, P, C) feature-map positions -> m (B, P, D)  image_proj
//   a   = Attention(queries q, memory m)    (B, L, D), weights (B, H, L, P)     attention
//   u_t = q_t + a_t                   the residual: a token keeps its own meaning and adds what it read
//   h   = mean over real tokens of u  (B, D)   (layers/attention/attention_pooling.h's masked mean)
//
// Attention is any registered Transformer attention that supports cross-attention (mha by default,
// layers/attention/transformer_registry.h): each token reads the image positions it finds
// relevant, "sneaker" perhaps the sole, "the" nothing in particular. The image positions carry no
// positional encoding: the convolutions already wrote what each place holds, and which place it is
// does not change the class. Unlike gmu and concat, the image enters only through what the text
// chose to read, so a lying caption can steer the reading; the residual keeps the caption itself.
//
// Text-to-image cross-attention as in Lu, Batra, Parikh & Lee 2019, "ViLBERT" (co-attention) and
// Tsai et al. 2019, "Multimodal Transformer for Unaligned Multimodal Language Sequences", with the
// attention of Vaswani et al. 2017.
#pragma once

#include <cstdint>
#include <memory>

#include "layers/attention/transformer_attention.h"
#include "layers/fusion/fusion.h"
#include "layers/linear.h"
#include "tensor/random.h"

namespace heed {

class CrossAttentionFusion : public Fusion {
 public:
  CrossAttentionFusion(const FusionConfig& config, Generator& gen = default_generator());

  FusionOutput fuse(const FusionInputs& inputs) override;  // fused h and the attention weights
  std::int64_t output_dim() const override { return text_proj->out_features; }

  std::shared_ptr<Linear> text_proj;                  // W_t (D, Dt), b_t (D)
  std::shared_ptr<Linear> image_proj;                 // W_i (D, C), b_i (D)
  std::shared_ptr<TransformerAttention> attention;    // model_dim D, config.heads heads
};

}  // namespace heed
