// The results of a comparison sweep (experiments/lib/compare.h): one record
// per run, read from its summary.json; the per-variant statistics over seeds;
// and the plain-text outputs, results.csv and report.md. report_html.h draws
// the same numbers as an HTML page with charts. A Comparison is several
// finished sweeps read back from their folders (sweep_folder.h) and reported
// together: one section per sweep under a short overview; a single sweep's
// report is the one-section case, without the overview.
//
// The test metric is test_exact_match for translate (with test_token_accuracy
// beside it) and test_accuracy for classify and documents; "mean ± std" is over the seeds that finished, with
// the sample standard deviation (divided by n - 1; shown without for one seed).
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "experiments/lib/run.h"

namespace heed::experiments {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct RunRecord {
  std::string name;  // the run's folder name
  std::string variant, position;
  std::int64_t length = 0;  // 0: the task's default
  std::uint64_t seed = 0;
  bool ok = false;
  std::string exit;         // how the process ended: "exit status 0", "killed by signal 9 (...)"
  std::string error;        // why it failed: the driver's last error line, or how it ended
  double test_metric = kMissing;
  double test_token_accuracy = kMissing;  // translate: the share of target tokens right
  double best_valid_metric = kMissing;
  double ms_per_step = kMissing;
  double peak_mb = kMissing;
  double wall_s = kMissing;  // the child process, start to exit
  std::int64_t parameters = 0;
  std::int64_t steps = 0;
  std::string blas_kernels;
  std::filesystem::path dir;  // the run folder

  // "additive", or "mha + rope" when the sweep has positions.
  std::string label() const { return position.empty() ? variant : variant + " + " + position; }
};

struct SweepResults {
  std::string task, model, driver;
  std::string metric;        // the summary's key: test_exact_match or test_accuracy
  std::string valid_metric;  // its metrics.csv column: valid_exact_match or valid_accuracy
  std::string command_line, commit, date;
  unsigned cores = 0;        // the machine the sweep ran on
  std::string cpu;
  std::size_t planned = 0;   // runs planned; more than runs.size() when the sweep was stopped
  std::filesystem::path root;  // the sweep folder; its name names the sweep
  std::vector<RunRecord> runs;

  bool has_token_accuracy() const { return driver == "translate"; }
};

// Fills the record's numbers from a run's JSON summary; false (with the error
// set) when it is not a JSON object or lacks the test metric.
bool read_run_summary(RunRecord& record, const Json& summary, const std::string& metric,
                      const std::string& best_valid_key);

struct MeanStd {
  double mean = kMissing;
  double std = kMissing;
  std::size_t n = 0;
};
MeanStd mean_std(const std::vector<double>& values);  // NaN values are skipped

// One variant (and position) at one length, over its seeds.
struct VariantStats {
  std::string label, variant, position;
  MeanStd test_metric, test_token_accuracy, best_valid_metric, ms_per_step, peak_mb, wall_s;
  std::int64_t parameters = 0;
  std::size_t runs = 0, failed = 0;
  std::vector<const RunRecord*> records;  // in seed order
};

// The runs at one length (0: the task's default), one row per variant,
// sorted by the test metric (best first; variants with no finished run last).
struct ResultGroup {
  std::int64_t length = 0;
  std::vector<VariantStats> variants;
};
std::vector<ResultGroup> group_results(const SweepResults& results);

// Every distinct variant label in sweep order: a stable colour per label.
std::vector<std::string> sweep_labels(const SweepResults& results);

// Metric names for people: "exact match", "accuracy".
std::string metric_title(const std::string& metric);
// "93.1 ± 1.2" in percent for metrics in [0, 1]; "93.1" for one seed; "–" when missing.
std::string percent_mean_std(const MeanStd& value);
std::string format_number(double value, int decimals);  // "–" when missing
std::string group_title(const SweepResults& results, const ResultGroup& group);
std::string sweep_name(const SweepResults& results);  // the sweep folder's name
// The group's variants best first with their mean test metric in %:
// "additive 99.1, general 97.0, none 60.3" ("x failed" for a variant with no finished run).
std::string ranking(const ResultGroup& group);
// "4/4 runs finished", "3/4 runs finished, 1 of 5 planned not run" for a stopped sweep.
std::string runs_finished(const SweepResults& results);
double total_wall_s(const SweepResults& results);  // the runs' wall times added up
// Where a run's log is: "runs/<run>/log.txt" from the sweep folder, or with the sweep folder in front.
std::string run_log_path(const SweepResults& results, const RunRecord& run, bool from_sweep_folder = false);

// "AMD EPYC 7B13" from /proc/cpuinfo; "unknown CPU" where it says nothing.
std::string cpu_model_name();
// The machine in one line: cores, CPU model, BLIS kernels seen in the summaries, GPU.
std::string machine_description(const SweepResults& results);

// Several finished sweeps, reported together (compare --combine).
struct Comparison {
  std::string name;  // the output folder's name
  std::string command_line, commit, date;
  std::vector<SweepResults> sweeps;
};

// results.csv's header: "run,task,model,variant,...".
extern const char* const kResultsCsvColumns;

// One row per run: run, task, model, variant, ..., with a leading "sweep"
// column (the sweep folder's name) for a comparison of several sweeps.
void write_results_csv(const SweepResults& results, const std::filesystem::path& file);
void write_results_csv(const Comparison& comparison, const std::filesystem::path& file);
void write_report_md(const SweepResults& results, const std::filesystem::path& file);
void write_report_md(const Comparison& comparison, const std::filesystem::path& file);

}  // namespace heed::experiments
