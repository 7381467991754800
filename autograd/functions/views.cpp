// Differentiable views and conversions. A view moves no data, and neither does
// its backward much: the gradient is viewed back into the input's shape
// (reshape -> reshape back, transpose -> transpose back), or, for views that
// pick a part of the input (slice, select, narrow), placed into zeros where
// that part was.
#include <numeric>

#include "autograd/function.h"
#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {

using autograd::grads;
using autograd::record;

namespace {
// A zero tensor shaped like the input, with `g` written where the view `pick` looked.
template <typename Pick>
Tensor scatter_into_zeros(const Tensor& g, const Shape& input_shape, Pick pick) {
  Tensor out = zeros(input_shape, g.dtype(), g.device());
  Tensor window = pick(out);
  ops::copy_(window, g);
  return out;
}
}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  return record("reshape", ops::reshape(x, shape), {x}, [sx = x.shape()](const Tensor& g) { return grads(ops::reshape(g, sx)); });
}

Tensor view(const Tensor& x, const Shape& shape) {
  return record("view", ops::view(x, shape), {x}, [sx = x.shape()](const Tensor& g) { return grads(ops::reshape(g, sx)); });
}

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  return record("flatten", ops::flatten(x, start_dim, end_dim), {x},
                [sx = x.shape()](const Tensor& g) { return grads(ops::reshape(g, sx)); });
}

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  return record("transpose", ops::transpose(x, dim0, dim1), {x},
                [dim0, dim1](const Tensor& g) { return grads(ops::transpose(g, dim0, dim1)); });
}

Tensor permute(const Tensor& x, const Dims& dims) {
  // The inverse permutation sends each output dim back where it came from.
  Dims inverse(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i)
    inverse[wrap_dim(dims[i], dims.size(), "permute")] = static_cast<std::int64_t>(i);
  return record("permute", ops::permute(x, dims), {x}, [inverse](const Tensor& g) { return grads(ops::permute(g, inverse)); });
}

Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) {
  return record("slice", ops::slice(x, dim, start, end, step), {x}, [sx = x.shape(), dim, start, end, step](const Tensor& g) {
    return grads(scatter_into_zeros(g, sx, [&](const Tensor& z) { return ops::slice(z, dim, start, end, step); }));
  });
}

Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  return record("narrow", ops::narrow(x, dim, start, length), {x}, [sx = x.shape(), dim, start, length](const Tensor& g) {
    return grads(scatter_into_zeros(g, sx, [&](const Tensor& z) { return ops::narrow(z, dim, start, length); }));
  });
}

Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index) {
  return record("select", ops::select(x, dim, index), {x}, [sx = x.shape(), dim, index](const Tensor& g) {
    return grads(scatter_into_zeros(g, sx, [&](const Tensor& z) { return ops::select(z, dim, index); }));
  });
}

Tensor expand(const Tensor& x, const Shape& shape) {  // every copy of an element sends its gradient back
  return record("expand", ops::expand(x, shape), {x}, [sx = x.shape()](const Tensor& g) { return grads(ops::sum_to(g, sx)); });
}

Tensor squeeze(const Tensor& x, std::int64_t dim) {
  return record("squeeze", ops::squeeze(x, dim), {x}, [sx = x.shape()](const Tensor& g) { return grads(ops::reshape(g, sx)); });
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  return record("unsqueeze", ops::unsqueeze(x, dim), {x},
                [sx = x.shape()](const Tensor& g) { return grads(ops::reshape(g, sx)); });
}

Tensor contiguous(const Tensor& x) {
  return record("contiguous", ops::contiguous(x), {x}, [](const Tensor& g) { return grads(g); });
}

Tensor clone(const Tensor& x) {
  return record("clone", ops::clone(x), {x}, [](const Tensor& g) { return grads(g); });
}

Tensor to(const Tensor& x, DType dtype) {
  HEED_CHECK(is_floating(dtype) || !autograd::needs_grad(x) || !GradMode::is_enabled(), "to: converting a tensor that ",
             "requires grad to ", dtype_name(dtype), " would cut its gradient; detach() it first");
  return record("to_dtype", ops::to(x, dtype), {x}, [from = x.dtype()](const Tensor& g) { return grads(ops::to(g, from)); });
}

Tensor to(const Tensor& x, Device device) {
  return record("to_device", ops::to(x, device), {x}, [from = x.device()](const Tensor& g) { return grads(ops::to(g, from)); });
}

}  // namespace heed
