// The comparison driver: its flags, the names it refuses before running
// anything, a tiny real sweep (child processes of the translate driver), a
// sweep where some runs fail, and the statistics and HTML of its report.
#include <filesystem>

#include "data/temp_dir.h"
#include "experiments/lib/compare.h"
#include "experiments/lib/compare_results.h"
#include "experiments/lib/report_html.h"
#include "experiments/lib/sweep_folder.h"
#include "experiments/report_checks.h"
#include "helpers.h"
#include "layers/attention/registry.h"
#include "layers/attention/transformer_registry.h"
#include "layers/fusion/registry.h"
#include "layers/vision/registry.h"

using namespace heed;
using namespace heed::experiments;
using namespace heed::test;
namespace fs = std::filesystem;

namespace {

// A sweep of the translate driver on a small reverse task: a few steps per run.
CompareOptions tiny_sweep(const fs::path& out, const std::string& name) {
  CompareOptions c;
  c.task = "reverse";
  c.variants = {"none", "additive"};
  c.seeds = 2;
  c.name = name;
  c.out_dir = out.string();
  c.threads = 1;
  c.quiet = true;
  c.bin_dir = HEED_DRIVER_DIR;
  c.command_line = "compare (test)";
  c.passthrough = {"--train-size", "200", "--valid-size", "30", "--test-size", "30", "--steps", "6",
                   "--eval-every", "3", "--embed", "8", "--hidden", "16", "--batch", "16", "--samples", "2"};
  return c;
}

}  // namespace

TEST_CASE("compare parses its flags and keeps what follows -- for the runs", "[compare]") {
  const char* argv[] = {"compare", "--task", "reverse", "--attention", "none, additive", "--seeds", "3",
                        "--lengths", "8,16", "--name", "s", "--", "--epochs", "1", "--hidden", "64"};
  const CompareCommand command = parse_compare_command(static_cast<int>(std::size(argv)), argv);
  const CompareOptions& c = command.options;
  REQUIRE_FALSE(command.help);
  REQUIRE(c.task == "reverse");
  REQUIRE(c.variants == std::vector<std::string>{"none", "additive"});
  REQUIRE(c.seeds == 3);
  REQUIRE(c.lengths == std::vector<std::int64_t>{8, 16});
  REQUIRE(c.out_dir == "runs");
  REQUIRE(c.passthrough == std::vector<std::string>{"--epochs", "1", "--hidden", "64"});
  REQUIRE(split_list(" a,,b , c") == std::vector<std::string>{"a", "b", "c"});

  const char* help[] = {"compare", "--help"};
  const CompareCommand asked = parse_compare_command(2, help);
  REQUIRE(asked.help);
  REQUIRE(asked.help_text.find("--seeds") != std::string::npos);
  REQUIRE(asked.help_text.find("(default: 1)") != std::string::npos);
  REQUIRE(asked.help_text.find("cnn: none, se, channel, spatial, cbam") != std::string::npos);
  const char* bad_length[] = {"compare", "--lengths", "8,x"};
  REQUIRE_THROWS_WITH(parse_compare_command(3, bad_length), Catch::Contains("'x'"));
}

