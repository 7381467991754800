// Views: new shape/strides/offset over the same storage, no data moved.
#include <algorithm>
#include <numeric>

#include "tensor/ops.h"

namespace heed::ops {
namespace {

Tensor restride(const Tensor& t, Shape shape, Strides strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = t.dtype();
  return Tensor(std::move(impl));
}

// Resolves one -1 in `shape` so that it holds numel elements.
Shape infer_shape(Shape shape, std::int64_t numel, const Shape& from, std::string_view op) {
  std::int64_t known = 1;
  int infer_at = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      HEED_CHECK(infer_at < 0, op, ": only one size may be -1, got ", shape_str(shape));
      infer_at = static_cast<int>(i);
    } else {
      HEED_CHECK(shape[i] >= 0, op, ": invalid size ", shape[i], " in ", shape_str(shape));
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    HEED_CHECK(known > 0 && numel % known == 0, op, ": cannot reshape ", shape_str(from), " (", numel,
               " elements) into ", shape_str(shape));
    shape[infer_at] = numel / known;
  }
  HEED_CHECK(numel_of(shape) == numel, op, ": cannot reshape ", shape_str(from), " (", numel,
             " elements) into ", shape_str(shape), " (", numel_of(shape), " elements)");
  return shape;
}

// Strides that view t's memory with `shape`, if they exist (same algorithm as
// NumPy's attempt_nocopy_reshape: match runs of old dims to runs of new dims).
bool view_strides(const Tensor& t, const Shape& shape, Strides& out) {
  // Size-1 dims carry no layout information; drop them first (as NumPy does).
  Shape old_shape;
  Strides old_strides;
  for (int i = 0; i < t.dim(); ++i) {
    if (t.shape()[i] == 1) continue;
    old_shape.push_back(t.shape()[i]);
    old_strides.push_back(t.strides()[i]);
  }
  out.assign(shape.size(), 0);
  if (t.numel() == 0) {
    out = contiguous_strides(shape);
    return true;
  }
  std::size_t oi = 0, ni = 0;
  const std::size_t on = old_shape.size(), nn = shape.size();
  while (oi < on && ni < nn) {
    if (shape[ni] == 1) {  // a new size-1 dim: any stride works
      out[ni++] = 1;
      continue;
    }
    std::int64_t np = shape[ni], op = old_shape[oi];
    std::size_t oj = oi + 1, nj = ni + 1;
    while (np != op) {
      if (np < op) np *= shape[nj++];
      else op *= old_shape[oj++];
    }
    for (std::size_t k = oi; k + 1 < oj; ++k)
      if (old_strides[k] != old_shape[k + 1] * old_strides[k + 1]) return false;
    out[nj - 1] = old_strides[oj - 1];
    for (std::size_t k = nj - 1; k > ni; --k) out[k - 1] = out[k] * shape[k];
    oi = oj;
    ni = nj;
  }
  // Trailing size-1 dims.
  for (; ni < nn; ++ni) out[ni] = 1;
  return true;
}

}  // namespace

Tensor view(const Tensor& t, Shape shape) {
  shape = infer_shape(std::move(shape), t.numel(), t.shape(), "view");
  Strides strides;
  HEED_CHECK(view_strides(t, shape, strides), "view: a tensor of shape ", shape_str(t.shape()), " with strides ",
             shape_str(t.strides()), " cannot be viewed as ", shape_str(shape),
             "; call .contiguous() first or use reshape");
  return restride(t, std::move(shape), std::move(strides), t.offset());
}

Tensor reshape(const Tensor& t, Shape shape) {
  shape = infer_shape(std::move(shape), t.numel(), t.shape(), "reshape");
  Strides strides;
  if (view_strides(t, shape, strides)) return restride(t, std::move(shape), std::move(strides), t.offset());
  Tensor c = contiguous(t);
  return restride(c, shape, contiguous_strides(shape), c.offset());
}

Tensor flatten(const Tensor& t, std::int64_t start_dim, std::int64_t end_dim) {
  if (t.dim() == 0) return reshape(t, {1});
  const int s = wrap_dim(start_dim, t.shape().size(), "flatten");
  const int e = wrap_dim(end_dim, t.shape().size(), "flatten");
  HEED_CHECK(s <= e, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  Shape shape(t.shape().begin(), t.shape().begin() + s);
  std::int64_t merged = 1;
  for (int i = s; i <= e; ++i) merged *= t.shape()[i];
  shape.push_back(merged);
  shape.insert(shape.end(), t.shape().begin() + e + 1, t.shape().end());
  return reshape(t, std::move(shape));
}

Tensor transpose(const Tensor& t, std::int64_t dim0, std::int64_t dim1) {
  const int a = wrap_dim(dim0, t.shape().size(), "transpose");
  const int b = wrap_dim(dim1, t.shape().size(), "transpose");
  Shape shape = t.shape();
  Strides strides = t.strides();
  std::swap(shape[a], shape[b]);
  std::swap(strides[a], strides[b]);
  return restride(t, std::move(shape), std::move(strides), t.offset());
}

Tensor permute(const Tensor& t, const Dims& dims) {
  HEED_CHECK(dims.size() == t.shape().size(), "permute: got ", dims.size(), " dims for a tensor of rank ", t.dim(),
             "; expected one entry per dim");
  Shape shape(dims.size());
  Strides strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const int d = wrap_dim(dims[i], dims.size(), "permute");
    HEED_CHECK(!seen[d], "permute: dim ", d, " appears twice in ", shape_str(dims));
    seen[d] = true;
    shape[i] = t.shape()[d];
    strides[i] = t.strides()[d];
  }
  return restride(t, std::move(shape), std::move(strides), t.offset());
}

