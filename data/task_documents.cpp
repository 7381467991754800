// The documents task: sentence generators, the rule read back from words, and the split loop.
#include "data/task_documents.h"

#include <algorithm>
#include <sstream>
#include <unordered_set>

#include "data/tasks.h"
#include "tensor/error.h"

namespace heed::data {
namespace {

std::string filler(Generator& gen) {
  return std::string(kFillerWords[static_cast<std::size_t>(gen.randint(0, kFillerWords.size()))]);
}

std::string colour(std::int64_t index) { return std::string(kColourWords[static_cast<std::size_t>(index)]); }

std::string join_words(const std::vector<std::string>& words) {
  std::string sentence;
  for (std::size_t i = 0; i < words.size(); ++i) sentence += (i ? " " : "") + words[i];
  return sentence;
}

std::vector<std::string> split_words(const std::string& sentence) {
  std::vector<std::string> words;
  std::istringstream in(sentence);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// A position in 0..length-1 that `allowed` accepts, drawn uniformly, or -1 when there is none.
template <typename Allowed>
std::int64_t draw_position(Generator& gen, std::int64_t length, Allowed allowed) {
  std::vector<std::int64_t> candidates;
  for (std::int64_t i = 0; i < length; ++i)
    if (allowed(i)) candidates.push_back(i);
  if (candidates.empty()) return -1;
  return candidates[static_cast<std::size_t>(gen.randint(0, static_cast<std::int64_t>(candidates.size())))];
}

// "... answer <label> ... <other colour> ...": the marker at p, the class colour at p + 1, a
// different colour anywhere else (before the marker too).
std::string key_sentence(Generator& gen, std::int64_t length, std::int64_t label, std::int64_t classes) {
  std::vector<std::string> words(static_cast<std::size_t>(length));
  for (auto& word : words) word = filler(gen);
  const std::int64_t marker = gen.randint(0, length - 1);
  const std::int64_t other_at = draw_position(gen, length, [&](std::int64_t i) { return i != marker && i != marker + 1; });
  std::int64_t other = gen.randint(0, classes - 1);
  if (other >= label) ++other;  // uniform over the colours that are not the label
  words[static_cast<std::size_t>(marker)] = std::string(kMarkerWord);
  words[static_cast<std::size_t>(marker + 1)] = colour(label);
  words[static_cast<std::size_t>(other_at)] = colour(other);
  return join_words(words);
}

// Two colours anywhere; in half the sentences the marker too, but never right before a colour.
std::string decoy_sentence(Generator& gen, std::int64_t length, std::int64_t classes) {
  std::vector<std::string> words(static_cast<std::size_t>(length));
  for (auto& word : words) word = filler(gen);
  const std::int64_t first = gen.randint(0, length);
  const std::int64_t second = draw_position(gen, length, [&](std::int64_t i) { return i != first; });
  words[static_cast<std::size_t>(first)] = colour(gen.randint(0, classes));
  words[static_cast<std::size_t>(second)] = colour(gen.randint(0, classes));
  if (gen.uniform() < 0.5) {
    const auto is_colour = [&](std::int64_t i) { return i == first || i == second; };
    const std::int64_t marker =
        draw_position(gen, length, [&](std::int64_t i) { return !is_colour(i) && !is_colour(i + 1); });
    if (marker >= 0) words[static_cast<std::size_t>(marker)] = std::string(kMarkerWord);
  }
  return join_words(words);
}

void check_options(const DocumentTaskOptions& o) {
  HEED_CHECK(o.num_classes >= 2 && o.num_classes <= static_cast<std::int64_t>(kColourWords.size()),
             "documents task: num_classes is ", o.num_classes, "; expected 2..", kColourWords.size(),
             " (one colour word per class)");
  HEED_CHECK(o.min_sentences >= 1 && o.min_sentences <= o.max_sentences, "documents task: sentences per document [",
             o.min_sentences, ", ", o.max_sentences, "] are invalid; expected 1 <= min_sentences <= max_sentences");
  HEED_CHECK(o.min_words >= 3 && o.min_words <= o.max_words, "documents task: words per sentence [", o.min_words,
             ", ", o.max_words, "] are invalid; expected 3 <= min_words <= max_words (a key sentence needs the ",
             "marker and two colours)");
  HEED_CHECK(o.max_key_sentences >= 1, "documents task: max_key_sentences is ", o.max_key_sentences,
             "; expected >= 1");
  HEED_CHECK(o.train_percent >= 0 && o.valid_percent >= 0 && o.train_percent + o.valid_percent <= 100,
             "documents task: train_percent ", o.train_percent, " and valid_percent ", o.valid_percent,
             " must be >= 0 and add up to at most 100 (the rest goes to test)");
}

}  // namespace

std::string Document::text() const {
  std::string joined;
  for (std::size_t i = 0; i < sentences.size(); ++i) joined += (i ? " " : "") + sentences[i] + ".";
  return joined;
}

std::int64_t colour_index(std::string_view word) {
  const auto at = std::find(kColourWords.begin(), kColourWords.end(), word);
  return at == kColourWords.end() ? -1 : static_cast<std::int64_t>(at - kColourWords.begin());
}

std::vector<std::int64_t> key_sentences_of(const std::vector<std::string>& sentences) {
  std::vector<std::int64_t> keys;
  for (std::size_t s = 0; s < sentences.size(); ++s) {
    const auto words = split_words(sentences[s]);
    for (std::size_t i = 0; i + 1 < words.size(); ++i)
      if (words[i] == kMarkerWord && colour_index(words[i + 1]) >= 0) {
        keys.push_back(static_cast<std::int64_t>(s));
        break;
      }
  }
  return keys;
}

std::int64_t label_of(const std::vector<std::string>& sentences) {
  for (const auto& sentence : sentences) {
    const auto words = split_words(sentence);
    for (std::size_t i = 0; i + 1 < words.size(); ++i)
      if (words[i] == kMarkerWord && colour_index(words[i + 1]) >= 0) return colour_index(words[i + 1]);
  }
  return -1;
}

Document make_document(Generator& gen, const DocumentTaskOptions& o) {
  Document doc;
  const std::int64_t count = gen.randint(o.min_sentences, o.max_sentences + 1);
  const std::int64_t keys = gen.randint(1, std::min(o.max_key_sentences, count) + 1);
  doc.label = gen.randint(0, o.num_classes);
  // The first `keys` entries of a partial Fisher-Yates shuffle: distinct, uniform positions.
  std::vector<std::int64_t> order(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) order[static_cast<std::size_t>(i)] = i;
  for (std::int64_t i = 0; i < keys; ++i)
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(gen.randint(i, count))]);
  doc.key_sentences.assign(order.begin(), order.begin() + keys);
  std::sort(doc.key_sentences.begin(), doc.key_sentences.end());
  for (std::int64_t s = 0; s < count; ++s) {
    const std::int64_t length = gen.randint(o.min_words, o.max_words + 1);
    const bool is_key = std::binary_search(doc.key_sentences.begin(), doc.key_sentences.end(), s);
    doc.sentences.push_back(is_key ? key_sentence(gen, length, doc.label, o.num_classes)
                                   : decoy_sentence(gen, length, o.num_classes));
  }
  return doc;
}

