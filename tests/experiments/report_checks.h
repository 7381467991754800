// What the comparison tests check in a report folder: files as text,
// results.csv as cells by column name, and an HTML page whose tags balance and
// whose attributes hold no NaN or infinity.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "experiments/lib/sweep_folder.h"
#include "helpers.h"

namespace heed::test {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// results.csv split into cells, with the same reader compare uses to read a sweep back.
inline std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& path) {
  return experiments::parse_csv(read_file(path));
}

inline std::string cell(const std::vector<std::vector<std::string>>& rows, std::size_t row, const std::string& column) {
  const auto& header = rows.front();
  const auto at = static_cast<std::size_t>(std::find(header.begin(), header.end(), column) - header.begin());
  REQUIRE(at < header.size());
  return rows.at(row).at(at);
}

// Opening and closing tags balance (void elements and "<x .../>" close themselves);
// returns the first problem, or "".
inline std::string unbalanced_tags(const std::string& html) {
  static const std::regex tag(R"(<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>)");
  static const std::vector<std::string> void_elements = {"meta", "br", "img", "link", "hr", "input"};
  std::vector<std::string> open;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[2];
    if ((*it)[3] == "/" || std::find(void_elements.begin(), void_elements.end(), name) != void_elements.end()) continue;
    if ((*it)[1] == "/") {
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes " + (open.empty() ? "nothing" : open.back());
      open.pop_back();
    } else {
      open.push_back(name);
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> is never closed";
}

inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

inline void require_well_formed(const std::string& html) {
  INFO(unbalanced_tags(html));
  REQUIRE(unbalanced_tags(html).empty());
  REQUIRE(count_of(html, "<svg") == count_of(html, "</svg>"));
  REQUIRE(count_of(html, "<table") == count_of(html, "</table>"));
  // No coordinate or size is NaN or infinite.
  static const std::regex bad_number(R"re(="[^"]*\b(nan|inf)\b)re", std::regex::icase);
  REQUIRE_FALSE(std::regex_search(html, bad_number));
  REQUIRE(html.find("<script") == std::string::npos);  // nothing to run, nothing fetched
}

// Two records of one run agree: names and outcome exactly, numbers to the 6
// significant digits that results.csv keeps.
inline void require_same_record(const experiments::RunRecord& a, const experiments::RunRecord& b) {
  INFO("run " << a.name);
  REQUIRE(a.name == b.name);
  REQUIRE(a.variant == b.variant);
  REQUIRE(a.position == b.position);
  REQUIRE(a.length == b.length);
  REQUIRE(a.seed == b.seed);
  REQUIRE(a.ok == b.ok);
  REQUIRE(a.exit == b.exit);
  REQUIRE(a.error == b.error);
  REQUIRE(a.parameters == b.parameters);
  REQUIRE(a.steps == b.steps);
  REQUIRE(a.blas_kernels == b.blas_kernels);
  REQUIRE(a.dir == b.dir);
  for (auto number : {&experiments::RunRecord::test_metric, &experiments::RunRecord::test_token_accuracy,
                      &experiments::RunRecord::best_valid_metric, &experiments::RunRecord::ms_per_step,
                      &experiments::RunRecord::peak_mb, &experiments::RunRecord::wall_s}) {
    REQUIRE(std::isfinite(a.*number) == std::isfinite(b.*number));
    if (std::isfinite(a.*number)) REQUIRE(a.*number == Approx(b.*number).epsilon(1e-5));
  }
}

}  // namespace heed::test
