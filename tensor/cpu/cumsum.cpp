// PENDING: placeholder until the kernel lands.
#include "tensor/cpu/cpu_backend.h"

namespace heed::cpu {
void CpuBackend::cumsum(const Tensor&, int, Tensor&) { detail::fail("pending"); }
}  // namespace heed::cpu
