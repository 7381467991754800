// svg::heatmap and svg::weight_colour (svg_charts.h): a weight matrix as a grid
// of shaded cells, rows and columns labelled with their tokens.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "experiments/lib/svg_charts.h"

namespace heed::experiments::svg {

namespace {

// A token as it can be read on an axis: a space becomes "␣", long tokens are cut.
std::string visible(const std::string& token) {
  if (token == " ") return "\u2423";
  if (token.size() > 12) return token.substr(0, 11) + "\u2026";
  return token;
}

// Block means of a rows x columns matrix, so no axis has more than max_cells cells.
struct Pooled {
  std::size_t rows, columns, row_block, column_block;
  std::vector<double> weights;
};

Pooled pool(const Heatmap& map, std::size_t max_cells) {
  const std::size_t rows = map.rows.size(), columns = map.columns.size();
  Pooled p;
  p.row_block = (rows + max_cells - 1) / max_cells;
  p.column_block = (columns + max_cells - 1) / max_cells;
  p.rows = (rows + p.row_block - 1) / p.row_block;
  p.columns = (columns + p.column_block - 1) / p.column_block;
  p.weights.assign(p.rows * p.columns, 0.0);
  std::vector<double> counts(p.weights.size(), 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < columns; ++c) {
      const double w = map.weights[r * columns + c];
      if (!std::isfinite(w)) continue;
      const std::size_t at = (r / p.row_block) * p.columns + c / p.column_block;
      p.weights[at] += w;
      counts[at] += 1;
    }
  for (std::size_t i = 0; i < p.weights.size(); ++i) p.weights[i] = counts[i] > 0 ? p.weights[i] / counts[i] : 0.0;
  return p;
}

}  // namespace

std::string weight_colour(double weight) {
  // Three stops of ColorBrewer's "Blues": #f7fbff, #6baed6, #08306b.
  static const double stops[3][3] = {{247, 251, 255}, {107, 174, 214}, {8, 48, 107}};
  const double w = std::clamp(std::isfinite(weight) ? weight : 0.0, 0.0, 1.0) * 2;
  const int segment = std::min(static_cast<int>(w), 1);
  const double t = w - segment;
  int rgb[3];
  for (int k = 0; k < 3; ++k)
    rgb[k] = static_cast<int>(std::lround(stops[segment][k] + t * (stops[segment + 1][k] - stops[segment][k])));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "rgb(%d,%d,%d)", rgb[0], rgb[1], rgb[2]);
  return buffer;
}

