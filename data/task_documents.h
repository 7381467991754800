// documents: a generated document-classification task whose label hides in one or two sentences,
// for the hierarchical attention network (layers/models/han.h) and the `documents` driver.
//
// A document is a few sentences of words; every word comes from a small vocabulary of three kinds:
//   filler   the, a, cat, saw, ...    (kFillerWords) most of every sentence
//   colour   red, blue, green, ...    one word per class: class k is colour k
//   marker   answer                   (kMarkerWord)
//
// The rule. A *key sentence* is one in which the marker is IMMEDIATELY FOLLOWED by a colour; that
// colour is the document's class:
//   "the cat saw answer blue near a red box"   key sentence, class blue  ("answer" then "blue")
//   "the cat saw blue answer near a red box"   not a key sentence         (the same bag of words)
// Every document has between 1 and max_key_sentences key sentences, at random positions, and all
// of them name the same colour. Every sentence, key or not, holds exactly two colour words; the
// other sentences ("decoys") hold the marker too in about half the cases, but never right before a
// colour. So:
//   - a bag of words over the whole document cannot find the class: the colour after the marker
//     is one of many colours, and the key sentence's bag is also a possible decoy's bag;
//   - a bag of words per sentence cannot either: order inside the key sentence decides. Swapping
//     the two colours of a key sentence keeps every bag and changes the label (a test checks it);
//   - a model must find the key sentence (sentence-level attention) and, inside it, the colour
//     after the marker (word-level attention).
// Sentence and word counts are drawn uniformly from [min, max] per document and per sentence.
//
// Splits never overlap: a document's split is split_of(its text) (data/tasks.h), the FNV-1a hash
// rule of the translation tasks, and repeated texts are dropped within a split.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/random.h"

namespace heed::data {

inline constexpr std::string_view kMarkerWord = "answer";
inline constexpr std::array<std::string_view, 12> kColourWords = {
    "red", "blue", "green", "gold", "grey", "pink", "teal", "navy", "lime", "plum", "rust", "jade"};
inline constexpr std::array<std::string_view, 40> kFillerWords = {
    "the",   "a",    "cat",  "dog",   "saw",   "near",  "box",   "old",   "man",   "went",
    "home",  "with", "one",  "small", "big",   "tree",  "by",    "river", "ran",   "fast",
    "and",   "then", "sat",  "on",    "hill",  "bird",  "sang",  "song",  "at",    "night",
    "day",   "long", "road", "house", "light", "rain",  "fell",  "over",  "town",  "slow"};

struct DocumentTaskOptions {
  std::int64_t num_classes = 4;        // colours used, 2..12
  std::int64_t min_sentences = 6;      // sentences per document, drawn uniformly
  std::int64_t max_sentences = 12;
  std::int64_t min_words = 5;          // words per sentence (>= 3: marker and two colours), drawn uniformly
  std::int64_t max_words = 10;
  std::int64_t max_key_sentences = 2;  // key sentences per document, 1..this (and at most its sentence count)
  std::int64_t train_size = 8000;
  std::int64_t valid_size = 500;
  std::int64_t test_size = 1000;
  std::uint64_t seed = 0;
  int train_percent = 80;  // shares of the hash range, as in TaskOptions
  int valid_percent = 10;
};

struct Document {
  std::vector<std::string> sentences;       // words separated by single spaces, no punctuation
  std::int64_t label = 0;                   // the class: index of the colour in kColourWords
  std::vector<std::int64_t> key_sentences;  // indices of the key sentences, ascending
  std::string text() const;                 // "s1. s2. s3." : what the split hash reads
  bool operator==(const Document&) const = default;
};

struct DocumentTask {
  std::vector<Document> train;
  std::vector<Document> validation;
  std::vector<Document> test;
  std::vector<std::string> class_names;  // kColourWords[0 .. num_classes)
};

// Checks the options (every bad one named with its valid range) and generates the three splits.
DocumentTask make_document_task(const DocumentTaskOptions& options);
// One document, drawn from `gen`; exposed for tests and demos.
Document make_document(Generator& gen, const DocumentTaskOptions& options);

// The rule, read back from the words alone: the colour right after the marker in the first key
// sentence, or -1 when no sentence has one. key_sentences_of lists every key sentence.
std::int64_t label_of(const std::vector<std::string>& sentences);
std::vector<std::int64_t> key_sentences_of(const std::vector<std::string>& sentences);
std::int64_t colour_index(std::string_view word);  // -1 for a word that is not a colour

}  // namespace heed::data
