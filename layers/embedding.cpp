#include "layers/embedding.h"

#include "layers/init.h"
#include "tensor/ops.h"

namespace heed {

Embedding::Embedding(std::int64_t num, std::int64_t dim, std::int64_t padding, Generator& gen, DType dtype)
    : Module("Embedding"), num_embeddings(num), embedding_dim(dim), padding_idx(padding) {
  HEED_CHECK(num > 0 && dim > 0, "Embedding: sizes must be positive, got num_embeddings = ", num,
             ", embedding_dim = ", dim);
  HEED_CHECK(padding == kNoPadding || (padding >= 0 && padding < num), "Embedding: padding_idx ", padding,
             " is outside [0, ", num, "); expected a row of the table, or -1 for no padding");
  weight = register_parameter("weight", empty({num, dim}, dtype));
  normal_(weight, 0.0, 1.0, gen);
  if (padding_idx != kNoPadding) {
    const Tensor padding_row = ops::select(weight, 0, padding_idx);  // (dim), a view into weight
    zeros_(padding_row);
  }
}

Tensor Embedding::forward(const Tensor& ids) {
  const Tensor rows = embedding(weight, ids);  // (..., embedding_dim)
  if (padding_idx == kNoPadding) return rows;
  const Tensor pad = scalar_tensor(static_cast<double>(padding_idx), ids.dtype(), ids.device());
  const Tensor is_real_token = unsqueeze(ne(ids, pad), -1);  // (..., 1), 1 where the id is not padding
  return where(is_real_token, rows, rows.detach());
}

}  // namespace heed
