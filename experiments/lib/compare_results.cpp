#include "experiments/lib/compare_results.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "tensor/error.h"

namespace heed::experiments {

namespace fs = std::filesystem;

bool read_run_summary(RunRecord& record, const Json& summary, const std::string& metric,
                      const std::string& best_valid_key) {
  if (!summary.is_object()) {
    record.error = "the run printed no JSON summary and wrote no summary.json";
    return false;
  }
  auto number = [&](const std::string& key) {
    return summary.contains(key) && summary[key].is_number() ? summary[key].get<double>() : kMissing;
  };
  record.best_valid_metric = number(best_valid_key);
  record.test_token_accuracy = number("test_token_accuracy");
  record.ms_per_step = number("ms_per_step");
  record.peak_mb = number("peak_mb");
  record.parameters = static_cast<std::int64_t>(number("parameters"));
  record.steps = static_cast<std::int64_t>(number("steps"));
  const bool has_kernels = summary.contains("blas_kernels") && summary["blas_kernels"].is_string();
  record.blas_kernels = has_kernels ? summary["blas_kernels"].get<std::string>() : "";
  record.test_metric = number(metric);
  if (!std::isfinite(record.test_metric)) {
    record.error = "the run stopped before its test evaluation (its summary has no " + metric + ")";
    return false;
  }
  return true;
}

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd out;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      ++out.n;
    }
  if (out.n == 0) return out;
  out.mean = sum / static_cast<double>(out.n);
  double squares = 0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - out.mean) * (v - out.mean);
  out.std = out.n > 1 ? std::sqrt(squares / static_cast<double>(out.n - 1)) : 0.0;
  return out;
}

std::vector<std::string> sweep_labels(const SweepResults& results) {
  std::vector<std::string> labels;
  for (const RunRecord& r : results.runs)
    if (std::find(labels.begin(), labels.end(), r.label()) == labels.end()) labels.push_back(r.label());
  return labels;
}

std::vector<ResultGroup> group_results(const SweepResults& results) {
  std::vector<ResultGroup> groups;
  for (const RunRecord& r : results.runs) {
    auto group = std::find_if(groups.begin(), groups.end(), [&](const ResultGroup& g) { return g.length == r.length; });
    if (group == groups.end()) group = groups.insert(groups.end(), ResultGroup{r.length, {}});
    auto& variants = group->variants;
    auto stats =
        std::find_if(variants.begin(), variants.end(), [&](const VariantStats& v) { return v.label == r.label(); });
    if (stats == variants.end()) {
      VariantStats fresh;
      fresh.label = r.label();
      fresh.variant = r.variant;
      fresh.position = r.position;
      stats = variants.insert(variants.end(), fresh);
    }
    stats->records.push_back(&r);
  }
  for (ResultGroup& group : groups) {
    for (VariantStats& v : group.variants) {
      std::vector<double> metric, tokens, best, ms, peak, wall;
      for (const RunRecord* r : v.records) {
        ++v.runs;
        if (!r->ok) {
          ++v.failed;
          continue;
        }
        metric.push_back(r->test_metric);
        tokens.push_back(r->test_token_accuracy);
        best.push_back(r->best_valid_metric);
        ms.push_back(r->ms_per_step);
        peak.push_back(r->peak_mb);
        wall.push_back(r->wall_s);
        v.parameters = r->parameters;
      }
      v.test_metric = mean_std(metric);
      v.test_token_accuracy = mean_std(tokens);
      v.best_valid_metric = mean_std(best);
      v.ms_per_step = mean_std(ms);
      v.peak_mb = mean_std(peak);
      v.wall_s = mean_std(wall);
    }
    // Best first; a variant with no finished run goes last (stable among equals).
    std::stable_sort(group.variants.begin(), group.variants.end(), [](const VariantStats& a, const VariantStats& b) {
      const double x = a.test_metric.n ? a.test_metric.mean : -1.0;
      const double y = b.test_metric.n ? b.test_metric.mean : -1.0;
      return x > y;
    });
  }
  return groups;
}

std::string metric_title(const std::string& metric) {
  if (metric.find("exact_match") != std::string::npos) return "exact match";
  if (metric.find("accuracy") != std::string::npos) return "accuracy";
  return metric;
}

