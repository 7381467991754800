// Printing a tensor: Tensor::str() and operator<<.
//
// The layout follows PyTorch's printer in spirit, so a reader who knows one
// reads the other:
//
//   tensor([[ 1.0000, -2.5000],
//           [ 3.0000,  4.0000]], shape=(2,2), dtype=float32)
//
// - Brackets nest once per dim. Rows of a matrix are separated by a newline,
//   matrices of a rank-3 tensor by a blank line, and so on up the ranks.
// - Every element is written in the same width, right-aligned, so columns line up.
// - Floats: fixed with 4 decimals. When a value would be unreadable that way
//   (largest magnitude >= 1e8, or a non-zero magnitude below 1e-4, which fixed
//   notation would show as 0.0000), all of them switch to scientific: 1.2346e-05.
//   Integers print plainly.
// - A tensor of more than kSummarizeAbove elements is summarised: every dim longer
//   than 2 * kEdgeItems shows its first and last kEdgeItems entries around "...".
//   The format (width, fixed or scientific) is chosen from the shown values only.
// - A long innermost row wraps at kLineWidth characters.
// - The suffix gives shape and dtype, and the device unless it is the CPU.
//
// A tensor on another device is first copied to the CPU (ops::to). On the CPU
// only the shown elements are read, through the tensor's own strides, so
// printing a huge tensor or a strided view copies nothing and changes nothing.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "tensor/ops.h"
#include "tensor/tensor.h"

namespace heed {
namespace {

constexpr std::int64_t kSummarizeAbove = 1000;  // elements; PyTorch's default threshold
constexpr std::int64_t kEdgeItems = 3;          // shown at each end of a summarised dim
constexpr std::size_t kLineWidth = 80;          // where an innermost row wraps

// Reads single elements of a CPU tensor, `offset` elements (through its strides)
// from its first one: as int64 for integer dtypes (exact), as double for floating ones.
class ElementReader {
 public:
  explicit ElementReader(const Tensor& host)
      : first_(static_cast<const char*>(host.raw_data())), dtype_(host.dtype()) {}

  bool integral() const { return !is_floating(dtype_); }
  std::int64_t integer(std::int64_t offset) const { return read<std::int64_t>(offset); }
  double floating(std::int64_t offset) const { return read<double>(offset); }

 private:
  template <typename Out>
  Out read(std::int64_t offset) const {
    return dispatch(dtype_, [&]<typename T>() {
      return static_cast<Out>(reinterpret_cast<const T*>(first_)[offset]);
    });
  }

  const char* first_;
  DType dtype_;
};

// Positions along one dim that are printed; -1 marks the "..." between the two ends.
std::vector<std::int64_t> shown_positions(std::int64_t size, bool summarize) {
  std::vector<std::int64_t> positions;
  if (summarize && size > 2 * kEdgeItems) {
    for (std::int64_t i = 0; i < kEdgeItems; ++i) positions.push_back(i);
    positions.push_back(-1);
    for (std::int64_t i = size - kEdgeItems; i < size; ++i) positions.push_back(i);
  } else {
    for (std::int64_t i = 0; i < size; ++i) positions.push_back(i);
  }
  return positions;
}

// Calls visit(offset) for every shown element, in printing order.
template <typename Visit>
void for_each_shown(const Shape& shape, const Strides& strides, bool summarize, std::size_t dim,
                    std::int64_t base, Visit& visit) {
  if (dim == shape.size()) {
    visit(base);
    return;
  }
  for (std::int64_t i : shown_positions(shape[dim], summarize)) {
    if (i >= 0) for_each_shown(shape, strides, summarize, dim + 1, base + i * strides[dim], visit);
  }
}

// Turns one element into text; all elements of one tensor share the format and width.
class ElementFormat {
 public:
  ElementFormat(const ElementReader& reader, const std::vector<std::int64_t>& shown) : reader_(reader) {
    if (!reader.integral()) {
      double largest = 0, smallest_nonzero = INFINITY;
      for (std::int64_t offset : shown) {
        const double magnitude = std::fabs(reader.floating(offset));
        if (!std::isfinite(magnitude)) continue;
        largest = std::max(largest, magnitude);
        if (magnitude > 0) smallest_nonzero = std::min(smallest_nonzero, magnitude);
      }
      scientific_ = largest >= 1e8 || smallest_nonzero < 1e-4;
    }
    for (std::int64_t offset : shown) width_ = std::max(width_, plain(offset).size());
  }

