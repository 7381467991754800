// Headless Chromium for tests: a page is rendered the way a reader's browser
// renders it, and the test looks at what came out.
//
//   const RenderedPage page = render_page("runs/sweep/report.html", work_dir);
//   page.console          every message the page logged (script errors, failed loads)
//   page.dom              the DOM after rendering (chromium --dump-dom)
//   page.screenshot       the window as pixels, 1280 x 2000 (chromium --screenshot)
//
// Chromium logs console messages to stderr as lines holding ":CONSOLE" (with
// --enable-logging=stderr): "Uncaught ReferenceError: ..." for a script error.
// Its other log lines (no D-Bus in a container, no GPU) are about the browser,
// not the page, and are ignored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace heed::browser_test {

// chromium on the PATH, or an empty path when it is not installed.
std::filesystem::path find_chromium();

// An 8-bit image: width x height pixels of `channels` bytes (1 gray, 3 RGB, 4 RGBA), row by row.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels;
};

// Reads an 8-bit, non-interlaced gray, RGB or RGBA PNG (what Chromium writes):
// the chunks' IDAT data inflated with zlib, then each row's filter undone.
// Anything else throws, naming the file and what it holds.
Image read_png(const std::filesystem::path& file);

// How uniform a picture is: a blank or single-colour page has a dominant
// colour on (nearly) every pixel and a luminance spread near 0.
struct PixelStats {
  double luminance_std = 0;      // standard deviation of 0.299 R + 0.587 G + 0.114 B, in 0..255
  double dominant_fraction = 0;  // share of pixels with the most common colour
};
PixelStats pixel_stats(const Image& image);

struct RenderedPage {
  std::vector<std::string> console;  // the page's console messages, one line each
  std::string dom;
  Image screenshot;
  std::filesystem::path screenshot_file;
};

// Renders `html` twice in headless Chromium (a screenshot, then the DOM),
// with its profile and output files in `work_dir`. Throws when Chromium fails.
RenderedPage render_page(const std::filesystem::path& html, const std::filesystem::path& work_dir);

// Occurrences of the element <tag ...> in an HTML text.
int count_elements(const std::string& html, const std::string& tag);

}  // namespace heed::browser_test
