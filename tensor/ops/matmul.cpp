// PENDING: placeholder until the op lands.
#include "tensor/ops.h"

namespace heed::ops {
Tensor matmul(const Tensor&, const Tensor&) { detail::fail("pending"); }
}  // namespace heed::ops
