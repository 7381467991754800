// Main for the GPU suite: runs the [cuda] tests where a CUDA device exists,
// and otherwise says so loudly and exits 77, which CTest reports as "Skipped".
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "tensor/backend.h"

int main(int argc, char* argv[]) {
  if (!heed::cuda_available()) {
    std::fprintf(stderr,
                 "SKIPPED: no CUDA device here (heed built %s the CUDA backend); "
                 "the [cuda] tests ran none of their assertions.\n",
#ifdef HEED_WITH_CUDA
                 "with"
#else
                 "without"
#endif
    );
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
