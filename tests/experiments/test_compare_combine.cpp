// Sweep folders read back and combined (compare --combine): made-up sweeps
// written with the functions a sweep uses (sweep.json, results.csv, each
// run's summary.json, metrics.csv and samples.json) read back as the same
// records; a combined report has an overview and one section per sweep; a
// missing or corrupt folder is refused by name before anything is written.
#include <filesystem>
#include <fstream>

#include "data/temp_dir.h"
#include "experiments/lib/compare.h"
#include "experiments/lib/compare_results.h"
#include "experiments/lib/report_html.h"
#include "experiments/lib/sweep_folder.h"
#include "experiments/report_checks.h"
#include "helpers.h"

using namespace heed;
using namespace heed::experiments;
using namespace heed::test;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// A finished sweep of `variants` x 2 seeds in <parent>/<name>, as compare leaves it;
// the variant "broken" fails with an error that needs quoting in CSV.
SweepResults made_up_sweep(const fs::path& parent, const std::string& name, const std::string& task,
                           const std::string& model, const std::vector<std::string>& variants) {
  SweepResults s;
  s.task = task;
  s.model = model;
  s.driver = task == "fashion" ? "classify" : "translate";
  s.metric = s.driver == "translate" ? "test_exact_match" : "test_accuracy";
  s.valid_metric = s.driver == "translate" ? "valid_exact_match" : "valid_accuracy";
  s.command_line = "compare --task " + task + " --model " + model + " \"quoted\", with a comma";
  s.commit = "abc1234";
  s.date = "2024-01-02T03:04:05Z";
  s.cores = 2;
  s.cpu = "Made-up CPU";
  s.planned = variants.size() * 2 + 1;  // one run never ran: the sweep was stopped
  s.root = parent / name;
  double metric = 0.3;
  for (const std::string& variant : variants)
    for (std::uint64_t seed = 0; seed < 2; ++seed) {
      RunRecord r;
      r.variant = variant;
      r.seed = seed;
      r.name = variant + "-s" + std::to_string(seed);
      r.dir = s.root / "runs" / r.name;
      r.wall_s = 12.3456789 + static_cast<double>(seed);
      fs::create_directories(r.dir);
      if (variant == "broken") {
        r.exit = "exit status 1";
        r.error = "translate: bad \"flag\", see\nlog";
        s.runs.push_back(r);
        continue;
      }
      r.ok = true;
      r.exit = "exit status 0";
      metric += 0.1234567;
      r.test_metric = metric;
      r.test_token_accuracy = s.driver == "translate" ? metric + 0.05 : kMissing;
      r.best_valid_metric = metric + 0.01;
      r.ms_per_step = 41.2345678;
      r.peak_mb = 3.14159265;
      r.parameters = 12345;
      r.steps = 10;
      r.blas_kernels = "zen3";
      write(r.dir / "summary.json", R"({"blas_kernels":"zen3","steps":10})");
      write(r.dir / "metrics.csv", "step,valid_loss," + s.valid_metric + "\n5,2.0,0.2\n10,1.0," +
                                       std::to_string(metric) + "\n");
      if (s.driver == "translate")
        write(r.dir / "samples.json",
              model == "transformer"
                  ? R"([{"source":"ab","target":"ab","prediction":"ab","source_tokens":["a","b"],
                        "output_tokens":["a","b"],"attention":[[0.9,0.1],[0.2,0.8]],
                        "attention_heads":[[1,0,0,1],[0.8,0.2,0.4,0.6]]}])"
                  : R"([{"source":"ab","target":"ab","prediction":"ab","source_tokens":["a","b"],
                        "output_tokens":["a","b"],"attention":[[0.9,0.1],[0.2,0.8]]}])");
      s.runs.push_back(r);
    }
  write_sweep_json(s, s.root / "sweep.json");
  write_results_csv(s, s.root / "results.csv");
  return s;
}

CompareOptions combine_options(const fs::path& out, const std::vector<fs::path>& folders) {
  CompareOptions o;
  o.out_dir = out.string();
  o.name = "both";
  o.command_line = "compare --combine (test)";
  o.bin_dir = HEED_DRIVER_DIR;
  for (const auto& folder : folders) o.combine.push_back(folder.string());
  return o;
}

}  // namespace