Tensor slice(const Tensor& t, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) {
  const int d = wrap_dim(dim, t.shape().size(), "slice");
  HEED_CHECK(step > 0, "slice: step must be positive, got ", step);
  const std::int64_t n = t.shape()[d];
  auto clamp = [n](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + n : i, 0, n); };
  start = clamp(start);
  end = std::max(clamp(end), start);
  Shape shape = t.shape();
  Strides strides = t.strides();
  shape[d] = (end - start + step - 1) / step;
  const std::int64_t offset = t.offset() + start * strides[d];
  strides[d] *= step;
  return restride(t, std::move(shape), std::move(strides), offset);
}

Tensor narrow(const Tensor& t, std::int64_t dim, std::int64_t start, std::int64_t length) {
  const int d = wrap_dim(dim, t.shape().size(), "narrow");
  const std::int64_t n = t.shape()[d];
  if (start < 0) start += n;
  HEED_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow: [", start, ", ", start + length,
             ") is outside dim ", d, " of size ", n, " in shape ", shape_str(t.shape()));
  return slice(t, d, start, start + length, 1);
}

Tensor select(const Tensor& t, std::int64_t dim, std::int64_t index) {
  const int d = wrap_dim(dim, t.shape().size(), "select");
  const std::int64_t n = t.shape()[d];
  if (index < 0) index += n;
  HEED_CHECK(index >= 0 && index < n, "select: index ", index, " is out of range for dim ", d, " of size ", n);
  Shape shape = t.shape();
  Strides strides = t.strides();
  const std::int64_t offset = t.offset() + index * strides[d];
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return restride(t, std::move(shape), std::move(strides), offset);
}

Tensor expand(const Tensor& t, const Shape& shape) {
  HEED_CHECK(shape.size() >= t.shape().size(), "expand: cannot expand ", shape_str(t.shape()), " to fewer dims ",
             shape_str(shape));
  const std::size_t lead = shape.size() - t.shape().size();
  Shape out_shape(shape.size());
  Strides strides(shape.size(), 0);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      HEED_CHECK(shape[i] >= 0, "expand: size -1 is not allowed for a new leading dim in ", shape_str(shape));
      out_shape[i] = shape[i];
      continue;
    }
    const std::int64_t have = t.shape()[i - lead];
    const std::int64_t want = shape[i] == -1 ? have : shape[i];
    HEED_CHECK(have == want || have == 1, "expand: cannot expand ", shape_str(t.shape()), " to ", shape_str(shape),
               " (dim ", i, ": size ", have, " is neither ", want, " nor 1)");
    out_shape[i] = want;
    strides[i] = have == want ? t.strides()[i - lead] : 0;
  }
  return restride(t, std::move(out_shape), std::move(strides), t.offset());
}

Tensor squeeze(const Tensor& t, std::int64_t dim) {
  const int d = wrap_dim(dim, t.shape().size(), "squeeze");
  if (t.shape()[d] != 1) return t;
  Shape shape = t.shape();
  Strides strides = t.strides();
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return restride(t, std::move(shape), std::move(strides), t.offset());
}

Tensor squeeze(const Tensor& t) {
  Shape shape;
  Strides strides;
  for (int i = 0; i < t.dim(); ++i) {
    if (t.shape()[i] == 1) continue;
    shape.push_back(t.shape()[i]);
    strides.push_back(t.strides()[i]);
  }
  return restride(t, std::move(shape), std::move(strides), t.offset());
}

Tensor unsqueeze(const Tensor& t, std::int64_t dim) {
  const int d = wrap_dim(dim, t.shape().size() + 1, "unsqueeze");
  Shape shape = t.shape();
  Strides strides = t.strides();
  const std::int64_t stride = d < t.dim() ? t.strides()[d] * t.shape()[d] : 1;
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return restride(t, std::move(shape), std::move(strides), t.offset());
}

Tensor diagonal_view(const Tensor& t) {
  HEED_CHECK(t.dim() == 2 && t.size(0) == t.size(1), "diagonal_view: needs a square matrix, got ",
             shape_str(t.shape()));
  return restride(t, {t.size(0)}, {t.stride(0) + t.stride(1)}, t.offset());
}

}  // namespace heed::ops
