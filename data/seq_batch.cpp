#include "data/seq_batch.h"

#include <algorithm>
#include <numeric>

#include "tensor/error.h"

namespace heed::data {

SeqBatch collate(const std::vector<std::vector<std::int64_t>>& sources,
                 const std::vector<std::vector<std::int64_t>>& targets) {
  HEED_CHECK(!sources.empty() && sources.size() == targets.size(), "collate: got ", sources.size(), " sources and ",
             targets.size(), " targets; expected the same number, at least one");
  const auto batch = static_cast<std::int64_t>(sources.size());
  std::int64_t source_len = 1;  // at least one column, so a batch of empty sources still has a shape
  std::int64_t target_len = 0;
  for (std::size_t b = 0; b < sources.size(); ++b) {
    source_len = std::max(source_len, static_cast<std::int64_t>(sources[b].size()));
    target_len = std::max(target_len, static_cast<std::int64_t>(targets[b].size()) + 1);  // +1: <bos> / <eos>
  }
  std::vector<std::int64_t> src(static_cast<std::size_t>(batch * source_len), Vocab::kPad);
  std::vector<float> src_mask(src.size(), 0.0f);
  std::vector<std::int64_t> src_lengths(static_cast<std::size_t>(batch));
  std::vector<std::int64_t> tgt_in(static_cast<std::size_t>(batch * target_len), Vocab::kPad);
  std::vector<std::int64_t> tgt_out(tgt_in.size(), Vocab::kPad);
  std::vector<float> tgt_mask(tgt_in.size(), 0.0f);
  for (std::size_t b = 0; b < sources.size(); ++b) {
    const auto src_row = b * static_cast<std::size_t>(source_len);
    for (std::size_t i = 0; i < sources[b].size(); ++i) {
      src[src_row + i] = sources[b][i];
      src_mask[src_row + i] = 1.0f;
    }
    src_lengths[b] = static_cast<std::int64_t>(sources[b].size());

    const auto tgt_row = b * static_cast<std::size_t>(target_len);
    const auto& target = targets[b];
    tgt_in[tgt_row] = Vocab::kBos;
    for (std::size_t i = 0; i < target.size(); ++i) {
      tgt_in[tgt_row + i + 1] = target[i];
      tgt_out[tgt_row + i] = target[i];
    }
    tgt_out[tgt_row + target.size()] = Vocab::kEos;
    for (std::size_t i = 0; i <= target.size(); ++i) tgt_mask[tgt_row + i] = 1.0f;
  }
  SeqBatch result;
  result.src = from_vector(src, {batch, source_len});
  result.src_lengths = from_vector(src_lengths, {batch});
  result.src_mask = from_vector(src_mask, {batch, source_len});
  result.tgt_in = from_vector(tgt_in, {batch, target_len});
  result.tgt_out = from_vector(tgt_out, {batch, target_len});
  result.tgt_mask = from_vector(tgt_mask, {batch, target_len});
  result.example_indices.resize(sources.size());
  std::iota(result.example_indices.begin(), result.example_indices.end(), 0);
  return result;
}

SeqLoader::SeqLoader(const std::vector<Example>& examples, const Vocab& source_vocab, const Vocab& target_vocab,
                     const Tokenizer& source_tokenizer, const Tokenizer& target_tokenizer, std::int64_t batch_size,
                     bool shuffle, std::uint64_t seed, bool bucket_by_length)
    : batch_size_(batch_size), shuffle_(shuffle), seed_(seed), bucket_by_length_(bucket_by_length) {
  HEED_CHECK(!examples.empty(), "SeqLoader: no examples; the split is empty (check the task's sizes)");
  HEED_CHECK(batch_size >= 1, "SeqLoader: batch_size is ", batch_size, "; expected >= 1");
  source_ids_.reserve(examples.size());
  target_ids_.reserve(examples.size());
  for (const auto& example : examples) {
    source_ids_.push_back(source_vocab.encode(source_tokenizer.tokenize(example.source)));
    target_ids_.push_back(target_vocab.encode(target_tokenizer.tokenize(example.target)));
  }
  order_epoch();
}

void SeqLoader::order_epoch() {
  const std::int64_t n = num_examples();
  Generator gen = loader_generator(seed_, state_.epoch);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  if (shuffle_) order = shuffled_indices(n, gen);
  if (bucket_by_length_) {
    const std::int64_t pool = batch_size_ * kBucketBatches;  // a multiple of batch_size: only the last batch is short
    auto source_length = [&](std::int64_t i) { return source_ids_[static_cast<std::size_t>(i)].size(); };
    for (std::int64_t start = 0; start < n; start += pool) {
      const auto first = order.begin() + start;
      const auto last = order.begin() + std::min(n, start + pool);
      std::stable_sort(first, last,
                       [&](std::int64_t a, std::int64_t b) { return source_length(a) < source_length(b); });
    }
  }
  batches_.clear();
  for (std::int64_t start = 0; start < n; start += batch_size_) {
    batches_.emplace_back(order.begin() + start, order.begin() + std::min(n, start + batch_size_));
  }
  // Sorted pools would hand out short batches first and long ones last; shuffling the batches
  // restores a random order of lengths.
  if (bucket_by_length_ && shuffle_) {
    const auto batch_order = shuffled_indices(num_batches(), gen);
    std::vector<std::vector<std::int64_t>> shuffled;
    shuffled.reserve(batches_.size());
    for (const std::int64_t b : batch_order) shuffled.push_back(std::move(batches_[static_cast<std::size_t>(b)]));
    batches_ = std::move(shuffled);
  }
}

void SeqLoader::set_epoch(std::int64_t epoch) { set_state({epoch, 0}); }

void SeqLoader::set_state(const LoaderState& state) {
  HEED_CHECK(state.epoch >= 0 && state.position >= 0 && state.position <= num_batches(),
             "SeqLoader::set_state: epoch ", state.epoch, " position ", state.position,
             " is invalid; expected epoch >= 0 and 0 <= position <= ", num_batches(),
             " (was the state saved with another dataset or batch size?)");
  const bool same_epoch = state.epoch == state_.epoch;
  state_ = state;
  if (!same_epoch) order_epoch();
}

SeqBatch SeqLoader::next() {
  if (epoch_done()) set_epoch(state_.epoch + 1);
  return batch(state_.position++);
}

SeqBatch SeqLoader::batch(std::int64_t index) const {
  HEED_CHECK(index >= 0 && index < num_batches(), "SeqLoader::batch: index ", index, " is outside 0..",
             num_batches() - 1);
  const auto& members = batches_[static_cast<std::size_t>(index)];
  std::vector<std::vector<std::int64_t>> sources;
  std::vector<std::vector<std::int64_t>> targets;
  sources.reserve(members.size());
  targets.reserve(members.size());
  for (const std::int64_t i : members) {
    sources.push_back(source_ids_[static_cast<std::size_t>(i)]);
    targets.push_back(target_ids_[static_cast<std::size_t>(i)]);
  }
  SeqBatch result = collate(sources, targets);
  result.example_indices = members;
  return result;
}

}  // namespace heed::data
