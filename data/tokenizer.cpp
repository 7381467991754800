#include "data/tokenizer.h"

#include <cstdint>

#include "tensor/error.h"

namespace heed::data {
namespace {

// The length of the UTF-8 sequence that starts with `lead`, or 0 when `lead` cannot start one
// (a continuation byte 10xxxxxx, or a byte that never appears in UTF-8).
std::size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

bool is_ascii_punctuation(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x80 && ((byte >= '!' && byte <= '/') || (byte >= ':' && byte <= '@') ||
                         (byte >= '[' && byte <= '`') || (byte >= '{' && byte <= '~'));
}

// English spacing: "word," "word." "(word" "it's" "forty-two" "a/b" "50%".
bool attaches_to_previous(const std::string& token) {
  static const std::string marks = ".,!?;:%)]}'-/";
  return token.size() == 1 && marks.find(token[0]) != std::string::npos;
}
bool attaches_to_next(const std::string& token) {
  static const std::string marks = "([{$'-/";
  return token.size() == 1 && marks.find(token[0]) != std::string::npos;
}

}  // namespace

std::string_view tokenizer_kind_name(TokenizerKind kind) { return kind == TokenizerKind::Char ? "char" : "word"; }

TokenizerKind tokenizer_kind_from_name(std::string_view name) {
  if (name == "char") return TokenizerKind::Char;
  if (name == "word") return TokenizerKind::Word;
  detail::fail("tokenizer: unknown kind '", name, "'; expected 'char' or 'word'");
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = utf8_sequence_length(lead);
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if (!is_continuation(static_cast<unsigned char>(text[i + k]))) return false;
    }
    if (length >= 3) {
      const auto second = static_cast<unsigned char>(text[i + 1]);
      // Overlong 3- and 4-byte forms, UTF-16 surrogates (U+D800..U+DFFF) and code points past
      // U+10FFFF are all forbidden by RFC 3629.
      if (lead == 0xE0 && second < 0xA0) return false;
      if (lead == 0xED && second >= 0xA0) return false;
      if (lead == 0xF0 && second < 0x90) return false;
      if (lead == 0xF4 && second >= 0x90) return false;
    }
    i += length;
  }
  return true;
}

std::vector<std::string> CharTokenizer::tokenize(std::string_view text) const {
  std::vector<std::string> tokens;
  tokens.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t length = utf8_sequence_length(static_cast<unsigned char>(text[i]));
    // A malformed byte becomes a token of its own rather than swallowing its neighbours.
    if (length == 0 || i + length > text.size()) length = 1;
    tokens.emplace_back(text.substr(i, length));
    i += length;
  }
  return tokens;
}

std::string CharTokenizer::detokenize(const std::vector<std::string>& tokens) const {
  std::string text;
  for (const auto& token : tokens) text += token;
  return text;
}

std::vector<std::string> WordTokenizer::tokenize(std::string_view text) const {
  std::vector<std::string> tokens;
  std::string word;
  auto finish_word = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  for (const char c : text) {
    if (is_space(c)) {
      finish_word();
    } else if (is_ascii_punctuation(c)) {
      finish_word();
      tokens.emplace_back(1, c);
    } else {
      word += c;
    }
  }
  finish_word();
  return tokens;
}

std::string WordTokenizer::detokenize(const std::vector<std::string>& tokens) const {
  std::string text;
  bool glue_next = true;  // no space before the first token
  for (const auto& token : tokens) {
    if (!glue_next && !attaches_to_previous(token)) text += ' ';
    text += token;
    glue_next = attaches_to_next(token);
  }
  return text;
}

std::unique_ptr<Tokenizer> make_tokenizer(TokenizerKind kind) {
  if (kind == TokenizerKind::Char) return std::make_unique<CharTokenizer>();
  return std::make_unique<WordTokenizer>();
}

}  // namespace heed::data
