// Toy sequence-to-sequence tasks, generated from a seed, for the `translate` driver.
//
//   task      source (what the model reads)        target (what it must write)
//   copy      "dkafq"                              "dkafq"
//   reverse   "dkafq"                              "qfakd"
//   sort      "dkafq"                              "adfkq"
//   dates     "Wednesday, March 3, 2021"           "2021-03-03"     (18 human formats -> ISO 8601)
//   numbers   "three hundred forty-two thousand seven"   "342007"
//   tsv       a user's parallel corpus, one "source<TAB>target" per line
// All built-in tasks are character-level on both sides.
//
// Splits never overlap. An example's split is a function of its source string alone:
//   h = FNV-1a-64(source) % 100;   h < 80 -> train,  h < 90 -> validation,  else -> test
// (percentages configurable), so a source string can live in one split only, whatever the seed
// and sizes, and a model is always tested on inputs it never trained on. Within a split,
// repeated sources are dropped. Generation draws examples until every split holds its size.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/tokenizer.h"
#include "tensor/random.h"

namespace heed::data {

struct Example {
  std::string source;
  std::string target;
  bool operator==(const Example&) const = default;
};

struct TaskOptions {
  std::int64_t train_size = 20000;
  std::int64_t valid_size = 1000;
  std::int64_t test_size = 1000;
  std::int64_t min_len = 3;  // copy, reverse, sort: symbols per source; numbers: digits (1..6)
  std::int64_t max_len = 12;
  std::uint64_t seed = 0;
  int train_percent = 80;  // share of the hash range that goes to train ...
  int valid_percent = 10;  // ... and to validation; the rest is test
  std::string tsv_path;    // tsv only: the corpus file
  TokenizerKind tsv_tokenizer = TokenizerKind::Char;  // tsv only: how both sides are split
};

struct TaskData {
  std::string name;
  std::vector<Example> train;
  std::vector<Example> validation;
  std::vector<Example> test;
  TokenizerKind source_tokenizer = TokenizerKind::Char;
  TokenizerKind target_tokenizer = TokenizerKind::Char;
};

std::vector<std::string> task_names();  // sorted: copy, dates, numbers, reverse, sort, tsv
// Sizes and lengths that train in minutes on a 2-core CPU. Start from these and override.
TaskOptions task_defaults(const std::string& name);
// Builds the named task. tsv ignores the sizes and lengths: it splits every line of the file.
TaskData make_task(const std::string& name, const TaskOptions& options);
TaskData make_task(const std::string& name);  // with task_defaults(name)

// The source (or target) side of each example, e.g. to build a vocabulary from the train split.
std::vector<std::string> sources_of(const std::vector<Example>& examples);
std::vector<std::string> targets_of(const std::vector<Example>& examples);

// ---- The split rule.
enum class Split { Train, Validation, Test };
std::uint64_t fnv1a_64(std::string_view text);
Split split_of(std::string_view source, int train_percent = 80, int valid_percent = 10);

// ---- tsv: one "source<TAB>target" per line, UTF-8. Empty lines are skipped and a trailing CR
// (Windows line ends) is dropped; any other malformed line is an error naming file and line.
std::vector<Example> load_tsv(const std::string& path);

// ---- The generators behind the tasks, one example per call; exposed for tests and demos.
inline constexpr std::string_view kSymbolAlphabet = "abcdefghijklmnopqrst";
Example make_copy_example(Generator& gen, std::int64_t min_len, std::int64_t max_len);
Example make_reverse_example(Generator& gen, std::int64_t min_len, std::int64_t max_len);
Example make_sort_example(Generator& gen, std::int64_t min_len, std::int64_t max_len);

// Dates from 1950-01-01 to 2049-12-31. Numeric forms are always day before month; two-digit
// years mean 1950..2049 (50 -> 1950, 49 -> 2049), so every source has exactly one reading.
std::int64_t num_date_formats();
std::string format_date(std::chrono::year_month_day date, std::int64_t format);  // as written by hand
std::string iso_date(std::chrono::year_month_day date);                          // "2021-03-03"
Example make_date_example(Generator& gen);

// English words for 0..999,999 with hyphenated tens ("forty-two"). American style leaves out
// "and" ("one hundred one"); British style puts it before the last two digits of a group
// ("one hundred and one", "two thousand and seven"). The task mixes both styles.
std::string number_in_words(std::int64_t value, bool british_and = false);
Example make_number_example(Generator& gen, std::int64_t min_digits, std::int64_t max_digits);

}  // namespace heed::data