TEST_CASE("compare plans variants x positions x lengths x seeds", "[compare]") {
  test::TempDir dir;
  CompareOptions c = tiny_sweep(dir.path(), "plan");
  c.lengths = {4, 8};
  const SweepPlan plan = plan_sweep(c);
  REQUIRE(plan.driver == "translate");
  REQUIRE(plan.model == "rnn");
  REQUIRE(plan.runs.size() == 8);
  REQUIRE(plan.runs[0].name == "none-L4-s0");
  REQUIRE(plan.runs[3].name == "additive-L4-s1");
  REQUIRE(plan.runs[7].name == "additive-L8-s1");
  const auto& args = plan.runs[7].args;
  const auto has = [&](const std::string& flag, const std::string& value) {
    const auto at = std::find(args.begin(), args.end(), flag);
    return at != args.end() && at + 1 != args.end() && *(at + 1) == value;
  };
  REQUIRE(has("--attention", "additive"));
  REQUIRE(has("--min-len", "8"));
  REQUIRE(has("--seed", "1"));
  REQUIRE(has("--threads", "1"));
  REQUIRE(has("--out", (dir.path() / "plan" / "runs").string()));
  REQUIRE(args.back() == "2");  // the passthrough comes last, unchanged
  REQUIRE_FALSE(fs::exists(dir.path() / "plan"));

  c.lengths.clear();
  c.variants.clear();
  c.all = true;
  REQUIRE(plan_sweep(c).runs.size() == 2 * sequence_attention_names().size());

  CompareOptions t = tiny_sweep(dir.path(), "transformer");
  t.model = "transformer";
  t.variants = {"mha", "linear"};
  t.positions = {"rope", "none"};
  t.seeds = 1;
  const SweepPlan transformer = plan_sweep(t);
  REQUIRE(transformer.runs.size() == 4);
  REQUIRE(transformer.runs[1].name == "mha-none-s0");
  REQUIRE(std::find(transformer.runs[0].args.begin(), transformer.runs[0].args.end(), "rope") !=
          transformer.runs[0].args.end());

  CompareOptions cnn = tiny_sweep(dir.path(), "cnn");
  cnn.task = "fashion";
  cnn.variants = {"none", "se", "cbam"};
  cnn.seeds = 1;
  cnn.passthrough = {"--attention-blocks", "1"};  // a knob of the runs, not the variant flag
  const SweepPlan vision = plan_sweep(cnn);
  REQUIRE(vision.driver == "classify");
  REQUIRE(vision.model == "cnn");
  REQUIRE(vision.runs.size() == 3);
  REQUIRE(vision.runs[2].name == "cbam-s0");
  const auto& cnn_args = vision.runs[2].args;
  const auto cbam = std::find(cnn_args.begin(), cnn_args.end(), "--attention");
  REQUIRE((cbam != cnn_args.end() && *(cbam + 1) == "cbam"));
  cnn.variants.clear();
  REQUIRE(plan_sweep(cnn).runs.front().name == "none-s0");  // the default: the plain CNN
  cnn.all = true;
  REQUIRE(plan_sweep(cnn).runs.size() == vision_attention_names().size());

  CompareOptions documents = tiny_sweep(dir.path(), "documents");
  documents.task = "documents";
  documents.variants = {"attention", "mean"};
  const SweepPlan han = plan_sweep(documents);
  REQUIRE(han.driver == "documents");
  REQUIRE(std::find(han.runs[0].args.begin(), han.runs[0].args.end(), "--pooling") != han.runs[0].args.end());
}

TEST_CASE("compare plans ViT sweeps over positions, the cluttered task and the captioned fusions", "[compare]") {
  test::TempDir dir;
  const auto has = [](const PlannedRun& run, const std::string& flag, const std::string& value) {
    const auto at = std::find(run.args.begin(), run.args.end(), flag);
    return at != run.args.end() && at + 1 != run.args.end() && *(at + 1) == value;
  };
  CompareOptions v = tiny_sweep(dir.path(), "vit");
  v.task = "fashion";
  v.model = "vit";
  v.variants = {"mha", "linear"};
  v.positions = {"vit-learned", "rope-2d"};
  v.seeds = 1;
  v.passthrough.clear();
  const SweepPlan vit = plan_sweep(v);
  REQUIRE(vit.driver == "classify");
  REQUIRE(vit.runs.size() == 4);
  REQUIRE(vit.runs[1].name == "mha-rope-2d-s0");
  REQUIRE(has(vit.runs[1], "--model", "vit"));
  REQUIRE(has(vit.runs[1], "--position", "rope-2d"));
  v.variants.clear();
  v.positions.clear();
  v.all = true;
  REQUIRE(plan_sweep(v).runs.size() == transformer_attention_names().size());

  CompareOptions cluttered = tiny_sweep(dir.path(), "cluttered");
  cluttered.task = "cluttered";
  cluttered.variants = {"none", "spatial"};
  cluttered.passthrough.clear();
  const SweepPlan canvas = plan_sweep(cluttered);
  REQUIRE(canvas.model == "cnn");  // the task's first model
  REQUIRE(has(canvas.runs.back(), "--task", "cluttered"));
  REQUIRE(has(canvas.runs.back(), "--attention", "spatial"));

  CompareOptions captioned = tiny_sweep(dir.path(), "captioned");
  captioned.task = "captioned";
  captioned.variants.clear();
  captioned.all = true;
  captioned.seeds = 1;
  captioned.passthrough.clear();
  const SweepPlan fusions = plan_sweep(captioned);
  REQUIRE(fusions.model == "multimodal");
  REQUIRE(fusions.runs.size() == fusion_names().size());
  REQUIRE(has(fusions.runs.front(), "--fusion", fusion_names().front()));
  // classify's captioned task takes no --model: it always encodes the image with the CNN.
  REQUIRE(std::find(fusions.runs.front().args.begin(), fusions.runs.front().args.end(), "--model") ==
          fusions.runs.front().args.end());
  captioned.all = false;
  captioned.variants = {"se"};
  REQUIRE_THROWS_WITH(plan_sweep(captioned), Catch::Contains("'se'") && Catch::Contains("gmu"));
  captioned.variants = {"gmu"};
  captioned.positions = {"rope-2d"};
  REQUIRE_THROWS_WITH(plan_sweep(captioned), Catch::Contains("--position applies to --model transformer and vit"));
}

