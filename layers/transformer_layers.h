// The Transformer's building blocks: the position-wise feed-forward network,
// the encoder layer and the decoder layer, around any attention variant of
// the registry (layers/attention/transformer_registry.h). Nothing here knows
// about tokens or translation: the Transformer translation model
// (layers/models/transformer.h) and a Vision Transformer stack the same layers.
//
// Feed-forward (Vaswani et al. 2017, section 3.3):
//   FF(x) = W_2 dropout(act(W_1 x + b_1)) + b_2        (B, T, D) -> (B, T, F) -> (B, T, D)
//
// Encoder layer, pre-LayerNorm (the default; Xiong et al. 2020, "On Layer
// Normalization in the Transformer Architecture"):
//   x = x + dropout(SelfAttention(LN_1(x)))
//   x = x + dropout(FF(LN_2(x)))
// Decoder layer, pre-LayerNorm:
//   y = y + dropout(CausalSelfAttention(LN_1(y)))
//   y = y + dropout(CrossAttention(query = LN_2(y), memory))
//   y = y + dropout(FF(LN_3(y)))
// Post-LayerNorm (the original paper, norm_first = false) normalizes after
// each residual sum instead: x = LN(x + dropout(Sublayer(x))).
//
// Pre-LN keeps an unnormalized path from the input to the output of the
// whole stack, so gradients reach the first layer at full strength and the
// model trains without a long learning-rate warmup; the stack then needs one
// final LayerNorm (the model adds it). Post-LN normalizes the residual path
// itself and usually needs warmup.
//
//   x (B, T, D)   memory (B, S, D)   key_mask (B, T) or memory_mask (B, S): 1 real, 0 padding
//
// The same computation as PyTorch's nn.TransformerEncoderLayer and
// nn.TransformerDecoderLayer (batch_first = True), with their parameter
// layout: q/k/v_proj are the three row blocks of in_proj_weight.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "layers/attention/transformer_registry.h"
#include "layers/dropout.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/module.h"

namespace heed {

struct TransformerLayerConfig {
  std::int64_t model_dim = 128;    // D
  std::int64_t ff_dim = 512;       // F, the feed-forward's hidden size
  double dropout = 0.0;            // on each sublayer's output and inside the feed-forward
  std::string activation = "relu"; // relu or gelu
  bool norm_first = true;          // pre-LayerNorm; false: post-LayerNorm
  double norm_eps = 1e-5;
  DType dtype = DType::Float32;
};

class FeedForward : public Module {
 public:
  FeedForward(std::int64_t model_dim, std::int64_t ff_dim, const std::string& activation, double dropout,
              Generator& gen = default_generator(), DType dtype = DType::Float32);
  Tensor forward(const Tensor& x) override;  // (..., D) -> (..., D)

  std::shared_ptr<Linear> linear1;  // (F, D)
  std::shared_ptr<Linear> linear2;  // (D, F)
  std::shared_ptr<Dropout> dropout;

 private:
  bool gelu_;
};

struct TransformerLayerOutput {
  Tensor output;         // (B, T, D)
  Tensor self_weights;   // (B, H, T, T) when asked for and the variant has them
  Tensor cross_weights;  // decoder: (B, H, T, S) when asked for and the variant has them
};

class TransformerEncoderLayer : public Module {
 public:
  // attention: a name from transformer_attention_names(); attention_config's
  // model_dim and dtype are taken from config.
  TransformerEncoderLayer(const TransformerLayerConfig& config, const std::string& attention,
                          const TransformerAttentionConfig& attention_config, Generator& gen = default_generator());

  // x (B, T, D); key_mask (B, T) or undefined; position: a rotary, bias or
  // relative encoding used inside self-attention, or null; causal for
  // decoder-only stacks.
  TransformerLayerOutput forward(const Tensor& x, const Tensor& key_mask, PositionalEncoding* position = nullptr,
                                 bool causal = false, bool keep_weights = false);
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()).output; }  // for Sequential stacks

  TransformerLayerConfig config;
  std::shared_ptr<TransformerAttention> self_attn;
  std::shared_ptr<FeedForward> ff;
  std::shared_ptr<LayerNorm> norm1, norm2;
  std::shared_ptr<Dropout> dropout;
};

class TransformerDecoderLayer : public Module {
 public:
  TransformerDecoderLayer(const TransformerLayerConfig& config, const std::string& self_attention,
                          const std::string& cross_attention, const TransformerAttentionConfig& attention_config,
                          Generator& gen = default_generator());

  // y (B, T, D) attends causally to itself, then to memory (B, S, D) whose
  // padded keys memory_mask (B, S) hides. position acts in self-attention
  // only: source and target positions are not on one axis.
  TransformerLayerOutput forward(const Tensor& y, const Tensor& memory, const Tensor& memory_mask,
                                 PositionalEncoding* position = nullptr, bool keep_weights = false);

  TransformerLayerConfig config;
  std::shared_ptr<TransformerAttention> self_attn;
  std::shared_ptr<TransformerAttention> cross_attn;
  std::shared_ptr<FeedForward> ff;
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;
  std::shared_ptr<Dropout> dropout;
};

}  // namespace heed