std::string heatmap(const Heatmap& map, std::size_t max_cells) {
  const Pooled p = pool(map, std::max<std::size_t>(max_cells, 1));
  const bool pooled = p.row_block > 1 || p.column_block > 1;
  const bool labels = map.labels && !pooled;
  std::size_t row_chars = 0, column_chars = 0;
  for (const auto& r : map.rows) row_chars = std::max(row_chars, visible(r).size());
  for (const auto& c : map.columns) column_chars = std::max(column_chars, visible(c).size());
  const bool tall_columns = column_chars > 2;
  const double cell = map.cell;
  const double left = (labels ? 7.0 * static_cast<double>(std::min<std::size_t>(row_chars, 12)) + 10 : 4) +
                      (map.row_axis.empty() ? 0 : 18);
  const double top = 24 + (map.column_axis.empty() ? 0 : 14) +
                     (labels ? (tall_columns ? 7.0 * static_cast<double>(std::min<std::size_t>(column_chars, 12)) + 6
                                             : 16) : 0);
  const double grid_w = cell * static_cast<double>(p.columns), grid_h = cell * static_cast<double>(p.rows);
  const double title_w = 7.0 * static_cast<double>(map.title.size()) + 8;
  // The row caption, turned upright, needs about 7 px per letter: short grids get room below.
  const double caption_half = 3.5 * static_cast<double>(map.row_axis.size() + 2);
  const double caption_y = map.row_axis.empty() ? 0 : std::max(top + grid_h / 2, top + caption_half - 6);
  const double width = std::max({left + grid_w + 8, left + (map.labels ? 180.0 : 0.0), title_w}),
               height = std::max(top + grid_h + (map.labels ? 34 : 8), caption_y + caption_half + 4);

  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(width) << "\" height=\"" << num(height)
      << "\" viewBox=\"0 0 " << num(width) << " " << num(height) << "\" role=\"img\" aria-label=\""
      << escape(map.title) << "\" font-family=\"sans-serif\" font-size=\"11\">\n<title>" << escape(map.title)
      << "</title>\n<text x=\"2\" y=\"14\" font-size=\"12\" font-weight=\"bold\">" << escape(map.title) << "</text>\n";
  if (!map.column_axis.empty())
    out << "<text x=\"" << num(left + grid_w / 2) << "\" y=\"34\" text-anchor=\"middle\">"
        << escape(map.column_axis + (pooled ? " (block means)" : "")) << " \u2192</text>\n";
  if (!map.row_axis.empty())
    out << "<text x=\"12\" y=\"" << num(caption_y) << "\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
        << num(caption_y) << ")\">" << escape(map.row_axis) << " \u2192</text>\n";
  if (labels) {
    for (std::size_t c = 0; c < p.columns; ++c) {
      const double x = left + cell * (static_cast<double>(c) + 0.5);
      const std::string label = escape(visible(map.columns[c]));
      if (tall_columns)
        out << "<text x=\"" << num(x + 4) << "\" y=\"" << num(top - 4) << "\" transform=\"rotate(-90 " << num(x + 4)
            << " " << num(top - 4) << ")\">" << label << "</text>\n";
      else
        out << "<text x=\"" << num(x) << "\" y=\"" << num(top - 4) << "\" text-anchor=\"middle\">" << label
            << "</text>\n";
    }
    for (std::size_t r = 0; r < p.rows; ++r)
      out << "<text x=\"" << num(left - 4) << "\" y=\"" << num(top + cell * (static_cast<double>(r) + 0.5) + 4)
          << "\" text-anchor=\"end\">" << escape(visible(map.rows[r])) << "</text>\n";
  }
  const bool tooltips = labels && p.rows * p.columns <= 400;
  for (std::size_t r = 0; r < p.rows; ++r)
    for (std::size_t c = 0; c < p.columns; ++c) {
      const double w = p.weights[r * p.columns + c];
      out << "<rect x=\"" << num(left + cell * static_cast<double>(c)) << "\" y=\""
          << num(top + cell * static_cast<double>(r)) << "\" width=\"" << num(cell) << "\" height=\"" << num(cell)
          << "\" fill=\"" << weight_colour(w) << "\"";
      if (tooltips) {
        char weight[16];
        std::snprintf(weight, sizeof weight, "%.3f", w);
        out << "><title>" << escape(visible(map.rows[r])) << " \u2190 " << escape(visible(map.columns[c])) << ": "
            << weight << "</title></rect>\n";
      } else {
        out << "/>\n";
      }
    }
  out << "<rect x=\"" << num(left) << "\" y=\"" << num(top) << "\" width=\"" << num(grid_w) << "\" height=\""
      << num(grid_h) << "\" fill=\"none\" stroke=\"#999\"/>\n";
  if (map.labels) {  // the colour scale: weight 0 .. 1
    const double y = top + grid_h + 10;
    for (int i = 0; i < 10; ++i)
      out << "<rect x=\"" << num(left + 12.0 * i) << "\" y=\"" << num(y) << "\" width=\"12\" height=\"8\" fill=\""
          << weight_colour((i + 0.5) / 10) << "\"/>\n";
    out << "<text x=\"" << num(left) << "\" y=\"" << num(y + 20) << "\">0</text>\n<text x=\"" << num(left + 120)
        << "\" y=\"" << num(y + 20) << "\" text-anchor=\"end\">1</text>\n<text x=\"" << num(left + 126) << "\" y=\""
        << num(y + 8) << "\">weight</text>\n";
  }
  out << "</svg>\n";
  return out.str();
}

}  // namespace heed::experiments::svg
