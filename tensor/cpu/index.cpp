// PENDING: placeholder until the kernel lands.
#include "tensor/cpu/cpu_backend.h"

namespace heed::cpu {
void CpuBackend::index_select(const Tensor&, int, const Tensor&, Tensor&) { detail::fail("pending"); }
void CpuBackend::index_add(Tensor&, int, const Tensor&, const Tensor&) { detail::fail("pending"); }
void CpuBackend::gather(const Tensor&, int, const Tensor&, Tensor&) { detail::fail("pending"); }
void CpuBackend::scatter_add(Tensor&, int, const Tensor&, const Tensor&) { detail::fail("pending"); }
}  // namespace heed::cpu
