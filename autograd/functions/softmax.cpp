// Differentiable softmax and log-softmax along a dim.
//   softmax:     dx = y * (dy - sum(dy * y))
//   log_softmax: dx = dy - exp(y) * sum(dy)
// The fused row kernels live in tensor/cpu/softmax.cpp.
#include "autograd/function.h"
#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {

using autograd::grads;
using autograd::record;
using autograd::saved;

Tensor softmax(const Tensor& x, std::int64_t dim) {
  Tensor y = ops::softmax(x, dim);
  return record("softmax", y, {x}, [y = saved(y), dim](const Tensor& g) { return grads(ops::softmax_backward(y, g, dim)); });
}

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  Tensor y = ops::log_softmax(x, dim);
  return record("log_softmax", y, {x},
                [y = saved(y), dim](const Tensor& g) { return grads(ops::log_softmax_backward(y, g, dim)); });
}

}  // namespace heed
