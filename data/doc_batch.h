// Padded batches of documents for hierarchical models, and the loader that makes them.
//
// A batch of B documents, with S the most sentences of any document in it and W the most words
// of any sentence in it:
//   words            (B, S, W) int64    word ids, <pad> (0) after each sentence's end and over
//                                       whole padding sentences after each document's end
//   word_lengths     (B, S)    int64    real words per sentence; 0 for a padding sentence
//   word_mask        (B, S, W) float32  1 over real words, 0 over padding
//   sentence_lengths (B)       int64    real sentences per document
//   sentence_mask    (B, S)    float32  1 over real sentences, 0 over padding
//   labels           (B)       int64    the class of each document
// Real words and sentences always come first, so lengths and masks say the same thing; recurrent
// layers read the lengths, attention the masks.
//
// DocLoader tokenizes and encodes every document once, up front, then hands out batches. With
// shuffle on, each epoch has its own order drawn from (seed, epoch), and LoaderState
// (epoch, position) is enough to resume exactly (data/loader_state.h).
#pragma once

#include <cstdint>
#include <vector>

#include "data/loader_state.h"
#include "data/task_documents.h"
#include "data/tokenizer.h"
#include "data/vocab.h"
#include "tensor/tensor.h"

namespace heed::data {

using EncodedDocument = std::vector<std::vector<std::int64_t>>;  // sentences of word ids

struct DocBatch {
  Tensor words;             // (B, S, W) int64
  Tensor word_lengths;      // (B, S) int64
  Tensor word_mask;         // (B, S, W) float32
  Tensor sentence_lengths;  // (B) int64
  Tensor sentence_mask;     // (B, S) float32
  Tensor labels;            // (B) int64
  std::vector<std::int64_t> example_indices;  // the batch's rows, as indices into the loader's documents
  std::int64_t size() const { return static_cast<std::int64_t>(example_indices.size()); }
};

// Pads encoded documents into a batch; example_indices is left as 0..B-1. Every document needs at
// least one sentence and every sentence at least one word.
DocBatch collate_documents(const std::vector<EncodedDocument>& documents, const std::vector<std::int64_t>& labels);

class DocLoader {
 public:
  DocLoader(const std::vector<Document>& documents, const Vocab& vocab, const Tokenizer& tokenizer,
            std::int64_t batch_size, bool shuffle, std::uint64_t seed);

  std::int64_t num_examples() const { return static_cast<std::int64_t>(documents_.size()); }
  std::int64_t num_batches() const { return static_cast<std::int64_t>(batches_.size()); }  // the last may be short

  void set_epoch(std::int64_t epoch);  // jumps to the start of `epoch`
  std::int64_t epoch() const { return state_.epoch; }
  // The next batch; after an epoch's last batch the next call starts the following epoch.
  DocBatch next();
  DocBatch batch(std::int64_t index) const;  // batch `index` of the current epoch; does not move

  LoaderState state() const { return state_; }
  void set_state(const LoaderState& state);

 private:
  void order_epoch();

  std::vector<EncodedDocument> documents_;
  std::vector<std::int64_t> labels_;
  std::int64_t batch_size_;
  bool shuffle_;
  std::uint64_t seed_;
  LoaderState state_;
  std::vector<std::vector<std::int64_t>> batches_;  // document indices of each batch in this epoch
};

// Encodes one document: each sentence tokenized and looked up in `vocab`.
EncodedDocument encode_document(const Document& document, const Vocab& vocab, const Tokenizer& tokenizer);

}  // namespace heed::data
