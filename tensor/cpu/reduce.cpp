// PENDING: placeholder until the kernel lands.
#include "tensor/cpu/cpu_backend.h"

namespace heed::cpu {
void CpuBackend::reduce_rows(ReduceOp, const Tensor&, Tensor&, Tensor*, double) { detail::fail("pending"); }
}  // namespace heed::cpu
