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
