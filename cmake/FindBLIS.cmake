# FindBLIS: BLIS, the BLAS-like library heed's CPU GEMM calls, built with
# OpenMP threads (Debian: libblis-openmp-dev).
#
#   find_package(BLIS REQUIRED)
#   target_link_libraries(x PRIVATE BLIS::BLIS)
#
# Debian installs the OpenMP build under blis-openmp/ beside the pthread and
# serial builds, so those folders are searched first: the OpenMP build shares
# heed's thread pool instead of starting its own. Sets BLIS_FOUND,
# BLIS_INCLUDE_DIR and BLIS_LIBRARY, and the imported target BLIS::BLIS.
# heed's own build uses this file, and heedConfig.cmake uses the installed copy,
# so a program linking heed::heed finds BLIS the same way.
find_path(BLIS_INCLUDE_DIR blis.h
  PATHS /usr/include/x86_64-linux-gnu/blis-openmp /usr/include/blis /usr/include
  NO_DEFAULT_PATH)
find_library(BLIS_LIBRARY NAMES blis
  PATHS /usr/lib/x86_64-linux-gnu/blis-openmp /usr/lib/x86_64-linux-gnu
  NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(BLIS
  REQUIRED_VARS BLIS_LIBRARY BLIS_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "run scripts/install-deps.sh (Debian package libblis-openmp-dev)")

if(BLIS_FOUND AND NOT TARGET BLIS::BLIS)
  add_library(BLIS::BLIS UNKNOWN IMPORTED)
  set_target_properties(BLIS::BLIS PROPERTIES
    IMPORTED_LOCATION "${BLIS_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${BLIS_INCLUDE_DIR}")
endif()
mark_as_advanced(BLIS_INCLUDE_DIR BLIS_LIBRARY)
