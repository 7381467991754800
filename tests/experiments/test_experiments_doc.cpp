// docs/experiments.md documents every flag of every driver: these tests run each
// driver's --help, read the flags it prints, and fail when one of them is not
// named as `--flag` in that driver's section of the page (from "## <driver>" to
// the next "## "), when a group of its --help has no heading there, or when an
// example command in the page (a line starting "build/bin/<driver>") uses a flag
// the driver does not have. A flag added, renamed or removed without the page
// following fails here, so the page cannot go stale.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "data/temp_dir.h"
#include "experiments/lib/child_process.h"
#include "experiments/lib/compare.h"
#include "helpers.h"

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  INFO("cannot read " << path.string());
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// `driver --help` as printed.
std::string help_of(const std::string& driver) {
  const heed::test::TempDir dir;
  const auto exit = heed::experiments::run_child(std::filesystem::path(HEED_DRIVER_DIR) / driver, {"--help"},
                                                 dir.path() / "help.txt", dir.path() / "stderr.txt");
  INFO(driver << " --help: " << exit.describe());
  REQUIRE(exit.ok());
  return read_file(dir.path() / "help.txt");
}

// cxxopts prints one option a line, "  -h, --help ..." or "      --task arg ...",
// long descriptions continuing on deeper-indented lines, and each group as a
// line " <Group> options:".
std::vector<std::string> matches(const std::string& help, const std::regex& pattern) {
  std::vector<std::string> found;
  std::istringstream lines(help);
  std::smatch match;
  for (std::string line; std::getline(lines, line);)
    if (std::regex_search(line, match, pattern)) found.push_back(match[1]);
  return found;
}

// The text from "## <driver>" to the next "## " heading.
std::string section_of(const std::string& doc, const std::string& driver) {
  const std::string heading = "\n## " + driver + "\n";
  const auto start = doc.find(heading);
  INFO("docs/experiments.md has no section '## " << driver << "'");
  REQUIRE(start != std::string::npos);
  const auto end = doc.find("\n## ", start + heading.size());
  return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// `--flag`, `--flag value` or `--flag=value`, inside backticks.
bool names_flag(const std::string& text, const std::string& flag) {
  const std::string quoted = "`--" + flag;
  for (auto at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at + 1)) {
    const char next = at + quoted.size() < text.size() ? text[at + quoted.size()] : '\0';
    if (next == '`' || next == ' ' || next == '=') return true;
  }
  return false;
}

const std::vector<std::string> kDrivers = {"translate", "classify", "documents", "compare", "bench"};

// Two spaces then "-h, " or four spaces: deeper lines continue a description.
const std::regex kFlagLine(R"(^  (?:-\w, |    )--([a-z0-9][a-z0-9-]*))");
const std::regex kGroupLine(R"(^ (\S.*) options:$)");

std::string experiments_doc() { return read_file(std::string(HEED_TEST_DATA_DIR) + "/../../docs/experiments.md"); }

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The words of a command line up to a "#" comment.
std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line.substr(0, line.find(" #")));
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// Checks each "--flag" or "--flag=value" among words[from, to) against `flags`.
void check_example_flags(const std::string& line, const std::vector<std::string>& words, std::size_t from,
                         std::size_t to, const std::string& driver, const std::vector<std::string>& flags) {
  for (std::size_t i = from; i < to; ++i) {
    if (words[i].rfind("--", 0) != 0) continue;
    const std::size_t equals = words[i].find('=');
    const std::string flag = words[i].substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    INFO("docs/experiments.md runs `" << line << "`, but " << driver << " has no flag --" << flag);
    CHECK(contains(flags, flag));
  }
}

}  // namespace

TEST_CASE("docs/experiments.md names every flag and flag group of every driver", "[docs]") {
  const std::string doc = experiments_doc();
  for (const std::string& driver : kDrivers) {
    const std::string help = help_of(driver);
    const std::string section = section_of(doc, driver);
    const auto flags = matches(help, kFlagLine);
    CHECK(flags.size() >= 3);  // the pattern still reads cxxopts' layout
    for (const std::string& flag : flags) {
      INFO(driver << " --help lists --" << flag << ", but the '## " << driver
                  << "' section of docs/experiments.md does not name `--" << flag << "`");
      CHECK(names_flag(section, flag));
    }
    for (const std::string& group : matches(help, kGroupLine)) {
      INFO(driver << " --help has the group '" << group << "', but the '## " << driver
                  << "' section of docs/experiments.md has no heading '### " << group << "'");
      CHECK(section.find("\n### " + group + "\n") != std::string::npos);
    }
  }
}

TEST_CASE("docs/experiments.md's example commands use only flags their drivers have", "[docs]") {
  std::map<std::string, std::vector<std::string>> flags;
  for (const std::string& driver : kDrivers) flags[driver] = matches(help_of(driver), kFlagLine);
  std::istringstream lines(experiments_doc());
  int examples = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("build/bin/", 0) != 0) continue;
    const std::vector<std::string> words = words_of(line);
    const std::string driver = words[0].substr(std::string("build/bin/").size());
    INFO("docs/experiments.md runs `" << line << "`");
    REQUIRE(flags.count(driver) == 1);
    ++examples;
    // compare gives everything after `--` to the driver of its --task.
    const auto own_end = static_cast<std::size_t>(std::find(words.begin(), words.end(), "--") - words.begin());
    check_example_flags(line, words, 1, own_end, driver, flags[driver]);
    if (driver != "compare" || own_end == words.size()) continue;
    std::string task = "dates";  // compare's default
    for (std::size_t i = 1; i + 1 < own_end; ++i)
      if (words[i] == "--task") task = words[i + 1];
    const std::string run_driver = heed::experiments::driver_for_task(task);
    check_example_flags(line, words, own_end + 1, words.size(), run_driver, flags[run_driver]);
  }
  CHECK(examples >= 20);
}
