// PENDING: placeholder until the op lands.
#include "tensor/ops.h"

namespace heed::ops {
Tensor softmax(const Tensor&, std::int64_t) { detail::fail("pending"); }
Tensor log_softmax(const Tensor&, std::int64_t) { detail::fail("pending"); }
Tensor softmax_backward(const Tensor&, const Tensor&, std::int64_t) { detail::fail("pending"); }
Tensor log_softmax_backward(const Tensor&, const Tensor&, std::int64_t) { detail::fail("pending"); }
}  // namespace heed::ops
