// The task registry, the hash split, the draw-until-full loop, and the tsv reader. The example
// generators live beside this file: task_symbols.cpp, task_dates.cpp, task_numbers.cpp.
#include "data/tasks.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <sstream>
#include <unordered_set>

#include "tensor/error.h"

namespace heed::data {
namespace {

using ExampleMaker = std::function<Example(Generator&)>;

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) joined += (i ? separator : "") + parts[i];
  return joined;
}

void check_task_name(const std::string& name) {
  const auto names = task_names();
  HEED_CHECK(std::find(names.begin(), names.end(), name) != names.end(), "unknown task '", name,
             "'; valid tasks: ", join(names, ", "));
}

void check_percents(int train_percent, int valid_percent) {
  HEED_CHECK(train_percent >= 0 && valid_percent >= 0 && train_percent + valid_percent <= 100,
             "task split: train_percent ", train_percent, " and valid_percent ", valid_percent,
             " must be >= 0 and add up to at most 100 (the rest goes to test)");
}

void check_lengths(const std::string& task, std::int64_t min_len, std::int64_t max_len, std::int64_t longest) {
  HEED_CHECK(min_len >= 1 && min_len <= max_len && max_len <= longest, "task '", task, "': lengths [", min_len,
             ", ", max_len, "] are invalid; expected 1 <= min_len <= max_len <= ", longest);
}

// Draws examples and deals each to the split its source hashes to, until every split is full.
// A split's share of draws is its percentage, so the number of draws needed is about
// max(size / share); four times that is plenty unless the task runs out of distinct sources.
TaskData generate_splits(const std::string& name, const TaskOptions& options, const ExampleMaker& make_example) {
  check_percents(options.train_percent, options.valid_percent);
  TaskData data;
  data.name = name;
  const std::array<std::vector<Example>*, 3> splits = {&data.train, &data.validation, &data.test};
  const std::array<const char*, 3> split_names = {"train", "validation", "test"};
  const std::array<std::int64_t, 3> wanted = {options.train_size, options.valid_size, options.test_size};
  const std::array<int, 3> percents = {options.train_percent, options.valid_percent,
                                       100 - options.train_percent - options.valid_percent};
  std::int64_t expected_draws = 0;
  std::int64_t missing = 0;
  for (std::size_t s = 0; s < 3; ++s) {
    HEED_CHECK(wanted[s] >= 0, "task '", name, "': ", split_names[s], " size is ", wanted[s], "; expected >= 0");
    HEED_CHECK(wanted[s] == 0 || percents[s] > 0, "task '", name, "': asked for ", wanted[s], " ",
               split_names[s], " examples but that split gets 0% of the hash range; raise its percentage");
    if (wanted[s] > 0) expected_draws = std::max(expected_draws, wanted[s] * 100 / percents[s]);
    splits[s]->reserve(static_cast<std::size_t>(wanted[s]));
    missing += wanted[s];
  }
  const std::int64_t max_draws = 4 * expected_draws + 10000;

  Generator gen(options.seed);
  std::array<std::unordered_set<std::string>, 3> seen_sources;
  for (std::int64_t draws = 0; missing > 0; ++draws) {
    if (draws == max_draws) {
      std::ostringstream held;
      for (std::size_t s = 0; s < 3; ++s) {
        held << (s ? ", " : "") << split_names[s] << " " << splits[s]->size() << "/" << wanted[s];
      }
      detail::fail("task '", name, "': after ", draws, " draws the splits hold only ", held.str(),
                   " distinct examples; the task has too few distinct sources for these sizes: ask for fewer "
                   "examples or widen min_len..max_len");
    }
    Example example = make_example(gen);
    const auto s = static_cast<std::size_t>(split_of(example.source, options.train_percent, options.valid_percent));
    if (static_cast<std::int64_t>(splits[s]->size()) >= wanted[s]) continue;
    if (!seen_sources[s].insert(example.source).second) continue;
    splits[s]->push_back(std::move(example));
    --missing;
  }
  return data;
}

