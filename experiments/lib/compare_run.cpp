// run_compare (compare.h): the sweep itself. Each planned run is a child
// process of its driver; its stderr becomes <run>/log.txt, its summary.json
// its record; a progress line for the whole sweep goes to our stderr.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "experiments/lib/child_process.h"
#include "experiments/lib/compare.h"
#include "experiments/lib/compare_results.h"
#include "experiments/lib/report_html.h"
#include "experiments/lib/sweep_folder.h"
#include "tensor/error.h"

namespace heed::experiments {

namespace fs = std::filesystem;

namespace {

std::string minutes(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%dm%02ds", s / 60, s % 60);
  return buffer;
}

// "run 2/8 additive-s1 0m12s | sweep 1m05s, ETA 3m10s | <the run's own progress>": rewritten
// in place on a terminal; otherwise a line when a run starts and ends, and every 30 s between.
class SweepProgress {
 public:
  SweepProgress(std::size_t total, bool quiet) : total_(total), quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}

  void start_run(std::size_t index, const std::string& name) {
    index_ = index;
    name_ = name;
    run_clock_ = Stopwatch();
    last_print_ = 0;
    if (!quiet_ && !tty_) std::cerr << status("started") << "\n";
    tick("");
  }

  // Called about once a second while the run works; `child_line` is its own last progress line.
  void tick(const std::string& child_line) {
    if (quiet_) return;
    const double now = run_clock_.seconds();
    if (!tty_) {
      if (now - last_print_ < 30) return;
      last_print_ = now;
      std::cerr << status(child_line) << "\n";
      return;
    }
    std::string line = status(child_line);
    if (line.size() > 160) line.resize(160);
    std::cerr << "\r\033[K" << line << std::flush;
  }

  void finish_run(const RunRecord& record, const std::string& metric) {
    finished_seconds_ += record.wall_s;
    ++finished_;
    if (quiet_) return;
    std::string outcome = record.ok ? "ok in " + minutes(record.wall_s) + ", test " + metric + " " +
                                          format_number(100 * record.test_metric, 1) + "%"
                                    : "FAILED: " + record.error;
    if (tty_) std::cerr << "\r\033[K";
    std::cerr << "run " << index_ + 1 << "/" << total_ << " " << name_ << ": " << outcome << "\n";
  }

 private:
  std::string status(const std::string& detail) const {
    const double run_s = run_clock_.seconds();
    std::string eta = "?";
    if (finished_ > 0) {
      const double mean = finished_seconds_ / static_cast<double>(finished_);
      eta = minutes(std::max(0.0, mean - run_s) + mean * static_cast<double>(total_ - index_ - 1));
    }
    return "run " + std::to_string(index_ + 1) + "/" + std::to_string(total_) + " " + name_ + " " + minutes(run_s) +
           " | sweep " + minutes(sweep_clock_.seconds()) + ", ETA " + eta + (detail.empty() ? "" : " | " + detail);
  }

