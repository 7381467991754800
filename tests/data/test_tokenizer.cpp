// Tokenizers split text into tokens and put it back together.
#include "helpers.h"

#include "data/tokenizer.h"

using namespace heed::data;
using Tokens = std::vector<std::string>;

TEST_CASE("CharTokenizer splits into characters and is exactly invertible", "[data]") {
  const CharTokenizer chars;
  REQUIRE(chars.tokenize("3 mar 21") == Tokens{"3", " ", "m", "a", "r", " ", "2", "1"});
  REQUIRE(chars.tokenize("").empty());
  // A multi-byte UTF-8 character is one token, not one per byte.
  REQUIRE(chars.tokenize("caf\xC3\xA9!") == Tokens{"c", "a", "f", "\xC3\xA9", "!"});
  REQUIRE(chars.tokenize("\xE2\x82\xAC\xF0\x9F\x99\x82") == Tokens{"\xE2\x82\xAC", "\xF0\x9F\x99\x82"});
  for (const std::string text : {"Wednesday, March 3, 2021", "  two  spaces ", "caf\xC3\xA9", ""}) {
    REQUIRE(chars.detokenize(chars.tokenize(text)) == text);
  }
  REQUIRE(chars.kind() == TokenizerKind::Char);
}

TEST_CASE("WordTokenizer splits on whitespace and makes punctuation its own token", "[data]") {
  const WordTokenizer words;
  REQUIRE(words.tokenize("Hello, world!") == Tokens{"Hello", ",", "world", "!"});
  REQUIRE(words.tokenize("  many \t spaces\nand lines  ") == Tokens{"many", "spaces", "and", "lines"});
  REQUIRE(words.tokenize("forty-two (42)") == Tokens{"forty", "-", "two", "(", "42", ")"});
  REQUIRE(words.tokenize("caf\xC3\xA9 ol\xC3\xA9") == Tokens{"caf\xC3\xA9", "ol\xC3\xA9"});
  REQUIRE(words.tokenize("").empty());
  // detokenize follows English spacing, so ordinary text comes back unchanged.
  for (const std::string text : {"Hello, world!", "I don't know (yet).", "forty-two", "50% of a/b: fine; ok?",
                                 "the 3rd of march, 2021"}) {
    INFO(text);
    REQUIRE(words.detokenize(words.tokenize(text)) == text);
  }
  REQUIRE(words.detokenize({"a", "b", "c"}) == "a b c");
  REQUIRE(words.kind() == TokenizerKind::Word);
}

TEST_CASE("tokenizer kinds have names and factories", "[data]") {
  REQUIRE(tokenizer_kind_name(TokenizerKind::Char) == "char");
  REQUIRE(tokenizer_kind_from_name("word") == TokenizerKind::Word);
  REQUIRE_THROWS_WITH(tokenizer_kind_from_name("bpe"), Catch::Contains("'bpe'") && Catch::Contains("'char'"));
  REQUIRE(make_tokenizer(TokenizerKind::Word)->tokenize("a,b") == Tokens{"a", ",", "b"});
  REQUIRE(make_tokenizer(TokenizerKind::Char)->kind() == TokenizerKind::Char);
}

TEST_CASE("is_valid_utf8 accepts UTF-8 and refuses malformed bytes", "[data]") {
  REQUIRE(is_valid_utf8(""));
  REQUIRE(is_valid_utf8("plain ascii"));
  REQUIRE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x99\x82"));
  REQUIRE_FALSE(is_valid_utf8("caf\xE9"));            // Latin-1, not UTF-8
  REQUIRE_FALSE(is_valid_utf8("\x80"));               // a lone continuation byte
  REQUIRE_FALSE(is_valid_utf8("\xC3"));               // a truncated sequence
  REQUIRE_FALSE(is_valid_utf8("\xC0\xAF"));           // an overlong '/'
  REQUIRE_FALSE(is_valid_utf8("\xED\xA0\x80"));       // a UTF-16 surrogate
  REQUIRE_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));   // past U+10FFFF
}
