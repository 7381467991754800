// HierarchicalAttentionNetwork (HAN): a document classifier that reads words into sentence
// vectors and sentences into a document vector, with attention pooling at both levels.
//
//   words (B, S, W) int64, 0 = padding
//   Embedding                                      x_it       (B*S, W, E)  word i of sentence t
//   bidirectional GRU over each sentence's words   h_it       (B*S, W, 2Hw)  [forward; backward]
//   word AttentionPooling (masked)                 s_t = sum_i a_it h_it      (B, S, 2Hw)
//   bidirectional GRU over each document's sentences  h_t    (B, S, 2Hs)
//   sentence AttentionPooling (masked)             v = sum_t a_t h_t          (B, 2Hs)
//   Linear                                         logits     (B, C)
//
// Both poolings are layers/attention/attention_pooling.h: u = tanh(W h + b), a = softmax(u . u_w).
// The word attention learns which words carry meaning in a sentence, the sentence attention which
// sentences matter for the label; their weights, returned beside the logits, show what the model
// read. With pooling = "mean" both poolings become the plain average over the real elements (the
// baseline that shows what attention buys); everything else stays the same.
//
// Padding. Sentences are padded to W words and documents to S sentences; lengths say which are
// real (real words and sentences first). The word GRU runs on the real sentences only: they are
// gathered into (N, W, E), N = total real sentences, and their vectors scattered back into
// (B*S, 2Hw), where padding sentences stay zero. So padding costs no GRU steps, a padding
// sentence has zero word weights, and the sentence attention gives it zero weight.
// Yang, Yang, Dyer, He, Smola & Hovy 2016, "Hierarchical Attention Networks for Document
// Classification", NAACL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "layers/attention/attention_pooling.h"
#include "layers/embedding.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/recurrent/rnn.h"
#include "tensor/random.h"

namespace heed {

struct HanConfig {
  std::int64_t vocab_size = 0;
  std::int64_t num_classes = 0;
  std::int64_t embed_dim = 32;        // E
  std::int64_t word_hidden = 32;      // Hw, per direction
  std::int64_t sentence_hidden = 32;  // Hs, per direction
  std::int64_t attn_dim = 0;          // A of both poolings; 0: each pooling's input size
  std::string pooling = "attention";  // attention or mean
  DType dtype = DType::Float32;
};

const std::vector<std::string>& han_pooling_names();  // attention, mean

struct HanOutput {
  Tensor logits;            // (B, C)
  Tensor word_weights;      // (B, S, W): each real sentence's weights sum to 1; zero over padding
  Tensor sentence_weights;  // (B, S): each document's weights sum to 1; zero over padding
};

class HierarchicalAttentionNetwork : public Module {
 public:
  HierarchicalAttentionNetwork(const HanConfig& config, Generator& gen = default_generator());

  // words (B, S, W) int64; word_lengths (B, S) int64, real words per sentence, 0 for a padding
  // sentence; sentence_lengths (B) int64, real sentences per document (at least 1).
  HanOutput forward(const Tensor& words, const Tensor& word_lengths, const Tensor& sentence_lengths);

  HanConfig config;
  std::shared_ptr<Embedding> embedding;            // (V, E), padding_idx 0
  std::shared_ptr<GRU> word_encoder;               // E -> 2Hw
  std::shared_ptr<AttentionPooling> word_attention;      // null with mean pooling
  std::shared_ptr<GRU> sentence_encoder;           // 2Hw -> 2Hs
  std::shared_ptr<AttentionPooling> sentence_attention;  // null with mean pooling
  std::shared_ptr<Linear> classifier;              // 2Hs -> C
};

}  // namespace heed
