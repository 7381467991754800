// PENDING: placeholder until the op lands.
#include "tensor/ops.h"

namespace heed::ops {
Tensor concat(const std::vector<Tensor>&, std::int64_t) { detail::fail("pending"); }
Tensor stack(const std::vector<Tensor>&, std::int64_t) { detail::fail("pending"); }
std::vector<Tensor> split(const Tensor&, std::int64_t, std::int64_t) { detail::fail("pending"); }
std::vector<Tensor> split(const Tensor&, const std::vector<std::int64_t>&, std::int64_t) { detail::fail("pending"); }
std::vector<Tensor> chunk(const Tensor&, std::int64_t, std::int64_t) { detail::fail("pending"); }
}  // namespace heed::ops
