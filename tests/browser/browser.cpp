#include "browser.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "experiments/lib/child_process.h"

namespace heed::browser_test {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])); };
  return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

// PNG's Paeth predictor: whichever of left, up, up-left is closest to left + up - up-left.
int paeth(int left, int up, int up_left) {
  const int estimate = left + up - up_left;
  const int to_left = std::abs(estimate - left), to_up = std::abs(estimate - up), to_up_left = std::abs(estimate - up_left);
  if (to_left <= to_up && to_left <= to_up_left) return left;
  return to_up <= to_up_left ? up : up_left;
}

// Undoes the per-row filters: rows of 1 filter byte + `stride` bytes
// become rows of `stride` bytes. bpp: bytes per pixel, the "left" distance.
std::vector<std::uint8_t> unfilter(const std::vector<std::uint8_t>& filtered, int height, std::size_t stride, int bpp,
                                   const std::string& name) {
  std::vector<std::uint8_t> out(stride * static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    const std::uint8_t filter = filtered[y * (stride + 1)];
    const std::uint8_t* in = &filtered[y * (stride + 1) + 1];
    std::uint8_t* row = &out[y * stride];
    const std::uint8_t* prior = y > 0 ? row - stride : nullptr;
    for (std::size_t i = 0; i < stride; ++i) {
      const int left = i >= static_cast<std::size_t>(bpp) ? row[i - bpp] : 0;
      const int up = prior ? prior[i] : 0;
      const int up_left = prior && i >= static_cast<std::size_t>(bpp) ? prior[i - bpp] : 0;
      int predicted = 0;
      switch (filter) {
        case 0: predicted = 0; break;
        case 1: predicted = left; break;
        case 2: predicted = up; break;
        case 3: predicted = (left + up) / 2; break;
        case 4: predicted = paeth(left, up, up_left); break;
        default: throw std::runtime_error(name + ": row " + std::to_string(y) + " has unknown filter " + std::to_string(filter));
      }
      row[i] = static_cast<std::uint8_t>(in[i] + predicted);
    }
  }
  return out;
}

// A file:// URL, with the bytes a URL path cannot hold percent-encoded.
std::string file_url(const fs::path& file) {
  static const char* hex = "0123456789ABCDEF";
  std::string url = "file://";
  for (const unsigned char c : fs::absolute(file).lexically_normal().string()) {
    if (std::isalnum(c) || std::string("/-._~").find(static_cast<char>(c)) != std::string::npos) {
      url += static_cast<char>(c);
    } else {
      url += '%';
      url += hex[c >> 4];
      url += hex[c & 15];
    }
  }
  return url;
}

// The lines of Chromium's log that report a console message of the page.
std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find(":CONSOLE") != std::string::npos) lines.push_back(line);
  return lines;
}

}  // namespace

