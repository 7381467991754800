// One thread count for both of heed's CPU thread pools (see tensor/threads.h).
//
// OpenMP keeps its thread count per calling thread (an "ICV"); BLIS keeps its own
// in a global runtime object. set_num_threads() writes both and remembers the
// number, so num_threads() answers the same from any thread and gemm.cpp can
// hand it to BLIS explicitly on every call.
#include "tensor/threads.h"

#include <omp.h>

#include <atomic>
#include <cstdlib>

// blis.h's inline helpers trip these warnings; they are BLIS's code, not heed's.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wtype-limits"
#include <blis.h>
#pragma GCC diagnostic pop

#include "tensor/error.h"

namespace heed {
namespace {

std::atomic<int> requested_threads{0};  // 0 until set_num_threads() is called

int default_threads() {
  // OpenMP has already read OMP_NUM_THREADS into its max-threads setting. Without
  // it, use every core this process may run on (its affinity mask, so a process
  // pinned to 2 cores of a 64-core machine gets 2).
  static const int threads = std::getenv("OMP_NUM_THREADS") ? omp_get_max_threads() : omp_get_num_procs();
  return threads;
}

// Idle OpenMP threads wait passively unless the user says otherwise.
//
// libgomp's default is to spin at every barrier for a while before sleeping.
// That wins a little on an idle machine and loses badly on a busy one: when
// other processes hold the cores (CI running two tests at once, a shared
// server), the spinning threads take the time slices the working ones need.
// libgomp reads OMP_WAIT_POLICY once, when it loads, before main() and before
// any constructor of heed's, so the default is set from .preinit_array, which
// the dynamic loader runs before any shared library's initializers. A value
// the user exported is kept. (Figures: README, "Threads".) A shared-library
// build of heed cannot carry a .preinit_array; it keeps libgomp's default.
#ifndef HEED_SHARED_LIBRARY
void default_wait_policy(int, char**, char**) { setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0); }
__attribute__((section(".preinit_array"), used)) void (*const set_wait_policy_early)(int, char**, char**) =
    default_wait_policy;
#endif

}  // namespace

void set_num_threads(int n) {
  HEED_CHECK(n >= 1, "set_num_threads: got ", n, "; expected at least 1 thread");
  requested_threads.store(n);
  omp_set_num_threads(n);
  // Telling BLIS anything initializes it, so heed's kernel choice must come first.
  init_blas();
  bli_thread_set_num_threads(n);
}

int num_threads() {
  const int requested = requested_threads.load();
  return requested > 0 ? requested : default_threads();
}

}  // namespace heed
