// Charts as inline SVG text, for the comparison report (report_html.h): line
// charts (linear or log axes), bar charts with error bars, and heatmaps of
// attention weights. Each function returns one self-contained <svg> element
// with a title, labelled axes and a legend; nothing is drawn for a value that
// is not finite, so NaN never reaches a coordinate.
//
// Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal
// Design"), which readers with any common colour-vision deficiency can tell
// apart; past eight series the dash pattern changes too. Heatmaps shade from
// white to dark blue, one hue, so order reads from lightness alone.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace heed::experiments::svg {

// Text made safe for SVG/HTML content and attribute values.
std::string escape(const std::string& text);

// A coordinate with one decimal: short files, and never "nan" (a value that is not finite gives 0).
std::string num(double v);

std::string series_colour(std::size_t style);  // "#0072b2", ...
std::string series_dash(std::size_t style);    // "" (solid), then "6 3", "2 3"

struct Series {
  std::string label;
  std::size_t style = 0;  // the colour and dash, stable per variant across charts
  std::vector<double> x, y;
};

struct ChartSpec {
  std::string title, x_label, y_label;  // labels name the unit: "time per step (ms)"
  bool log_x = false, log_y = false;
  double width = 640, height = 340;
  double x_min = NAN;               // where x starts at the latest (0 for steps); NaN: from the data
  double y_min = NAN, y_max = NAN;  // the y range at least (0 .. 100 for percentages); NaN: from the data
  std::vector<double> x_ticks = {}; // ticks to label on x (the lengths of a sweep); empty: chosen
};

std::string line_chart(const ChartSpec& spec, const std::vector<Series>& series);

struct Bar {
  std::string label;
  std::size_t style = 0;
  double value = 0, error = 0;  // error: half the error bar (one std)
};
std::string bar_chart(const ChartSpec& spec, const std::vector<Bar>& bars);

struct Heatmap {
  std::string title;
  std::string row_axis, column_axis;  // "output tokens", "source tokens"
  std::vector<std::string> rows, columns;
  std::vector<double> weights;  // rows x columns, row-major, in [0, 1]
  double cell = 16;             // pixels per cell
  bool labels = true;           // token labels on the axes (off for the small per-head grids)
};
// Larger maps are pooled (block means) to at most max_cells per axis.
std::string heatmap(const Heatmap& map, std::size_t max_cells = 48);

// The shade of a weight in [0, 1]: "rgb(r,g,b)".
std::string weight_colour(double weight);

// An image (pixels in 0..1, row-major) with an attention map over it (svg_image.cpp): the map,
// of any grid that tiles the image, is stretched over it in orange whose opacity grows from its
// lowest weight (clear) to its highest, and the two are printed below. An empty map draws the
// image alone.
struct ImageOverlay {
  std::string title;
  std::size_t height = 0, width = 0;
  std::vector<double> pixels;
  std::string image_png;  // grayscale_png_base64 of the pixels, when the caller has made it already
  std::size_t map_height = 0, map_width = 0;
  std::vector<double> map;
  double size = 112;  // drawn width in pixels
};
std::string image_overlay(const ImageOverlay& overlay);

// An 8-bit grayscale PNG of the pixels (0..1, row-major), base64-encoded for a data: URL.
std::string grayscale_png_base64(std::size_t height, std::size_t width, const std::vector<double>& pixels);
// An RGBA PNG of a map: orange, clear at its lowest weight and 80% opaque at its highest.
std::string overlay_png_base64(std::size_t height, std::size_t width, const std::vector<double>& map);

}  // namespace heed::experiments::svg
