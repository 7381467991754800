# heed's front door. Each target does everything it needs before it, so on a
# fresh Debian machine `make test` installs the packages, configures, builds and
# runs the whole suite with no other step.
#
#   make deps    install the missing Debian packages (scripts/install-deps.sh)
#   make build   configure with CMake into $(BUILD)/ (Release) and build
#   make test    build, then run every test with CTest; fails when any test fails
#   make demo    build the drivers, then train a small comparison (scripts/demo.sh) and print where it is
#   make example build, install into a temporary prefix, and build and run
#                examples/custom-attention against the install (scripts/check-install.sh)
#   make bench   build, then time the benchmark workloads (build/bin/bench --mode all)
#   make asan    build and test with AddressSanitizer + UBSan in build-asan/
#   make cuda    build with the CUDA backend forced on (nvcc) in build-cuda/
#   make clean   remove the build folders
#
# Variables: JOBS (parallel compile and test jobs), BUILD (build folder),
# HEED_CUDA (AUTO builds the CUDA backend when nvcc is found; ON or OFF force it).
#   make test JOBS=8 HEED_CUDA=OFF

JOBS ?= 2
BUILD ?= build
HEED_CUDA ?= AUTO
ASAN_BUILD ?= build-asan
CUDA_BUILD ?= build-cuda

# pipefail, so a test run piped through tee still fails when ctest does.
SHELL := /bin/bash

# cmake --build runs a make of its own with -j$(JOBS). Clearing our make's flags
# keeps a `make -jN test` here from handing its jobserver down and warning about it.
INNER := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL

# $(call configure_and_build,FOLDER,BUILD_TYPE,EXTRA_CMAKE_FLAGS[,TARGETS])
# Configuring every time is cheap once the cache exists, and it picks up changed flags.
# TARGETS, when given, limits the build to them (the demo needs the drivers, not the tests).
define configure_and_build
	cmake -S . -B $(1) -DCMAKE_BUILD_TYPE=$(2) $(3)
	$(INNER) cmake --build $(1) -j $(JOBS) $(if $(4),--target $(4))
endef

# The programs scripts/demo.sh runs.
DEMO_DRIVERS := compare translate classify documents

# $(call run_tests,FOLDER,ENVIRONMENT): CTest with the failing tests' output, then
# one summary line. --no-tests=error: a build that registered no tests is a failure.
define run_tests
	@set -o pipefail; log=$(1)/ctest-last-run.log; \
	if $(2) ctest --test-dir $(1) --output-on-failure --no-tests=error -j $(JOBS) 2>&1 | tee $$log; then \
	  verdict=PASSED; status=0; \
	else \
	  status=$$?; verdict="FAILED (ctest exit $$status; the failing tests' output is above)"; \
	fi; \
	counts=$$(grep -E 'tests? passed' $$log | tail -n 1); \
	skipped=$$(grep -c '(Skipped)' $$log); \
	echo "heed test summary [$(1)]: $$verdict: $${counts:-no test count}, $$skipped skipped"; \
	exit $$status
endef

.PHONY: all deps build test demo example bench asan cuda clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(call configure_and_build,$(BUILD),Release,-DHEED_CUDA=$(HEED_CUDA))

test: build
	$(call run_tests,$(BUILD),)

# Only the drivers: a fresh clone reaches its first training run without compiling the tests.
demo: deps
	$(call configure_and_build,$(BUILD),Release,-DHEED_CUDA=$(HEED_CUDA),$(DEMO_DRIVERS))
	scripts/demo.sh $(BUILD)

example: build
	JOBS=$(JOBS) scripts/check-install.sh $(BUILD)

bench: build
	@test -x $(BUILD)/bin/bench || { echo "heed: $(BUILD)/bin/bench was not built (it is the driver of experiments/bench.cpp)" >&2; exit 1; }
	$(BUILD)/bin/bench --mode all

# Sanitizers: -O1 without debug info, which builds in a fraction of RelWithDebInfo's
# time on two cores; reports still name functions, files and lines through the
# symbols (and assertions stay on: no -DNDEBUG).
# CUDA stays off: ASan and the CUDA runtime do not share an address space well.
# UBSan only prints by default; halt_on_error turns undefined behaviour into a failed test.
asan: deps
	$(call configure_and_build,$(ASAN_BUILD),Release,-DHEED_SANITIZE=ON -DHEED_CUDA=OFF)
	$(call run_tests,$(ASAN_BUILD),ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)

# Compiles tensor/cuda/*.cu with nvcc. A machine without a GPU builds it all the
# same; the GPU tests then report themselves skipped.
cuda: deps
	$(call configure_and_build,$(CUDA_BUILD),Release,-DHEED_CUDA=ON)
	@echo "heed: CUDA build ready in $(CUDA_BUILD)/; on a GPU machine run: ctest --test-dir $(CUDA_BUILD) -L cuda --output-on-failure"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(CUDA_BUILD)