TEST_CASE("a sweep folder reads back as the records it reported", "[compare]") {
  test::TempDir dir;
  const SweepResults sweep = made_up_sweep(dir.path(), "dates-rnn", "dates", "rnn", {"none", "additive", "broken"});
  const SweepResults back = read_sweep_folder(dir.path() / "dates-rnn/");  // a trailing '/' names the same folder
  REQUIRE(back.root == sweep.root);
  REQUIRE(back.task == sweep.task);
  REQUIRE(back.model == sweep.model);
  REQUIRE(back.driver == sweep.driver);
  REQUIRE(back.metric == sweep.metric);
  REQUIRE(back.valid_metric == sweep.valid_metric);
  REQUIRE(back.command_line == sweep.command_line);
  REQUIRE(back.commit == sweep.commit);
  REQUIRE(back.date == sweep.date);
  REQUIRE(back.cores == sweep.cores);
  REQUIRE(back.cpu == sweep.cpu);
  REQUIRE(back.planned == sweep.planned);
  REQUIRE(back.runs.size() == sweep.runs.size());
  for (std::size_t i = 0; i < sweep.runs.size(); ++i) require_same_record(back.runs[i], sweep.runs[i]);
  REQUIRE(runs_finished(back) == "4/6 runs finished, 1 of 7 planned never ran (the sweep was stopped)");
  REQUIRE(machine_description(back) == "2 cores (Made-up CPU), BLIS kernels zen3, GPU none");

  REQUIRE(parse_csv("a,\"b,\"\"c\"\"\nd\"\r\n\ne,") ==
          std::vector<std::vector<std::string>>{{"a", "b,\"c\"\nd"}, {"e", ""}});
  REQUIRE_THROWS_WITH(parse_csv("a,\"b"), Catch::Contains("never closed"));
}

TEST_CASE("compare --combine writes one report with an overview and a section per sweep", "[compare]") {
  test::TempDir dir;
  made_up_sweep(dir.path(), "dates-rnn", "dates", "rnn", {"none", "additive", "broken"});
  made_up_sweep(dir.path(), "dates-transformer", "dates", "transformer", {"mha"});
  made_up_sweep(dir.path(), "fashion-cnn", "fashion", "cnn", {"cnn"});
  const CompareOptions o = combine_options(
      dir.path(), {dir.path() / "dates-rnn", dir.path() / "dates-transformer", dir.path() / "fashion-cnn"});
  const Json summary = run_combine(o);
  REQUIRE(summary["runs"] == 6 + 2 + 2);
  REQUIRE(summary["ok"] == 8);
  REQUIRE(summary["failed"] == 2);
  const fs::path root = dir.path() / "both";

  const auto rows = read_csv(root / "results.csv");
  REQUIRE(rows.size() == 1 + 10);
  REQUIRE(rows.front().front() == "sweep");
  REQUIRE(cell(rows, 1, "sweep") == "dates-rnn");
  REQUIRE(cell(rows, 7, "sweep") == "dates-transformer");
  REQUIRE(cell(rows, 10, "sweep") == "fashion-cnn");
  REQUIRE(cell(rows, 10, "metric") == "test_accuracy");
  REQUIRE(cell(rows, 5, "error") == "translate: bad \"flag\", see\nlog");

  const std::string md = read_file(root / "report.md");
  REQUIRE(md.find("# Comparison: both") != std::string::npos);
  REQUIRE(md.find("## Overview") != std::string::npos);
  REQUIRE(md.find("## Sweep dates-rnn") != std::string::npos);
  REQUIRE(md.find("## Sweep dates-transformer") != std::string::npos);
  REQUIRE(md.find("## Sweep fashion-cnn") != std::string::npos);
  REQUIRE(md.find("### dates (rnn)") != std::string::npos);
  REQUIRE(md.find("### Failed runs") != std::string::npos);
  REQUIRE(md.find("dates-rnn/runs/broken-s0/log.txt") != std::string::npos);  // logs named from the sweep folder

  const std::string html = read_file(root / "report.html");
  require_well_formed(html);
  for (const char* section : {"id=\"sweep-1\"", "id=\"sweep-2\"", "id=\"sweep-3\"", "href=\"#sweep-3\""})
    REQUIRE(count_of(html, section) == 1);
  REQUIRE(html.find("Sweep 2: dates-transformer") != std::string::npos);
  // The overview ranks each sweep's variants; dates, run by two sweeps, gets one chart across them.
  REQUIRE(html.find("exact match: additive 73.2, none 48.5, broken failed") != std::string::npos);
  REQUIRE(html.find("Test exact match on dates, every sweep") != std::string::npos);
  REQUIRE(html.find("on fashion, every sweep") == std::string::npos);
  // Each sweep keeps its own report's pictures: 3 charts per sweep, heatmaps of the translation
  // runs (rnn: 2 variants that finished; transformer: its mean map and 2 heads), the overview chart.
  REQUIRE(count_of(html, "<svg") == 3 * 3 + 2 + 3 + 1);
  REQUIRE(count_of(html, "Made-up CPU") == 3);
}

