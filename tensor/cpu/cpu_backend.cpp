#include "tensor/cpu/cpu_backend.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace heed {

Backend& cpu_backend() {
  static cpu::CpuBackend backend;
  return backend;
}

namespace cpu {

// 64-byte alignment: a cache line, and what AVX-512 loads like.
void* CpuBackend::allocate(std::size_t nbytes) {
  void* p = std::aligned_alloc(64, (nbytes + 63) / 64 * 64);
  if (!p) throw std::bad_alloc();
  return p;
}
void CpuBackend::deallocate(void* ptr, std::size_t) { std::free(ptr); }
void CpuBackend::copy_to_host(const void* src, void* dst, std::size_t nbytes) { std::memcpy(dst, src, nbytes); }
void CpuBackend::copy_from_host(const void* src, void* dst, std::size_t nbytes) { std::memcpy(dst, src, nbytes); }

}  // namespace cpu
}  // namespace heed
