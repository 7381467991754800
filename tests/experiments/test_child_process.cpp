// Child processes for the comparison sweep: exit statuses, a run killed by a
// signal (as the kernel kills a process out of memory), the files its output
// goes to, and the last line of a log written with progress rewrites.
#include <filesystem>
#include <fstream>

#include "data/temp_dir.h"
#include "experiments/lib/child_process.h"
#include "experiments/lib/compare_results.h"
#include "helpers.h"

using namespace heed;
using namespace heed::experiments;

TEST_CASE("a child's exit status, output files and signals are reported", "[compare]") {
  test::TempDir dir;
  const auto out = dir.path() / "out.txt", err = dir.path() / "err.txt";
  const ChildExit fine = run_child("/bin/sh", {"-c", "echo '{\"x\":1}'; echo oops >&2"}, out, err);
  REQUIRE(fine.ok());
  REQUIRE(last_line_of(out) == "{\"x\":1}");
  REQUIRE(last_line_of(err) == "oops");

  const ChildExit failed = run_child("/bin/sh", {"-c", "exit 3"}, out, err);
  REQUIRE_FALSE(failed.ok());
  REQUIRE(failed.exit_code == 3);
  REQUIRE(failed.describe() == "exit status 3");

  int ticks = 0;
  const ChildExit killed = run_child("/bin/sh", {"-c", "sleep 1.2; kill -9 $$"}, out, err, [&] { ++ticks; });
  REQUIRE_FALSE(killed.ok());
  REQUIRE(killed.signal == 9);
  REQUIRE(killed.describe() == "killed by signal 9 (SIGKILL: out of memory, or killed)");
  REQUIRE(ticks >= 1);
  REQUIRE(killed.seconds >= 1.0);

  REQUIRE_THROWS_WITH(run_child(dir.path() / "missing", {}, out, err), Catch::Contains("missing or not executable"));
}

TEST_CASE("the last line of a log skips progress rewrites and blank lines", "[compare]") {
  test::TempDir dir;
  REQUIRE(last_line_of(dir.write("log", "step 1\r\033[Kstep 2\r\033[Kstep 3\n\n")) == "step 3");
  REQUIRE(last_line_of(dir.write("one", "translate: bad flag")) == "translate: bad flag");
  REQUIRE(last_line_of(dir.write("empty", "")).empty());
  REQUIRE(last_line_of(dir.path() / "none").empty());
}

TEST_CASE("a run summary without its test metric counts as failed", "[compare]") {
  RunRecord stopped;
  const Json summary = {{"steps", 40}, {"ms_per_step", 2.5}, {"best_valid_accuracy", 0.5}, {"stopped_at_step", 40}};
  REQUIRE_FALSE(read_run_summary(stopped, summary, "test_accuracy", "best_valid_accuracy"));
  REQUIRE(stopped.error.find("no test_accuracy") != std::string::npos);
  REQUIRE(stopped.steps == 40);

  RunRecord finished;
  const Json full = {{"steps", 40}, {"test_accuracy", 0.75}, {"best_valid_accuracy", 0.8}, {"parameters", 1234},
                     {"peak_mb", 3.5}, {"blas_kernels", "haswell"}};
  REQUIRE(read_run_summary(finished, full, "test_accuracy", "best_valid_accuracy"));
  REQUIRE(finished.test_metric == 0.75);
  REQUIRE(finished.best_valid_metric == 0.8);
  REQUIRE(finished.parameters == 1234);
  REQUIRE(finished.blas_kernels == "haswell");
  REQUIRE(std::isnan(finished.ms_per_step));
  REQUIRE_FALSE(read_run_summary(finished, Json(), "test_accuracy", "best_valid_accuracy"));
}