DocumentTask make_document_task(const DocumentTaskOptions& o) {
  check_options(o);
  DocumentTask task;
  for (std::int64_t k = 0; k < o.num_classes; ++k) task.class_names.push_back(colour(k));
  const std::array<std::vector<Document>*, 3> splits = {&task.train, &task.validation, &task.test};
  const std::array<std::int64_t, 3> wanted = {o.train_size, o.valid_size, o.test_size};
  const std::array<int, 3> percents = {o.train_percent, o.valid_percent, 100 - o.train_percent - o.valid_percent};
  std::int64_t missing = 0, expected_draws = 0;
  for (std::size_t s = 0; s < 3; ++s) {
    HEED_CHECK(wanted[s] >= 0, "documents task: split sizes must be >= 0, got ", wanted[s]);
    HEED_CHECK(wanted[s] == 0 || percents[s] > 0, "documents task: asked for ", wanted[s],
               " documents in a split that gets 0% of the hash range; raise its percentage");
    if (wanted[s] > 0) expected_draws = std::max(expected_draws, wanted[s] * 100 / percents[s]);
    missing += wanted[s];
  }
  // Distinct documents are plentiful (billions even at the smallest sizes); the cap only stops
  // a loop that options with almost no variety could never finish.
  const std::int64_t max_draws = 4 * expected_draws + 10000;
  Generator gen(o.seed);
  std::array<std::unordered_set<std::string>, 3> seen;
  for (std::int64_t draws = 0; missing > 0; ++draws) {
    HEED_CHECK(draws < max_draws, "documents task: after ", draws, " draws the splits hold only ", task.train.size(),
               "/", wanted[0], " train, ", task.validation.size(), "/", wanted[1], " validation, ", task.test.size(),
               "/", wanted[2], " test distinct documents; ask for fewer or allow longer documents");
    Document doc = make_document(gen, o);
    const std::string text = doc.text();
    const auto s = static_cast<std::size_t>(split_of(text, o.train_percent, o.valid_percent));
    if (static_cast<std::int64_t>(splits[s]->size()) >= wanted[s] || !seen[s].insert(text).second) continue;
    splits[s]->push_back(std::move(doc));
    --missing;
  }
  return task;
}

}  // namespace heed::data
