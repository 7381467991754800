// What the training-driver tests read back from a run folder (metrics.csv, metrics.jsonl, the
// JSON files), and require_same_run: two folders hold the same run to the last bit, as a run
// trained straight through and one stopped at a checkpoint and resumed must.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/checkpoint.h"
#include "helpers.h"

namespace heed::test {

using Csv = std::vector<std::vector<std::string>>;

inline Csv read_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  Csv rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

// The value in column `name` of row `row` (row 0 is the header).
inline double column(const Csv& rows, std::size_t row, const std::string& name) {
  const auto& header = rows.front();
  const auto at = std::find(header.begin(), header.end(), name) - header.begin();
  return std::stod(rows.at(row).at(static_cast<std::size_t>(at)));
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  INFO("cannot read " << path.string());
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

inline std::vector<nlohmann::json> read_json_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

inline nlohmann::json without(nlohmann::json json, std::initializer_list<const char*> keys) {
  for (const char* key : keys) json.erase(key);
  return json;
}

// Each tensor of `b` has the name, shape and values (compared as doubles: exact for float32) of `a`'s.
inline void require_same_tensors(const NamedTensors& a, const NamedTensors& b, const std::string& what) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(what << " " << a[i].first);
    REQUIRE(a[i].first == b[i].first);
    REQUIRE(a[i].second.shape() == b[i].second.shape());
    REQUIRE(values(a[i].second) == values(b[i].second));
  }
}

// The folders `a` and `b` hold the same run: the same parameters, optimizer state, step,
// generator, loader and trainer state in checkpoint.safetensors; the same rows in metrics.csv
// and metrics.jsonl but for the elapsed time; the same summary.json but for times, memory and
// the run's name; the same samples.json. Both runs must have finished.
inline void require_same_run(const std::filesystem::path& a, const std::filesystem::path& b) {
  const io::Checkpoint ca = io::load_checkpoint((a / "checkpoint.safetensors").string());
  const io::Checkpoint cb = io::load_checkpoint((b / "checkpoint.safetensors").string());
  require_same_tensors(ca.model, cb.model, "parameter");
  require_same_tensors(ca.optimizer, cb.optimizer, "optimizer state");
  REQUIRE(ca.step == cb.step);
  REQUIRE(ca.epoch == cb.epoch);
  REQUIRE(ca.generator.s == cb.generator.s);
  REQUIRE(ca.generator.has_spare == cb.generator.has_spare);
  REQUIRE(ca.generator.spare == cb.generator.spare);
  REQUIRE(ca.extra == cb.extra);

  const Csv metrics_a = read_csv(a / "metrics.csv");
  const Csv metrics_b = read_csv(b / "metrics.csv");
  REQUIRE(metrics_a.size() == metrics_b.size());
  REQUIRE(metrics_a.size() > 1);
  const auto& header = metrics_a.front();
  const auto elapsed = static_cast<std::size_t>(std::find(header.begin(), header.end(), "elapsed_s") - header.begin());
  for (std::size_t row = 0; row < metrics_a.size(); ++row) {
    INFO("metrics.csv row " << row);
    std::vector<std::string> ra = metrics_a[row], rb = metrics_b[row];
    REQUIRE(ra.size() == header.size());
    REQUIRE(rb.size() == header.size());
    ra.erase(ra.begin() + static_cast<std::ptrdiff_t>(elapsed));
    rb.erase(rb.begin() + static_cast<std::ptrdiff_t>(elapsed));
    REQUIRE(ra == rb);
  }
  const auto lines_a = read_json_lines(a / "metrics.jsonl");
  const auto lines_b = read_json_lines(b / "metrics.jsonl");
  REQUIRE(lines_a.size() == metrics_a.size() - 1);  // one line per csv row
  REQUIRE(lines_b.size() == lines_a.size());
  for (std::size_t row = 0; row < lines_a.size(); ++row) {
    INFO("metrics.jsonl line " << row);
    REQUIRE(without(lines_a[row], {"elapsed_s"}) == without(lines_b[row], {"elapsed_s"}));
  }

  const auto varying = {"run", "run_dir", "wall_s", "ms_per_step", "peak_mb", "peak_rss_mb", "date"};
  const nlohmann::json summary_a = read_json(a / "summary.json");
  REQUIRE_FALSE(summary_a.contains("stopped_at_step"));
  REQUIRE(without(summary_a, varying) == without(read_json(b / "summary.json"), varying));
  REQUIRE(std::filesystem::exists(a / "samples.json") == std::filesystem::exists(b / "samples.json"));
  if (std::filesystem::exists(a / "samples.json")) REQUIRE(read_json(a / "samples.json") == read_json(b / "samples.json"));
}

}  // namespace heed::test
