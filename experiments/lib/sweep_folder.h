// A sweep folder, read back. Besides results.csv, compare writes sweep.json
// into every sweep folder, so a finished (or stopped) sweep can be reported
// again later, alone or with others (compare --combine):
//
//   <sweep>/sweep.json    what was swept and how:
//                         {"format": "heed-sweep", "version": 1, "task", "model", "driver",
//                          "metric", "valid_metric", "command", "commit", "date",
//                          "cores", "cpu", "runs_planned"}
//   <sweep>/results.csv   one row per run that ended (write_results_csv): its
//                         variant, seed, status, error and numbers
//   <sweep>/runs/<run>/   each run's summary.json (the BLIS kernels), metrics.csv
//                         (the curves) and samples.json (the heatmaps), read
//                         when a report is drawn
//
// read_sweep_folder gives back the SweepResults the sweep reported, its
// numbers as results.csv holds them (6 significant digits). A folder that is
// missing, lacks sweep.json or results.csv, or holds a corrupt one is refused
// with an error that names the folder and the file.
#pragma once

#include <filesystem>

#include "experiments/lib/compare_results.h"

namespace heed::experiments {

void write_sweep_json(const SweepResults& results, const std::filesystem::path& file);

SweepResults read_sweep_folder(const std::filesystem::path& folder);

// Comma-separated values (RFC 4180): quoted fields may hold commas, quotes
// ("" inside quotes) and line breaks; a line break ends a row. An unterminated
// quote throws.
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

}  // namespace heed::experiments
