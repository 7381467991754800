// run_combine (compare.h): one report of several finished sweeps.
//
//   compare --combine runs/demo-dates-rnn,runs/demo-dates-transformer,runs/demo-fashion --name demo
//
// reads each sweep folder back (sweep_folder.h) and refuses a missing or
// corrupt one, by name, before anything is written; then writes
// runs/demo/results.csv (every run, with a leading "sweep" column), report.md
// and report.html: an overview of the sweeps, then one section per sweep with
// the tables, curves and heatmaps of its own report. The curves and heatmaps
// are drawn from the sweep folders, which stay where they are.
#include <filesystem>

#include "experiments/lib/child_process.h"
#include "experiments/lib/compare.h"
#include "experiments/lib/compare_results.h"
#include "experiments/lib/report_html.h"
#include "experiments/lib/sweep_folder.h"
#include "tensor/error.h"

namespace heed::experiments {

namespace fs = std::filesystem;

namespace {

// True when `inner` is `outer` or lies inside it.
bool within(const fs::path& inner, const fs::path& outer) {
  const fs::path relative = fs::weakly_canonical(inner).lexically_relative(fs::weakly_canonical(outer));
  return !relative.empty() && *relative.begin() != "..";
}

}  // namespace

Json run_combine(const CompareOptions& o) {
  HEED_CHECK(!o.combine.empty(), "compare: --combine needs a comma list of sweep folders, e.g. runs/a,runs/b");
  const fs::path root = output_folder(o, o.name.empty() ? "combined" : o.name);
  for (std::size_t i = 0; i < o.combine.size(); ++i) {
    // --overwrite empties the output folder before the report reads the sweeps' runs.
    HEED_CHECK(!within(o.combine[i], root), "compare: the sweep folder ", o.combine[i], " is or lies inside the ",
               "output folder ", root.string(), "; choose another --name or --out");
    for (std::size_t j = 0; j < i; ++j)
      HEED_CHECK(!within(o.combine[i], o.combine[j]) || !within(o.combine[j], o.combine[i]), "compare: --combine ",
                 "names the sweep folder ", o.combine[i], " twice");
  }
  Comparison comparison;
  comparison.name = root.filename().string();
  comparison.command_line = o.command_line;
  comparison.commit = heed_commit(o.bin_dir.empty() ? own_program_folder() : o.bin_dir);
  comparison.date = timestamp_utc();
  for (const std::string& folder : o.combine) comparison.sweeps.push_back(read_sweep_folder(folder));

  if (fs::exists(root)) fs::remove_all(root);  // output_folder refused it without --overwrite
  fs::create_directories(root);
  write_results_csv(comparison, root / "results.csv");
  write_report_md(comparison, root / "report.md");
  write_report_html(comparison, root / "report.html");
  std::size_t runs = 0, ok = 0;
  for (const SweepResults& sweep : comparison.sweeps)
    for (const RunRecord& r : sweep.runs) {
      ++runs;
      ok += r.ok ? 1 : 0;
    }
  return {{"driver", "compare"},
          {"name", comparison.name},
          {"sweeps", o.combine},
          {"runs", runs},
          {"ok", ok},
          {"failed", runs - ok},
          {"results", (root / "results.csv").string()},
          {"report", (root / "report.md").string()},
          {"html", (root / "report.html").string()}};
}

}  // namespace heed::experiments
