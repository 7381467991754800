// The comparison report from made-up run folders: mean ± std over seeds, the
// order of the table, and an HTML page that stays well-formed and free of NaN
// with missing values, zeros on log axes, per-head weights and long sequences.
#include <filesystem>
#include <fstream>
#include <regex>

#include "data/temp_dir.h"
#include "experiments/lib/compare_results.h"
#include "experiments/lib/report_html.h"
#include "experiments/lib/svg_charts.h"
#include "experiments/report_checks.h"
#include "helpers.h"

using namespace heed;
using namespace heed::experiments;
using test::count_of;
namespace fs = std::filesystem;

namespace {

RunRecord record(const std::string& variant, std::uint64_t seed, double metric, std::int64_t length = 0) {
  RunRecord r;
  r.variant = variant;
  r.seed = seed;
  r.length = length;
  r.name = variant + (length ? "-L" + std::to_string(length) : "") + "-s" + std::to_string(seed);
  r.ok = std::isfinite(metric);
  r.error = r.ok ? "" : "exit status 1";
  r.test_metric = metric;
  r.best_valid_metric = r.ok ? metric + 0.01 : kMissing;
  r.ms_per_step = r.ok ? 2.0 * static_cast<double>(length + 1) : kMissing;
  r.peak_mb = r.ok ? 0.0 : kMissing;  // zero memory: nothing to draw on a log axis
  r.wall_s = 1.5;
  r.parameters = 1000;
  r.steps = 10;
  return r;
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// An empty sweep of `driver` on `task` with `model`, its folder at `root`.
SweepResults made_up_sweep(const std::string& task, const std::string& model, const std::string& driver,
                           const fs::path& root) {
  SweepResults results;
  results.task = task;
  results.model = model;
  results.driver = driver;
  const bool translate = driver == "translate";
  results.metric = translate ? "test_exact_match" : "test_accuracy";
  results.valid_metric = translate ? "valid_exact_match" : "valid_accuracy";
  results.root = root;
  return results;
}

}  // namespace

TEST_CASE("mean and sample standard deviation over seeds", "[compare]") {
  const MeanStd three = mean_std({0.5, 0.7, 0.9});
  REQUIRE(three.n == 3);
  REQUIRE(three.mean == Approx(0.7));
  REQUIRE(three.std == Approx(0.2));  // sqrt((0.04 + 0 + 0.04) / 2)
  const MeanStd four = mean_std({1, 2, 3, 4, kMissing});
  REQUIRE(four.n == 4);
  REQUIRE(four.mean == Approx(2.5));
  REQUIRE(four.std == Approx(std::sqrt(5.0 / 3.0)));
  REQUIRE(mean_std({0.4}).std == 0.0);
  REQUIRE(percent_mean_std(mean_std({0.4})) == "40.0");
  REQUIRE(mean_std({}).n == 0);
  REQUIRE(std::isnan(mean_std({kMissing}).mean));
  REQUIRE(percent_mean_std(three) == "70.0 ± 20.0");
  REQUIRE(percent_mean_std(MeanStd{}) == "–");
}

TEST_CASE("compare groups runs by length and sorts variants by their mean", "[compare]") {
  SweepResults results;
  results.task = "reverse";
  results.model = "rnn";
  for (const RunRecord& r : {record("dot", 0, 0.8), record("dot", 1, 0.6), record("additive", 0, 0.9),
                             record("additive", 1, 0.95), record("none", 0, kMissing), record("none", 1, kMissing),
                             record("dot", 0, 0.1, 64)})
    results.runs.push_back(r);
  const auto groups = group_results(results);
  REQUIRE(groups.size() == 2);
  REQUIRE(groups[1].length == 64);
  const auto& v = groups[0].variants;
  REQUIRE(v.size() == 3);
  REQUIRE(v[0].label == "additive");
  REQUIRE(v[1].label == "dot");
  REQUIRE(v[1].test_metric.mean == Approx(0.7));
  REQUIRE(v[1].test_metric.std == Approx(std::sqrt(0.02)));
  REQUIRE(v[1].records.size() == 2);
  REQUIRE(v[2].label == "none");
  REQUIRE(v[2].failed == 2);
  REQUIRE(v[2].test_metric.n == 0);
  REQUIRE(sweep_labels(results) == std::vector<std::string>{"dot", "additive", "none"});
}

TEST_CASE("report.html stays well-formed with missing values, per-head weights and long sequences", "[compare]") {
  test::TempDir dir;
  SweepResults results = made_up_sweep("copy", "transformer", "translate", dir.path() / "made-up");
  results.command_line = "compare --task copy <made up> & more";
  for (std::int64_t length : {16, 32})
    for (const char* variant : {"mha", "linear"}) {
      RunRecord r = record(variant, 0, std::string(variant) == "mha" ? 0.5 : kMissing, length);
      r.position = "rope";
      r.dir = results.root / "runs" / r.name;
      write(r.dir / "metrics.csv", "step,valid_loss,valid_exact_match\n5,2.5,\n10,nan,0.25\n15,1.5,0.5\n");
      results.runs.push_back(r);
    }
  // mha at length 16: two heads; at length 32 a model without weights, with its reason.
  write(results.runs[0].dir / "samples.json",
        R"([{"source":"ab","target":"ab","prediction":"ab","source_tokens":["a","b"],"output_tokens":["a","b","<eos>"],
             "attention":[[0.9,0.1],[0.2,0.8],[0.5,0.5]],
             "attention_heads":[[1,0,0,1,0.5,0.5],[0.8,0.2,0.4,0.6,0.5,0.5]]}])");
  write(results.runs[2].dir / "samples.json",
        R"([{"source":"ab","target":"ab","prediction":"b","source_tokens":["a","b"],"output_tokens":["b","<eos>"],
             "attention_note":"this made-up model keeps no weights"}])");
  const std::string html = report_html(results);
  static const std::regex bad_number(R"re(="[^"]*\b(nan|inf)\b)re", std::regex::icase);
  REQUIRE_FALSE(std::regex_search(html, bad_number));
  REQUIRE(count_of(html, "<svg") == count_of(html, "</svg>"));
  REQUIRE(count_of(html, "<table") == 2);
  // 2 groups x 3 charts, 3 length charts, mha's heatmap and its 2 head grids.
  REQUIRE(count_of(html, "<svg") == 6 + 3 + 3);
  REQUIRE(html.find("head 1") != std::string::npos);
  REQUIRE(html.find("this made-up model keeps no weights") != std::string::npos);
  REQUIRE(html.find("no run of this variant finished") != std::string::npos);
  REQUIRE(html.find("&lt;made up&gt; &amp; more") != std::string::npos);
  REQUIRE(html.find("mha + rope") != std::string::npos);

  svg::Heatmap big;
  big.title = "long";
  big.rows.assign(100, "x");
  big.columns.assign(100, "y");
  big.weights.assign(100 * 100, 0.01);
  const std::string pooled = svg::heatmap(big, 48);
  REQUIRE(count_of(pooled, "<rect") == 34 * 34 + 1 + 10);  // blocks of 3: 34 cells per axis, frame, colour scale
  REQUIRE(svg::weight_colour(0) == "rgb(247,251,255)");
  REQUIRE(svg::weight_colour(1) == "rgb(8,48,107)");
}

