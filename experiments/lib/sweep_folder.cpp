#include "experiments/lib/sweep_folder.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tensor/error.h"

namespace heed::experiments {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "heed-sweep";
constexpr int kVersion = 1;

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Errors name the sweep folder first, so a combine of several says which one is at fault.
template <typename... Parts>
[[noreturn]] void refuse(const fs::path& folder, const Parts&... parts) {
  detail::fail("compare: the sweep folder ", folder.string(), " ", parts...);
}

std::string text_field(const fs::path& folder, const Json& sweep, const char* key) {
  if (!sweep.contains(key) || !sweep[key].is_string())
    refuse(folder, "has a corrupt sweep.json: \"", key, "\" is missing or not a string");
  return sweep[key].get<std::string>();
}

std::size_t count_field(const fs::path& folder, const Json& sweep, const char* key) {
  if (!sweep.contains(key) || !sweep[key].is_number_unsigned())
    refuse(folder, "has a corrupt sweep.json: \"", key, "\" is missing or not a count");
  return sweep[key].get<std::size_t>();
}

// The cells of results.csv by column name, for one row.
class CsvRow {
 public:
  CsvRow(const fs::path& folder, const std::vector<std::string>& header, const std::vector<std::string>& cells,
         std::size_t line)
      : folder_(folder), header_(header), cells_(cells), line_(line) {}

  const std::string& text(const std::string& column) const {
    for (std::size_t i = 0; i < header_.size(); ++i)
      if (header_[i] == column) return cells_[i];
    refuse(folder_, "has a results.csv without the column '", column, "'");
  }

  // An empty cell is a missing value.
  double number(const std::string& column) const {
    const std::string& cell = text(column);
    if (cell.empty()) return kMissing;
    char* end = nullptr;
    const double value = std::strtod(cell.c_str(), &end);
    if (end != cell.c_str() + cell.size()) bad(column, "a number");
    return value;
  }

  std::int64_t whole(const std::string& column) const {
    const std::string& cell = text(column);
    std::int64_t value = 0;
    if (cell.empty()) return 0;
    const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (error != std::errc() || end != cell.data() + cell.size()) bad(column, "a whole number");
    return value;
  }

  [[noreturn]] void bad(const std::string& column, const std::string& expected) const {
    refuse(folder_, "has a corrupt results.csv: row ", line_, ", column '", column, "' holds '", text(column),
           "'; expected ", expected);
  }

 private:
  const fs::path& folder_;
  const std::vector<std::string>& header_;
  const std::vector<std::string>& cells_;
  std::size_t line_;
};

RunRecord read_record(const fs::path& folder, const CsvRow& row, const std::string& task) {
  RunRecord r;
  r.name = row.text("run");
  if (row.text("task") != task) row.bad("task", "'" + task + "', the task in sweep.json");
  r.variant = row.text("variant");
  r.position = row.text("position");
  r.length = row.whole("length");
  r.seed = static_cast<std::uint64_t>(row.whole("seed"));
  const std::string& status = row.text("status");
  if (status != "ok" && status != "failed") row.bad("status", "ok or failed");
  r.ok = status == "ok";
  r.exit = row.text("exit");
  r.error = row.text("error");
  r.test_metric = row.number("test_metric");
  r.test_token_accuracy = row.number("test_token_accuracy");
  r.best_valid_metric = row.number("best_valid_metric");
  r.ms_per_step = row.number("ms_per_step");
  r.peak_mb = row.number("peak_mb");
  r.parameters = row.whole("parameters");
  r.wall_s = row.number("wall_s");
  r.steps = row.whole("steps");
  r.dir = folder / "runs" / r.name;
  if (r.ok && !fs::is_directory(r.dir))
    refuse(folder, "lists the finished run '", r.name, "' but has no runs/", r.name, "/ folder; it is incomplete");
  const Json summary = Json::parse(read_text(r.dir / "summary.json"), nullptr, /*allow_exceptions=*/false);
  if (summary.is_object() && summary.contains("blas_kernels") && summary["blas_kernels"].is_string())
    r.blas_kernels = summary["blas_kernels"].get<std::string>();
  return r;
}

}  // namespace