std::string format_number(double value, int decimals) {
  if (!std::isfinite(value)) return "–";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string percent_mean_std(const MeanStd& value) {
  if (value.n == 0) return "–";
  if (value.n == 1) return format_number(100 * value.mean, 1);  // one seed: no spread to show
  return format_number(100 * value.mean, 1) + " ± " + format_number(100 * value.std, 1);
}

std::string group_title(const SweepResults& results, const ResultGroup& group) {
  std::string title = results.task + " (" + results.model + ")";
  if (group.length > 0) title += ", length " + std::to_string(group.length);
  return title;
}

std::string sweep_name(const SweepResults& results) { return results.root.filename().string(); }

std::string ranking(const ResultGroup& group) {
  std::string out;
  for (const VariantStats& v : group.variants)
    out += (out.empty() ? "" : ", ") + v.label + " " +
           (v.test_metric.n ? format_number(100 * v.test_metric.mean, 1) : std::string("failed"));
  return out;
}

std::string runs_finished(const SweepResults& results) {
  std::size_t ok = 0;
  for (const RunRecord& r : results.runs) ok += r.ok ? 1 : 0;
  std::string out = std::to_string(ok) + "/" + std::to_string(results.runs.size()) + " runs finished";
  if (results.planned > results.runs.size())
    out += ", " + std::to_string(results.planned - results.runs.size()) + " of " + std::to_string(results.planned) +
           " planned never ran (the sweep was stopped)";
  return out;
}

double total_wall_s(const SweepResults& results) {
  double sum = 0;
  for (const RunRecord& r : results.runs) sum += std::isfinite(r.wall_s) ? r.wall_s : 0.0;
  return sum;
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown CPU";
}

namespace {

// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_number(double value) {
  if (!std::isfinite(value)) return "";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

// A table cell may not hold a '|' or a line break.
std::string md_cell(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string machine_description(const SweepResults& results) {
  std::set<std::string> kernels;
  for (const RunRecord& r : results.runs)
    if (!r.blas_kernels.empty()) kernels.insert(r.blas_kernels);
  std::string blis;
  for (const auto& k : kernels) blis += (blis.empty() ? "" : "; ") + k;
  return (results.cores ? std::to_string(results.cores) + " cores" : std::string("cores not recorded")) + " (" +
         (results.cpu.empty() ? "unknown CPU" : results.cpu) + "), BLIS kernels " + (blis.empty() ? "unknown" : blis) +
         ", GPU none";
}

const char* const kResultsCsvColumns =
    "run,task,model,variant,position,length,seed,status,exit,error,metric,test_metric,test_token_accuracy,"
    "best_valid_metric,ms_per_step,peak_mb,parameters,wall_s,steps";

namespace {

// One row per run of the sweep, each starting with `lead` ("" or "<sweep>,").
void write_csv_rows(std::ostream& out, const SweepResults& results, const std::string& lead) {
  for (const RunRecord& r : results.runs) {
    out << lead << csv_field(r.name) << "," << results.task << "," << results.model << "," << csv_field(r.variant)
        << "," << csv_field(r.position) << "," << (r.length > 0 ? std::to_string(r.length) : "") << "," << r.seed
        << "," << (r.ok ? "ok" : "failed") << "," << csv_field(r.exit) << "," << csv_field(r.error) << ","
        << results.metric << "," << csv_number(r.test_metric) << "," << csv_number(r.test_token_accuracy) << ","
        << csv_number(r.best_valid_metric) << "," << csv_number(r.ms_per_step) << "," << csv_number(r.peak_mb) << ","
        << (r.ok ? std::to_string(r.parameters) : "") << "," << csv_number(r.wall_s) << ","
        << (r.ok ? std::to_string(r.steps) : "") << "\n";
  }
}

std::ofstream open_output(const fs::path& file) {
  std::ofstream out(file);
  HEED_CHECK(out.good(), "compare: cannot write ", file.string());
  return out;
}

// The sweep's tables, one per length, and its failed runs: under "##" headings
// when the sweep is alone in its report, under "###" when it is one of several.
void write_sweep_md(std::ostream& out, const SweepResults& results, bool alone) {
  const std::string heading = alone ? "##" : "###";
  const std::string metric = metric_title(results.metric);
  const bool tokens = results.has_token_accuracy();
  for (const ResultGroup& group : group_results(results)) {
    out << heading << " " << group_title(results, group) << "\n\n"
        << "| # | variant | test " << metric << " (%) | " << (tokens ? "test token accuracy (%) | " : "")
        << "seeds | best valid " << metric << " (%) | ms/step | peak MB | parameters | wall s |\n"
        << "|---:|---|---:|" << (tokens ? "---:|" : "") << "---:|---:|---:|---:|---:|---:|\n";
    int rank = 0;
    for (const VariantStats& v : group.variants) {
      out << "| " << ++rank << " | " << md_cell(v.label) << " | " << percent_mean_std(v.test_metric) << " | "
          << (tokens ? percent_mean_std(v.test_token_accuracy) + " | " : "") << v.test_metric.n << "/" << v.runs
          << " | " << percent_mean_std(v.best_valid_metric) << " | " << format_number(v.ms_per_step.mean, 1) << " | "
          << format_number(v.peak_mb.mean, 1) << " | " << (v.test_metric.n ? std::to_string(v.parameters) : "–")
          << " | " << format_number(v.wall_s.mean, 1) << " |\n";
    }
    out << "\n";
  }
  std::vector<const RunRecord*> failed;
  for (const RunRecord& r : results.runs)
    if (!r.ok) failed.push_back(&r);
  out << heading << " Failed runs\n\n";
  if (failed.empty()) out << "None: every run finished.\n";
  for (const RunRecord* r : failed)
    out << "- `" << r->name << "`: " << md_cell(r->error) << " (log: " << run_log_path(results, *r, alone) << ")\n";
}

const char* kMetricNote =
    " (in %: mean ± std over seeds, the sample standard deviation; the value alone for one seed)";

}  // namespace

std::string run_log_path(const SweepResults& results, const RunRecord& run, bool from_sweep_folder) {
  const fs::path log = fs::path("runs") / run.name / "log.txt";
  return (from_sweep_folder ? log : results.root / log).string();
}

void write_results_csv(const SweepResults& results, const fs::path& file) {
  std::ofstream out = open_output(file);
  out << kResultsCsvColumns << "\n";
  write_csv_rows(out, results, "");
}

void write_results_csv(const Comparison& comparison, const fs::path& file) {
  std::ofstream out = open_output(file);
  out << "sweep," << kResultsCsvColumns << "\n";
  for (const SweepResults& results : comparison.sweeps)
    write_csv_rows(out, results, csv_field(sweep_name(results)) + ",");
}

void write_report_md(const SweepResults& results, const fs::path& file) {
  std::ofstream out = open_output(file);
  out << "# Comparison: " << sweep_name(results) << "\n\n"
      << "- command: `" << results.command_line << "`\n"
      << "- heed commit: " << results.commit << "\n"
      << "- machine: " << machine_description(results) << "\n"
      << "- date: " << results.date << "\n"
      << "- test metric: " << results.metric << kMetricNote << "\n\n";
  write_sweep_md(out, results, /*alone=*/true);
}

void write_report_md(const Comparison& comparison, const fs::path& file) {
  std::ofstream out = open_output(file);
  out << "# Comparison: " << comparison.name << "\n\n"
      << "- command: `" << comparison.command_line << "`\n"
      << "- heed commit: " << comparison.commit << "\n"
      << "- date: " << comparison.date << "\n"
      << "- test metrics" << kMetricNote << "\n\n"
      << "## Overview\n\n"
      << "| sweep | task (model) | runs | variants, best first: test metric (%) | wall min |\n"
      << "|---|---|---|---|---:|\n";
  for (const SweepResults& results : comparison.sweeps)
    for (const ResultGroup& group : group_results(results))
      out << "| " << md_cell(sweep_name(results)) << " | " << md_cell(group_title(results, group)) << " | "
          << runs_finished(results) << " | " << md_cell(metric_title(results.metric) + ": " + ranking(group)) << " | "
          << format_number(total_wall_s(results) / 60, 1) << " |\n";
  for (const SweepResults& results : comparison.sweeps) {
    out << "\n## Sweep " << sweep_name(results) << "\n\n"
        << "- folder: " << results.root.string() << "\n"
        << "- command: `" << results.command_line << "`\n"
        << "- heed commit: " << results.commit << "\n"
        << "- machine: " << machine_description(results) << "\n"
        << "- date: " << results.date << "\n"
        << "- test metric: " << results.metric << "\n"
        << "- " << runs_finished(results) << "\n\n";
    write_sweep_md(out, results, /*alone=*/false);
  }
}

}  // namespace heed::experiments
