// The documents task: deterministic for a seed, disjoint splits, labels that follow the
// documented rule (and only its ordered form), and the padded batches its loader makes.
#include "helpers.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "data/doc_batch.h"
#include "data/task_documents.h"
#include "data/tasks.h"

using namespace heed;
using namespace heed::data;

namespace {

DocumentTaskOptions small_options(std::uint64_t seed = 5) {
  DocumentTaskOptions o;
  o.train_size = 400;
  o.valid_size = 50;
  o.test_size = 50;
  o.seed = seed;
  return o;
}

std::vector<std::string> words_of(const std::string& sentence) {
  std::vector<std::string> words;
  std::istringstream in(sentence);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::set<std::string> texts(const std::vector<Document>& docs) {
  std::set<std::string> all;
  for (const auto& d : docs) all.insert(d.text());
  return all;
}

}  // namespace

TEST_CASE("documents task: the same seed gives the same documents, another seed others", "[han][data]") {
  const DocumentTask a = make_document_task(small_options(5));
  const DocumentTask b = make_document_task(small_options(5));
  const DocumentTask c = make_document_task(small_options(6));
  REQUIRE(a.train == b.train);
  REQUIRE(a.validation == b.validation);
  REQUIRE(a.test == b.test);
  REQUIRE(a.train != c.train);
  REQUIRE(a.class_names == std::vector<std::string>{"red", "blue", "green", "gold"});
}

TEST_CASE("documents task: splits have their sizes, never overlap and follow the text hash", "[han][data]") {
  const DocumentTaskOptions o = small_options();
  const DocumentTask task = make_document_task(o);
  REQUIRE(task.train.size() == 400);
  REQUIRE(task.validation.size() == 50);
  REQUIRE(task.test.size() == 50);
  const auto train = texts(task.train), validation = texts(task.validation), test = texts(task.test);
  REQUIRE(train.size() == 400);  // no repeats within a split
  for (const auto& t : validation) REQUIRE_FALSE(train.contains(t));
  for (const auto& t : test) {
    REQUIRE_FALSE(train.contains(t));
    REQUIRE_FALSE(validation.contains(t));
  }
  for (const auto& d : task.train) REQUIRE(split_of(d.text()) == Split::Train);
  for (const auto& d : task.validation) REQUIRE(split_of(d.text()) == Split::Validation);
  for (const auto& d : task.test) REQUIRE(split_of(d.text()) == Split::Test);
}

TEST_CASE("documents task: every document follows the documented rule", "[han][data]") {
  DocumentTaskOptions o = small_options();
  o.num_classes = 6;
  o.min_sentences = 2;
  o.max_sentences = 5;
  o.min_words = 3;
  o.max_words = 7;
  o.max_key_sentences = 3;
  const DocumentTask task = make_document_task(o);
  std::map<std::int64_t, int> label_counts;
  std::map<std::size_t, int> key_counts;
  for (const auto& doc : task.train) {
    REQUIRE(doc.sentences.size() >= 2);
    REQUIRE(doc.sentences.size() <= 5);
    REQUIRE(label_of(doc.sentences) == doc.label);
    REQUIRE(key_sentences_of(doc.sentences) == doc.key_sentences);
    REQUIRE(!doc.key_sentences.empty());
    REQUIRE(doc.key_sentences.size() <= 3);
    ++label_counts[doc.label];
    ++key_counts[doc.key_sentences.size()];
    for (const auto& sentence : doc.sentences) {
      const auto words = words_of(sentence);
      REQUIRE(words.size() >= 3);
      REQUIRE(words.size() <= 7);
      // Exactly two colours per sentence, all among the task's classes.
      int colours = 0;
      for (const auto& w : words) {
        const std::int64_t k = colour_index(w);
        if (k >= 0) {
          ++colours;
          REQUIRE(k < 6);
        } else {
          REQUIRE((w == kMarkerWord || std::find(kFillerWords.begin(), kFillerWords.end(), w) != kFillerWords.end()));
        }
      }
      REQUIRE(colours == 2);
    }
    // Every key sentence names the label right after the marker.
    for (const std::int64_t k : doc.key_sentences) REQUIRE(label_of({doc.sentences[static_cast<std::size_t>(k)]}) == doc.label);
  }
  REQUIRE(label_counts.size() == 6);  // every class occurs
  REQUIRE(key_counts.size() == 3);    // 1, 2 and 3 key sentences all occur
  // Decoys carry the marker too, so its presence alone does not find the key sentence.
  int decoys_with_marker = 0;
  for (const auto& doc : task.train)
    for (std::size_t s = 0; s < doc.sentences.size(); ++s)
      if (!std::binary_search(doc.key_sentences.begin(), doc.key_sentences.end(), static_cast<std::int64_t>(s)) &&
          doc.sentences[s].find(kMarkerWord) != std::string::npos)
        ++decoys_with_marker;
  REQUIRE(decoys_with_marker > 100);
}

TEST_CASE("documents task: order decides, bags of words do not", "[han][data]") {
  // Swapping the two colours of a key sentence keeps every sentence's bag of words and changes
  // the label to the other colour.
  const DocumentTask task = make_document_task(small_options());
  int checked = 0;
  for (const auto& doc : task.train) {
    if (doc.key_sentences.size() != 1) continue;
    std::vector<std::string> swapped = doc.sentences;
    auto words = words_of(swapped[static_cast<std::size_t>(doc.key_sentences[0])]);
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < words.size(); ++i)
      if (colour_index(words[i]) >= 0) at.push_back(i);
    REQUIRE(at.size() == 2);
    std::swap(words[at[0]], words[at[1]]);
    std::vector<std::string> sorted_before = words, sorted_after = words_of(doc.sentences[static_cast<std::size_t>(doc.key_sentences[0])]);
    std::sort(sorted_before.begin(), sorted_before.end());
    std::sort(sorted_after.begin(), sorted_after.end());
    REQUIRE(sorted_before == sorted_after);
    std::string joined;
    for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
    swapped[static_cast<std::size_t>(doc.key_sentences[0])] = joined;
    const std::int64_t new_label = label_of(swapped);
    REQUIRE(new_label != doc.label);
    REQUIRE(new_label >= 0);
    ++checked;
  }
  REQUIRE(checked > 100);
  // The marker after its colour is no key sentence: the same bag, no label.
  REQUIRE(label_of({"the answer red cat blue"}) == 0);
  REQUIRE(label_of({"the red answer cat blue"}) == -1);
  REQUIRE(key_sentences_of({"red answer", "a cat", "answer blue now"}) == std::vector<std::int64_t>{2});
}

