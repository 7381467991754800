// Indexing ops: pick, add into, and build tensors from integer positions.
//
//   index_select(t, dim, index)       t (..., n, ...), index (k)          -> (..., k, ...)
//                                     out[.., j, ..] = t[.., index[j], ..]
//   index_add(t, dim, index, source)  source (..., k, ...)                -> t's shape
//                                     out = t;  out[.., index[j], ..] += source[.., j, ..]
//   gather(t, dim, index)             index has t's rank                  -> index's shape
//                                     out[i][j] = t[i][index[i][j]]           (dim = 1)
//   scatter_add(t, dim, index, src)   index, src have t's rank            -> t's shape
//                                     out = t;  out[i][index[i][j]] += src[i][j]   (dim = 1)
//   embedding(weight, ids)            weight (V, D), ids (...)            -> (..., D)
//   cumsum(t, dim)                    out[.., j, ..] = sum of t[.., 0..j, ..], in t's dtype
//   triu / tril(t, diagonal)          (..., R, C): zero below / above the diagonal
//   one_hot(index, C)                 index (...)                          -> (..., C)
//
// index_add and scatter_add are the backward passes of index_select and gather;
// embedding is index_select on the flattened ids, so its backward is index_add.
// gather and scatter_add follow PyTorch: index may be smaller than t in the dims
// other than `dim`, and only the positions it covers are read or written.
// triu, tril and one_hot need no kernel of their own: they compare position
// tensors built with arange and keep what the comparison selects.
#include "tensor/ops.h"

namespace heed::ops {
namespace {

void check_index_tensor(const char* op, const Tensor& index, const Tensor& t) {
  HEED_CHECK(index.dtype() == DType::Int32 || index.dtype() == DType::Int64, op, ": index is ",
             dtype_name(index.dtype()), " ", shape_str(index.shape()),
             "; expected int32 or int64 positions (convert with .to(DType::Int64))");
  HEED_CHECK(index.device() == t.device(), op, ": index on ", index.device().str(), ", input on ",
             t.device().str(), "; move one with .to(device)");
}

void check_not_scalar(const char* op, const Tensor& t) {
  HEED_CHECK(t.dim() >= 1, op, ": input is a scalar (shape ()); expected a tensor with at least one dim");
}

void check_source(const char* op, const Tensor& source, const Tensor& t) {
  HEED_CHECK(source.dtype() == t.dtype(), op, ": source is ", dtype_name(source.dtype()), " but input is ",
             dtype_name(t.dtype()), "; convert one with .to(dtype)");
  HEED_CHECK(source.device() == t.device(), op, ": source on ", source.device().str(), ", input on ",
             t.device().str(), "; move one with .to(device)");
}

// The rule gather and scatter_add share: index may not reach past `data` in
// any dim but `dim` (where its values, not its size, say where to go).
void check_index_fits(const char* op, const Tensor& index, const Tensor& data, const char* data_name, int dim,
                      bool including_dim) {
  for (int d = 0; d < data.dim(); ++d) {
    if (d == dim && !including_dim) continue;
    HEED_CHECK(index.shape()[d] <= data.shape()[d], op, ": index ", shape_str(index.shape()), " is larger than ",
               data_name, " ", shape_str(data.shape()), " in dim ", d, " (", index.shape()[d], " > ",
               data.shape()[d], "); expected index.size(d) <= ", data_name, ".size(d)",
               including_dim ? "" : " for every d other than dim");
  }
}

// Shared by triu (keep_upper) and tril. Element (i, j) of a matrix lies on
// diagonal j - i: 0 is the main diagonal, positive ones are above it.
Tensor keep_triangle(const Tensor& t, std::int64_t diagonal, bool keep_upper, const char* op) {
  HEED_CHECK(t.dim() >= 2, op, ": input has shape ", shape_str(t.shape()),
             "; expected at least 2 dims (..., rows, cols)");
  const std::int64_t rows = t.size(-2), cols = t.size(-1);
  const Tensor row_ids = reshape(arange(rows, DType::Int64, t.device()), {rows, 1});  // (rows, 1)
  const Tensor col_ids = reshape(arange(cols, DType::Int64, t.device()), {1, cols});  // (1, cols)
  const Tensor diagonal_of = sub(col_ids, row_ids);                                  // (rows, cols)
  const Tensor bound = scalar_tensor(static_cast<double>(diagonal), DType::Int64, t.device());
  const Tensor keep = keep_upper ? ge(diagonal_of, bound) : le(diagonal_of, bound);  // (rows, cols), 1 or 0
  // where, not a multiply by the mask: inf * 0 would leave NaN in the zeroed part.
  // The mask broadcasts over any leading batch dims.
  return where(keep, t, scalar_tensor(0, t.dtype(), t.device()));
}

}  // namespace

Tensor index_select(const Tensor& t, std::int64_t dim, const Tensor& index) {
  check_not_scalar("index_select", t);
  const int d = wrap_dim(dim, t.shape().size(), "index_select");
  check_index_tensor("index_select", index, t);
  HEED_CHECK(index.dim() == 1, "index_select: index has shape ", shape_str(index.shape()),
             "; expected a 1-D tensor of positions along dim ", d, " of input ", shape_str(t.shape()));
  Shape shape = t.shape();
  shape[d] = index.numel();
  Tensor out = empty(shape, t.dtype(), t.device());
  backend_for(t.device()).index_select(contiguous(t), d, contiguous(index), out);
  return out;
}

Tensor index_add(const Tensor& t, std::int64_t dim, const Tensor& index, const Tensor& source) {
  check_not_scalar("index_add", t);
  const int d = wrap_dim(dim, t.shape().size(), "index_add");
  check_index_tensor("index_add", index, t);
  HEED_CHECK(index.dim() == 1, "index_add: index has shape ", shape_str(index.shape()),
             "; expected a 1-D tensor of positions along dim ", d, " of input ", shape_str(t.shape()));
  check_source("index_add", source, t);
  Shape expected = t.shape();
  expected[d] = index.numel();
  HEED_CHECK(source.shape() == expected, "index_add: source has shape ", shape_str(source.shape()), " but input ",
             shape_str(t.shape()), " with ", index.numel(), " indices along dim ", d, " needs ",
             shape_str(expected), "; expected the input's shape with dim ", d, " replaced by index.numel()");
  Tensor out = clone(t);
  backend_for(t.device()).index_add(out, d, contiguous(index), contiguous(source));
  return out;
}

Tensor gather(const Tensor& t, std::int64_t dim, const Tensor& index) {
  check_not_scalar("gather", t);
  const int d = wrap_dim(dim, t.shape().size(), "gather");
  check_index_tensor("gather", index, t);
  HEED_CHECK(index.dim() == t.dim(), "gather: index has rank ", index.dim(), " but input ", shape_str(t.shape()),
             " has rank ", t.dim(), "; expected equal ranks");
  check_index_fits("gather", index, t, "input", d, /*including_dim=*/false);
  Tensor out = empty(index.shape(), t.dtype(), t.device());
  backend_for(t.device()).gather(contiguous(t), d, contiguous(index), out);
  return out;
}

Tensor scatter_add(const Tensor& t, std::int64_t dim, const Tensor& index, const Tensor& source) {
  check_not_scalar("scatter_add", t);
  const int d = wrap_dim(dim, t.shape().size(), "scatter_add");
  check_index_tensor("scatter_add", index, t);
  check_source("scatter_add", source, t);
  HEED_CHECK(index.dim() == t.dim() && source.dim() == t.dim(), "scatter_add: input ", shape_str(t.shape()),
             ", index ", shape_str(index.shape()), " and source ", shape_str(source.shape()),
             " differ in rank; expected equal ranks");
  check_index_fits("scatter_add", index, t, "input", d, /*including_dim=*/false);
  check_index_fits("scatter_add", index, source, "source", d, /*including_dim=*/true);
  // Only the part of source that index covers is added (PyTorch's rule).
  Tensor covered = source;
  for (int k = 0; k < source.dim(); ++k) covered = narrow(covered, k, 0, index.shape()[k]);
  Tensor out = clone(t);
  backend_for(t.device()).scatter_add(out, d, contiguous(index), contiguous(covered));
  return out;
}

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  HEED_CHECK(weight.dim() == 2, "embedding: weight has shape ", shape_str(weight.shape()),
             "; expected (num_embeddings, embedding_dim)");
  HEED_CHECK(ids.dtype() == DType::Int32 || ids.dtype() == DType::Int64, "embedding: ids are ",
             dtype_name(ids.dtype()), " ", shape_str(ids.shape()),
             "; expected int32 or int64 token ids (convert with .to(DType::Int64))");
  const Tensor flat_ids = reshape(ids, {ids.numel()});  // (N)
  Tensor rows;                                          // (N, D)
  try {
    rows = index_select(weight, 0, flat_ids);
  } catch (const Error& e) {
    // The reader called embedding, not index_select: say so, keeping the detail.
    detail::fail("embedding: ids ", shape_str(ids.shape()), " into weight ", shape_str(weight.shape()), ": ",
                 e.what());
  }
  Shape shape = ids.shape();
  shape.push_back(weight.size(1));
  return reshape(rows, std::move(shape));  // (..., D)
}