  std::size_t total_;
  bool quiet_, tty_;
  Stopwatch sweep_clock_, run_clock_;
  std::size_t index_ = 0, finished_ = 0;
  double finished_seconds_ = 0, last_print_ = 0;
  std::string name_;
};

// The first line `git -C <folder> <command>` prints, or "" outside a checkout.
std::string git_line(const fs::path& folder, const std::string& command) {
  std::string quoted = "'";
  for (char c : folder.string()) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  FILE* pipe = popen(("git -C " + quoted + "' " + command + " 2>/dev/null").c_str(), "r");
  std::string line;
  if (pipe) {
    char buffer[256] = {0};
    if (std::fgets(buffer, sizeof buffer, pipe)) line = buffer;
    pclose(pipe);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

RunRecord run_one(const SweepPlan& plan, const PlannedRun& run, const SweepResults& results,
                  SweepProgress& progress) {
  RunRecord record;
  record.name = run.name;
  record.variant = run.variant;
  record.position = run.position;
  record.length = run.length;
  record.seed = run.seed;
  record.dir = plan.root / "runs" / run.name;
  // The driver creates (and refuses an existing) run folder, so its output
  // waits beside the folder until it exits.
  const fs::path log = plan.root / "runs" / (run.name + ".log.txt");
  const fs::path out = plan.root / "runs" / (run.name + ".stdout.txt");
  const ChildExit exit = run_child(plan.program, run.args, out, log, [&] { progress.tick(last_line_of(log)); });
  fs::create_directories(record.dir);
  fs::rename(log, record.dir / "log.txt");
  record.wall_s = exit.seconds;
  record.exit = exit.describe();
  if (exit.ok()) {
    // The driver's one-line JSON summary on stdout; its summary.json holds the same.
    Json summary = Json::parse(last_line_of(out), nullptr, /*allow_exceptions=*/false);
    if (!summary.is_object()) {
      std::ifstream saved(record.dir / "summary.json");
      summary = saved ? Json::parse(saved, nullptr, /*allow_exceptions=*/false) : Json();
    }
    const std::string best_key =
        results.metric == "test_exact_match" ? "best_valid_exact_match" : "best_valid_accuracy";
    record.ok = read_run_summary(record, summary, results.metric, best_key);
  } else {
    const std::string last = last_line_of(record.dir / "log.txt");
    record.error = exit.signal != 0 || last.empty() ? exit.describe() : last;
  }
  fs::remove(out);
  return record;
}

}  // namespace

// The commit of the checkout the drivers were built in (build/bin sits in it),
// else of the current folder; "unknown" outside a checkout. Uncommitted
// changes to tracked files are named, since the numbers may come from them.
std::string heed_commit(const fs::path& bin_dir) {
  const std::string commit = git_line(bin_dir, "rev-parse --short HEAD");
  if (commit.empty()) return current_git_commit();
  const bool changed = !git_line(bin_dir, "status --porcelain --untracked-files=no").empty();
  return changed ? commit + " (with uncommitted changes)" : commit;
}

Json run_compare(const CompareOptions& options) {
  const SweepPlan plan = plan_sweep(options);
  if (fs::exists(plan.root)) fs::remove_all(plan.root);  // plan_sweep refused it without --overwrite
  fs::create_directories(plan.root / "runs");

  SweepResults results;
  results.task = plan.task;
  results.model = plan.model;
  results.driver = plan.driver;
  results.metric = plan.driver == "translate" ? "test_exact_match" : "test_accuracy";
  results.valid_metric = plan.driver == "translate" ? "valid_exact_match" : "valid_accuracy";
  results.command_line = options.command_line;
  results.commit = heed_commit(plan.program.parent_path());
  results.date = timestamp_utc();
  results.cores = std::thread::hardware_concurrency();
  results.cpu = cpu_model_name();
  results.planned = plan.runs.size();
  results.root = plan.root;
  results.runs.reserve(plan.runs.size());
  write_sweep_json(results, plan.root / "sweep.json");  // first: a stopped sweep can still be read back

  Stopwatch wall;
  SweepProgress progress(plan.runs.size(), options.quiet);
  std::size_t failed = 0;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    progress.start_run(i, plan.runs[i].name);
    results.runs.push_back(run_one(plan, plan.runs[i], results, progress));
    failed += results.runs.back().ok ? 0 : 1;
    progress.finish_run(results.runs.back(), metric_title(results.metric));
    write_results_csv(results, plan.root / "results.csv");  // kept current: a stopped sweep keeps its rows
  }
  write_report_md(results, plan.root / "report.md");
  write_report_html(results, plan.root / "report.html");
  return {{"driver", "compare"},
          {"name", plan.root.filename().string()},
          {"task", plan.task},
          {"model", plan.model},
          {"runs", plan.runs.size()},
          {"ok", plan.runs.size() - failed},
          {"failed", failed},
          {"wall_s", wall.seconds()},
          {"results", (plan.root / "results.csv").string()},
          {"report", (plan.root / "report.md").string()},
          {"html", (plan.root / "report.html").string()}};
}

}  // namespace heed::experiments
