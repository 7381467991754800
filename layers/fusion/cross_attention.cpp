#include "layers/fusion/cross_attention.h"

#include "layers/attention/attention_pooling.h"
#include "layers/attention/transformer_registry.h"

namespace heed {

CrossAttentionFusion::CrossAttentionFusion(const FusionConfig& config, Generator& gen)
    : Fusion("CrossAttentionFusion") {
  const std::int64_t d = config.fused_dim;
  HEED_CHECK(config.image_channels > 0 && config.text_dim > 0 && d > 0, "CrossAttentionFusion: image_channels ",
             config.image_channels, ", text_dim ", config.text_dim, ", fused_dim ", d, "; expected positive sizes");
  HEED_CHECK(config.heads > 0 && d % config.heads == 0, "CrossAttentionFusion: fused_dim ", d,
             " does not split into ", config.heads, " heads; pick a fused_dim that is a multiple of the heads");
  text_proj = register_module("text_proj", std::make_shared<Linear>(config.text_dim, d, true, gen, config.dtype));
  image_proj = register_module("image_proj", std::make_shared<Linear>(config.image_channels, d, true, gen, config.dtype));
  TransformerAttentionConfig attention_config;
  attention_config.model_dim = d;
  attention_config.heads = config.heads;
  attention_config.dtype = config.dtype;
  attention = register_module("attention", make_transformer_attention(config.attention, attention_config, gen));
  HEED_CHECK(attention->supports_cross(), "CrossAttentionFusion: the attention '", config.attention,
             "' works only as self-attention; text queries reading image positions need one that supports "
             "cross-attention, such as mha");
}

FusionOutput CrossAttentionFusion::fuse(const FusionInputs& inputs) {
  const Tensor& tokens = inputs.text_tokens;
  const Tensor& positions = inputs.image_positions;
  HEED_CHECK(tokens.defined() && positions.defined() && tokens.dim() == 3 && positions.dim() == 3 &&
                 tokens.size(0) == positions.size(0) && tokens.size(2) == text_proj->in_features &&
                 positions.size(2) == image_proj->in_features,
             "CrossAttentionFusion: text_tokens ", tokens.defined() ? shape_str(tokens.shape()) : "(undefined)",
             " and image_positions ", positions.defined() ? shape_str(positions.shape()) : "(undefined)",
             "; expected (B, L, ", text_proj->in_features, ") and (B, P, ", image_proj->in_features, ")");
  const Tensor queries = text_proj->forward(tokens);     // (B, L, D)
  const Tensor memory = image_proj->forward(positions);  // (B, P, D)
  const TransformerAttentionOutput read =
      attention->forward(AttentionCall{.query = queries, .memory = memory, .keep_weights = true});
  const PoolingResult pooled = masked_mean_pooling(queries + read.output, inputs.text_mask);  // (B, D)
  return {pooled.output, Tensor(), read.weights};
}

}  // namespace heed
