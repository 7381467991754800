// PENDING: placeholder until the kernel lands.
#include "tensor/cpu/cpu_backend.h"

namespace heed::cpu {
void CpuBackend::softmax_rows(const Tensor&, Tensor&, bool) { detail::fail("pending"); }
void CpuBackend::softmax_backward_rows(const Tensor&, const Tensor&, Tensor&, bool) { detail::fail("pending"); }
}  // namespace heed::cpu