void write_sweep_json(const SweepResults& results, const fs::path& file) {
  const Json sweep = {{"format", kFormat},          {"version", kVersion},
                      {"task", results.task},       {"model", results.model},
                      {"driver", results.driver},   {"metric", results.metric},
                      {"valid_metric", results.valid_metric}, {"command", results.command_line},
                      {"commit", results.commit},   {"date", results.date},
                      {"cores", results.cores},     {"cpu", results.cpu},
                      {"runs_planned", results.planned}};
  std::ofstream out(file);
  HEED_CHECK(out.good(), "compare: cannot write ", file.string());
  out << sweep.dump(2) << "\n";
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row(1);
  bool quoted = false, row_started = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') row.back() += text[++i];
      else if (c == '"') quoted = false;
      else row.back() += c;
    } else if (c == '"') {
      quoted = row_started = true;
    } else if (c == ',') {
      row.emplace_back();
      row_started = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (row_started) rows.push_back(row);
      row.assign(1, "");
      row_started = false;
    } else {
      row.back() += c;
      row_started = true;
    }
  }
  HEED_CHECK(!quoted, "CSV: a quoted field is never closed (row ", rows.size() + 1, ")");
  if (row_started) rows.push_back(row);
  return rows;
}

SweepResults read_sweep_folder(const fs::path& given) {
  const fs::path folder = given.has_filename() ? given : given.parent_path();  // "runs/x/" names runs/x
  if (!fs::is_directory(folder)) refuse(folder, "does not exist (give the folder compare wrote: <out>/<name>)");
  if (!fs::exists(folder / "sweep.json"))
    refuse(folder, "has no sweep.json: it is not the folder of a sweep that compare ran (a combined report's "
                   "folder is not one either)");
  const Json sweep = Json::parse(read_text(folder / "sweep.json"), nullptr, /*allow_exceptions=*/false);
  if (!sweep.is_object() || !sweep.contains("format") || sweep["format"] != kFormat)
    refuse(folder, "has a corrupt sweep.json: expected a JSON object with \"format\": \"", kFormat, "\"");
  if (!sweep.contains("version") || sweep["version"] != kVersion)
    refuse(folder, "has a sweep.json of another version (", sweep.value("version", Json()).dump(),
           "); this heed reads version ", kVersion);

  SweepResults results;
  results.root = folder;
  results.task = text_field(folder, sweep, "task");
  results.model = text_field(folder, sweep, "model");
  results.driver = text_field(folder, sweep, "driver");
  results.metric = text_field(folder, sweep, "metric");
  results.valid_metric = text_field(folder, sweep, "valid_metric");
  results.command_line = text_field(folder, sweep, "command");
  results.commit = text_field(folder, sweep, "commit");
  results.date = text_field(folder, sweep, "date");
  results.cpu = text_field(folder, sweep, "cpu");
  results.cores = static_cast<unsigned>(count_field(folder, sweep, "cores"));
  results.planned = count_field(folder, sweep, "runs_planned");

  if (!fs::exists(folder / "results.csv")) refuse(folder, "has no results.csv: no run of the sweep ended");
  std::vector<std::vector<std::string>> rows;
  try {
    rows = parse_csv(read_text(folder / "results.csv"));
  } catch (const std::exception& e) {
    refuse(folder, "has a corrupt results.csv: ", e.what());
  }
  std::vector<std::string> expected;
  std::stringstream columns(kResultsCsvColumns);
  for (std::string column; std::getline(columns, column, ',');) expected.push_back(column);
  if (rows.empty() || rows.front() != expected)
    refuse(folder, "has a corrupt results.csv: its header is not \"", kResultsCsvColumns, "\"");
  for (std::size_t line = 1; line < rows.size(); ++line) {
    if (rows[line].size() != expected.size())
      refuse(folder, "has a corrupt results.csv: row ", line, " has ", rows[line].size(), " fields; expected ",
             expected.size());
    results.runs.push_back(read_record(folder, CsvRow(folder, rows.front(), rows[line], line), results.task));
  }
  if (results.runs.empty()) refuse(folder, "has a results.csv with no runs: no run of the sweep ended");
  return results;
}

}  // namespace heed::experiments
