// compare's report.html, opened in a real browser (headless Chromium): the
// page must log no error, render to a picture that is not blank, and hold its
// SVG charts. A first test feeds the same checks a broken page and a blank one,
// to show that they would catch both.
//
// The sweep is tiny (2 variants x 20 steps of the dates task at one thread, a
// few seconds), but real: compare runs translate as child processes and writes
// the report from their metrics and samples, as it does for any sweep.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "browser.h"
#include "experiments/lib/child_process.h"

using namespace heed::browser_test;
namespace fs = std::filesystem;

namespace {

const fs::path kWorkDir = HEED_BROWSER_WORK_DIR;

fs::path write_page(const std::string& name, const std::string& html) {
  fs::create_directories(kWorkDir);
  const fs::path file = kWorkDir / name;
  std::ofstream(file) << html;
  return file;
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

}  // namespace

TEST_CASE("The browser checks catch a script error and a blank page", "[browser]") {
  const RenderedPage broken = render_page(
      write_page("broken.html", "<!doctype html><html><body><p>text</p><script>no_such_function();</script></body></html>"),
      kWorkDir);
  INFO("console of broken.html:\n" << joined_lines(broken.console));
  REQUIRE(broken.console.size() >= 1);
  CHECK(joined_lines(broken.console).find("Uncaught ReferenceError") != std::string::npos);

  const RenderedPage blank = render_page(write_page("blank.html", "<!doctype html><html><body></body></html>"), kWorkDir);
  const PixelStats stats = pixel_stats(blank.screenshot);
  CHECK(blank.screenshot.width == 1280);
  CHECK(blank.screenshot.height == 2000);
  CHECK(stats.dominant_fraction == 1.0);
  CHECK(stats.luminance_std == 0.0);
  CHECK(count_elements(blank.dom, "svg") == 0);
}

TEST_CASE("compare's report.html renders in Chromium with charts and no errors", "[browser]") {
  const fs::path sweeps = kWorkDir / "sweeps";
  const std::vector<std::string> args = {
      "--task", "dates", "--model", "rnn", "--attention", "none,additive", "--threads", "1", "--name", "report",
      "--out", sweeps.string(), "--overwrite", "--quiet", "--",
      "--steps", "20", "--eval-every", "10", "--train-size", "200", "--valid-size", "50", "--test-size", "50",
      "--samples", "2"};
  fs::create_directories(kWorkDir);
  const auto exit = heed::experiments::run_child(fs::path(HEED_DRIVER_DIR) / "compare", args, kWorkDir / "compare.out",
                                                 kWorkDir / "compare.log");
  INFO("compare: " << exit.describe() << "; its log: " << (kWorkDir / "compare.log").string());
  REQUIRE(exit.ok());
  const fs::path report = sweeps / "report" / "report.html";
  REQUIRE(fs::exists(report));

  const RenderedPage page = render_page(report, kWorkDir);
  INFO("screenshot: " << page.screenshot_file.string());
  {
    INFO("the page logged to its console (it has no scripts, so any message is an error):\n"
         << joined_lines(page.console));
    CHECK(page.console.empty());
  }
  // The report's charts: validation loss and metric curves, the test-metric
  // bars, and one attention heatmap per variant with weights.
  CHECK(count_elements(page.dom, "svg") >= 4);
  CHECK(page.dom.find("additive") != std::string::npos);

  // A blank page is one colour on every pixel (the first test). This report's
  // first 2000 rows have about 91% background and a luminance spread near 24;
  // the bounds leave room for layout changes and catch a page that is all but empty.
  const PixelStats stats = pixel_stats(page.screenshot);
  INFO("luminance std " << stats.luminance_std << ", dominant colour on " << 100 * stats.dominant_fraction
                        << "% of the pixels");
  CHECK(page.screenshot.width == 1280);
  CHECK(page.screenshot.height == 2000);
  CHECK(stats.dominant_fraction < 0.98);
  CHECK(stats.luminance_std > 8.0);
}
