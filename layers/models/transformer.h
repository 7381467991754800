// Transformer: the encoder-decoder of "Attention Is All You Need" for
// translation, with every attention variant and positional encoding of the
// registries selectable by name.
//
// Encoder (source x_1 .. x_S):
//   e = Embed_src(x) * sqrt(D) [+ PE(0 .. S-1) for an absolute encoding]    (B, S, D)
//   m = LN(EncoderLayer_N(.. EncoderLayer_1(e) ..))                          (B, S, D)  memory
// Decoder (inputs y_0 = <bos>, y_1 .. y_{T-1}):
//   d = Embed_tgt(y) * sqrt(D) [+ PE(0 .. T-1)]                              (B, T, D)
//   h = LN(DecoderLayer_N(.. DecoderLayer_1(d, m) ..))                       (B, T, D)
//   logits = h W_out^T + b_out                                               (B, T, V)
// (the final LNs exist with pre-LayerNorm layers only; see transformer_layers.h).
//
// Where the positions go depends on the encoding's kind:
//   absolute (sinusoidal, learned)   added to the embeddings: embed(x, 0)
//   rotary, score bias, relative     passed to self-attention through AttentionCall.position;
//                                    the encoder and the decoder each own one instance, the
//                                    decoder's built with PositionConfig.causal = true
//   cross-attention never gets one: a source and a target position are not on one axis.
// The embeddings start as N(0, 1/D), so after the sqrt(D) scale they have unit
// variance, the same scale as the sinusoidal waves (Vaswani et al. 2017, 3.4).
//
// Masks: source padding is hidden from the keys of encoder self-attention and
// of cross-attention; decoder self-attention is causal and needs no target
// padding mask (see TransformerDecoderLayer::forward).
//
// At construction each role is checked against what its variant can do
// (supports_causal, supports_cross, supports_key_mask, accepts_position); a
// wrong pairing is refused with a message naming the variant, the role and the
// encoding, before any training.
//
//   src (B, S) int64, src_mask (B, S) 1 real 0 pad, tgt_in (B, T) int64
//   logits (B, T, V); attention (B, T, S): the last decoder layer's cross-attention
//   averaged over heads; attention_heads (B, H, T, S); both undefined when the
//   cross-attention variant has no attention matrix.
//
// Vaswani et al. 2017, "Attention Is All You Need".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "layers/embedding.h"
#include "layers/models/translation_model.h"
#include "layers/position/registry.h"
#include "layers/transformer_layers.h"

namespace heed {

struct TransformerConfig {
  std::int64_t src_vocab = 0;
  std::int64_t tgt_vocab = 0;
  std::int64_t model_dim = 128;      // D
  std::int64_t heads = 4;            // H
  std::int64_t kv_heads = 0;         // gqa's K/V heads (0: the variant's default)
  std::int64_t ff_dim = 512;
  std::int64_t encoder_layers = 2;
  std::int64_t decoder_layers = 2;
  double dropout = 0.0;
  std::string activation = "relu";   // relu or gelu
  bool norm_first = true;            // pre-LayerNorm; false: post-LayerNorm
  std::string encoder_attention = "mha";  // encoder self-attention
  std::string decoder_attention = "mha";  // decoder (causal) self-attention
  std::string cross_attention = "mha";    // decoder -> encoder memory
  TransformerAttentionConfig attention;   // the variants' knobs (window, block, ...); sizes come from above
  std::string position = "sinusoidal";    // a name from positional_encoding_names()
  std::int64_t max_len = 256;        // the longest sequence learned tables (positions, linformer) cover
  DType dtype = DType::Float32;
};

// The three places an attention variant serves in the encoder-decoder.
enum class AttentionRole { EncoderSelf, DecoderSelf, Cross };
std::string attention_role_name(AttentionRole role);  // "encoder self-attention", ...

// Throws unless `attention` (built from the registry name `variant`) can fill
// `role` with `position` (null: none) acting inside it: decoder self-attention
// must be causal, cross-attention must read another sequence, the encoder's
// and cross-attention must mask padded source keys, and a rotary, bias or
// relative encoding must be one the variant takes (cross-attention never gets one).
void check_attention_role(const TransformerAttention& attention, const std::string& variant, AttentionRole role,
                          const PositionalEncoding* position, const std::string& position_name);

class Transformer : public TranslationModel {
 public:
  // gen draws the initial weights and the dropout masks: it must outlive the model.
  explicit Transformer(const TransformerConfig& config, Generator& gen = default_generator());

  using TranslationModel::forward;
  TranslationOutput forward(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                            const Tensor& tgt_in) override;

  // Greedy decoding for the whole batch. Each step runs the decoder again over
  // the whole prefix <bos> y_1 .. y_t: there is no key/value cache, which
  // makes a sentence of L tokens cost O(L^2) decoder positions instead of
  // O(L), and keeps the code the same for every attention variant.
  Translation greedy_decode(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                            std::int64_t max_len) override;

  std::string attention_name() const override;
  std::string attention_note() const override;  // the last decoder layer's cross-attention's weights_note()

  // The encoder's memory (B, S, D) and the decoder's outputs for it.
  Tensor encode(const Tensor& src, const Tensor& src_mask);
  TranslationOutput decode(const Tensor& tgt_in, const Tensor& memory, const Tensor& src_mask, bool keep_weights);

  TransformerConfig config;
  std::shared_ptr<Embedding> src_embed, tgt_embed;
  std::shared_ptr<PositionalEncoding> encoder_position, decoder_position;
  std::vector<std::shared_ptr<TransformerEncoderLayer>> encoder_layers;
  std::vector<std::shared_ptr<TransformerDecoderLayer>> decoder_layers;
  std::shared_ptr<LayerNorm> encoder_norm, decoder_norm;  // pre-LayerNorm only
  std::shared_ptr<Linear> output;                          // (V, D)
  std::shared_ptr<Dropout> dropout;

 private:
  Tensor embed(Embedding& table, PositionalEncoding& position, const Tensor& ids);  // (B, T) -> (B, T, D)
  PositionalEncoding* inside_attention(PositionalEncoding& position) const;         // null for absolute / none
  Tensor source_mask(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask) const;

 protected:
  // One sentence, re-running the decoder over every live prefix at each step (no cache either).
  Translation beam_search_one(const Tensor& sentence, std::int64_t beam_size, std::int64_t max_len,
                              double length_penalty) override;
};

}  // namespace heed
