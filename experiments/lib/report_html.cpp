#include "experiments/lib/report_html.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "experiments/lib/svg_charts.h"
#include "tensor/error.h"

namespace heed::experiments {

namespace fs = std::filesystem;
using svg::escape;

namespace {

const char* kStyle = R"(body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1.05em}
h4{font-size:1em}section.sweep>h2{background:#e8eff7;border:none;padding:6px 10px;margin-top:2.5em}a{color:#0057a0}
table{border-collapse:collapse;margin:0.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f2f2f2}td.name,th.name{text-align:left}ul.meta{list-style:none;padding:0}ul.meta li{margin:2px 0}
code{background:#f4f4f4;padding:1px 3px}.charts,.maps{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
figure{margin:0}figcaption{font-size:0.85em;color:#444;max-width:480px}.note{color:#555;font-style:italic}
.heads{display:flex;flex-wrap:wrap;gap:4px}.failed{color:#a33}
.doc{margin:6px 0 14px}.sentence{margin:2px 0;font-family:monospace}.word{padding:1px 2px;margin-right:2px}
.sw{display:inline-block;width:60px;margin-right:8px;text-align:right})";

// One metrics.csv as columns of numbers (empty cells are NaN).
std::map<std::string, std::vector<double>> read_metrics(const fs::path& file) {
  std::map<std::string, std::vector<double>> columns;
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return columns;
  std::vector<std::string> names;
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) names.push_back(name);
  while (std::getline(in, line)) {
    std::stringstream cells(line + ",");
    std::string cell;
    for (const auto& name : names) {
      std::getline(cells, cell, ',');
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      columns[name].push_back(end != cell.c_str() ? v : kMissing);
    }
  }
  return columns;
}

// A column of a variant's runs, averaged over seeds at each step.
svg::Series mean_curve(const VariantStats& v, const std::string& column, double scale, std::size_t style) {
  std::map<double, std::pair<double, double>> by_step;  // step -> (sum, count)
  for (const RunRecord* r : v.records) {
    if (!r->ok) continue;
    const auto metrics = read_metrics(r->dir / "metrics.csv");
    if (!metrics.count("step") || !metrics.count(column)) continue;
    const auto& steps = metrics.at("step");
    const auto& values = metrics.at(column);
    for (std::size_t i = 0; i < steps.size() && i < values.size(); ++i)
      if (std::isfinite(steps[i]) && std::isfinite(values[i])) {
        by_step[steps[i]].first += values[i] * scale;
        by_step[steps[i]].second += 1;
      }
  }
  svg::Series series;
  series.label = v.label;
  series.style = style;
  for (const auto& [step, sum_count] : by_step) {
    series.x.push_back(step);
    series.y.push_back(sum_count.first / sum_count.second);
  }
  return series;
}

std::size_t style_of(const std::vector<std::string>& labels, const std::string& label) {
  return static_cast<std::size_t>(std::find(labels.begin(), labels.end(), label) - labels.begin());
}

std::string results_table(const SweepResults& results, const ResultGroup& group) {
  const std::string metric = metric_title(results.metric);
  std::ostringstream out;
  const bool tokens = results.has_token_accuracy();
  out << "<table>\n<tr><th>#</th><th>variant</th><th>test " << metric << " (%)<br>mean ± std</th>"
      << (tokens ? "<th>test token accuracy (%)</th>" : "") << "<th>seeds</th>"
      << "<th>best valid " << metric << " (%)</th><th>ms/step</th><th>peak MB</th><th>parameters</th>"
      << "<th>wall s</th></tr>\n";
  int rank = 0;
  for (const VariantStats& v : group.variants)
    out << "<tr><td>" << ++rank << "</td><td class=\"name\">" << escape(v.label) << "</td><td>"
        << percent_mean_std(v.test_metric) << "</td><td>"
        << (tokens ? percent_mean_std(v.test_token_accuracy) + "</td><td>" : "") << v.test_metric.n << "/" << v.runs << "</td><td>"
        << percent_mean_std(v.best_valid_metric) << "</td><td>" << format_number(v.ms_per_step.mean, 1)
        << "</td><td>" << format_number(v.peak_mb.mean, 1) << "</td><td>"
        << (v.test_metric.n ? std::to_string(v.parameters) : "–") << "</td><td>" << format_number(v.wall_s.mean, 1)
        << "</td></tr>\n";
  out << "</table>\n";
  return out.str();
}

std::string figure(const std::string& svg_text, const std::string& caption) {
  return "<figure>\n" + svg_text + "<figcaption>" + escape(caption) + "</figcaption>\n</figure>\n";
}

// What the bars and whiskers of a bar chart of test metrics mean, given the most seeds a bar has.
std::string bar_caption(std::size_t most_seeds) {
  return most_seeds > 1 ? "Bars: mean over seeds; whiskers: ± one standard deviation."
                        : "Bars: one seed per variant, so no spread to show; compare --seeds N draws error bars.";
}

std::string group_charts(const SweepResults& results, const ResultGroup& group,
                         const std::vector<std::string>& labels) {
  const std::string metric = metric_title(results.metric);
  const std::string where = group.length > 0 ? " (length " + std::to_string(group.length) + ")" : "";
  const std::string per = results.driver == "translate" ? "nats per target token" : "nats per example";
  std::vector<svg::Series> losses, metrics;
  std::vector<svg::Bar> bars;
  std::size_t most_points = 0, most_seeds = 0;
  for (const VariantStats& v : group.variants) {
    most_seeds = std::max(most_seeds, v.test_metric.n);
    const std::size_t style = style_of(labels, v.label);
    losses.push_back(mean_curve(v, "valid_loss", 1.0, style));
    metrics.push_back(mean_curve(v, results.valid_metric, 100.0, style));
    svg::Bar bar;
    bar.label = v.label;
    bar.style = style;
    bar.value = v.test_metric.n ? 100 * v.test_metric.mean : kMissing;
    bar.error = v.test_metric.n ? 100 * v.test_metric.std : 0.0;
    bars.push_back(bar);
    most_points = std::max(most_points, losses.back().x.size());
  }
  // Lines in sweep order, so the legends of every group read alike; bars best first.
  const auto by_style = [](const svg::Series& a, const svg::Series& b) { return a.style < b.style; };
  std::sort(losses.begin(), losses.end(), by_style);
  std::sort(metrics.begin(), metrics.end(), by_style);
  svg::ChartSpec loss{"Validation loss" + where, "training step", "validation loss (" + per + ")"};
  svg::ChartSpec valid{"Validation " + metric + where, "training step", "validation " + metric + " (%)"};
  svg::ChartSpec final_metric{"Test " + metric + where, "variant", "test " + metric + " (%)"};
  loss.x_min = valid.x_min = 0;
  valid.y_min = final_metric.y_min = 0;
  valid.y_max = final_metric.y_max = 100;
  const std::string caption = most_points > 1 ? "Mean over seeds at each evaluation."
                                               : "Mean over seeds. One evaluation per run: for curves, give the "
                                                 "runs --eval-every N (after --).";
  std::ostringstream out;
  out << "<div class=\"charts\">\n"
      << figure(svg::line_chart(loss, losses), caption) << figure(svg::line_chart(valid, metrics), caption)
      << figure(svg::bar_chart(final_metric, bars), bar_caption(most_seeds))
      << "</div>\n";
  return out.str();
}

// Time per step, peak memory and the test metric against length, one line per variant.
std::string length_charts(const SweepResults& results, const std::vector<ResultGroup>& groups,
                          const std::vector<std::string>& labels) {
  std::map<std::string, svg::Series> ms, mb, metric;
  for (const ResultGroup& group : groups)
    for (const VariantStats& v : group.variants) {
      const std::size_t style = style_of(labels, v.label);
      for (auto* series : {&ms[v.label], &mb[v.label], &metric[v.label]}) {
        series->label = v.label;
        series->style = style;
        series->x.push_back(static_cast<double>(group.length));
      }
      ms[v.label].y.push_back(v.ms_per_step.mean);
      mb[v.label].y.push_back(v.peak_mb.mean);
      metric[v.label].y.push_back(v.test_metric.n ? 100 * v.test_metric.mean : kMissing);
    }
  auto in_order = [&](std::map<std::string, svg::Series>& by_label) {
    std::vector<svg::Series> out;
    for (const auto& label : labels)
      if (by_label.count(label)) out.push_back(by_label[label]);
    return out;
  };
  const std::string name = metric_title(results.metric);
  svg::ChartSpec time{"Time per training step against length", "sequence length (symbols, log scale)",
                      "time per step (ms, log scale)", true, true};
  svg::ChartSpec memory{"Peak tensor memory against length", "sequence length (symbols, log scale)",
                        "peak memory (MB, log scale)", true, true};
  svg::ChartSpec quality{"Test " + name + " against length", "sequence length (symbols, log scale)",
                         "test " + name + " (%)", true, false};
  quality.y_min = 0;
  quality.y_max = 100;
  for (const ResultGroup& group : groups) time.x_ticks.push_back(static_cast<double>(group.length));
  memory.x_ticks = quality.x_ticks = time.x_ticks;
  return "<div class=\"charts\">\n" +
         figure(svg::line_chart(time, in_order(ms)), "Mean over seeds; a slope of 1 is linear, 2 quadratic.") +
         figure(svg::line_chart(memory, in_order(mb)), "Peak of heed's CPU tensors during training.") +
         figure(svg::line_chart(quality, in_order(metric)), "Mean over seeds.") + "</div>\n";
}

// "<h2>text</h2>"; `text` is already escaped.
std::string heading(int level, const std::string& text) {
  const std::string tag = "h" + std::to_string(level);
  return "<" + tag + ">" + text + "</" + tag + ">\n";
}

std::string page_open(const std::string& name) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Comparison: " + escape(name) +
         "</title>\n<style>\n" + kStyle + "\n</style>\n</head>\n<body>\n<h1>Comparison: " + escape(name) + "</h1>\n";
}

const char* kMetricNote =
    " in %: mean ± std over seeds (the sample standard deviation; the value alone for one seed)";

// command, commit, machine, date of one sweep, as list items.
std::string sweep_meta(const SweepResults& results) {
  return "<li>command: <code>" + escape(results.command_line) + "</code></li>\n<li>heed commit: " +
         escape(results.commit) + "</li>\n<li>machine: " + escape(machine_description(results)) +
         "</li>\n<li>date: " + escape(results.date) + "</li>\n";
}

// A sweep's tables and charts per length, its cost against length, its
// attention pictures and its failed runs: under <h2> when the sweep is alone
// in its report, under <h3> when it is one of several.
std::string sweep_sections(const SweepResults& results, bool alone) {
  const std::vector<ResultGroup> groups = group_results(results);
  const std::vector<std::string> labels = sweep_labels(results);
  const int level = alone ? 2 : 3;
  std::ostringstream out;
  for (const ResultGroup& group : groups)
    out << "<section>\n" << heading(level, escape(group_title(results, group))) << results_table(results, group)
        << group_charts(results, group, labels) << "</section>\n";
  std::size_t measured_lengths = 0;
  for (const ResultGroup& group : groups) measured_lengths += group.length > 0 ? 1 : 0;
  if (measured_lengths > 1)
    out << "<section>\n" << heading(level, "Cost against length") << length_charts(results, groups, labels)
        << "</section>\n";
  for (const ResultGroup& group : groups) out << attention_html(results, group, alone);
  out << "<section>\n" << heading(level, "Failed runs");
  std::size_t failed = 0;
  for (const RunRecord& r : results.runs)
    if (!r.ok) {
      out << (failed++ ? "" : "<ul>\n") << "<li class=\"failed\"><code>" << escape(r.name) << "</code>: "
          << escape(r.error) << " (log: " << escape(run_log_path(results, r, alone)) << ")</li>\n";
    }
  out << (failed ? "</ul>\n" : "<p>None: every run finished.</p>\n") << "</section>\n";
  return out.str();
}

// For a task that several sweeps ran (dates with an RNN and with a Transformer),
// every variant of every sweep in one bar chart, best first.
std::string task_chart(const Comparison& comparison, const std::string& task) {
  std::vector<svg::Bar> bars;
  std::string metric;
  std::size_t most_seeds = 0;
  for (const SweepResults& results : comparison.sweeps) {
    if (results.task != task) continue;
    metric = metric_title(results.metric);
    for (const ResultGroup& group : group_results(results))
      for (const VariantStats& v : group.variants) {
        svg::Bar bar;
        bar.label = results.model + " " + v.label + (group.length > 0 ? " L" + std::to_string(group.length) : "");
        bar.value = v.test_metric.n ? 100 * v.test_metric.mean : kMissing;
        bar.error = v.test_metric.n ? 100 * v.test_metric.std : 0.0;
        bars.push_back(bar);
        most_seeds = std::max(most_seeds, v.test_metric.n);
      }
  }
  std::stable_sort(bars.begin(), bars.end(), [](const svg::Bar& a, const svg::Bar& b) {
    return (std::isfinite(a.value) ? a.value : -1.0) > (std::isfinite(b.value) ? b.value : -1.0);
  });
  for (std::size_t i = 0; i < bars.size(); ++i) bars[i].style = i;
  svg::ChartSpec spec{"Test " + metric + " on " + task + ", every sweep", "model and variant",
                      "test " + metric + " (%)"};
  spec.y_min = 0;
  spec.y_max = 100;
  return figure(svg::bar_chart(spec, bars), "Each sweep trained with its own flags (see its command below). " +
                                                bar_caption(most_seeds));
}

std::string overview(const Comparison& comparison) {
  std::ostringstream out;
  out << "<section>\n<h2>Overview</h2>\n<table>\n<tr><th class=\"name\">sweep</th><th class=\"name\">task (model)"
      << "</th><th class=\"name\">runs</th><th class=\"name\">variants, best first: test metric (%)</th>"
      << "<th>wall min</th></tr>\n";
  std::vector<std::string> tasks, shared_tasks;
  for (std::size_t i = 0; i < comparison.sweeps.size(); ++i) {
    const SweepResults& results = comparison.sweeps[i];
    for (const ResultGroup& group : group_results(results))
      out << "<tr><td class=\"name\"><a href=\"#sweep-" << i + 1 << "\">" << escape(sweep_name(results))
          << "</a></td><td class=\"name\">" << escape(group_title(results, group)) << "</td><td class=\"name\">"
          << escape(runs_finished(results)) << "</td><td class=\"name\">"
          << escape(metric_title(results.metric) + ": " + ranking(group)) << "</td><td>"
          << format_number(total_wall_s(results) / 60, 1) << "</td></tr>\n";
    if (std::find(tasks.begin(), tasks.end(), results.task) == tasks.end()) tasks.push_back(results.task);
    else if (std::find(shared_tasks.begin(), shared_tasks.end(), results.task) == shared_tasks.end())
      shared_tasks.push_back(results.task);
  }
  out << "</table>\n";
  if (!shared_tasks.empty()) {
    out << "<div class=\"charts\">\n";
    for (const std::string& task : shared_tasks) out << task_chart(comparison, task);
    out << "</div>\n";
  }
  out << "</section>\n";
  return out.str();
}

}  // namespace

std::string report_html(const SweepResults& results) {
  return page_open(sweep_name(results)) + "<ul class=\"meta\">\n" + sweep_meta(results) +
         "<li>test metric: " + escape(results.metric) + kMetricNote + "</li>\n</ul>\n" +
         sweep_sections(results, /*alone=*/true) + "</body>\n</html>\n";
}

std::string report_html(const Comparison& comparison) {
  std::ostringstream out;
  out << page_open(comparison.name) << "<ul class=\"meta\">\n<li>command: <code>"
      << escape(comparison.command_line) << "</code></li>\n<li>heed commit: " << escape(comparison.commit)
      << "</li>\n<li>date: " << escape(comparison.date) << "</li>\n<li>sweeps: " << comparison.sweeps.size()
      << ", each below with its own command, commit, machine and date; test metrics" << kMetricNote
      << "</li>\n</ul>\n"
      << overview(comparison);
  for (std::size_t i = 0; i < comparison.sweeps.size(); ++i) {
    const SweepResults& results = comparison.sweeps[i];
    out << "<section class=\"sweep\" id=\"sweep-" << i + 1 << "\">\n"
        << heading(2, "Sweep " + std::to_string(i + 1) + ": " + escape(sweep_name(results)) + " \u2014 " +
                          escape(results.task + " (" + results.model + ")"))
        << "<ul class=\"meta\">\n<li>folder: <code>" << escape(results.root.string()) << "</code></li>\n"
        << sweep_meta(results) << "<li>test metric: " << escape(results.metric) << "; "
        << escape(runs_finished(results)) << "</li>\n</ul>\n"
        << sweep_sections(results, /*alone=*/false) << "</section>\n";
  }
  out << "</body>\n</html>\n";
  return out.str();
}

void write_report_html(const SweepResults& results, const fs::path& file) {
  std::ofstream out(file);
  HEED_CHECK(out.good(), "compare: cannot write ", file.string());
  out << report_html(results);
}

void write_report_html(const Comparison& comparison, const fs::path& file) {
  std::ofstream out(file);
  HEED_CHECK(out.good(), "compare: cannot write ", file.string());
  out << report_html(comparison);
}

}  // namespace heed::experiments
