#include "experiments/lib/svg_charts.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace heed::experiments::svg {

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", std::isfinite(v) ? v : 0.0);
  return buffer;
}

namespace {

std::string tick_label(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", std::abs(v) < 1e-12 ? 0.0 : v);
  return buffer;
}

std::string svg_open(double width, double height, const std::string& title) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
         "\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" role=\"img\" aria-label=\"" + escape(title) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n<title>" + escape(title) + "</title>\n";
}

std::string text(double x, double y, const std::string& content, const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + (extra.empty() ? "" : " " + extra) + ">" +
         escape(content) + "</text>\n";
}

// An axis: its range and the ticks to label, on a linear or log10 scale.
struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;

  double fraction(double v) const {
    return log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
  }
  bool shows(double v) const { return std::isfinite(v) && (!log || v > 0); }
};

// The range of the finite values (positive ones on a log axis) with the ticks
// to label; `fixed_lo`/`fixed_hi` (when finite) and `ticks` (when given) win.
Axis make_axis(const std::vector<double>& values, bool log, double fixed_lo = NAN, double fixed_hi = NAN,
               const std::vector<double>& ticks = {}) {
  Axis axis;
  axis.log = log;
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values)
    if (axis.shows(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (!std::isfinite(lo)) lo = log ? 1 : 0, hi = log ? 10 : 1;
  if (std::isfinite(fixed_lo)) lo = std::min(lo, fixed_lo);
  if (std::isfinite(fixed_hi)) hi = std::max(hi, fixed_hi);
  if (log) {
    // A little room around the data; ticks at 1, 2 and 5 times each power of ten inside.
    axis.lo = lo / 1.25;
    axis.hi = hi * 1.25;
    for (double decade = std::pow(10.0, std::floor(std::log10(axis.lo))); decade <= axis.hi; decade *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (decade * m >= axis.lo && decade * m <= axis.hi) axis.ticks.push_back(decade * m);
    if (axis.ticks.size() < 2) axis.ticks = {lo, hi};
  } else {
    if (hi - lo < 1e-12) hi = lo + (std::abs(lo) > 0 ? std::abs(lo) * 0.1 : 1.0);
    const double raw = (hi - lo) / 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / magnitude;
    const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
    axis.lo = std::floor(lo / step + 1e-9) * step;
    axis.hi = std::ceil(hi / step - 1e-9) * step;
    for (double t = axis.lo; t <= axis.hi + step * 1e-6; t += step) axis.ticks.push_back(t);
  }
  if (!ticks.empty()) {
    axis.ticks.clear();
    for (double t : ticks)
      if (axis.shows(t) && t >= axis.lo && t <= axis.hi) axis.ticks.push_back(t);
  }
  return axis;
}

// The plot area inside a chart.
struct Frame {
  double left, top, right, bottom;
  double x(const Axis& a, double v) const { return left + a.fraction(v) * (right - left); }
  double y(const Axis& a, double v) const { return bottom - a.fraction(v) * (bottom - top); }
};

std::string axes(const ChartSpec& spec, const Frame& f, const Axis* x_axis, const Axis& y_axis, double height) {
  std::ostringstream out;
  out << text(spec.width / 2, 20, spec.title, "text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\"");
  for (double t : y_axis.ticks) {
    const double y = f.y(y_axis, t);
    out << "<line x1=\"" << num(f.left) << "\" y1=\"" << num(y) << "\" x2=\"" << num(f.right) << "\" y2=\"" << num(y)
        << "\" stroke=\"#e0e0e0\"/>\n"
        << text(f.left - 6, y + 4, tick_label(t), "text-anchor=\"end\"");
  }
  if (x_axis)
    for (double t : x_axis->ticks) {
      const double x = f.x(*x_axis, t);
      out << "<line x1=\"" << num(x) << "\" y1=\"" << num(f.top) << "\" x2=\"" << num(x) << "\" y2=\""
          << num(f.bottom) << "\" stroke=\"#f0f0f0\"/>\n"
          << text(x, f.bottom + 16, tick_label(t), "text-anchor=\"middle\"");
    }
  out << "<path d=\"M" << num(f.left) << " " << num(f.top) << " V" << num(f.bottom) << " H" << num(f.right)
      << "\" fill=\"none\" stroke=\"#333\"/>\n"
      << text((f.left + f.right) / 2, height - 8, spec.x_label, "text-anchor=\"middle\"")
      << text(16, (f.top + f.bottom) / 2, spec.y_label,
              "text-anchor=\"middle\" transform=\"rotate(-90 16 " + num((f.top + f.bottom) / 2) + ")\"");
  return out.str();
}

std::string legend(const std::vector<std::pair<std::string, std::size_t>>& entries, double x, double y) {
  std::ostringstream out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double row = y + 16.0 * static_cast<double>(i);
    const std::string dash = series_dash(entries[i].second);
    out << "<line x1=\"" << num(x) << "\" y1=\"" << num(row - 4) << "\" x2=\"" << num(x + 20) << "\" y2=\""
        << num(row - 4) << "\" stroke=\"" << series_colour(entries[i].second) << "\" stroke-width=\"2.5\""
        << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") << "/>\n"
        << text(x + 26, row, entries[i].first);
  }
  return out.str();
}

double legend_width(const std::vector<std::string>& labels) {
  std::size_t longest = 0;
  for (const auto& l : labels) longest = std::max(longest, l.size());
  return std::min(40.0 + 7.0 * static_cast<double>(longest), 240.0);
}

}  // namespace

