// Padded batches for sequence-to-sequence training, and the loader that makes them.
//
// A batch of B examples, with S the longest source and T-1 the longest target in it:
//   src         (B, S) int64    source ids, <pad> after each sequence's end
//   src_lengths (B)    int64    real tokens per source
//   src_mask    (B, S) float32  1 over real tokens, 0 over padding (attention masks multiply by it)
//   tgt_in      (B, T) int64    <bos> y1 .. yn <pad> ..   the decoder's inputs (teacher forcing)
//   tgt_out     (B, T) int64    y1 .. yn <eos> <pad> ..   what the decoder must predict at each step
//   tgt_mask    (B, T) float32  1 where tgt_out is real (yi or <eos>), 0 over padding
// tgt_out is tgt_in moved one step left, so step t of the decoder sees y1..y(t-1) and predicts yt.
//
// SeqLoader tokenizes and encodes every example once, up front, then hands out batches. With
// shuffle on, each epoch has its own order drawn from (seed, epoch); set_epoch(n) reproduces it.
// With bucket_by_length on, examples are sorted by source length inside pools of
// kBucketBatches batches, so a batch holds sequences of similar length and wastes less compute
// on padding, while the pools keep the order random. LoaderState (epoch, position) is enough to
// resume: see data/loader_state.h.
#pragma once

#include <cstdint>
#include <vector>

#include "data/loader_state.h"
#include "data/tasks.h"
#include "data/tokenizer.h"
#include "data/vocab.h"
#include "tensor/tensor.h"

namespace heed::data {

struct SeqBatch {
  Tensor src;          // (B, S) int64
  Tensor src_lengths;  // (B) int64
  Tensor src_mask;     // (B, S) float32
  Tensor tgt_in;       // (B, T) int64
  Tensor tgt_out;      // (B, T) int64
  Tensor tgt_mask;     // (B, T) float32
  std::vector<std::int64_t> example_indices;  // the batch's rows, as indices into the loader's examples
  std::int64_t size() const { return static_cast<std::int64_t>(example_indices.size()); }
};

// Pads encoded sequences into a batch (no <bos>/<eos> in the inputs: collate adds them).
// example_indices is left as 0..B-1. An empty source is allowed: its row is all padding.
SeqBatch collate(const std::vector<std::vector<std::int64_t>>& sources,
                 const std::vector<std::vector<std::int64_t>>& targets);

class SeqLoader {
 public:
  static constexpr std::int64_t kBucketBatches = 32;  // batches per length-sorted pool

  SeqLoader(const std::vector<Example>& examples, const Vocab& source_vocab, const Vocab& target_vocab,
            const Tokenizer& source_tokenizer, const Tokenizer& target_tokenizer, std::int64_t batch_size,
            bool shuffle, std::uint64_t seed, bool bucket_by_length = false);

  std::int64_t num_examples() const { return static_cast<std::int64_t>(source_ids_.size()); }
  std::int64_t num_batches() const { return static_cast<std::int64_t>(batches_.size()); }  // the last may be short
  std::int64_t batch_size() const { return batch_size_; }

  void set_epoch(std::int64_t epoch);  // jumps to the start of `epoch`
  std::int64_t epoch() const { return state_.epoch; }
  bool epoch_done() const { return state_.position == num_batches(); }
  // The next batch. After an epoch's last batch, the next call starts the following epoch, so a
  // loop that counts steps rather than epochs can simply keep calling next().
  SeqBatch next();
  SeqBatch batch(std::int64_t index) const;  // batch `index` of the current epoch; does not move

  LoaderState state() const { return state_; }
  void set_state(const LoaderState& state);

 private:
  void order_epoch();

  std::vector<std::vector<std::int64_t>> source_ids_;
  std::vector<std::vector<std::int64_t>> target_ids_;
  std::int64_t batch_size_;
  bool shuffle_;
  std::uint64_t seed_;
  bool bucket_by_length_;
  LoaderState state_;
  std::vector<std::vector<std::int64_t>> batches_;  // example indices of each batch in this epoch
};

}  // namespace heed::data
