// Differentiable matrix product. For C = A B (batched, broadcast):
//   dA = dC B^T,   dB = A^T dC
// each summed back over the batch dims it was broadcast along. A 1-D operand
// is treated as a row (left) or column (right) vector and the extra dim
// dropped, so those cases reuse the same rule through unsqueeze/squeeze.
#include "autograd/function.h"
#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {

namespace {

// dB = A^T dC summed over the batch. When B is one matrix shared by every
// batch of A (a Linear layer's weight on (batch, length, in) inputs), the
// batch folds into the rows: A (..., M, K) -> (R, K), dC -> (R, N), and dB
// is one (K, R) @ (R, N) product, instead of a (batch, K, N) stack of
// products that sum_to must then reduce (each a full-size copy).
Tensor shared_matrix_grad(const Tensor& a, const Tensor& b, const Tensor& g) {
  if (b.dim() != 2 || a.dim() <= 2) return ops::sum_to(ops::matmul(ops::transpose(a, -1, -2), g), b.shape());
  const Tensor rows_a = ops::reshape(a, {-1, a.size(-1)});  // (R, K)
  const Tensor rows_g = ops::reshape(g, {-1, g.size(-1)});  // (R, N)
  return ops::matmul(ops::transpose(rows_a, 0, 1), rows_g);  // (K, N)
}

}  // namespace

using autograd::grads;
using autograd::record;
using autograd::saved;

Tensor matmul(const Tensor& a, const Tensor& b) {
  HEED_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: operands must have at least 1 dim, got ", shape_str(a.shape()),
             " @ ", shape_str(b.shape()));
  const bool a_is_vector = a.dim() == 1, b_is_vector = b.dim() == 1;
  if (a_is_vector || b_is_vector) {
    Tensor out = matmul(a_is_vector ? unsqueeze(a, 0) : a, b_is_vector ? unsqueeze(b, 1) : b);
    if (b_is_vector) out = squeeze(out, -1);
    if (a_is_vector) out = squeeze(out, b_is_vector ? -1 : -2);
    return out;
  }
  const bool ga = autograd::needs_grad(a), gb = autograd::needs_grad(b);
  return record("matmul", ops::matmul(a, b), {a, b}, [a = saved(a), b = saved(b), ga, gb](const Tensor& g) {
    return grads(ga ? ops::sum_to(ops::matmul(g, ops::transpose(b, -1, -2)), a.shape()) : Tensor(),
                 gb ? shared_matrix_grad(a, b, g) : Tensor());
  });
}

}  // namespace heed
