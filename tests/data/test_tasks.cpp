// The toy tasks: deterministic for a seed, correct targets, disjoint splits; and the tsv reader.
#include "helpers.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "data/tasks.h"
#include "temp_dir.h"

using namespace heed::data;
using namespace std::chrono;

namespace {

TaskOptions small_options(const std::string& name, std::uint64_t seed = 7) {
  TaskOptions options = task_defaults(name);
  options.train_size = 2000;
  options.valid_size = 200;
  options.test_size = 200;
  options.seed = seed;
  return options;
}

std::vector<Example> all_examples(const TaskData& data) {
  std::vector<Example> all = data.train;
  all.insert(all.end(), data.validation.begin(), data.validation.end());
  all.insert(all.end(), data.test.begin(), data.test.end());
  return all;
}

std::set<std::string> source_set(const std::vector<Example>& examples) {
  std::set<std::string> sources;
  for (const auto& example : examples) sources.insert(example.source);
  return sources;
}

// Splits hold the sizes asked for, no source twice within a split, none shared between splits,
// and each example sits in the split its source hashes to.
void require_disjoint_splits(const TaskData& data, const TaskOptions& options) {
  REQUIRE(static_cast<std::int64_t>(data.train.size()) == options.train_size);
  REQUIRE(static_cast<std::int64_t>(data.validation.size()) == options.valid_size);
  REQUIRE(static_cast<std::int64_t>(data.test.size()) == options.test_size);
  const auto train = source_set(data.train);
  const auto validation = source_set(data.validation);
  const auto test = source_set(data.test);
  REQUIRE(train.size() == data.train.size());
  REQUIRE(validation.size() == data.validation.size());
  REQUIRE(test.size() == data.test.size());
  std::vector<std::string> shared;
  std::set_intersection(train.begin(), train.end(), validation.begin(), validation.end(), std::back_inserter(shared));
  std::set_intersection(train.begin(), train.end(), test.begin(), test.end(), std::back_inserter(shared));
  std::set_intersection(validation.begin(), validation.end(), test.begin(), test.end(), std::back_inserter(shared));
  REQUIRE(shared.empty());
  for (const auto& example : data.train) REQUIRE(split_of(example.source) == Split::Train);
  for (const auto& example : data.validation) REQUIRE(split_of(example.source) == Split::Validation);
  for (const auto& example : data.test) REQUIRE(split_of(example.source) == Split::Test);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// An independent reader for the date formats: words and numbers in any order the formats use.
struct ParsedDate {
  year_month_day date;
  std::optional<unsigned> weekday;  // c_encoding, when the source names one
};

ParsedDate parse_human_date(const std::string& source) {
  const std::vector<std::string> months = {"january", "february", "march",     "april",   "may",      "june",
                                           "july",    "august",   "september", "october", "november", "december"};
  const std::vector<std::string> weekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                             "thursday", "friday", "saturday"};
  std::vector<std::string> words;
  std::string word;
  for (const char c : lower(source) + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  std::vector<std::string> numbers;
  unsigned month = 0;
  std::optional<unsigned> weekday;
  auto matches = [](const std::string& w, const std::string& name) { return w == name || w == name.substr(0, 3); };
  for (const auto& w : words) {
    if (std::isdigit(static_cast<unsigned char>(w[0]))) {
      std::string digits = w;
      while (!std::isdigit(static_cast<unsigned char>(digits.back()))) digits.pop_back();  // 3rd -> 3
      numbers.push_back(digits);
      continue;
    }
    if (w == "the" || w == "of") continue;
    bool known = false;
    for (unsigned m = 0; m < 12; ++m) {
      if (matches(w, months[m])) {
        month = m + 1;
        known = true;
      }
    }
    for (unsigned d = 0; d < 7; ++d) {
      if (matches(w, weekdays[d])) {
        weekday = d;
        known = true;
      }
    }
    INFO("source '" << source << "' word '" << w << "'");
    REQUIRE(known);
  }
  std::string day_text, month_text, year_text;
  if (month != 0) {  // named month: the day always comes before the year
    REQUIRE(numbers.size() == 2);
    day_text = numbers[0];
    year_text = numbers[1];
    month_text = std::to_string(month);
  } else {
    REQUIRE(numbers.size() == 3);
    const bool year_first = numbers[0].size() == 4;  // Y-M-D; otherwise D/M/Y
    year_text = year_first ? numbers[0] : numbers[2];
    month_text = numbers[1];
    day_text = year_first ? numbers[2] : numbers[0];
  }
  int y = std::stoi(year_text);
  if (year_text.size() == 2) y += y < 50 ? 2000 : 1900;
  return {year{y} / std::stoi(month_text) / std::stoi(day_text), weekday};
}

std::int64_t parse_number_words(const std::string& words) {
  const std::map<std::string, std::int64_t> values = {
      {"zero", 0},     {"one", 1},        {"two", 2},        {"three", 3},     {"four", 4},      {"five", 5},
      {"six", 6},      {"seven", 7},      {"eight", 8},      {"nine", 9},      {"ten", 10},      {"eleven", 11},
      {"twelve", 12},  {"thirteen", 13},  {"fourteen", 14},  {"fifteen", 15},  {"sixteen", 16},  {"seventeen", 17},
      {"eighteen", 18}, {"nineteen", 19}, {"twenty", 20},    {"thirty", 30},   {"forty", 40},    {"fifty", 50},
      {"sixty", 60},   {"seventy", 70},   {"eighty", 80},    {"ninety", 90}};
  std::int64_t total = 0;
  std::int64_t current = 0;
  std::string word;
  auto take = [&](const std::string& w) {
    if (w.empty() || w == "and") return;
    if (w == "hundred") {
      current *= 100;
    } else if (w == "thousand") {
      total += current * 1000;
      current = 0;
    } else {
      INFO("unknown number word '" << w << "' in '" << words << "'");
      REQUIRE(values.contains(w));
      current += values.at(w);
    }
  };
  for (const char c : words) {
    if (c == ' ' || c == '-') {
      take(word);
      word.clear();
    } else {
      word += c;
    }
  }
  take(word);
  return total + current;
}

}  // namespace

TEST_CASE("task_names lists the tasks and an unknown name is refused", "[data]") {
  REQUIRE(task_names() == std::vector<std::string>{"copy", "dates", "numbers", "reverse", "sort", "tsv"});
  REQUIRE_THROWS_WITH(make_task("foo"), "unknown task 'foo'; valid tasks: copy, dates, numbers, reverse, sort, tsv");
  REQUIRE_THROWS_WITH(task_defaults("bar"), Catch::StartsWith("unknown task 'bar'"));
}

TEST_CASE("the split rule hashes the source with FNV-1a", "[data]") {
  // Reference values of 64-bit FNV-1a.
  REQUIRE(fnv1a_64("") == 0xcbf29ce484222325ULL);
  REQUIRE(fnv1a_64("a") == 0xaf63dc4c8601ec8cULL);
  REQUIRE(fnv1a_64("foobar") == 0x85944171f73967e8ULL);
  std::map<Split, int> counts;
  for (int i = 0; i < 20000; ++i) ++counts[split_of("example " + std::to_string(i))];
  REQUIRE(counts[Split::Train] == Approx(16000).margin(400));
  REQUIRE(counts[Split::Validation] == Approx(2000).margin(200));
  REQUIRE(counts[Split::Test] == Approx(2000).margin(200));
  for (int i = 0; i < 1000; ++i) REQUIRE(split_of(std::to_string(i), 50, 50) != Split::Test);
}

TEST_CASE("every generated task is deterministic for a seed and its splits never overlap", "[data]") {
  for (const std::string name : {"copy", "reverse", "sort", "dates", "numbers"}) {
    INFO("task " << name);
    const TaskOptions options = small_options(name);
    const TaskData data = make_task(name, options);
    REQUIRE(data.name == name);
    REQUIRE(data.source_tokenizer == TokenizerKind::Char);
    REQUIRE(data.target_tokenizer == TokenizerKind::Char);
    require_disjoint_splits(data, options);
    const TaskData again = make_task(name, options);
    REQUIRE(again.train == data.train);
    REQUIRE(again.validation == data.validation);
    REQUIRE(again.test == data.test);
    REQUIRE(make_task(name, small_options(name, 8)).train != data.train);
  }
}

TEST_CASE("copy, reverse and sort targets are right and lengths stay in range", "[data]") {
  for (const std::string name : {"copy", "reverse", "sort"}) {
    INFO("task " << name);
    TaskOptions options = small_options(name);
    options.min_len = 2;
    options.max_len = 5;
    std::set<std::size_t> lengths;
    for (const auto& example : all_examples(make_task(name, options))) {
      const std::string& source = example.source;
      lengths.insert(source.size());
      REQUIRE(source.size() >= 2);
      REQUIRE(source.size() <= 5);
      REQUIRE(source.find_first_not_of(kSymbolAlphabet) == std::string::npos);
      std::string expected = source;
      if (name == "reverse") std::reverse(expected.begin(), expected.end());
      if (name == "sort") std::sort(expected.begin(), expected.end());
      REQUIRE(example.target == expected);
    }
    REQUIRE(lengths == std::set<std::size_t>{2, 3, 4, 5});  // every length in the range occurs
  }
  heed::Generator gen(1);
  REQUIRE(make_reverse_example(gen, 4, 4).source.size() == 4);
}

TEST_CASE("a task with too few distinct sources says so", "[data]") {
  TaskOptions options = small_options("reverse");
  options.min_len = 1;
  options.max_len = 1;  // only 20 distinct sources
  REQUIRE_THROWS_WITH(make_task("reverse", options), Catch::Contains("too few distinct sources"));
  options.max_len = 0;
  REQUIRE_THROWS_WITH(make_task("reverse", options), Catch::Contains("min_len <= max_len"));
  options = small_options("copy");
  options.train_percent = 95;
  options.valid_percent = 10;
  REQUIRE_THROWS_WITH(make_task("copy", options), Catch::Contains("at most 100"));
  options.train_percent = 90;
  REQUIRE_THROWS_WITH(make_task("copy", options), Catch::Contains("test examples") && Catch::Contains("0%"));
}

TEST_CASE("format_date writes the human formats of a date", "[data]") {
  const year_month_day date = year{2021} / March / 3;  // a Wednesday
  REQUIRE(num_date_formats() >= 12);
  std::set<std::string> written;
  for (std::int64_t f = 0; f < num_date_formats(); ++f) written.insert(format_date(date, f));
  REQUIRE(static_cast<std::int64_t>(written.size()) == num_date_formats());
  for (const std::string expected :
       {"3 March 2021", "March 3, 2021", "03/03/2021", "2021-3-3", "2021.03.03", "Wednesday, March 3, 2021",
        "3 mar 21", "MAR 3 2021", "march 3rd 2021", "the 3rd of march, 2021", "3.3.2021", "03 MARCH 2021"}) {
    INFO(expected);
    REQUIRE(written.contains(expected));
  }
  REQUIRE(iso_date(date) == "2021-03-03");
  REQUIRE(format_date(year{1999} / December / 22, 8) == "december 22nd 1999");
  REQUIRE(format_date(year{2011} / November / 11, 9) == "the 11th of november, 2011");
  REQUIRE(format_date(year{1950} / January / 1, 6) == "1 jan 50");
  REQUIRE_THROWS_WITH(format_date(date, num_date_formats()), Catch::Contains("out of range"));
}

TEST_CASE("dates: every source reads back as its ISO target, with the true weekday", "[data]") {
  const TaskData data = make_task("dates", small_options("dates"));
  int named_weekdays = 0;
  std::set<std::string> shapes;  // the source with digits blanked: a rough count of formats in use
  for (const auto& example : all_examples(data)) {
    INFO("source '" << example.source << "' target '" << example.target << "'");
    const ParsedDate parsed = parse_human_date(example.source);
    REQUIRE(parsed.date.ok());
    REQUIRE(iso_date(parsed.date) == example.target);
    REQUIRE(parsed.date.year() >= year{1950});
    REQUIRE(parsed.date.year() <= year{2049});
    if (parsed.weekday) {
      ++named_weekdays;
      REQUIRE(weekday{sys_days{parsed.date}}.c_encoding() == *parsed.weekday);
    }
    std::string shape = lower(example.source);
    for (auto& c : shape) c = std::isdigit(static_cast<unsigned char>(c)) ? '9' : c;
    shapes.insert(shape.substr(0, 4));
  }
  REQUIRE(named_weekdays > 100);
  REQUIRE(shapes.size() > 30);
}

TEST_CASE("number_in_words writes English numbers", "[data]") {
  REQUIRE(number_in_words(0) == "zero");
  REQUIRE(number_in_words(7) == "seven");
  REQUIRE(number_in_words(15) == "fifteen");
  REQUIRE(number_in_words(42) == "forty-two");
  REQUIRE(number_in_words(100) == "one hundred");
  REQUIRE(number_in_words(101) == "one hundred one");
  REQUIRE(number_in_words(101, true) == "one hundred and one");
  REQUIRE(number_in_words(1000) == "one thousand");
  REQUIRE(number_in_words(2007, true) == "two thousand and seven");
  REQUIRE(number_in_words(120000) == "one hundred twenty thousand");
  REQUIRE(number_in_words(342007) == "three hundred forty-two thousand seven");
  REQUIRE(number_in_words(342007, true) == "three hundred and forty-two thousand and seven");
  REQUIRE(number_in_words(999999) == "nine hundred ninety-nine thousand nine hundred ninety-nine");
  REQUIRE(number_in_words(999999, true) ==
          "nine hundred and ninety-nine thousand nine hundred and ninety-nine");
  REQUIRE_THROWS_WITH(number_in_words(1000000), Catch::Contains("0..999999"));
  for (const std::int64_t value : {0, 7, 15, 42, 100, 101, 1000, 1001, 20020, 999999}) {
    REQUIRE(parse_number_words(number_in_words(value)) == value);
    REQUIRE(parse_number_words(number_in_words(value, true)) == value);
  }
}

TEST_CASE("numbers: every source reads back as its digits, within the digit range", "[data]") {
  const TaskData data = make_task("numbers", small_options("numbers"));
  std::set<std::size_t> digit_counts;
  for (const auto& example : all_examples(data)) {
    INFO("source '" << example.source << "' target '" << example.target << "'");
    REQUIRE(std::to_string(parse_number_words(example.source)) == example.target);
    digit_counts.insert(example.target.size());
  }
  REQUIRE(digit_counts == std::set<std::size_t>{1, 2, 3, 4, 5, 6});

  TaskOptions options = small_options("numbers");
  options.min_len = 2;
  options.max_len = 3;
  options.train_size = 300;
  options.valid_size = 30;
  options.test_size = 30;
  for (const auto& example : all_examples(make_task("numbers", options))) {
    REQUIRE(example.target.size() >= 2);
    REQUIRE(example.target.size() <= 3);
  }
  options.max_len = 7;
  REQUIRE_THROWS_WITH(make_task("numbers", options), Catch::Contains("max_len <= 6"));
}

TEST_CASE("load_tsv reads source<TAB>target lines", "[data]") {
  heed::test::TempDir dir;
  // Windows line ends, a blank line, a UTF-8 byte-order mark, and no newline at the very end.
  const std::string path = dir.write("pairs.tsv", "\xEF\xBB\xBFhello\tbonjour\r\n\r\nthe cat\tle chat\r\n\n"
                                                  "caf\xC3\xA9\tcoffee");
  const auto examples = load_tsv(path);
  REQUIRE(examples == std::vector<Example>{{"hello", "bonjour"}, {"the cat", "le chat"}, {"caf\xC3\xA9", "coffee"}});
}

TEST_CASE("load_tsv refuses malformed files, naming file and line", "[data]") {
  heed::test::TempDir dir;
  REQUIRE_THROWS_WITH(load_tsv(dir.file("absent.tsv")), Catch::Contains(dir.file("absent.tsv")));
  const std::string no_tab = dir.write("no_tab.tsv", "a\tb\n\nno tab here\nc\td\n");
  REQUIRE_THROWS_WITH(load_tsv(no_tab), Catch::Contains(no_tab + ":3") && Catch::Contains("no tab"));
  const std::string two_tabs = dir.write("two_tabs.tsv", "a\tb\tc\n");
  REQUIRE_THROWS_WITH(load_tsv(two_tabs), Catch::Contains(two_tabs + ":1") && Catch::Contains("more than one tab"));
  const std::string empty_target = dir.write("empty_target.tsv", "a\tb\nc\t\r\n");
  REQUIRE_THROWS_WITH(load_tsv(empty_target), Catch::Contains(empty_target + ":2") && Catch::Contains("target"));
  const std::string empty_source = dir.write("empty_source.tsv", "\tb\n");
  REQUIRE_THROWS_WITH(load_tsv(empty_source), Catch::Contains(empty_source + ":1") && Catch::Contains("source"));
  const std::string latin1 = dir.write("latin1.tsv", "caf\xE9\tcoffee\n");
  REQUIRE_THROWS_WITH(load_tsv(latin1), Catch::Contains(latin1 + ":1") && Catch::Contains("UTF-8"));
  const std::string blank = dir.write("blank.tsv", "\n\r\n");
  REQUIRE_THROWS_WITH(load_tsv(blank), Catch::Contains(blank) && Catch::Contains("no 'source<TAB>target' lines"));
}

TEST_CASE("the tsv task splits a file by the same hash rule", "[data]") {
  heed::test::TempDir dir;
  std::string contents;
  for (int i = 0; i < 500; ++i) contents += "sentence " + std::to_string(i) + "\tphrase " + std::to_string(i) + "\n";
  contents += "sentence 1\trepeated source\n";
  TaskOptions options;
  options.tsv_path = dir.write("corpus.tsv", contents);
  options.tsv_tokenizer = TokenizerKind::Word;
  const TaskData data = make_task("tsv", options);
  REQUIRE(data.source_tokenizer == TokenizerKind::Word);
  REQUIRE(data.train.size() + data.validation.size() + data.test.size() == 500);  // the repeat is dropped
  REQUIRE(data.train.size() > data.validation.size());
  options.train_size = static_cast<std::int64_t>(data.train.size());
  options.valid_size = static_cast<std::int64_t>(data.validation.size());
  options.test_size = static_cast<std::int64_t>(data.test.size());
  require_disjoint_splits(data, options);
  REQUIRE_THROWS_WITH(make_task("tsv", TaskOptions{}), Catch::Contains("tsv_path"));
}

TEST_CASE("sources_of and targets_of pick one side of the examples", "[data]") {
  const std::vector<Example> examples = {{"a", "b"}, {"c", "d"}};
  REQUIRE(sources_of(examples) == std::vector<std::string>{"a", "c"});
  REQUIRE(targets_of(examples) == std::vector<std::string>{"b", "d"});
}
