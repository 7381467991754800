// Choosing BLIS's kernels before BLIS chooses badly.
//
// BLIS ships one set of micro-kernels per kind of CPU (its "configurations":
// skx, haswell, zen3, ..., generic) and picks one when it first initializes,
// from CPUID, unless the environment variable BLIS_ARCH_TYPE names one. Debian's
// BLIS 0.9 has two traps here:
//
//  1. It tells AMD CPUs apart by family number and knows none after family 25
//     (Zen 3 and 4). A Zen 5 reports family 26, and BLIS silently falls back to
//     `generic`, portable C kernels: single-precision GEMM at ~35 GFLOP/s per
//     core instead of ~150-190 with zen3's AVX2 kernels. Every matmul in heed
//     would be 4-5x slower, with no message.
//  2. It reads BLIS_ARCH_TYPE as an integer, an index into its arch_t enum
//     (skx = 0, haswell = 3, zen3 = 6, generic = 25, ...), not as a name.
//     BLIS_ARCH_TYPE=zen3 reads as 0, which is skx: AVX-512 kernels that die
//     with SIGILL on a CPU without AVX-512.
//
// So, once per process and before the first BLIS call, init_blas():
//   - keeps the user's BLIS_ARCH_TYPE when set, turning a name into the number
//     BLIS expects (a name BLIS does not know is reported and ignored);
//   - otherwise reads CPUID itself: AVX-512 F/DQ/BW/VL -> skx; AVX2 and FMA ->
//     zen3 on AMD, haswell on others; an older CPU is left to BLIS;
//   - writes the choice into BLIS_ARCH_TYPE, calls bli_init() (which reads it,
//     once for the process), and gives BLIS num_threads() threads.
// bli_arch_query_id() then says which kernels BLIS really loaded.
#include <cpuid.h>
#include <strings.h>  // strncasecmp

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

// blis.h's inline helpers trip these warnings; they are BLIS's code, not heed's.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wtype-limits"
#include <blis.h>
#pragma GCC diagnostic pop

#include "tensor/threads.h"

namespace heed {
namespace {

struct CpuFeatures {
  bool amd = false;
  bool avx2_fma = false;  // usable: the CPU has them and the OS saves the 256-bit registers
  bool avx512 = false;    // F, DQ, BW and VL, the subsets BLIS's skx kernels use
};

// XCR0 says which register files the operating system saves on a context
// switch; a CPU feature is only usable when its registers are among them.
unsigned long long enabled_register_state() {
  unsigned low = 0, high = 0;
  __asm__("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  return (static_cast<unsigned long long>(high) << 32) | low;
}

CpuFeatures read_cpu_features() {
  CpuFeatures cpu;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return cpu;
  const unsigned max_leaf = eax;
  char vendor[13] = {};  // leaf 0 spells the vendor across ebx, edx, ecx
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  cpu.amd = std::string_view(vendor) == "AuthenticAMD";
  if (max_leaf < 7) return cpu;

  __get_cpuid(1, &eax, &ebx, &ecx, &edx);
  const bool fma = ecx & (1u << 12), osxsave = ecx & (1u << 27), avx = ecx & (1u << 28);
  if (!osxsave || !avx) return cpu;
  const unsigned long long xcr0 = enabled_register_state();
  const bool os_saves_ymm = (xcr0 & 0x06) == 0x06;  // SSE and AVX state
  const bool os_saves_zmm = (xcr0 & 0xE6) == 0xE6;  // ... and the three AVX-512 parts

  __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx);
  const bool avx2 = ebx & (1u << 5);
  const bool avx512_f = ebx & (1u << 16), avx512_dq = ebx & (1u << 17);
  const bool avx512_bw = ebx & (1u << 30), avx512_vl = ebx & (1u << 31);
  cpu.avx2_fma = os_saves_ymm && avx2 && fma;
  cpu.avx512 = cpu.avx2_fma && os_saves_zmm && avx512_f && avx512_dq && avx512_bw && avx512_vl;
  return cpu;
}

std::string arch_name(int id) { return bli_arch_string(static_cast<arch_t>(id)); }

std::string known_arch_names() {
  std::string names;
  for (int id = 0; id < BLIS_NUM_ARCHS; ++id) names += (id ? ", " : "") + arch_name(id);
  return names;
}

// The arch id BLIS 0.9 expects for a BLIS_ARCH_TYPE value: a number passes
// through (-1 is BLIS's own "detect"); a name is looked up, ignoring case.
std::optional<int> arch_id_from_setting(std::string_view value) {
  int id = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), id);
  if (error == std::errc() && end == value.data() + value.size()) {
    if (id >= -1 && id < BLIS_NUM_ARCHS) return id;
    return std::nullopt;
  }
  for (int candidate = 0; candidate < BLIS_NUM_ARCHS; ++candidate) {
    const std::string name = arch_name(candidate);
    if (name.size() == value.size() && strncasecmp(name.c_str(), value.data(), value.size()) == 0) return candidate;
  }
  return std::nullopt;
}

void use_arch(int id) { setenv("BLIS_ARCH_TYPE", std::to_string(id).c_str(), /*overwrite=*/1); }

// Sets BLIS_ARCH_TYPE for bli_init() and returns why the kernels were chosen.
std::string choose_arch(const CpuFeatures& cpu) {
  if (const char* setting = std::getenv("BLIS_ARCH_TYPE"); setting && *setting) {
    if (const std::optional<int> id = arch_id_from_setting(setting)) {
      if (*id == BLIS_ARCH_SKX && !cpu.avx512)
        std::cerr << "heed: BLIS_ARCH_TYPE=" << setting << " selects skx (AVX-512) kernels, but this CPU has no "
                  << "usable AVX-512; BLIS will likely stop with an illegal instruction. Unset BLIS_ARCH_TYPE or "
                  << "set it to zen3 or haswell.\n";
      const std::string reason = std::string("BLIS_ARCH_TYPE=") + setting + " from the environment";
      use_arch(*id);
      return reason;
    }
    std::cerr << "heed: ignoring BLIS_ARCH_TYPE=" << setting << ": BLIS " << bli_info_get_version_str()
              << " names its kernels " << known_arch_names() << " (or numbers them 0.." << BLIS_NUM_ARCHS - 1
              << "); choosing kernels from CPUID instead.\n";
    unsetenv("BLIS_ARCH_TYPE");
  }
  if (cpu.avx512) {
    use_arch(BLIS_ARCH_SKX);
    return "chosen by heed from CPUID: CPU with AVX-512";
  }
  if (cpu.avx2_fma && cpu.amd) {
    use_arch(BLIS_ARCH_ZEN3);
    return "chosen by heed from CPUID: AMD CPU with AVX2 and FMA";
  }
  if (cpu.avx2_fma) {
    use_arch(BLIS_ARCH_HASWELL);
    return "chosen by heed from CPUID: CPU with AVX2 and FMA";
  }
  return "detected by BLIS";
}

std::once_flag blas_once;
std::string kernels_in_use;  // written once inside blas_once

}  // namespace

void init_blas() {
  std::call_once(blas_once, [] {
    const std::string reason = choose_arch(read_cpu_features());
    bli_init();
    kernels_in_use = arch_name(bli_arch_query_id()) + " (" + reason + ")";
    bli_thread_set_num_threads(num_threads());
  });
}

std::string blas_kernels() {
  init_blas();
  return kernels_in_use;
}

}  // namespace heed