TEST_CASE("compare refuses unknown names and bad flags before making any folder", "[compare]") {
  test::TempDir dir;
  CompareOptions c = tiny_sweep(dir.path(), "refused");
  c.variants = {"additive", "telepathy"};
  REQUIRE_THROWS_WITH(run_compare(c), Catch::Contains("telepathy") && Catch::Contains("none, dot"));
  c.variants = {"additive"};
  c.model = "transformer";
  REQUIRE_THROWS_WITH(run_compare(c), Catch::Contains("'additive'") && Catch::Contains("mha"));
  c.variants = {"mha"};
  c.positions = {"sideways"};
  REQUIRE_THROWS_WITH(run_compare(c), Catch::Contains("sideways") && Catch::Contains("rope"));
  c.model = "rnn";
  c.variants = {"additive"};
  REQUIRE_THROWS_WITH(run_compare(c), Catch::Contains("--position applies to --model transformer"));
  c.positions.clear();
  c.task = "poetry";
  REQUIRE_THROWS_WITH(run_compare(c), Catch::Contains("poetry") && Catch::Contains("documents"));
  c.task = "fashion";
  c.model = "";
  c.variants = {"cbam", "telepathy"};
  REQUIRE_THROWS_WITH(run_compare(c), Catch::Contains("the cnn model has no variant 'telepathy'") &&
                                          Catch::Contains("none, se, channel"));
  c.variants = {"additive"};
  c.task = "reverse";
  c.passthrough = {"--seed", "4"};
  REQUIRE_THROWS_WITH(run_compare(c), Catch::Contains("--seeds"));
  c.passthrough = {"--max-len=9"};
  c.lengths = {8};
  REQUIRE_THROWS_WITH(run_compare(c), Catch::Contains("--lengths"));
  c.lengths.clear();
  c.passthrough.clear();
  c.bin_dir = dir.path() / "no-drivers-here";
  REQUIRE_THROWS_WITH(run_compare(c), Catch::Contains("cannot find the translate driver"));
  REQUIRE_FALSE(fs::exists(dir.path() / "refused"));

  fs::create_directories(dir.path() / "taken");
  CompareOptions again = tiny_sweep(dir.path(), "taken");
  REQUIRE_THROWS_WITH(plan_sweep(again), Catch::Contains("already exists; pass --overwrite"));
  again.overwrite = true;
  REQUIRE(plan_sweep(again).runs.size() == 4);
}

