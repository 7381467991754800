// Tokenizers: text -> a list of token strings, and back.
//
// A model never sees text; it sees ids. The path is
//   text --tokenize--> tokens --Vocab::encode--> ids        (data/vocab.h)
// and back again for printing a prediction:
//   ids --Vocab::decode--> tokens --detokenize--> text
//
// Two tokenizers cover the toy tasks and small user corpora:
//   CharTokenizer  "3 mar 21"      -> {"3", " ", "m", "a", "r", " ", "2", "1"}
//   WordTokenizer  "Hello, world!" -> {"Hello", ",", "world", "!"}
// CharTokenizer splits UTF-8 text into code points (so "é" stays one token, not two bytes);
// detokenize is its exact inverse. WordTokenizer splits on whitespace and makes every ASCII
// punctuation mark a token of its own; detokenize re-joins with spaces, using the usual rules of
// English text for where punctuation attaches, so it inverts text written with those rules.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace heed::data {

enum class TokenizerKind { Char, Word };

std::string_view tokenizer_kind_name(TokenizerKind kind);  // "char" or "word"
TokenizerKind tokenizer_kind_from_name(std::string_view name);  // throws on anything else

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<std::string> tokenize(std::string_view text) const = 0;
  virtual std::string detokenize(const std::vector<std::string>& tokens) const = 0;
  virtual TokenizerKind kind() const = 0;
};

class CharTokenizer final : public Tokenizer {
 public:
  std::vector<std::string> tokenize(std::string_view text) const override;
  std::string detokenize(const std::vector<std::string>& tokens) const override;
  TokenizerKind kind() const override { return TokenizerKind::Char; }
};

class WordTokenizer final : public Tokenizer {
 public:
  std::vector<std::string> tokenize(std::string_view text) const override;
  std::string detokenize(const std::vector<std::string>& tokens) const override;
  TokenizerKind kind() const override { return TokenizerKind::Word; }
};

std::unique_ptr<Tokenizer> make_tokenizer(TokenizerKind kind);

// True when `text` is well-formed UTF-8 (no stray continuation bytes, no truncated or
// overlong sequences). Text files are checked with it when they are read, so every token is
// valid UTF-8 and a vocabulary can always be written as JSON.
bool is_valid_utf8(std::string_view text);

}  // namespace heed::data
