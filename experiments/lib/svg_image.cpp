// svg::image_overlay (svg_charts.h): an input image with an attention map laid
// over it, as one self-contained SVG. Both travel inside the SVG as PNGs in
// data: URLs, the image in grayscale and the map as orange of growing opacity
// (a 28 x 28 image is at most about 1 KB of base64, where one <rect> per pixel
// would be 40 KB), and the browser scales both to the same square.
//
// The PNGs are the simplest ones the format allows: 8-bit grayscale or RGBA,
// one filter byte (0, none) before each row, deflated by zlib.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>

#include <zlib.h>

#include "experiments/lib/svg_charts.h"
#include "tensor/error.h"

namespace heed::experiments::svg {

namespace {

using Bytes = std::vector<std::uint8_t>;

void put32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// A chunk: length, type, data, CRC-32 of type and data.
void chunk(Bytes& png, const char* type, const Bytes& data) {
  put32(png, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  const uLong crc = ::crc32(0L, png.data() + start, static_cast<uInt>(png.size() - start));
  put32(png, static_cast<std::uint32_t>(crc));
}

// The zlib stream of IDAT: zlib's own deflate (heed links zlib to read .gz data sets).
Bytes deflated(const Bytes& raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  Bytes z(size);
  const int status = compress2(z.data(), &size, raw.data(), static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION);
  HEED_CHECK(status == Z_OK, "svg::image_overlay: zlib could not compress a PNG (status ", status, ")");
  z.resize(size);
  return z;
}

std::string base64(const Bytes& data) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{data[i]} << 16) | (i + 1 < data.size() ? data[i + 1] << 8 : 0) |
                            (i + 2 < data.size() ? data[i + 2] : 0);
    out += digits[(n >> 18) & 63];
    out += digits[(n >> 12) & 63];
    out += i + 1 < data.size() ? digits[(n >> 6) & 63] : '=';
    out += i + 2 < data.size() ? digits[n & 63] : '=';
  }
  return out;
}

// A PNG of `channels` bytes per pixel (1: grayscale, 4: RGBA), rows of width * channels bytes.
std::string png_base64(std::size_t height, std::size_t width, std::uint8_t channels, const Bytes& pixels) {
  Bytes raw;
  raw.reserve(height * (width * channels + 1));
  for (std::size_t r = 0; r < height; ++r) {
    raw.push_back(0);  // filter: none
    const auto row = pixels.begin() + static_cast<std::ptrdiff_t>(r * width * channels);
    raw.insert(raw.end(), row, row + static_cast<std::ptrdiff_t>(width * channels));
  }
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes header;
  put32(header, static_cast<std::uint32_t>(width));
  put32(header, static_cast<std::uint32_t>(height));
  const std::uint8_t colour_type = channels == 4 ? 6 : 0;  // RGBA or grayscale
  header.insert(header.end(), {8, colour_type, 0, 0, 0});    // 8 bits, deflate, adaptive filters, no interlace
  chunk(png, "IHDR", header);
  chunk(png, "IDAT", deflated(raw));
  chunk(png, "IEND", {});
  return base64(png);
}

std::uint8_t byte_of(double unit) {
  return static_cast<std::uint8_t>(std::lround(std::clamp(std::isfinite(unit) ? unit : 0.0, 0.0, 1.0) * 255));
}

}  // namespace

std::string grayscale_png_base64(std::size_t height, std::size_t width, const std::vector<double>& pixels) {
  Bytes bytes(height * width, 0);
  for (std::size_t i = 0; i < bytes.size() && i < pixels.size(); ++i) bytes[i] = byte_of(pixels[i]);
  return png_base64(height, width, 1, bytes);
}

std::string overlay_png_base64(std::size_t height, std::size_t width, const std::vector<double>& map) {
  const auto [lo, hi] = std::minmax_element(map.begin(), map.end());
  const double low = map.empty() ? 0.0 : *lo, range = map.empty() ? 0.0 : *hi - *lo;
  Bytes rgba;
  rgba.reserve(height * width * 4);
  for (std::size_t i = 0; i < height * width; ++i) {
    const double v = i < map.size() ? map[i] : low;
    const double t = range > 0 && std::isfinite(v) ? (v - low) / range : 0.0;
    rgba.insert(rgba.end(), {0xE6, 0x55, 0x0D, byte_of(0.8 * t)});  // #e6550d, opacity 0 .. 0.8
  }
  return png_base64(height, width, 4, rgba);
}

std::string image_overlay(const ImageOverlay& o) {
  const double side = o.size;
  const double aspect = o.width > 0 ? static_cast<double>(o.height) / static_cast<double>(o.width) : 1.0;
  const double w = side, h = side * aspect, top = 20, height = top + h + (o.map.empty() ? 4 : 20);
  const double width = std::max(w + 4, 6.5 * static_cast<double>(o.title.size()) + 4);
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width) << "\" height=\"" << num(height)
      << "\" viewBox=\"0 0 " << num(width) << " " << num(height) << "\" role=\"img\" aria-label=\"" << escape(o.title)
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n<title>" << escape(o.title) << "</title>\n<text x=\"2\" y=\"13\">"
      << escape(o.title) << "</text>\n<image x=\"2\" y=\"" << num(top) << "\" width=\"" << num(w) << "\" height=\""
      << num(h) << "\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,"
      << (o.image_png.empty() ? grayscale_png_base64(o.height, o.width, o.pixels) : o.image_png) << "\"/>\n";
  if (!o.map.empty() && o.map_height > 0 && o.map_width > 0) {
    // Each map is shaded from its own lowest to its highest weight, printed below it.
    const auto [lo, hi] = std::minmax_element(o.map.begin(), o.map.end());
    out << "<image x=\"2\" y=\"" << num(top) << "\" width=\"" << num(w) << "\" height=\"" << num(h)
        << "\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,"
        << overlay_png_base64(o.map_height, o.map_width, o.map) << "\"/>\n";
    char scale[64];
    std::snprintf(scale, sizeof scale, "%.3g (clear) .. %.3g (orange)", *lo, *hi);
    out << "<text x=\"2\" y=\"" << num(top + h + 14) << "\" font-size=\"10\" fill=\"#555\">" << scale << "</text>\n";
  }
  out << "<rect x=\"2\" y=\"" << num(top) << "\" width=\"" << num(w) << "\" height=\"" << num(h)
      << "\" fill=\"none\" stroke=\"#999\"/>\n</svg>\n";
  return out.str();
}

}  // namespace heed::experiments::svg
