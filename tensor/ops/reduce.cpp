// PENDING: placeholder until the op lands.
#include "tensor/ops.h"

namespace heed::ops {
Tensor sum(const Tensor&, const Dims&, bool) { detail::fail("pending"); }
Tensor mean(const Tensor&, const Dims&, bool) { detail::fail("pending"); }
Tensor var(const Tensor&, const Dims&, std::int64_t, bool) { detail::fail("pending"); }
std::pair<Tensor, Tensor> max(const Tensor&, std::int64_t, bool) { detail::fail("pending"); }
std::pair<Tensor, Tensor> min(const Tensor&, std::int64_t, bool) { detail::fail("pending"); }
Tensor max(const Tensor&) { detail::fail("pending"); }
Tensor min(const Tensor&) { detail::fail("pending"); }
Tensor argmax(const Tensor&, std::int64_t, bool) { detail::fail("pending"); }
Tensor argmin(const Tensor&, std::int64_t, bool) { detail::fail("pending"); }
Tensor logsumexp(const Tensor&, std::int64_t, bool) { detail::fail("pending"); }
Tensor sum_to(const Tensor&, const Shape&) { detail::fail("pending"); }
}  // namespace heed::ops
