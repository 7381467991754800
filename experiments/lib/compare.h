// A comparison sweep: the runs of the `compare` driver, planned from its flags
// and run one after another as child processes of the other drivers.
//
//   compare --task dates --attention none,additive --seeds 2 -- --epochs 1
//
// plans 2 variants x 2 seeds = 4 runs of `translate` and writes
//
//   runs/<name>/runs/<variant>[-<position>][-L<length>]-s<seed>/   each run's folder, with log.txt
//   runs/<name>/sweep.json     what was swept, so the folder can be read back (sweep_folder.h)
//   runs/<name>/results.csv    one row per run
//   runs/<name>/report.md      tables: the test metric, mean ± std over seeds, per variant
//   runs/<name>/report.html    the same tables with charts and attention heatmaps
//
// A run that fails (bad flag, refused length, crash, out of memory) is kept in
// the results with its exit status and last error line; the sweep goes on.
// Everything that can be checked before running (task, model, variant and
// position names, the output folder) is refused before any folder is made.
//
//   compare --combine runs/dates-rnn,runs/fashion-cnn --name both
//
// runs nothing: it reads finished sweep folders back and writes one report of
// them all to runs/both/ (results.csv, report.md, report.html), an overview
// first and then one section per sweep.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/lib/run.h"

namespace heed::experiments {

struct CompareOptions {
  std::string task = "dates";
  std::string model;                     // "": the task's default model
  std::vector<std::string> variants;     // --attention; empty: the model's default variant
  bool all = false;                      // every registered variant of the model
  std::vector<std::string> positions;    // --position (transformer); empty: the driver's default
  std::vector<std::int64_t> lengths;     // --lengths: --min-len = --max-len = each value
  std::int64_t seeds = 1;                // seeds 0 .. seeds-1
  std::string name;                      // "": <task>-<model>
  std::string out_dir = "runs";
  bool overwrite = false;
  int threads = 0;                       // passed to every run when > 0
  bool quiet = false;                    // no progress line
  std::vector<std::string> passthrough;  // the arguments after `--`, given to every run
  std::string command_line;              // as typed, for the report
  std::filesystem::path bin_dir;         // where the drivers are; empty: beside this program
  std::vector<std::string> combine;      // --combine: sweep folders to report together; nothing runs
};

// One run of the sweep.
struct PlannedRun {
  std::string name;     // its folder under <root>/runs
  std::string variant;
  std::string position;
  std::int64_t length = 0;  // 0: the task's default lengths
  std::uint64_t seed = 0;
  std::vector<std::string> args;  // the driver's arguments
};

struct SweepPlan {
  std::string task, model, driver;
  std::filesystem::path root;     // <out>/<name>
  std::filesystem::path program;  // the driver to run
  std::vector<PlannedRun> runs;
};

// The driver, models and variants a task takes (for --help and the checks).
const std::vector<std::string>& compare_task_names();
std::string driver_for_task(const std::string& task);
std::vector<std::string> models_for_task(const std::string& task);
std::vector<std::string> variant_names(const std::string& model);  // the registry's names
std::string default_variant(const std::string& model);

// compare's command line (experiments/compare.cpp); a bad flag throws a
// cxxopts exception. The lists are split but not checked: plan_sweep checks.
struct CompareCommand {
  CompareOptions options;
  bool help = false;
  std::string help_text;
};
CompareCommand parse_compare_command(int argc, const char* const* argv);

// Checks every name and flag and lists the runs; creates nothing.
SweepPlan plan_sweep(const CompareOptions& options);

// Runs the plan and writes results.csv, report.md and report.html; returns
// the sweep's summary ({"runs": n, "ok": k, "failed": f, "report": path, ...}).
Json run_compare(const CompareOptions& options);

// The commit of the checkout the drivers in bin_dir were built in, "(with
// uncommitted changes)" when tracked files differ; else the current folder's.
std::string heed_commit(const std::filesystem::path& bin_dir);

// <out>/<name> for a new sweep or combined report: refuses a name with '/'
// and, without --overwrite, an existing folder.
std::filesystem::path output_folder(const CompareOptions& options, const std::string& name);

// compare --combine (compare_combine.cpp): reads the sweep folders back, each
// refused by name when missing or corrupt, and writes one report of them all
// to <out>/<name> (default name "combined"); returns its summary.
Json run_combine(const CompareOptions& options);

// "a,b,,c" -> {"a", "b", "c"}.
std::vector<std::string> split_list(const std::string& text);

}  // namespace heed::experiments