std::string escape(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string series_colour(std::size_t style) {
  // Okabe-Ito, darkest first; yellow last (it is the weakest on white).
  static const std::array<const char*, 8> colours = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                                     "#e69f00", "#56b4e9", "#000000", "#f0e442"};
  return colours[style % colours.size()];
}

std::string series_dash(std::size_t style) {
  static const std::array<const char*, 3> dashes = {"", "6 3", "2 3"};
  return dashes[(style / 8) % dashes.size()];
}

std::string line_chart(const ChartSpec& spec, const std::vector<Series>& series) {
  std::vector<double> xs, ys;
  std::vector<std::string> labels;
  for (const Series& s : series) {
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
    labels.push_back(s.label);
  }
  const Axis x_axis = make_axis(xs, spec.log_x, spec.x_min, NAN, spec.x_ticks);
  const Axis y_axis = make_axis(ys, spec.log_y, spec.y_min, spec.y_max);
  const double height = std::max(spec.height, 60.0 + 16.0 * static_cast<double>(series.size()));
  const Frame f{64, 36, spec.width - legend_width(labels) - 12, height - 44};
  std::ostringstream out;
  out << svg_open(spec.width, height, spec.title) << axes(spec, f, &x_axis, y_axis, height);
  std::vector<std::pair<std::string, std::size_t>> entries;
  for (const Series& s : series) {
    entries.emplace_back(s.label, s.style);
    const std::string stroke = "stroke=\"" + series_colour(s.style) + "\"";
    const std::string dash = series_dash(s.style);
    std::string path;
    bool pen_down = false;
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!x_axis.shows(s.x[i]) || !y_axis.shows(s.y[i])) {
        pen_down = false;  // a gap in the line where a value is missing
        continue;
      }
      const double px = f.x(x_axis, s.x[i]), py = f.y(y_axis, s.y[i]);
      path += (pen_down ? " L" : " M") + num(px) + " " + num(py);
      pen_down = true;
      out << "<circle cx=\"" << num(px) << "\" cy=\"" << num(py) << "\" r=\"2.5\" fill=\"" << series_colour(s.style)
          << "\"/>\n";
    }
    if (!path.empty())
      out << "<path d=\"" << path.substr(1) << "\" fill=\"none\" " << stroke << " stroke-width=\"2\""
          << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") << "/>\n";
  }
  out << legend(entries, f.right + 14, f.top + 10) << "</svg>\n";
  return out.str();
}

std::string bar_chart(const ChartSpec& spec, const std::vector<Bar>& bars) {
  std::vector<double> tops;
  std::size_t longest = 0;
  for (const Bar& b : bars) {
    tops.push_back(b.value + (std::isfinite(b.error) ? b.error : 0.0));
    longest = std::max(longest, b.label.size());
  }
  const Axis y_axis = make_axis(tops, false, std::isfinite(spec.y_min) ? spec.y_min : 0.0, spec.y_max);
  const bool slanted = bars.size() > 6 || longest > 10;
  const double label_room = slanted ? std::min(20.0 + 5.0 * static_cast<double>(longest), 150.0) : 24.0;
  const double height = spec.height + label_room;
  const Frame f{64, 36, spec.width - 16, height - 24 - label_room};
  std::ostringstream out;
  out << svg_open(spec.width, height, spec.title) << axes(spec, f, nullptr, y_axis, height);
  const double band = (f.right - f.left) / static_cast<double>(std::max<std::size_t>(bars.size(), 1));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double centre = f.left + band * (static_cast<double>(i) + 0.5);
    const double label_y = f.bottom + 14;
    out << text(centre, label_y, b.label,
                slanted ? "text-anchor=\"end\" transform=\"rotate(-40 " + num(centre) + " " + num(label_y) + ")\""
                        : "text-anchor=\"middle\"");
    if (!std::isfinite(b.value)) continue;
    const double top = f.y(y_axis, b.value);
    out << "<rect x=\"" << num(centre - band * 0.3) << "\" y=\"" << num(top) << "\" width=\"" << num(band * 0.6)
        << "\" height=\"" << num(f.bottom - top) << "\" fill=\"" << series_colour(b.style) << "\"><title>"
        << escape(b.label) << ": " << tick_label(b.value) << " ± " << tick_label(b.error) << "</title></rect>\n";
    if (std::isfinite(b.error) && b.error > 0) {
      const double hi = f.y(y_axis, b.value + b.error), lo = f.y(y_axis, std::max(b.value - b.error, y_axis.lo));
      out << "<path d=\"M" << num(centre) << " " << num(lo) << " V" << num(hi) << " M" << num(centre - 5) << " "
          << num(hi) << " H" << num(centre + 5) << " M" << num(centre - 5) << " " << num(lo) << " H"
          << num(centre + 5) << "\" stroke=\"#333\" stroke-width=\"1.5\" fill=\"none\"/>\n";
    }
    const double above = f.y(y_axis, b.value + (std::isfinite(b.error) ? b.error : 0.0)) - 4;
    out << text(centre, above, tick_label(std::round(b.value * 10) / 10), "text-anchor=\"middle\" font-size=\"10\"");
  }
  out << "</svg>\n";
  return out.str();
}

}  // namespace heed::experiments::svg
