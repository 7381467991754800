// Differentiable reductions. A sum hands its gradient back unchanged to every
// element it summed; a mean hands back 1/N of it; a max hands it to the element
// that won (the first one, on ties).
#include <algorithm>

#include "autograd/function.h"
#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {

using autograd::grads;
using autograd::record;
using autograd::saved;

namespace {

// The input's shape with each reduced dim set to 1 (all dims when `dims` is empty).
Shape kept_shape(const Shape& shape, const Dims& dims) {
  Shape kept = shape;
  if (dims.empty()) {
    std::fill(kept.begin(), kept.end(), 1);
  } else {
    for (auto d : dims) kept[wrap_dim(d, shape.size(), "sum")] = 1;
  }
  return kept;
}

std::int64_t reduced_count(const Shape& shape, const Dims& dims) {
  return numel_of(shape) / std::max<std::int64_t>(numel_of(kept_shape(shape, dims)), 1);
}

// Gradient of a reduction, broadcast back over the input's shape.
Tensor spread(const Tensor& g, const Shape& input_shape, const Dims& dims) {
  return ops::expand(ops::reshape(g, kept_shape(input_shape, dims)), input_shape);
}

}  // namespace

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  return record("sum", ops::sum(x, dims, keepdim), {x}, [sx = x.shape(), dims](const Tensor& g) {
    return grads(ops::contiguous(spread(g, sx, dims)));
  });
}

Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  const double scale = 1.0 / static_cast<double>(reduced_count(x.shape(), dims));
  return record("mean", ops::mean(x, dims, keepdim), {x}, [sx = x.shape(), dims, scale](const Tensor& g) {
    return grads(ops::mul(spread(g, sx, dims), scale));
  });
}

Tensor var(const Tensor& x, const Dims& dims, std::int64_t correction, bool keepdim) {
  // d/dx_i [sum_j (x_j - m)^2 / (N - c)] = 2 (x_i - m) / (N - c)   (the terms through m sum to zero)
  const double scale = 2.0 / static_cast<double>(reduced_count(x.shape(), dims) - correction);
  return record("var", ops::var(x, dims, correction, keepdim), {x}, [x = saved(x), dims, scale](const Tensor& g) {
    const Tensor centered = ops::sub(x, ops::mean(x, dims, /*keepdim=*/true));
    return grads(ops::mul(ops::mul(spread(g, x.shape(), dims), centered), scale));
  });
}

namespace {
Tensor extreme(const char* name, const Tensor& x, std::int64_t dim, bool keepdim, bool is_max) {
  auto [values, indices] = is_max ? ops::max(x, dim, /*keepdim=*/true) : ops::min(x, dim, /*keepdim=*/true);
  const Tensor out = keepdim ? values : ops::squeeze(values, dim);
  return record(name, out, {x}, [sx = x.shape(), idx = indices, dim](const Tensor& g) {
    const Shape kept = idx.shape();
    return grads(ops::scatter_add(zeros(sx, g.dtype(), g.device()), dim, idx, ops::reshape(g, kept)));
  });
}
}  // namespace

Tensor amax(const Tensor& x, std::int64_t dim, bool keepdim) { return extreme("amax", x, dim, keepdim, true); }
Tensor amin(const Tensor& x, std::int64_t dim, bool keepdim) { return extreme("amin", x, dim, keepdim, false); }

Tensor logsumexp(const Tensor& x, std::int64_t dim, bool keepdim) {
  // d lse / dx = softmax(x) along dim
  const Tensor lse = ops::logsumexp(x, dim, /*keepdim=*/true);
  const Tensor out = keepdim ? lse : ops::squeeze(lse, dim);
  return record("logsumexp", out, {x}, [x = saved(x), lse, dim](const Tensor& g) {
    const Tensor probs = ops::exp(ops::sub(x, lse));
    return grads(ops::mul(ops::reshape(g, lse.shape()), probs));
  });
}

Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) { return ops::argmax(x, dim, keepdim); }

}  // namespace heed