TEST_CASE("compare runs a tiny sweep and writes results, report.md and report.html", "[compare]") {
  test::TempDir dir;
  const Json summary = run_compare(tiny_sweep(dir.path(), "tiny"));
  REQUIRE(summary["runs"] == 4);
  REQUIRE(summary["ok"] == 4);
  const fs::path root = dir.path() / "tiny";
  const auto rows = read_csv(root / "results.csv");
  REQUIRE(rows.size() == 5);  // header + 2 variants x 2 seeds
  for (std::size_t row = 1; row < rows.size(); ++row) {
    INFO(cell(rows, row, "run") << ": " << cell(rows, row, "error"));
    REQUIRE(cell(rows, row, "status") == "ok");
    REQUIRE(cell(rows, row, "steps") == "6");
    REQUIRE(std::stod(cell(rows, row, "ms_per_step")) > 0);
    REQUIRE(std::stoll(cell(rows, row, "parameters")) > 0);
    const fs::path run = root / "runs" / cell(rows, row, "run");
    for (const char* file : {"log.txt", "summary.json", "metrics.csv", "config.json"}) REQUIRE(fs::exists(run / file));
  }
  REQUIRE(cell(rows, 4, "run") == "additive-s1");

  const std::string md = read_file(root / "report.md");
  REQUIRE(md.find("compare (test)") != std::string::npos);
  REQUIRE(md.find("## reverse (rnn)") != std::string::npos);
  REQUIRE(md.find("| none |") != std::string::npos);
  REQUIRE(md.find("| additive |") != std::string::npos);
  REQUIRE(md.find("| 2/2 |") != std::string::npos);
  REQUIRE(md.find("None: every run finished.") != std::string::npos);

  const std::string html = read_file(root / "report.html");
  require_well_formed(html);
  // Loss, metric and bar charts, and a heatmap for each of additive's 2 samples; none has no matrix.
  REQUIRE(count_of(html, "<svg") == 3 + 2);
  REQUIRE(html.find("no attention: the decoder reads only the encoder&#39;s final state") != std::string::npos);
  REQUIRE(html.find("Validation loss") != std::string::npos);

  // The folder reads back as the sweep it reported: sweep.json and results.csv, with each run's kernels.
  const SweepResults back = read_sweep_folder(root);
  REQUIRE(back.task == "reverse");
  REQUIRE(back.model == "rnn");
  REQUIRE(back.driver == "translate");
  REQUIRE(back.metric == "test_exact_match");
  REQUIRE(back.command_line == "compare (test)");
  REQUIRE(back.planned == 4);
  REQUIRE(back.cores > 0);
  REQUIRE(back.runs.size() == 4);
  for (std::size_t row = 1; row < rows.size(); ++row) {
    const RunRecord& r = back.runs[row - 1];
    REQUIRE(r.name == cell(rows, row, "run"));
    REQUIRE(r.ok);
    REQUIRE(r.steps == 6);
    REQUIRE(r.test_metric == Approx(std::stod(cell(rows, row, "test_metric"))));
    REQUIRE_FALSE(r.blas_kernels.empty());
    REQUIRE(r.dir == root / "runs" / r.name);
  }
}

TEST_CASE("compare reports a failing run and still writes its report", "[compare]") {
  test::TempDir dir;
  CompareOptions c = tiny_sweep(dir.path(), "failing");
  c.variants = {"additive"};
  c.seeds = 1;
  c.lengths = {4, 20000};  // the reverse task refuses sources longer than 10000
  const Json summary = run_compare(c);
  REQUIRE(summary["ok"] == 1);
  REQUIRE(summary["failed"] == 1);
  const fs::path root = dir.path() / "failing";
  const auto rows = read_csv(root / "results.csv");
  REQUIRE(rows.size() == 3);
  REQUIRE(cell(rows, 1, "status") == "ok");
  REQUIRE(cell(rows, 2, "run") == "additive-L20000-s0");
  REQUIRE(cell(rows, 2, "status") == "failed");
  REQUIRE(cell(rows, 2, "exit") == "exit status 1");
  REQUIRE(cell(rows, 1, "exit") == "exit status 0");
  REQUIRE(cell(rows, 2, "error").find("lengths [20000, 20000] are invalid") != std::string::npos);
  REQUIRE(cell(rows, 2, "test_metric").empty());
  REQUIRE(fs::exists(root / "runs" / "additive-L20000-s0" / "log.txt"));
  const std::string md = read_file(root / "report.md");
  REQUIRE(md.find("## reverse (rnn), length 20000") != std::string::npos);
  REQUIRE(md.find("- `additive-L20000-s0`: translate: task 'reverse': lengths") != std::string::npos);
  const std::string html = read_file(root / "report.html");
  require_well_formed(html);
  REQUIRE(html.find("Time per training step against length") != std::string::npos);
  REQUIRE(html.find("class=\"failed\"") != std::string::npos);
}
