#include "layers/models/transformer.h"

#include <cmath>

#include "layers/init.h"
#include "tensor/ops.h"

namespace heed {

std::string attention_role_name(AttentionRole role) {
  switch (role) {
    case AttentionRole::EncoderSelf: return "encoder self-attention";
    case AttentionRole::DecoderSelf: return "decoder self-attention";
    case AttentionRole::Cross: return "cross-attention";
  }
  return "?";
}

void check_attention_role(const TransformerAttention& attention, const std::string& variant, AttentionRole role,
                          const PositionalEncoding* position, const std::string& position_name) {
  const std::string role_name = attention_role_name(role);
  const std::string flag = role == AttentionRole::EncoderSelf   ? "--self-attention"
                           : role == AttentionRole::DecoderSelf ? "--decoder-attention"
                                                                : "--cross-attention";
  const std::string head = "Transformer: " + role_name + " '" + variant + "' ";
  const std::string fix = "; choose another " + flag + " (see translate --list)";
  HEED_CHECK(role != AttentionRole::DecoderSelf || attention.supports_causal(), head, "has no causal form, which ",
             role_name, " needs", fix);
  HEED_CHECK(role != AttentionRole::Cross || attention.supports_cross(), head, "works only as self-attention, and ",
             role_name, " reads another sequence", fix);
  // Decoder self-attention runs without a key mask (the causal rule hides target padding).
  HEED_CHECK(role == AttentionRole::DecoderSelf || attention.supports_key_mask(), head,
             "cannot mask padded source keys, which ", role_name, " needs for padded batches", fix);
  if (role != AttentionRole::Cross && position && acts_inside_attention(position->kind()))
    HEED_CHECK(attention.accepts_position(position->kind()), head, "cannot take the ",
               position_kind_name(position->kind()), " encoding '", position_name,
               "' inside attention; use an absolute encoding (sinusoidal, learned) or none with it, or choose another ",
               flag);
}

Transformer::Transformer(const TransformerConfig& cfg, Generator& gen) : TranslationModel("Transformer"), config(cfg) {
  HEED_CHECK(cfg.src_vocab > 0 && cfg.tgt_vocab > kEos, "Transformer: src_vocab ", cfg.src_vocab, " and tgt_vocab ",
             cfg.tgt_vocab, " must be positive, and tgt_vocab must leave room for pad, bos and eos (ids 0, 1, 2)");
  HEED_CHECK(cfg.model_dim > 0 && cfg.heads > 0 && cfg.model_dim % cfg.heads == 0, "Transformer: model_dim ",
             cfg.model_dim, " must be a positive multiple of heads ", cfg.heads);
  HEED_CHECK(cfg.encoder_layers > 0 && cfg.decoder_layers > 0, "Transformer: encoder_layers ", cfg.encoder_layers,
             " and decoder_layers ", cfg.decoder_layers, " must be positive");
  const std::int64_t D = cfg.model_dim;
  const TransformerLayerConfig layer{.model_dim = D, .ff_dim = cfg.ff_dim, .dropout = cfg.dropout,
                                     .activation = cfg.activation, .norm_first = cfg.norm_first, .dtype = cfg.dtype};
  TransformerAttentionConfig attention = cfg.attention;
  attention.model_dim = D;
  attention.heads = cfg.heads;
  attention.kv_heads = cfg.kv_heads;
  attention.max_len = cfg.max_len;
  attention.dtype = cfg.dtype;
  PositionConfig position{.model_dim = D, .heads = cfg.heads, .max_len = cfg.max_len, .dtype = cfg.dtype};

  src_embed = register_module("src_embed", std::make_shared<Embedding>(cfg.src_vocab, D, kPad, gen, cfg.dtype));
  tgt_embed = register_module("tgt_embed", std::make_shared<Embedding>(cfg.tgt_vocab, D, kPad, gen, cfg.dtype));
  for (const auto& table : {src_embed, tgt_embed}) {  // N(0, 1/D): unit variance after the sqrt(D) scale
    normal_(table->weight, 0.0, 1.0 / std::sqrt(static_cast<double>(D)), gen);
    zeros_(ops::select(table->weight, 0, kPad));
  }
  encoder_position = register_module("encoder_position", make_positional_encoding(cfg.position, position, gen));
  position.causal = true;
  decoder_position = register_module("decoder_position", make_positional_encoding(cfg.position, position, gen));
  // Sequential containers only for the names (encoder_layers.0.self_attn.q_proj.weight); forward walks the vectors.
  auto encoder_stack = register_module("encoder_layers", std::make_shared<Sequential>());
  for (std::int64_t i = 0; i < cfg.encoder_layers; ++i) {
    encoder_layers.push_back(std::make_shared<TransformerEncoderLayer>(layer, cfg.encoder_attention, attention, gen));
    encoder_stack->push_back(encoder_layers.back());
  }
  auto decoder_stack = register_module("decoder_layers", std::make_shared<Sequential>());
  for (std::int64_t i = 0; i < cfg.decoder_layers; ++i) {
    decoder_layers.push_back(
        std::make_shared<TransformerDecoderLayer>(layer, cfg.decoder_attention, cfg.cross_attention, attention, gen));
    decoder_stack->push_back(decoder_layers.back());
  }
  if (cfg.norm_first) {
    encoder_norm = register_module("encoder_norm", std::make_shared<LayerNorm>(D, 1e-5, true, cfg.dtype));
    decoder_norm = register_module("decoder_norm", std::make_shared<LayerNorm>(D, 1e-5, true, cfg.dtype));
  }
  output = register_module("output", std::make_shared<Linear>(D, cfg.tgt_vocab, true, gen, cfg.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(cfg.dropout, gen));

  check_attention_role(*encoder_layers.front()->self_attn, cfg.encoder_attention, AttentionRole::EncoderSelf,
                       encoder_position.get(), cfg.position);
  check_attention_role(*decoder_layers.front()->self_attn, cfg.decoder_attention, AttentionRole::DecoderSelf,
                       decoder_position.get(), cfg.position);
  check_attention_role(*decoder_layers.front()->cross_attn, cfg.cross_attention, AttentionRole::Cross, nullptr,
                       cfg.position);
}

std::string Transformer::attention_name() const {
  if (config.encoder_attention == config.decoder_attention && config.encoder_attention == config.cross_attention)
    return config.encoder_attention;
  return "self:" + config.encoder_attention + ",decoder:" + config.decoder_attention + ",cross:" + config.cross_attention;
}

std::string Transformer::attention_note() const { return decoder_layers.back()->cross_attn->weights_note(); }

PositionalEncoding* Transformer::inside_attention(PositionalEncoding& position) const {
  return acts_inside_attention(position.kind()) ? &position : nullptr;
}

Tensor Transformer::embed(Embedding& table, PositionalEncoding& position, const Tensor& ids) {
  Tensor x = table.forward(ids) * std::sqrt(static_cast<double>(config.model_dim));  // (B, T, D)
  if (position.kind() == PositionKind::Absolute) x = position.embed(x, 0);
  return dropout->forward(x);
}

Tensor Transformer::source_mask(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask) const {
  if (src_mask.defined()) return src_mask;
  if (!src_lengths.defined()) return Tensor();  // no lengths: no padding
  const Tensor positions = unsqueeze(arange(src.size(1), DType::Int64, src.device()), 0);  // (1, S)
  return to(lt(positions, unsqueeze(to(src_lengths, DType::Int64), 1)), config.dtype);    // (B, S)
}

Tensor Transformer::encode(const Tensor& src, const Tensor& src_mask) {
  HEED_CHECK(src.dim() == 2 && !is_floating(src.dtype()), "Transformer: src must be token ids (batch, source_len), ",
             "got ", dtype_name(src.dtype()), " ", shape_str(src.shape()));
  Tensor x = embed(*src_embed, *encoder_position, src);  // (B, S, D)
  PositionalEncoding* position = inside_attention(*encoder_position);
  for (const auto& layer : encoder_layers) x = layer->forward(x, src_mask, position).output;
  return encoder_norm ? encoder_norm->forward(x) : x;
}

TranslationOutput Transformer::decode(const Tensor& tgt_in, const Tensor& memory, const Tensor& src_mask,
                                      bool keep_weights) {
  HEED_CHECK(tgt_in.dim() == 2 && tgt_in.size(0) == memory.size(0) && !is_floating(tgt_in.dtype()),
             "Transformer: tgt_in must be token ids (", memory.size(0), ", target_len) starting with <bos>, got ",
             dtype_name(tgt_in.dtype()), " ", shape_str(tgt_in.shape()));
  Tensor y = embed(*tgt_embed, *decoder_position, tgt_in);  // (B, T, D)
  PositionalEncoding* position = inside_attention(*decoder_position);
  Tensor cross;  // the last layer's (B, H, T, S)
  for (std::size_t i = 0; i < decoder_layers.size(); ++i) {
    const bool last = i + 1 == decoder_layers.size();
    TransformerLayerOutput out = decoder_layers[i]->forward(y, memory, src_mask, position, keep_weights && last);
    y = out.output;
    if (last) cross = out.cross_weights;
  }
  if (decoder_norm) y = decoder_norm->forward(y);
  TranslationOutput result;
  result.logits = output->forward(y);  // (B, T, V)
  if (cross.defined()) {
    result.attention_heads = cross;          // (B, H, T, S)
    result.attention = mean(cross, {1});     // (B, T, S)
  }
  return result;
}

TranslationOutput Transformer::forward(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                                       const Tensor& tgt_in) {
  const Tensor mask = source_mask(src, src_lengths, src_mask);
  return decode(tgt_in, encode(src, mask), mask, /*keep_weights=*/true);
}

}  // namespace heed
