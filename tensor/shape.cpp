#include "tensor/shape.h"

#include <algorithm>

#include "tensor/error.h"

namespace heed {

std::int64_t numel_of(const Shape& shape) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

Strides contiguous_strides(const Shape& shape) {
  Strides strides(shape.size());
  std::int64_t step = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    step *= std::max<std::int64_t>(shape[i], 1);
  }
  return strides;
}

std::string shape_str(const Shape& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t sa = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t sb = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    HEED_CHECK(sa == sb || sa == 1 || sb == 1, op, ": shapes ", shape_str(a), " and ", shape_str(b),
               " do not broadcast (dim ", i, ": ", sa, " vs ", sb,
               "); sizes must match or be 1 when aligned from the right");
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

int wrap_dim(std::int64_t dim, std::size_t rank, std::string_view op) {
  // A 0-d tensor accepts dim 0 and -1, as if it had one dim.
  const auto r = std::max<std::int64_t>(static_cast<std::int64_t>(rank), 1);
  HEED_CHECK(dim >= -r && dim < r, op, ": dim ", dim,
             " is out of range for a tensor of rank ", rank, "; expected a dim in [", -r, ", ", r - 1, "]");
  return rank == 0 ? 0 : static_cast<int>(dim < 0 ? dim + r : dim);
}

}  // namespace heed
