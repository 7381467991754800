#include "layers/transformer_layers.h"

namespace heed {

namespace {

TransformerAttentionConfig with_model_dim(TransformerAttentionConfig attention, const TransformerLayerConfig& config) {
  attention.model_dim = config.model_dim;
  attention.dtype = config.dtype;
  return attention;
}

// One residual block around `sublayer`: pre-LN x + drop(f(LN(x))), or post-LN LN(x + drop(f(x))).
template <typename Sublayer>
Tensor residual(const Tensor& x, LayerNorm& norm, Dropout& dropout, bool norm_first, Sublayer&& sublayer) {
  if (norm_first) return x + dropout.forward(sublayer(norm.forward(x)));
  return norm.forward(x + dropout.forward(sublayer(x)));
}

}  // namespace

FeedForward::FeedForward(std::int64_t model_dim, std::int64_t ff_dim, const std::string& activation, double p,
                         Generator& gen, DType dtype)
    : Module("FeedForward"), gelu_(activation == "gelu") {
  HEED_CHECK(activation == "relu" || activation == "gelu", "FeedForward: activation '", activation,
             "' is unknown; use relu or gelu");
  HEED_CHECK(model_dim > 0 && ff_dim > 0, "FeedForward: sizes must be positive, got model_dim ", model_dim,
             " and ff_dim ", ff_dim);
  linear1 = register_module("linear1", std::make_shared<Linear>(model_dim, ff_dim, true, gen, dtype));
  linear2 = register_module("linear2", std::make_shared<Linear>(ff_dim, model_dim, true, gen, dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(p, gen));
}

Tensor FeedForward::forward(const Tensor& x) {
  const Tensor hidden = linear1->forward(x);  // (..., F)
  return linear2->forward(dropout->forward(gelu_ ? gelu(hidden) : relu(hidden)));
}

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerLayerConfig& cfg, const std::string& attention,
                                                 const TransformerAttentionConfig& attention_config, Generator& gen)
    : Module("TransformerEncoderLayer"), config(cfg) {
  self_attn = register_module("self_attn", make_transformer_attention(attention, with_model_dim(attention_config, cfg), gen));
  ff = register_module("ff", std::make_shared<FeedForward>(cfg.model_dim, cfg.ff_dim, cfg.activation, cfg.dropout, gen,
                                                           cfg.dtype));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(cfg.model_dim, cfg.norm_eps, true, cfg.dtype));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(cfg.model_dim, cfg.norm_eps, true, cfg.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(cfg.dropout, gen));
}

TransformerLayerOutput TransformerEncoderLayer::forward(const Tensor& x, const Tensor& key_mask,
                                                        PositionalEncoding* position, bool causal, bool keep_weights) {
  TransformerLayerOutput result;
  auto attend = [&](const Tensor& h) {  // h (B, T, D), both the queries and the memory
    TransformerAttentionOutput a = self_attn->forward(
        {.query = h, .memory = h, .key_mask = key_mask, .causal = causal, .position = position, .keep_weights = keep_weights});
    result.self_weights = a.weights;
    return a.output;
  };
  const Tensor attended = residual(x, *norm1, *dropout, config.norm_first, attend);
  result.output = residual(attended, *norm2, *dropout, config.norm_first, [&](const Tensor& h) { return ff->forward(h); });
  return result;
}

TransformerDecoderLayer::TransformerDecoderLayer(const TransformerLayerConfig& cfg, const std::string& self_attention,
                                                 const std::string& cross_attention,
                                                 const TransformerAttentionConfig& attention_config, Generator& gen)
    : Module("TransformerDecoderLayer"), config(cfg) {
  const TransformerAttentionConfig attention = with_model_dim(attention_config, cfg);
  self_attn = register_module("self_attn", make_transformer_attention(self_attention, attention, gen));
  cross_attn = register_module("cross_attn", make_transformer_attention(cross_attention, attention, gen));
  ff = register_module("ff", std::make_shared<FeedForward>(cfg.model_dim, cfg.ff_dim, cfg.activation, cfg.dropout, gen,
                                                           cfg.dtype));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(cfg.model_dim, cfg.norm_eps, true, cfg.dtype));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(cfg.model_dim, cfg.norm_eps, true, cfg.dtype));
  norm3 = register_module("norm3", std::make_shared<LayerNorm>(cfg.model_dim, cfg.norm_eps, true, cfg.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(cfg.dropout, gen));
}

TransformerLayerOutput TransformerDecoderLayer::forward(const Tensor& y, const Tensor& memory,
                                                        const Tensor& memory_mask, PositionalEncoding* position,
                                                        bool keep_weights) {
  TransformerLayerOutput result;
  // No padding mask on the target keys: targets are padded on the right, so
  // under the causal rule a real query t sees only keys j <= t, all of them
  // real. Only queries at padded positions see padding, and their outputs are
  // never scored (the loss ignores them; decoding stops at <eos>).
  auto attend_self = [&](const Tensor& h) {  // h (B, T, D)
    TransformerAttentionOutput a = self_attn->forward(
        {.query = h, .memory = h, .causal = true, .position = position, .keep_weights = keep_weights});
    result.self_weights = a.weights;
    return a.output;
  };
  auto attend_memory = [&](const Tensor& h) {  // queries (B, T, D) read memory (B, S, D); no positions across sequences
    TransformerAttentionOutput a =
        cross_attn->forward({.query = h, .memory = memory, .key_mask = memory_mask, .keep_weights = keep_weights});
    result.cross_weights = a.weights;
    return a.output;
  };
  const Tensor after_self = residual(y, *norm1, *dropout, config.norm_first, attend_self);
  const Tensor after_cross = residual(after_self, *norm2, *dropout, config.norm_first, attend_memory);
  result.output = residual(after_cross, *norm3, *dropout, config.norm_first, [&](const Tensor& h) { return ff->forward(h); });
  return result;
}

}  // namespace heed
