// Seq2Seq: the RNN encoder-decoder for translation, with a pluggable
// sequence attention (CATALOG.md, section S) between the two.
//
// Encoder (source x_1 .. x_S):
//   e_j = Embed_src(x_j)                                         (B, S, E)
//   h_j = [h_j(forward); h_j(backward)] = GRU/LSTM(e)_j          (B, S, D*H)   memory, D = 2 if bidirectional
//   s_0 = tanh(W_bridge [h_S(forward); h_1(backward)] + b)       (B, H)        the top layer's final states,
//                                                                              each at its sequence's own end
// Decoder (target y_0 = <bos>, y_1, ..., one step per target token), as in
// Bahdanau et al. 2015:
//   c_t = attend(query = s_{t-1}, keys = values = h, mask)       (B, D*H)      the previous state asks
//   s_t = Cell([Embed_tgt(y_{t-1}); c_t], s_{t-1})               (B, H)        the context is part of the input
//   logits_t = W_out [s_t; c_t; Embed_tgt(y_{t-1})] + b_out      (B, V)        ("deep output", without its maxout)
// With attention `none` there is no c_t: the decoder reads only
// [Embed_tgt(y_{t-1})] and everything it knows about the source is s_0.
// For an LSTM the cell state gets its own bridge: c_0 = tanh(W_bridge_cell [..] + b).
//
//   src (B, S) int64, src_lengths (B) int64, src_mask (B, S) 1 real 0 pad,
//   tgt_in (B, T) int64 = <bos> y_1 .. y_{T-1} (teacher forcing)
//   logits (B, T, V), attention weights (B, T, S)
//
// Token ids: 0 pad, 1 bos, 2 eos (Seq2Seq::kPad, kBos, kEos).
//
// Speed: the embedding half of every decoder step's input projection does not
// depend on the step before, so forward() computes it for all T steps in one
// matmul, and the output layer runs once over (T*B, H + C + E) after the loop.
//
// Sutskever, Vinyals & Le 2014, "Sequence to Sequence Learning with Neural
// Networks"; Cho et al. 2014, "Learning Phrase Representations using RNN
// Encoder-Decoder"; Bahdanau, Cho & Bengio 2015, "Neural Machine Translation
// by Jointly Learning to Align and Translate".
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "layers/attention/sequence_attention.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/linear.h"
#include "layers/models/translation_model.h"
#include "layers/module.h"
#include "layers/recurrent/rnn.h"
#include "tensor/random.h"

namespace heed {

struct Seq2SeqConfig {
  std::int64_t src_vocab = 0;
  std::int64_t tgt_vocab = 0;
  std::int64_t embed_dim = 64;
  std::int64_t hidden = 128;
  std::string cell = "gru";             // "gru" or "lstm", for encoder and decoder alike
  bool bidirectional = true;            // the encoder's; the decoder always runs forward
  std::int64_t encoder_layers = 1;
  std::string attention = "additive";   // a name from sequence_attention_names()
  double dropout = 0;                   // on the embeddings and before the output layer
  std::int64_t attn_dim = 0;            // the attention's hidden size; 0 means `hidden`
  std::int64_t attention_window = 3;    // local-m, local-p: the window's half width D
  std::string hard_estimator = "reinforce";  // hard: "reinforce" or "gumbel" (straight-through)
  double gumbel_temperature = 1.0;      // hard with "gumbel": tau
  double hard_baseline_decay = 0.9;     // hard with "reinforce": the moving-average baseline's decay
  DType dtype = DType::Float32;
};

class Seq2Seq : public TranslationModel {
 public:
  // gen draws the initial weights and, when config.dropout > 0, the dropout
  // masks, so it must outlive the model (Dropout keeps a reference to it).
  explicit Seq2Seq(const Seq2SeqConfig& config, Generator& gen = default_generator());

  using TranslationModel::forward;
  // Teacher forcing; see TranslationModel.
  TranslationOutput forward(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                            const Tensor& tgt_in) override;

  // Picks the most likely token at each step, for a whole batch, until every
  // row has produced <eos> or max_len tokens. Runs without gradients; call
  // eval() first so dropout is off.
  Translation greedy_decode(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                            std::int64_t max_len) override;

  std::string attention_name() const override { return config.attention; }
  std::string attention_note() const override { return attention->weights_note(); }

  // The attention's own loss term (hard attention's REINFORCE), if it has one.
  bool has_auxiliary_loss() const override { return attention->has_auxiliary_loss(); }
  Tensor auxiliary_loss(const Tensor& per_sentence_loss) override {
    return attention->auxiliary_loss(per_sentence_loss);
  }

  Seq2SeqConfig config;
  std::shared_ptr<Embedding> src_embed;
  std::shared_ptr<RecurrentLayer> encoder;
  std::shared_ptr<Linear> bridge;       // (H, D*H): encoder's final states -> s_0
  std::shared_ptr<Linear> bridge_cell;  // LSTM only: -> c_0
  std::shared_ptr<SequenceAttention> attention;
  std::shared_ptr<Embedding> tgt_embed;
  std::shared_ptr<Module> decoder;      // GRUCell or LSTMCell over [E + C] inputs
  std::shared_ptr<Linear> output;       // (V, H + C + E)
  std::shared_ptr<Dropout> dropout;

 private:
  struct DecoderState {
    Tensor h;  // (B, H)
    Tensor c;  // (B, H), LSTM only
  };
  struct Encoded {
    Tensor memory;  // (B, S, D*H)
    Tensor mask;    // (B, S) or undefined
    DecoderState initial;
  };
  struct Step {
    DecoderState state;
    Tensor context;  // (B, C) or undefined
    Tensor weights;  // (B, S) or undefined
  };
  // The decoder cell's W_ih split by input columns, and the rest, views taken
  // once per call so every step reuses them.
  struct DecoderWeights {
    Tensor embed_t;    // (E, G*H): the embedding's columns of W_ih, transposed
    Tensor context_t;  // (C, G*H) or undefined
    Tensor bias_ih;    // (G*H)
    Tensor hidden_t;   // (H, G*H) = W_hh^T
    Tensor bias_hh;    // (G*H)
  };

  Encoded encode(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask);
  DecoderWeights decoder_weights() const;
  // One step from the embedding half of the input projection (B, G*H).
  Step decode_step(const Tensor& embedded_projection, const DecoderState& previous, const Tensor& memory,
                   const Tensor& mask, const DecoderWeights& w, std::int64_t t);
  Tensor output_features(const Step& step, const Tensor& embedded) const;  // [s_t; c_t; e_t]
  // Beam search for one sentence (TranslationModel::beam_search pads and
  // stacks): keeps the beam_size best partial translations by total
  // log-probability; a hypothesis that emits <eos> is finished and leaves the
  // beam, which then shrinks. Finished ones are ranked by log p /
  // length^length_penalty (0: no normalization; 1: mean log-probability per token).
  Translation beam_search_one(const Tensor& sentence, std::int64_t beam_size, std::int64_t max_len,
                              double length_penalty) override;

  std::shared_ptr<GRUCell> gru_decoder_;    // the decoder, when config.cell is "gru"
  std::shared_ptr<LSTMCell> lstm_decoder_;  // the decoder, when config.cell is "lstm"
  bool is_lstm_ = false;
  std::int64_t context_dim_ = 0;  // C: D*H, or 0 without attention
};

}  // namespace heed
