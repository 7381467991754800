// report.html of a comparison sweep: one self-contained page (inline CSS and
// SVG, no scripts, nothing fetched) with, for each task and length,
//   - the results table of report.md (test metric mean ± std over seeds, ...),
//   - validation loss and validation metric against training steps, one line
//     per variant (the mean over its seeds, from each run's metrics.csv),
//   - a bar chart of the test metric with error bars of one std over seeds;
// for a sweep over lengths, time per step and peak memory against length on
// log-log axes; and the attention each variant paid on the same first test
// sentences (from samples.json): a heatmap of output tokens against source
// tokens, a small grid per head when the run saved per-head weights, or the
// reason a variant has none. For the documents task, each test document with
// its words shaded by word weight and its sentences by sentence weight; for
// image runs, the first test images with each spatial map laid over the image
// and each layer's channel weights as a strip (image_samples.h).
//
// A report of several sweeps (compare --combine) opens with an overview and
// gives each sweep its own section of the above.
#pragma once

#include <filesystem>
#include <string>

#include "experiments/lib/compare_results.h"

namespace heed::experiments {

std::string report_html(const SweepResults& results);
void write_report_html(const SweepResults& results, const std::filesystem::path& file);

// Several sweeps on one page: an overview table (each sweep's variants best
// first), a bar chart across the sweeps of each task that more than one ran,
// then each sweep's section as above, with its own command, commit and date.
std::string report_html(const Comparison& comparison);
void write_report_html(const Comparison& comparison, const std::filesystem::path& file);

// The attention pictures of one group of runs (report_attention.cpp), under
// <h2> when the sweep is alone in its report, <h3> when it is one of several.
std::string attention_html(const SweepResults& results, const ResultGroup& group, bool alone);

}  // namespace heed::experiments
