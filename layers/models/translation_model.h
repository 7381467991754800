// TranslationModel: what the translate driver needs from a model, whatever
// its insides (the RNN encoder-decoder in seq2seq.h, the Transformer in
// transformer.h).
//
//   src (B, S) int64 token ids, src_lengths (B) int64, src_mask (B, S) 1 real 0 pad
//   tgt_in (B, T) int64 = <bos> y_1 .. y_{T-1}       (teacher forcing)
//   logits (B, T, V)
//   attention (B, T, S): where output step t looked in the source (a
//     Transformer averages the heads of its last cross-attention layer);
//     undefined when the model has no such matrix
//   attention_heads (B, H, T, S): the same per head, for multi-head models
//
// Token ids 0, 1, 2 are <pad>, <bos>, <eos> in every vocabulary (data/vocab.h).
#pragma once

#include <cstdint>
#include <string>

#include "layers/module.h"

namespace heed {

struct TranslationOutput {
  Tensor logits;           // (B, T, V)
  Tensor attention;        // (B, T, S) or undefined
  Tensor attention_heads;  // (B, H, T, S) or undefined
};

struct Translation {
  Tensor tokens;           // (B, L) int64, L <= max_len: each row ends with <eos> (unless cut at max_len), then pad
  Tensor attention;        // (B, L, S), zero after a row's <eos>; undefined when the model has none
  Tensor attention_heads;  // (B, H, L, S) or undefined
};

class TranslationModel : public Module {
 public:
  static constexpr std::int64_t kPad = 0;
  static constexpr std::int64_t kBos = 1;
  static constexpr std::int64_t kEos = 2;

  using Module::Module;
  using Module::forward;  // the one-input form does not apply

  // Teacher forcing. src_lengths and src_mask may be undefined: the mask is
  // built from the lengths, and no lengths means no padding.
  virtual TranslationOutput forward(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                                    const Tensor& tgt_in) = 0;

  // The most likely token at each step, for a whole batch, until every row
  // has produced <eos> or max_len tokens. Runs without gradients; call eval()
  // first so dropout is off.
  virtual Translation greedy_decode(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                                    std::int64_t max_len) = 0;

  // Beam search, one sentence at a time, with length normalization
  // log p / length^length_penalty; beam_size 1 gives exactly greedy_decode's
  // tokens. src_lengths may be undefined: each row's length is then its count
  // of non-pad tokens. Each sentence goes to beam_search_one() cut to its real
  // tokens; the results are padded and stacked here.
  Translation beam_search(const Tensor& src, const Tensor& src_lengths, std::int64_t beam_size,
                          std::int64_t max_len, double length_penalty = 1.0);

  // A loss term the model adds on top of cross-entropy (for example the
  // REINFORCE term of hard attention), given each sentence's summed token
  // loss (B) from the last forward(), without gradient. Trainers call it
  // only when has_auxiliary_loss().
  virtual bool has_auxiliary_loss() const { return false; }
  virtual Tensor auxiliary_loss(const Tensor& per_sentence_loss) {
    (void)per_sentence_loss;
    return {};
  }

  // The attention variant's name, for summaries and messages.
  virtual std::string attention_name() const = 0;

  // Empty when the model gives attention weights (TranslationOutput::attention);
  // otherwise one sentence from its variant saying why it has none.
  virtual std::string attention_note() const = 0;

 protected:
  // One sentence without padding (1, S_b) -> tokens (1, L), attention (1, L, S_b)
  // and attention_heads (1, H, L, S_b) where the model has them.
  virtual Translation beam_search_one(const Tensor& sentence, std::int64_t beam_size, std::int64_t max_len,
                                      double length_penalty) = 0;
};

}  // namespace heed