TEST_CASE("report.html shows a documents run's words and sentences by weight", "[compare]") {
  test::TempDir dir;
  SweepResults results = made_up_sweep("documents", "han", "documents", dir.path() / "docs");
  RunRecord r = record("attention", 0, 0.75);
  r.dir = results.root / "runs" / r.name;
  write(r.dir / "samples.json",
        R"([{"label_name":"red","prediction_name":"red","sentences":[
             {"words":["answer","red"],"word_weights":[0.1,0.9],"weight":0.8,"key":true},
             {"words":["a","<b>"],"word_weights":[0.5,0.5],"weight":0.2,"key":false}]}])");
  results.runs.push_back(r);
  const std::string html = report_html(results);
  REQUIRE(count_of(html, "class=\"sentence\"") == 2);
  REQUIRE(count_of(html, "\u2605") == 2);  // the legend's star and the key sentence's
  REQUIRE(html.find("&lt;b&gt;") != std::string::npos);
  REQUIRE(html.find(svg::weight_colour(0.9)) != std::string::npos);
}

TEST_CASE("report.html draws an image run's spatial maps over the image and its channel weights", "[compare]") {
  test::TempDir dir;
  SweepResults results = made_up_sweep("fashion", "cnn", "classify", dir.path() / "images");
  for (const char* variant : {"cbam", "none"}) {
    RunRecord r = record(variant, 0, 0.9);
    r.dir = results.root / "runs" / r.name;
    results.runs.push_back(r);
  }
  write(results.runs[0].dir / "samples.json",
        R"([{"label_name":"Sandal","prediction_name":"Sneaker",
             "image":{"height":2,"width":2,"pixels":[0,0.5,1,0.25]},
             "spatial_maps":[{"title":"block 0, cbam: spatial map","height":1,"width":2,"weights":[0.2,0.7]},
                             {"title":"wrong size","height":3,"width":3,"weights":[1,2]}],
             "channel_weights":[{"title":"block 0, cbam: channel weights","weights":[0.1,0.9,0.5]}]}])");
  write(results.runs[1].dir / "samples.json",
        R"([{"label_name":"Bag","prediction_name":"Bag","image":{"height":2,"width":2,"pixels":[0,1,1,0]},
             "spatial_maps":[],"channel_weights":[],"attention_note":"no attention module here"}])");
  const std::string html = report_html(results);
  test::require_well_formed(html);
  REQUIRE(html.find("Attention on the first test images") != std::string::npos);
  REQUIRE(html.find("Sandal, predicted Sneaker (wrong)") != std::string::npos);
  // cbam: the input alone, then its one well-formed map over it (the map of the wrong size is skipped).
  REQUIRE(count_of(html, "data:image/png;base64,") == 3 + 1);  // input, input + map; the plain CNN's input
  REQUIRE(html.find("block 0, cbam: spatial map") != std::string::npos);
  REQUIRE(html.find("wrong size") == std::string::npos);
  REQUIRE(html.find("block 0, cbam: channel weights (3)") != std::string::npos);
  REQUIRE(html.find("no attention module here") != std::string::npos);
}