TEST_CASE("compare --combine refuses a missing or corrupt sweep folder by name", "[compare]") {
  test::TempDir dir;
  made_up_sweep(dir.path(), "good", "dates", "rnn", {"none"});
  const fs::path good = dir.path() / "good";
  const auto refused = [&](const fs::path& folder, const std::string& why) {
    INFO(folder.string() << ": " << why);
    REQUIRE_THROWS_WITH(run_combine(combine_options(dir.path(), {good, folder})),
                        Catch::Contains(folder.string()) && Catch::Contains(why));
    REQUIRE_FALSE(fs::exists(dir.path() / "both"));
  };
  refused(dir.path() / "missing", "does not exist");
  fs::create_directories(dir.path() / "bare");
  refused(dir.path() / "bare", "has no sweep.json");

  const auto copy_of_good = [&](const std::string& name) {
    fs::copy(good, dir.path() / name, fs::copy_options::recursive);
    return dir.path() / name;
  };
  const fs::path not_json = copy_of_good("not-json");
  write(not_json / "sweep.json", "{\"format\": \"heed-sweep\", ");
  refused(not_json, "corrupt sweep.json");
  const fs::path no_task = copy_of_good("no-task");
  write(no_task / "sweep.json", R"({"format":"heed-sweep","version":1,"model":"rnn"})");
  refused(no_task, "\"task\" is missing");
  const fs::path no_csv = copy_of_good("no-csv");
  fs::remove(no_csv / "results.csv");
  refused(no_csv, "has no results.csv");

  const std::string csv = read_file(good / "results.csv");
  const auto with_csv = [&](const std::string& name, const std::string& text) {
    const fs::path folder = copy_of_good(name);
    write(folder / "results.csv", text);
    return folder;
  };
  refused(with_csv("bad-header", "run,task\n"), "its header is not");
  refused(with_csv("short-row", csv + "x,dates\n"), "row 3 has 2 fields");
  std::string bad_number = csv;
  bad_number.replace(bad_number.find("41.2346"), 7, "fast");
  refused(with_csv("bad-number", bad_number), "column 'ms_per_step' holds 'fast'");
  const fs::path no_run = copy_of_good("no-run");
  fs::remove_all(no_run / "runs" / "none-s1");
  refused(no_run, "has no runs/none-s1/ folder");

  // An existing output folder is kept unless --overwrite; and it may not be one of the sweeps,
  // which --overwrite would delete before reading.
  fs::create_directories(dir.path() / "both");
  REQUIRE_THROWS_WITH(run_combine(combine_options(dir.path(), {good})),
                      Catch::Contains("already exists; pass --overwrite"));
  CompareOptions replace = combine_options(dir.path(), {good});
  replace.overwrite = true;
  REQUIRE(run_combine(replace)["runs"] == 2);
  REQUIRE(fs::exists(dir.path() / "both" / "report.html"));
  CompareOptions onto_itself = combine_options(dir.path(), {good});
  onto_itself.name = "good";
  onto_itself.overwrite = true;
  REQUIRE_THROWS_WITH(run_combine(onto_itself), Catch::Contains("lies inside the output folder"));
  REQUIRE(fs::exists(good / "sweep.json"));
  CompareOptions twice = combine_options(dir.path(), {good, good / "."});
  twice.overwrite = true;
  REQUIRE_THROWS_WITH(run_combine(twice),
                      Catch::Contains("names the sweep folder " + (good / ".").string() + " twice"));

  // --combine runs nothing, so the flags of a sweep to run are refused.
  const char* with_variants[] = {"compare", "--combine", "runs/a", "--attention", "dot"};
  REQUIRE_THROWS_WITH(parse_compare_command(5, with_variants), Catch::Contains("--attention describes a sweep"));
  const char* with_passthrough[] = {"compare", "--combine", "runs/a", "--", "--steps", "9"};
  REQUIRE_THROWS_WITH(parse_compare_command(6, with_passthrough), Catch::Contains("after --"));
  const char* empty[] = {"compare", "--combine", ""};
  REQUIRE_THROWS_WITH(parse_compare_command(3, empty), Catch::Contains("needs a comma list"));
  const char* fine[] = {"compare", "--combine", "runs/a, runs/b", "--name", "demo"};
  REQUIRE(parse_compare_command(5, fine).options.combine == std::vector<std::string>{"runs/a", "runs/b"});
}
