// Differentiable joining, splitting and indexing. Each backward is the
// "opposite" data movement: concat <-> split, index_select <-> index_add,
// gather <-> scatter_add, embedding lookup <-> adding rows into the table.
#include "autograd/function.h"
#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {

using autograd::grads;
using autograd::record;
using autograd::saved;

Tensor concat(const std::vector<Tensor>& xs, std::int64_t dim) {
  std::vector<std::int64_t> sizes;
  for (const Tensor& x : xs) sizes.push_back(x.dim() > 0 ? x.size(dim) : 0);
  return record("concat", ops::concat(xs, dim), xs, [sizes, dim](const Tensor& g) {
    std::vector<Tensor> parts;
    for (const Tensor& part : ops::split(g, sizes, dim)) parts.push_back(ops::contiguous(part));
    return parts;
  });
}

Tensor stack(const std::vector<Tensor>& xs, std::int64_t dim) {
  HEED_CHECK(!xs.empty(), "stack: needs at least one tensor");
  std::vector<Tensor> expanded;
  const auto d = wrap_dim(dim, xs.front().shape().size() + 1, "stack");
  for (const Tensor& x : xs) expanded.push_back(unsqueeze(x, d));
  return concat(expanded, d);
}

std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t dim) {
  std::vector<Tensor> pieces;
  const int d = wrap_dim(dim, x.shape().size(), "split");
  HEED_CHECK(size > 0, "split: piece size must be positive, got ", size);
  for (std::int64_t start = 0; start < x.size(d); start += size)
    pieces.push_back(narrow(x, d, start, std::min(size, x.size(d) - start)));
  return pieces;
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim) {
  HEED_CHECK(chunks > 0, "chunk: number of chunks must be positive, got ", chunks);
  const std::int64_t n = x.size(dim);
  return split(x, std::max<std::int64_t>((n + chunks - 1) / chunks, 1), dim);
}

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  return record("index_select", ops::index_select(x, dim, index), {x}, [sx = x.shape(), dim, index = saved(index)](const Tensor& g) {
    return grads(ops::index_add(zeros(sx, g.dtype(), g.device()), dim, index, g));
  });
}

Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& source) {
  return record("index_add", ops::index_add(x, dim, index, source), {x, source}, [dim, index = saved(index)](const Tensor& g) {
    return grads(g, ops::index_select(g, dim, index));
  });
}

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  return record("gather", ops::gather(x, dim, index), {x}, [sx = x.shape(), dim, index = saved(index)](const Tensor& g) {
    return grads(ops::scatter_add(zeros(sx, g.dtype(), g.device()), dim, index, g));
  });
}

Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& source) {
  return record("scatter_add", ops::scatter_add(x, dim, index, source), {x, source},
                [dim, index = saved(index)](const Tensor& g) { return grads(g, ops::gather(g, dim, index)); });
}

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  return record("embedding", ops::embedding(weight, ids), {weight}, [sw = weight.shape(), ids = saved(ids)](const Tensor& g) {
    // Rows used several times collect the gradient of every use.
    const Tensor rows = ops::reshape(g, {-1, sw[1]});
    return grads(ops::index_add(zeros(sw, g.dtype(), g.device()), 0, ops::reshape(ids, {-1}), rows));
  });
}

Tensor cumsum(const Tensor& x, std::int64_t dim) {
  // dx_i = sum over j >= i of dy_j: a prefix sum taken from the other end.
  return record("cumsum", ops::cumsum(x, dim), {x}, [dim](const Tensor& g) {
    return grads(ops::add(ops::sub(ops::sum(g, {dim}, /*keepdim=*/true), ops::cumsum(g, dim)), g));
  });
}

Tensor triu(const Tensor& x, std::int64_t diagonal) {
  return record("triu", ops::triu(x, diagonal), {x}, [diagonal](const Tensor& g) { return grads(ops::triu(g, diagonal)); });
}

Tensor tril(const Tensor& x, std::int64_t diagonal) {
  return record("tril", ops::tril(x, diagonal), {x}, [diagonal](const Tensor& g) { return grads(ops::tril(g, diagonal)); });
}

Tensor one_hot(const Tensor& index, std::int64_t num_classes, DType dtype) {
  return ops::one_hot(index, num_classes, dtype);
}

}  // namespace heed