fs::path find_chromium() {
  const char* path = std::getenv("PATH");
  std::istringstream folders(path ? path : "");
  for (std::string folder; std::getline(folders, folder, ':');) {
    const fs::path candidate = fs::path(folder) / "chromium";
    if (!folder.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

Image read_png(const fs::path& file) {
  const std::string name = file.string();
  const std::string bytes = read_text(file);
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)
    throw std::runtime_error(name + " is not a PNG file (no PNG signature)");
  Image image;
  std::string compressed;  // the IDAT chunks, concatenated
  for (std::size_t at = 8; at + 12 <= bytes.size();) {
    const std::uint32_t length = big_endian(bytes, at);
    const std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + length > bytes.size()) throw std::runtime_error(name + ": chunk " + type + " runs past the end");
    const std::size_t data = at + 8;
    if (type == "IHDR") {
      image.width = static_cast<int>(big_endian(bytes, data));
      image.height = static_cast<int>(big_endian(bytes, data + 4));
      const int depth = static_cast<unsigned char>(bytes[data + 8]);
      const int colour = static_cast<unsigned char>(bytes[data + 9]);
      const int interlace = static_cast<unsigned char>(bytes[data + 12]);
      const std::unordered_map<int, int> channels_of_colour = {{0, 1}, {2, 3}, {4, 2}, {6, 4}};
      if (depth != 8 || interlace != 0 || !channels_of_colour.count(colour))
        throw std::runtime_error(name + ": bit depth " + std::to_string(depth) + ", colour type " +
                                 std::to_string(colour) + ", interlace " + std::to_string(interlace) +
                                 "; this reader takes 8-bit, non-interlaced gray, gray+alpha, RGB or RGBA");
      image.channels = channels_of_colour.at(colour);
    } else if (type == "IDAT") {
      compressed += bytes.substr(data, length);
    } else if (type == "IEND") {
      break;
    }
    at = data + length + 4;  // past the data and its CRC
  }
  if (image.channels == 0) throw std::runtime_error(name + ": no IHDR chunk");
  const std::size_t stride = static_cast<std::size_t>(image.width) * image.channels;
  std::vector<std::uint8_t> filtered((stride + 1) * image.height);
  uLongf size = filtered.size();
  const int status = uncompress(filtered.data(), &size, reinterpret_cast<const Bytef*>(compressed.data()), compressed.size());
  if (status != Z_OK || size != filtered.size())
    throw std::runtime_error(name + ": the image data does not inflate to " + std::to_string(image.height) +
                             " rows of " + std::to_string(image.width) + " pixels (zlib status " + std::to_string(status) + ")");
  image.pixels = unfilter(filtered, image.height, stride, image.channels, name);
  return image;
}

PixelStats pixel_stats(const Image& image) {
  const std::size_t count = static_cast<std::size_t>(image.width) * image.height;
  if (count == 0) return {};
  const bool colour = image.channels >= 3;
  double sum = 0, sum_of_squares = 0;
  std::unordered_map<std::uint32_t, std::size_t> colours;
  for (std::size_t p = 0; p < count; ++p) {
    const std::uint8_t* px = &image.pixels[p * image.channels];
    const double luminance = colour ? 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2] : px[0];
    sum += luminance;
    sum_of_squares += luminance * luminance;
    std::uint32_t key = 0;
    for (int c = 0; c < image.channels; ++c) key = key << 8 | px[c];
    ++colours[key];
  }
  std::size_t most = 0;
  for (const auto& [key, n] : colours) most = std::max(most, n);
  const double mean = sum / count;
  return {std::sqrt(std::max(0.0, sum_of_squares / count - mean * mean)), static_cast<double>(most) / count};
}

RenderedPage render_page(const fs::path& html, const fs::path& work_dir) {
  const fs::path chromium = find_chromium();
  if (chromium.empty()) throw std::runtime_error("chromium is not installed (scripts/install-deps.sh installs it)");
  fs::create_directories(work_dir);
  const std::string stem = html.stem().string();
  std::vector<std::string> common = {"--headless=new", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                                     "--enable-logging=stderr", "--user-data-dir=" + (work_dir / "chromium-profile").string()};
  if (geteuid() == 0) common.push_back("--no-sandbox");  // Chromium refuses to run as root inside its sandbox
  // One Chromium run on the page: (its stdout, its stderr).
  const auto run = [&](std::vector<std::string> args, const std::string& what) {
    args.insert(args.begin(), common.begin(), common.end());
    args.push_back(file_url(html));
    const fs::path out = work_dir / (stem + "-" + what + ".out"), log = work_dir / (stem + "-" + what + ".log");
    const experiments::ChildExit exit = experiments::run_child(chromium, args, out, log);
    if (!exit.ok())
      throw std::runtime_error("chromium (" + what + " of " + html.string() + ") ended with " + exit.describe() +
                               ": " + experiments::last_line_of(log));
    return std::pair{read_text(out), read_text(log)};
  };
  RenderedPage page;
  page.screenshot_file = work_dir / (stem + ".png");
  fs::remove(page.screenshot_file);
  const std::string screenshot_log =
      run({"--screenshot=" + page.screenshot_file.string(), "--window-size=1280,2000"}, "screenshot").second;
  const auto [dom, dom_log] = run({"--dump-dom"}, "dom");
  page.dom = dom;
  page.console = console_lines(screenshot_log);
  for (const auto& line : console_lines(dom_log)) page.console.push_back(line);
  page.screenshot = read_png(page.screenshot_file);
  return page;
}

int count_elements(const std::string& html, const std::string& tag) {
  int count = 0;
  for (std::size_t at = html.find("<" + tag); at != std::string::npos; at = html.find("<" + tag, at + 1)) {
    const char next = at + 1 + tag.size() < html.size() ? html[at + 1 + tag.size()] : '\0';
    if (next == ' ' || next == '>' || next == '/' || next == '\n') ++count;
  }
  return count;
}

}  // namespace heed::browser_test
