// How many CPU threads heed uses, and which BLIS kernels run its matrix products.
//
// heed's CPU work runs on two thread pools that must agree: OpenMP loops in the
// elementwise/reduction kernels (tensor/cpu/*.cpp) and BLIS's own threads inside
// GEMM. set_num_threads() sets both at once. By default heed uses every core the
// process may run on (or OMP_NUM_THREADS when the environment sets it); BLIS
// alone would run single-threaded unless told.
//
// BLIS picks its micro-kernels ("zen3", "haswell", "skx", "generic", ...) once per
// process, the first time it initializes. init_blas() makes that choice on heed's
// terms before anything else touches BLIS (tensor/cpu/blis_setup.cpp explains why
// BLIS's own choice is not always good enough), and blas_kernels() says what was
// chosen and why, for drivers' --verbose output.
#pragma once

#include <string>

namespace heed {

// Threads for OpenMP loops and for BLIS; n >= 1.
void set_num_threads(int n);
// The thread count in use: the last set_num_threads(), else OMP_NUM_THREADS when
// set, else the number of cores this process may use.
int num_threads();

// Chooses the BLIS kernels and sets BLIS's thread count. Safe to call any number
// of times from any thread; only the first call does the work. Every BLIS call in
// heed goes after it (gemm calls it; code that calls BLIS directly must too).
void init_blas();
// The BLIS kernel set in use and how it was chosen, e.g.
//   "zen3 (chosen by heed from CPUID: AMD CPU with AVX2 and FMA)"
//   "zen3 (BLIS_ARCH_TYPE=zen3 from the environment)"
//   "haswell (detected by BLIS)"
// Calls init_blas() first.
std::string blas_kernels();

}  // namespace heed
