// Joining and splitting tensors along one dim.
//
//   concat({(2,3), (2,5)}, 1)   -> (2,8)     sizes add up along dim, all else equal
//   stack({(2,3), (2,3)}, 0)    -> (2,2,3)   a new dim of size len(tensors)
//   split((7,4), 3, 0)          -> (3,4), (3,4), (1,4)     views; the last may be smaller
//   split((7,4), {2,5}, 0)      -> (2,4), (5,4)            views; sizes sum to 7
//   chunk((7,4), 3, 0)          -> pieces of ceil(7/3) = 3: (3,4), (3,4), (1,4)
//
// concat needs no kernel of its own: it allocates the result and copies each
// input into the narrow() view of it that the input will occupy. split and
// chunk copy nothing at all; their pieces share storage with the input.
#include <algorithm>
#include <numeric>

#include "tensor/ops.h"

namespace heed::ops {

Tensor concat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  HEED_CHECK(!tensors.empty(), "concat: got an empty list of tensors; expected at least one");
  const Tensor& first = tensors[0];
  HEED_CHECK(first.dim() >= 1, "concat: tensor 0 is a scalar (shape ()); expected tensors with at least "
                               "one dim (use stack to join scalars)");
  const int d = wrap_dim(dim, first.shape().size(), "concat");

  Shape out_shape = first.shape();
  out_shape[d] = 0;
  for (std::size_t k = 0; k < tensors.size(); ++k) {
    const Tensor& t = tensors[k];
    HEED_CHECK(t.dtype() == first.dtype(), "concat: tensor ", k, " is ", dtype_name(t.dtype()),
               " but tensor 0 is ", dtype_name(first.dtype()), "; convert one with .to(dtype)");
    HEED_CHECK(t.device() == first.device(), "concat: tensor ", k, " is on ", t.device().str(),
               " but tensor 0 is on ", first.device().str(), "; move one with .to(device)");
    bool sizes_agree = t.dim() == first.dim();
    for (int i = 0; sizes_agree && i < t.dim(); ++i) sizes_agree = i == d || t.shape()[i] == first.shape()[i];
    HEED_CHECK(sizes_agree, "concat: tensor ", k, " has shape ", shape_str(t.shape()), " but tensor 0 has shape ",
               shape_str(first.shape()), "; expected equal ranks and equal sizes in every dim except dim ", d);
    out_shape[d] += t.shape()[d];
  }

  Tensor out = empty(out_shape, first.dtype(), first.device());
  Backend& backend = backend_for(first.device());
  std::int64_t start = 0;
  for (const Tensor& t : tensors) {
    const std::int64_t length = t.shape()[d];
    if (t.numel() > 0) {
      Tensor destination = narrow(out, d, start, length);  // out's slots for t, a view
      backend.copy(t, destination);
    }
    start += length;
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  HEED_CHECK(!tensors.empty(), "stack: got an empty list of tensors; expected at least one");
  const Shape& shape = tensors[0].shape();
  for (std::size_t k = 1; k < tensors.size(); ++k) {
    HEED_CHECK(tensors[k].shape() == shape, "stack: tensor ", k, " has shape ", shape_str(tensors[k].shape()),
               " but tensor 0 has shape ", shape_str(shape), "; expected every tensor to have the same shape");
  }
  // The new dim may sit anywhere from before the first dim to after the last.
  const int d = wrap_dim(dim, shape.size() + 1, "stack");
  std::vector<Tensor> lifted;
  lifted.reserve(tensors.size());
  for (const Tensor& t : tensors) lifted.push_back(unsqueeze(t, d));  // a size-1 dim at d, a view
  return concat(lifted, d);
}

std::vector<Tensor> split(const Tensor& t, std::int64_t size, std::int64_t dim) {
  HEED_CHECK(t.dim() >= 1, "split: input is a scalar (shape ()); expected a tensor with at least one dim");
  const int d = wrap_dim(dim, t.shape().size(), "split");
  HEED_CHECK(size >= 1, "split: piece size is ", size, "; expected a positive size");
  const std::int64_t n = t.shape()[d];
  // An empty dim still gives one (empty) piece, as in PyTorch.
  const std::int64_t pieces = n == 0 ? 1 : (n + size - 1) / size;
  std::vector<Tensor> out;
  out.reserve(static_cast<std::size_t>(pieces));
  for (std::int64_t p = 0; p < pieces; ++p) {
    const std::int64_t start = p * size;
    out.push_back(narrow(t, d, start, std::min(size, n - start)));
  }
  return out;
}

std::vector<Tensor> split(const Tensor& t, const std::vector<std::int64_t>& sizes, std::int64_t dim) {
  HEED_CHECK(t.dim() >= 1, "split: input is a scalar (shape ()); expected a tensor with at least one dim");
  const int d = wrap_dim(dim, t.shape().size(), "split");
  const std::int64_t n = t.shape()[d];
  for (const std::int64_t size : sizes) {
    HEED_CHECK(size >= 0, "split: sizes ", shape_str(sizes), " include ", size, "; expected sizes >= 0");
  }
  const std::int64_t total = std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0});
  HEED_CHECK(total == n, "split: sizes ", shape_str(sizes), " sum to ", total, " but dim ", d, " of input ",
             shape_str(t.shape()), " has size ", n, "; expected sizes that sum to ", n);
  std::vector<Tensor> out;
  out.reserve(sizes.size());
  std::int64_t start = 0;
  for (const std::int64_t size : sizes) {
    out.push_back(narrow(t, d, start, size));
    start += size;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& t, std::int64_t chunks, std::int64_t dim) {
  HEED_CHECK(t.dim() >= 1, "chunk: input is a scalar (shape ()); expected a tensor with at least one dim");
  const int d = wrap_dim(dim, t.shape().size(), "chunk");
  HEED_CHECK(chunks >= 1, "chunk: asked for ", chunks, " chunks; expected at least 1");
  const std::int64_t n = t.shape()[d];
  // Pieces of ceil(n / chunks): 7 rows in 3 chunks are 3 + 3 + 1, and 6 rows
  // in 4 chunks are 2 + 2 + 2, three pieces, not four (PyTorch's rule).
  const std::int64_t piece = (n + chunks - 1) / chunks;
  if (piece == 0) return split(t, std::vector<std::int64_t>(static_cast<std::size_t>(chunks), 0), d);
  return split(t, piece, d);
}

}  // namespace heed::ops