TaskData split_tsv(const TaskOptions& options) {
  HEED_CHECK(!options.tsv_path.empty(), "task 'tsv': no file given; set TaskOptions::tsv_path to a file of "
                                        "source<TAB>target lines");
  check_percents(options.train_percent, options.valid_percent);
  TaskData data;
  data.name = "tsv";
  data.source_tokenizer = options.tsv_tokenizer;
  data.target_tokenizer = options.tsv_tokenizer;
  const std::array<std::vector<Example>*, 3> splits = {&data.train, &data.validation, &data.test};
  std::array<std::unordered_set<std::string>, 3> seen_sources;
  for (auto& example : load_tsv(options.tsv_path)) {
    const auto s = static_cast<std::size_t>(split_of(example.source, options.train_percent, options.valid_percent));
    if (seen_sources[s].insert(example.source).second) splits[s]->push_back(std::move(example));
  }
  return data;
}

}  // namespace

std::vector<std::string> task_names() { return {"copy", "dates", "numbers", "reverse", "sort", "tsv"}; }

TaskOptions task_defaults(const std::string& name) {
  check_task_name(name);
  TaskOptions options;
  if (name == "copy" || name == "reverse" || name == "sort") {
    options.train_size = 10000;
    options.min_len = 3;
    options.max_len = 12;
  } else if (name == "numbers") {
    options.min_len = 1;  // digits
    options.max_len = 6;
  }
  return options;
}

TaskData make_task(const std::string& name, const TaskOptions& options) {
  check_task_name(name);
  if (name == "tsv") return split_tsv(options);
  const std::int64_t min_len = options.min_len;
  const std::int64_t max_len = options.max_len;
  if (name == "dates") return generate_splits(name, options, [](Generator& gen) { return make_date_example(gen); });
  if (name == "numbers") {
    check_lengths(name, min_len, max_len, 6);
    return generate_splits(name, options, [=](Generator& gen) { return make_number_example(gen, min_len, max_len); });
  }
  check_lengths(name, min_len, max_len, 10000);
  if (name == "copy") {
    return generate_splits(name, options, [=](Generator& gen) { return make_copy_example(gen, min_len, max_len); });
  }
  if (name == "reverse") {
    return generate_splits(name, options,
                           [=](Generator& gen) { return make_reverse_example(gen, min_len, max_len); });
  }
  return generate_splits(name, options, [=](Generator& gen) { return make_sort_example(gen, min_len, max_len); });
}

TaskData make_task(const std::string& name) { return make_task(name, task_defaults(name)); }

std::vector<std::string> sources_of(const std::vector<Example>& examples) {
  std::vector<std::string> sources;
  sources.reserve(examples.size());
  for (const auto& example : examples) sources.push_back(example.source);
  return sources;
}

std::vector<std::string> targets_of(const std::vector<Example>& examples) {
  std::vector<std::string> targets;
  targets.reserve(examples.size());
  for (const auto& example : examples) targets.push_back(example.target);
  return targets;
}

std::uint64_t fnv1a_64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // the FNV-1a 64-bit offset basis and prime
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

Split split_of(std::string_view source, int train_percent, int valid_percent) {
  const auto bucket = static_cast<int>(fnv1a_64(source) % 100);
  if (bucket < train_percent) return Split::Train;
  if (bucket < train_percent + valid_percent) return Split::Validation;
  return Split::Test;
}

std::vector<Example> load_tsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HEED_CHECK(in.good(), "load_tsv: cannot open '", path, "'; check that the file exists and is readable");
  std::vector<Example> examples;
  std::string line;
  for (std::int64_t line_number = 1; std::getline(in, line); ++line_number) {
    if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte-order mark
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto where = [&] { return path + ":" + std::to_string(line_number); };
    HEED_CHECK(is_valid_utf8(line), "load_tsv: ", where(), ": the line is not valid UTF-8; save the file as UTF-8");
    const auto tab = line.find('\t');
    HEED_CHECK(tab != std::string::npos, "load_tsv: ", where(),
               ": no tab; expected one 'source<TAB>target' pair per line");
    HEED_CHECK(line.find('\t', tab + 1) == std::string::npos, "load_tsv: ", where(),
               ": more than one tab; expected exactly one, between source and target");
    Example example{line.substr(0, tab), line.substr(tab + 1)};
    HEED_CHECK(!example.source.empty(), "load_tsv: ", where(), ": the source (before the tab) is empty");
    HEED_CHECK(!example.target.empty(), "load_tsv: ", where(), ": the target (after the tab) is empty");
    examples.push_back(std::move(example));
  }
  HEED_CHECK(!in.bad(), "load_tsv: reading '", path, "' failed");
  HEED_CHECK(!examples.empty(), "load_tsv: '", path, "' holds no 'source<TAB>target' lines");
  return examples;
}

}  // namespace heed::data
