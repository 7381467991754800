#include "layers/models/han.h"

#include <algorithm>

#include "tensor/ops.h"

namespace heed {
namespace {

// mask (..., T) with 1 where the position is below its row's length: lengths (...) int64.
Tensor mask_from_lengths(const Tensor& lengths, std::int64_t steps) {
  const Tensor positions = arange(steps, DType::Int64, lengths.device());  // (T)
  return ops::lt(positions, ops::unsqueeze(lengths, -1));                   // (..., T) int64 0/1
}

// Which rows of the flattened (B*S) sentences are real, read once on the host, checked against
// the documents' lengths: real sentences must come first in each document.
std::vector<std::int64_t> real_sentence_rows(const Tensor& word_lengths, const Tensor& sentence_lengths,
                                             std::int64_t words) {
  const std::int64_t batch = word_lengths.size(0), sentences = word_lengths.size(1);
  const auto lengths = ops::to(word_lengths, kCPU).to_vector<std::int64_t>();
  const auto counts = ops::to(sentence_lengths, kCPU).to_vector<std::int64_t>();
  std::vector<std::int64_t> rows;
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t count = counts[static_cast<std::size_t>(b)];
    HEED_CHECK(count >= 1 && count <= sentences, "HierarchicalAttentionNetwork: document ", b, " has ", count,
               " sentences; expected 1..", sentences, " (every document needs a real sentence)");
    for (std::int64_t s = 0; s < sentences; ++s) {
      const std::int64_t length = lengths[static_cast<std::size_t>(b * sentences + s)];
      const bool real = s < count;
      HEED_CHECK(length >= 0 && length <= words && (length > 0) == real, "HierarchicalAttentionNetwork: document ",
                 b, " sentence ", s, " has ", length, " words but the document has ", count,
                 " sentences; expected 1..", words, " words for its real sentences (which come first) and 0 "
                 "for padding sentences");
      if (real) rows.push_back(b * sentences + s);
    }
  }
  return rows;
}

}  // namespace

const std::vector<std::string>& han_pooling_names() {
  static const std::vector<std::string> names = {"attention", "mean"};
  return names;
}

HierarchicalAttentionNetwork::HierarchicalAttentionNetwork(const HanConfig& c, Generator& gen)
    : Module("HierarchicalAttentionNetwork"), config(c) {
  HEED_CHECK(c.vocab_size > 0 && c.num_classes > 0 && c.embed_dim > 0 && c.word_hidden > 0 && c.sentence_hidden > 0,
             "HierarchicalAttentionNetwork: vocab_size ", c.vocab_size, ", num_classes ", c.num_classes,
             ", embed_dim ", c.embed_dim, ", word_hidden ", c.word_hidden, " and sentence_hidden ", c.sentence_hidden,
             " must all be positive");
  const auto& poolings = han_pooling_names();
  HEED_CHECK(std::find(poolings.begin(), poolings.end(), c.pooling) != poolings.end(),
             "HierarchicalAttentionNetwork: unknown pooling '", c.pooling, "'; valid poolings: attention, mean");
  RecurrentOptions bidirectional;
  bidirectional.bidirectional = true;
  bidirectional.dtype = c.dtype;
  embedding = register_module("embedding", std::make_shared<Embedding>(c.vocab_size, c.embed_dim, 0, gen, c.dtype));
  word_encoder = register_module("word_encoder", std::make_shared<GRU>(c.embed_dim, c.word_hidden, bidirectional, gen));
  if (c.pooling == "attention")
    word_attention = register_module("word_attention",
                                     std::make_shared<AttentionPooling>(2 * c.word_hidden, c.attn_dim, gen, c.dtype));
  sentence_encoder = register_module("sentence_encoder",
                                     std::make_shared<GRU>(2 * c.word_hidden, c.sentence_hidden, bidirectional, gen));
  if (c.pooling == "attention")
    sentence_attention = register_module(
        "sentence_attention", std::make_shared<AttentionPooling>(2 * c.sentence_hidden, c.attn_dim, gen, c.dtype));
  classifier = register_module("classifier",
                               std::make_shared<Linear>(2 * c.sentence_hidden, c.num_classes, true, gen, c.dtype));
}

HanOutput HierarchicalAttentionNetwork::forward(const Tensor& words, const Tensor& word_lengths,
                                                const Tensor& sentence_lengths) {
  HEED_CHECK(words.dim() == 3 && !is_floating(words.dtype()), "HierarchicalAttentionNetwork: words are ",
             dtype_name(words.dtype()), " ", shape_str(words.shape()),
             "; expected int64 ids of shape (batch, sentences, words)");
  const std::int64_t batch = words.size(0), sentences = words.size(1), length = words.size(2);
  HEED_CHECK(word_lengths.shape() == Shape({batch, sentences}) && sentence_lengths.shape() == Shape({batch}),
             "HierarchicalAttentionNetwork: word_lengths ", shape_str(word_lengths.shape()), " and sentence_lengths ",
             shape_str(sentence_lengths.shape()), " do not fit words ", shape_str(words.shape()), "; expected (",
             batch, ",", sentences, ") and (", batch, ")");
  const std::vector<std::int64_t> rows = real_sentence_rows(word_lengths, sentence_lengths, length);
  const Tensor real_rows = ops::to(from_vector(rows, {static_cast<std::int64_t>(rows.size())}), words.device());
  const bool attention = config.pooling == "attention";

  // Words -> sentence vectors, on the N real sentences only.
  const Tensor flat_lengths = ops::reshape(word_lengths, {batch * sentences});
  const Tensor real_lengths = ops::index_select(flat_lengths, 0, real_rows);                        // (N)
  const Tensor real_words = ops::index_select(ops::reshape(words, {batch * sentences, length}), 0, real_rows);  // (N, W)
  const Tensor word_states = word_encoder->forward(embedding->forward(real_words), real_lengths).outputs;  // (N, W, 2Hw)
  const Tensor word_mask = mask_from_lengths(real_lengths, length);                                 // (N, W)
  const PoolingResult by_sentence =
      attention ? word_attention->pool(word_states, word_mask) : masked_mean_pooling(word_states, word_mask);
  const std::int64_t sentence_dim = word_states.size(2);
  const Tensor sentence_vectors = reshape(
      index_add(zeros({batch * sentences, sentence_dim}, word_states.dtype(), words.device()), 0, real_rows,
                by_sentence.output),
      {batch, sentences, sentence_dim});  // (B, S, 2Hw), zero rows for padding sentences
  const Tensor word_weights = reshape(
      index_add(zeros({batch * sentences, length}, word_states.dtype(), words.device()), 0, real_rows,
                by_sentence.weights),
      {batch, sentences, length});  // (B, S, W)

  // Sentences -> the document vector.
  const Tensor sentence_states = sentence_encoder->forward(sentence_vectors, sentence_lengths).outputs;  // (B, S, 2Hs)
  const Tensor sentence_mask = mask_from_lengths(sentence_lengths, sentences);                          // (B, S)
  const PoolingResult by_document = attention ? sentence_attention->pool(sentence_states, sentence_mask)
                                              : masked_mean_pooling(sentence_states, sentence_mask);
  return {classifier->forward(by_document.output), word_weights, by_document.weights};
}

}  // namespace heed
