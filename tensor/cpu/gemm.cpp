// PENDING: placeholder until the kernel lands.
#include "tensor/cpu/cpu_backend.h"

namespace heed::cpu {
void CpuBackend::gemm(const Tensor&, const Tensor&, Tensor&, bool) { detail::fail("pending"); }
}  // namespace heed::cpu
