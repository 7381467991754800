// Vocab: the two-way map between token strings and the integer ids a model embeds.
//
// Ids 0..3 are always the special tokens, in this order:
//   <pad> = 0   fills short sequences up to the batch's length (masked out of the loss)
//   <bos> = 1   "begin of sequence": the decoder's first input
//   <eos> = 2   "end of sequence": the decoder's last target; generation stops there
//   <unk> = 3   any token the vocabulary has never seen
// Ordinary tokens follow from id 4. A vocabulary is built from training text only, so the
// validation and test sets can contain tokens it maps to <unk>, as real data would.
//
// Saved as JSON: {"tokens": ["<pad>", "<bos>", "<eos>", "<unk>", "a", "b", ...]}; a token's id is
// its position in the list.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/tokenizer.h"

namespace heed::data {

class Vocab {
 public:
  static constexpr std::int64_t kPad = 0;
  static constexpr std::int64_t kBos = 1;
  static constexpr std::int64_t kEos = 2;
  static constexpr std::int64_t kUnk = 3;
  static constexpr std::int64_t kNumSpecials = 4;

  Vocab();  // the four special tokens and nothing else

  // Adds `token` when it is new; returns its id either way.
  std::int64_t add(const std::string& token);
  bool contains(const std::string& token) const { return ids_.contains(token); }
  std::int64_t id(const std::string& token) const;  // kUnk when absent
  const std::string& token(std::int64_t id) const;  // throws when id is out of range
  std::int64_t size() const { return static_cast<std::int64_t>(tokens_.size()); }
  const std::vector<std::string>& tokens() const { return tokens_; }

  std::vector<std::int64_t> encode(const std::vector<std::string>& tokens) const;
  // Drops <pad> and <bos>; with stop_at_eos, stops at the first <eos>, else keeps it as a token.
  std::vector<std::string> decode(const std::vector<std::int64_t>& ids, bool stop_at_eos = true) const;

  nlohmann::json to_json() const;
  static Vocab from_json(const nlohmann::json& json);  // checks the specials and duplicates
  void save(const std::string& path) const;
  static Vocab load(const std::string& path);

  // Every token seen at least `min_frequency` times, most frequent first (ties alphabetically,
  // so the same corpus always gives the same ids).
  static Vocab build(const std::vector<std::vector<std::string>>& tokenized_texts, std::int64_t min_frequency = 1);
  static Vocab build(const std::vector<std::string>& texts, const Tokenizer& tokenizer,
                     std::int64_t min_frequency = 1);

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int64_t> ids_;
};

}  // namespace heed::data
