// PENDING: placeholder until the op lands.
#include "tensor/ops.h"

namespace heed::ops {
Tensor index_select(const Tensor&, std::int64_t, const Tensor&) { detail::fail("pending"); }
Tensor index_add(const Tensor&, std::int64_t, const Tensor&, const Tensor&) { detail::fail("pending"); }
Tensor gather(const Tensor&, std::int64_t, const Tensor&) { detail::fail("pending"); }
Tensor scatter_add(const Tensor&, std::int64_t, const Tensor&, const Tensor&) { detail::fail("pending"); }
Tensor embedding(const Tensor&, const Tensor&) { detail::fail("pending"); }
Tensor cumsum(const Tensor&, std::int64_t) { detail::fail("pending"); }
Tensor triu(const Tensor&, std::int64_t) { detail::fail("pending"); }
Tensor tril(const Tensor&, std::int64_t) { detail::fail("pending"); }
Tensor one_hot(const Tensor&, std::int64_t, DType) { detail::fail("pending"); }
}  // namespace heed::ops
