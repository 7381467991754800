// Shapes and strides: plain vectors of int64, with the helpers every op needs
// (element counts, contiguous strides, NumPy broadcasting, dim wrapping) and a
// printer that writes them as the error messages show them: (3,4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace heed {

using Shape = std::vector<std::int64_t>;
using Strides = std::vector<std::int64_t>;

std::int64_t numel_of(const Shape& shape);
Strides contiguous_strides(const Shape& shape);
std::string shape_str(const Shape& shape);

// NumPy broadcasting: align on the right; each pair of sizes must be equal or 1.
// `op` names the caller in the error.
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op);

// Turns a possibly negative dim into 0..rank-1, or throws naming `op`.
int wrap_dim(std::int64_t dim, std::size_t rank, std::string_view op);

}  // namespace heed
