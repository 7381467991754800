#include "data/doc_batch.h"

#include <algorithm>
#include <numeric>

#include "tensor/error.h"

namespace heed::data {

EncodedDocument encode_document(const Document& document, const Vocab& vocab, const Tokenizer& tokenizer) {
  EncodedDocument encoded;
  encoded.reserve(document.sentences.size());
  for (const auto& sentence : document.sentences) encoded.push_back(vocab.encode(tokenizer.tokenize(sentence)));
  return encoded;
}

DocBatch collate_documents(const std::vector<EncodedDocument>& documents, const std::vector<std::int64_t>& labels) {
  HEED_CHECK(!documents.empty() && documents.size() == labels.size(), "collate_documents: got ", documents.size(),
             " documents and ", labels.size(), " labels; expected the same number, at least one");
  const auto batch = static_cast<std::int64_t>(documents.size());
  std::int64_t sentences = 0, words = 0;
  for (std::size_t b = 0; b < documents.size(); ++b) {
    HEED_CHECK(!documents[b].empty(), "collate_documents: document ", b, " has no sentences; every document needs one");
    sentences = std::max(sentences, static_cast<std::int64_t>(documents[b].size()));
    for (const auto& sentence : documents[b]) {
      HEED_CHECK(!sentence.empty(), "collate_documents: document ", b,
                 " has an empty sentence; every sentence needs at least one word");
      words = std::max(words, static_cast<std::int64_t>(sentence.size()));
    }
  }
  std::vector<std::int64_t> ids(static_cast<std::size_t>(batch * sentences * words), Vocab::kPad);
  std::vector<float> word_mask(ids.size(), 0.0f);
  std::vector<std::int64_t> word_lengths(static_cast<std::size_t>(batch * sentences), 0);
  std::vector<float> sentence_mask(word_lengths.size(), 0.0f);
  std::vector<std::int64_t> sentence_lengths(static_cast<std::size_t>(batch));
  for (std::size_t b = 0; b < documents.size(); ++b) {
    sentence_lengths[b] = static_cast<std::int64_t>(documents[b].size());
    for (std::size_t s = 0; s < documents[b].size(); ++s) {
      const std::size_t row = b * static_cast<std::size_t>(sentences) + s;
      const auto& sentence = documents[b][s];
      word_lengths[row] = static_cast<std::int64_t>(sentence.size());
      sentence_mask[row] = 1.0f;
      for (std::size_t w = 0; w < sentence.size(); ++w) {
        ids[row * static_cast<std::size_t>(words) + w] = sentence[w];
        word_mask[row * static_cast<std::size_t>(words) + w] = 1.0f;
      }
    }
  }
  DocBatch result;
  result.words = from_vector(ids, {batch, sentences, words});
  result.word_lengths = from_vector(word_lengths, {batch, sentences});
  result.word_mask = from_vector(word_mask, {batch, sentences, words});
  result.sentence_lengths = from_vector(sentence_lengths, {batch});
  result.sentence_mask = from_vector(sentence_mask, {batch, sentences});
  result.labels = from_vector(labels, {batch});
  result.example_indices.resize(documents.size());
  std::iota(result.example_indices.begin(), result.example_indices.end(), 0);
  return result;
}

DocLoader::DocLoader(const std::vector<Document>& documents, const Vocab& vocab, const Tokenizer& tokenizer,
                     std::int64_t batch_size, bool shuffle, std::uint64_t seed)
    : batch_size_(batch_size), shuffle_(shuffle), seed_(seed) {
  HEED_CHECK(!documents.empty(), "DocLoader: no documents; the split is empty (check the task's sizes)");
  HEED_CHECK(batch_size >= 1, "DocLoader: batch_size is ", batch_size, "; expected >= 1");
  documents_.reserve(documents.size());
  for (const auto& document : documents) {
    documents_.push_back(encode_document(document, vocab, tokenizer));
    labels_.push_back(document.label);
  }
  order_epoch();
}

void DocLoader::order_epoch() {
  const std::int64_t n = num_examples();
  Generator gen = loader_generator(seed_, state_.epoch);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  if (shuffle_) order = shuffled_indices(n, gen);
  batches_.clear();
  for (std::int64_t start = 0; start < n; start += batch_size_)
    batches_.emplace_back(order.begin() + start, order.begin() + std::min(n, start + batch_size_));
}

void DocLoader::set_epoch(std::int64_t epoch) { set_state({epoch, 0}); }

void DocLoader::set_state(const LoaderState& state) {
  HEED_CHECK(state.epoch >= 0 && state.position >= 0 && state.position <= num_batches(),
             "DocLoader::set_state: epoch ", state.epoch, " position ", state.position,
             " is invalid; expected epoch >= 0 and 0 <= position <= ", num_batches(),
             " (was the state saved with another dataset or batch size?)");
  const bool same_epoch = state.epoch == state_.epoch;
  state_ = state;
  if (!same_epoch) order_epoch();
}

DocBatch DocLoader::next() {
  if (state_.position == num_batches()) set_epoch(state_.epoch + 1);
  return batch(state_.position++);
}

DocBatch DocLoader::batch(std::int64_t index) const {
  HEED_CHECK(index >= 0 && index < num_batches(), "DocLoader::batch: index ", index, " is outside 0..",
             num_batches() - 1);
  const auto& members = batches_[static_cast<std::size_t>(index)];
  std::vector<EncodedDocument> documents;
  std::vector<std::int64_t> labels;
  documents.reserve(members.size());
  for (const std::int64_t i : members) {
    documents.push_back(documents_[static_cast<std::size_t>(i)]);
    labels.push_back(labels_[static_cast<std::size_t>(i)]);
  }
  DocBatch result = collate_documents(documents, labels);
  result.example_indices = members;
  return result;
}

}  // namespace heed::data