Tensor cumsum(const Tensor& t, std::int64_t dim) {
  const int d = wrap_dim(dim, t.shape().size(), "cumsum");
  if (t.dim() == 0) return clone(t);  // the sum of one element is itself
  Tensor out = empty(t.shape(), t.dtype(), t.device());
  if (out.numel() > 0) backend_for(t.device()).cumsum(contiguous(t), d, out);
  return out;
}

Tensor triu(const Tensor& t, std::int64_t diagonal) { return keep_triangle(t, diagonal, true, "triu"); }
Tensor tril(const Tensor& t, std::int64_t diagonal) { return keep_triangle(t, diagonal, false, "tril"); }

Tensor one_hot(const Tensor& index, std::int64_t num_classes, DType dtype) {
  HEED_CHECK(index.dtype() == DType::Int32 || index.dtype() == DType::Int64, "one_hot: index is ",
             dtype_name(index.dtype()), " ", shape_str(index.shape()),
             "; expected int32 or int64 class ids (convert with .to(DType::Int64))");
  HEED_CHECK(num_classes >= 1, "one_hot: num_classes is ", num_classes, "; expected a positive count");
  // A class id outside the range would give an all-zero row without complaint;
  // check on the host first (index tensors are small next to what they label).
  const std::vector<std::int64_t> ids = index.to_vector<std::int64_t>();
  for (std::size_t k = 0; k < ids.size(); ++k) {
    HEED_CHECK(ids[k] >= 0 && ids[k] < num_classes, "one_hot: class id ", ids[k], " (at flat position ", k,
               " of index ", shape_str(index.shape()), ") is out of range for ", num_classes,
               " classes; expected ids in [0, ", num_classes, ")");
  }
  const Tensor classes = arange(num_classes, index.dtype(), index.device());  // (C)
  const Tensor hits = eq(unsqueeze(index, -1), classes);                      // (..., C), 1 or 0
  return to(hits, dtype);
}

}  // namespace heed::ops