  // The element right-aligned to the common width.
  std::string operator()(std::int64_t offset) const {
    std::string text = plain(offset);
    return std::string(width_ - text.size(), ' ') + text;
  }
  std::size_t width() const { return width_; }

 private:
  std::string plain(std::int64_t offset) const {
    if (reader_.integral()) return std::to_string(reader_.integer(offset));
    const double v = reader_.floating(offset);
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, scientific_ ? "%.4e" : "%.4f", v);
    return buffer;
  }

  const ElementReader& reader_;
  bool scientific_ = false;
  std::size_t width_ = 0;
};

struct Printer {
  const Shape& shape;
  const Strides& strides;
  bool summarize;
  const ElementFormat& format;

  // The bracketed text of the sub-tensor at `dim` starting at `base`. `column` is
  // where its opening bracket stands, so continuation lines align under it.
  std::string block(std::size_t dim, std::int64_t base, std::size_t column) const {
    const std::size_t rank = shape.size();
    const std::string indent(column + 1, ' ');
    std::string out = "[";
    if (dim + 1 == rank) {  // the innermost row: elements, wrapped at kLineWidth
      const std::vector<std::int64_t> positions = shown_positions(shape[dim], summarize);
      // A summarised row is short by construction (2 * kEdgeItems + 1 items); it
      // stays on one line so that its "..." lines up with the rows above and below.
      const bool summarised_row = positions.size() < static_cast<std::size_t>(shape[dim]);
      const std::size_t fits = (kLineWidth - std::min(kLineWidth, column + 1)) / (format.width() + 2);
      const std::size_t per_line = summarised_row ? positions.size() : std::max<std::size_t>(1, fits);
      std::size_t on_line = 0;
      for (std::int64_t i : positions) {
        if (on_line == per_line) {
          out += ",\n" + indent;
          on_line = 0;
        } else if (on_line > 0) {
          out += ", ";
        }
        out += i < 0 ? std::string("...") : format(base + i * strides[dim]);
        ++on_line;
      }
      return out + "]";
    }
    // Sub-blocks: one newline between rows, two between matrices, and so on.
    const std::string separator = "," + std::string(rank - dim - 1, '\n') + indent;
    bool first = true;
    for (std::int64_t i : shown_positions(shape[dim], summarize)) {
      if (!first) out += separator;
      out += i < 0 ? std::string("...") : block(dim + 1, base + i * strides[dim], column + 1);
      first = false;
    }
    return out + "]";
  }
};

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  const Tensor host = device().is_cpu() ? *this : ops::to(*this, kCPU);
  const Shape& sizes = host.shape();
  const bool summarize = host.numel() > kSummarizeAbove;

  std::string body;
  if (host.numel() == 0) {
    body = "[]";
  } else {
    const ElementReader reader(host);
    std::vector<std::int64_t> shown;
    auto collect = [&shown](std::int64_t offset) { shown.push_back(offset); };
    for_each_shown(sizes, host.strides(), summarize, 0, 0, collect);
    const ElementFormat format(reader, shown);
    if (sizes.empty()) {
      body = format(0);
    } else {
      const std::size_t opening_column = std::string("tensor(").size();
      body = Printer{sizes, host.strides(), summarize, format}.block(0, 0, opening_column);
    }
  }
  std::string out = "tensor(" + body + ", shape=" + shape_str(sizes) + ", dtype=" + std::string(dtype_name(dtype()));
  if (!device().is_cpu()) out += ", device=" + device().str();
  return out + ")";
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.str(); }

}  // namespace heed