TEST_CASE("documents task: bad options are refused with their valid range", "[han][data][errors]") {
  DocumentTaskOptions o = small_options();
  o.num_classes = 13;
  CHECK_THROWS_WITH(make_document_task(o), Catch::Contains("num_classes is 13") && Catch::Contains("2..12"));
  o = small_options();
  o.min_words = 2;
  CHECK_THROWS_WITH(make_document_task(o), Catch::Contains("3 <= min_words"));
  o = small_options();
  o.min_sentences = 5;
  o.max_sentences = 4;
  CHECK_THROWS_WITH(make_document_task(o), Catch::Contains("min_sentences <= max_sentences"));
}

TEST_CASE("collate_documents pads words and sentences, DocLoader resumes its order", "[han][data]") {
  const DocBatch batch = collate_documents({{{4, 5, 6}, {7}}, {{8, 9}}}, {1, 0});
  REQUIRE(batch.words.shape() == Shape({2, 2, 3}));
  REQUIRE(batch.words.to_vector<std::int64_t>() == std::vector<std::int64_t>{4, 5, 6, 7, 0, 0, 8, 9, 0, 0, 0, 0});
  REQUIRE(batch.word_lengths.to_vector<std::int64_t>() == std::vector<std::int64_t>{3, 1, 2, 0});
  REQUIRE(batch.word_mask.to_vector<float>() == std::vector<float>{1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0});
  REQUIRE(batch.sentence_lengths.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 1});
  REQUIRE(batch.sentence_mask.to_vector<float>() == std::vector<float>{1, 1, 1, 0});
  REQUIRE(batch.labels.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  CHECK_THROWS_WITH(collate_documents({{{4}, {}}}, {0}), Catch::Contains("empty sentence"));

  const DocumentTask task = make_document_task(small_options());
  const WordTokenizer tokenizer;
  std::vector<std::string> sentences;
  for (const auto& d : task.train) sentences.insert(sentences.end(), d.sentences.begin(), d.sentences.end());
  const Vocab vocab = Vocab::build(sentences, tokenizer);
  REQUIRE(vocab.size() == Vocab::kNumSpecials + 1 + 4 + static_cast<std::int64_t>(kFillerWords.size()));
  DocLoader loader(task.train, vocab, tokenizer, 64, /*shuffle=*/true, 3);
  REQUIRE(loader.num_batches() == 7);
  for (int i = 0; i < 9; ++i) loader.next();  // into the second epoch
  const LoaderState saved = loader.state();
  const DocBatch expected = loader.next();
  DocLoader restored(task.train, vocab, tokenizer, 64, true, 3);
  restored.set_state(saved);
  const DocBatch got = restored.next();
  REQUIRE(got.example_indices == expected.example_indices);
  REQUIRE(got.words.to_vector<std::int64_t>() == expected.words.to_vector<std::int64_t>());
  const Document& first = task.train[static_cast<std::size_t>(got.example_indices[0])];
  REQUIRE(got.labels.to_vector<std::int64_t>()[0] == first.label);
  REQUIRE(got.sentence_lengths.to_vector<std::int64_t>()[0] == static_cast<std::int64_t>(first.sentences.size()));
}
