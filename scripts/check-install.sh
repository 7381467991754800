#!/usr/bin/env bash
# Checks that heed can be used from outside its tree, as a user would use it:
#   1. builds heed (configuring BUILD first if it holds no build yet),
#   2. installs it into a fresh temporary prefix (cmake --install),
#   3. checks the install holds the library, the headers, the package config and the drivers,
#   4. configures and builds examples/custom-attention against it, a separate
#      CMake project that finds heed with find_package(heed) through CMAKE_PREFIX_PATH,
#   5. runs the example: it registers an attention variant heed does not ship,
#      checks that translate's --list names it, trains translate with it for a
#      few hundred steps on the dates task, and prints the summary.
# Any failure stops the script with a line saying which step failed, and a
# non-zero exit. The prefix is removed at the end; KEEP=1 keeps it.
#
#   scripts/check-install.sh [BUILD]      (default: build; `make example` runs it)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=${1:-build}
jobs=${JOBS:-2}
step="start"
trap 'echo "check-install: FAILED while ${step} (exit $?; the output above says why)" >&2' ERR

work=$(mktemp -d "${TMPDIR:-/tmp}/heed-check-install.XXXXXX")
if [[ ${KEEP:-0} == 1 ]]; then
  echo "check-install: keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
prefix=$work/prefix

step="configuring $build"
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
step="building heed in $build"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL cmake --build "$build" -j "$jobs"

step="installing into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
echo "check-install: installed $(wc -l <"$work/install.log") files into $prefix"

step="checking the installed files"
config=$(find "$prefix" -name heedConfig.cmake -print -quit)
[[ -n $config ]] || { echo "check-install: no heedConfig.cmake under $prefix" >&2; false; }
for file in heedConfigVersion.cmake heedTargets.cmake FindBLIS.cmake; do
  [[ -f $(dirname "$config")/$file ]] || { echo "check-install: $file is missing beside $config" >&2; false; }
done
for file in include/heed/heed.h include/heed/tensor/tensor.h include/heed/layers/attention/registry.h \
            include/heed/experiments/lib/translate.h bin/translate bin/compare; do
  [[ -e $prefix/$file ]] || { echo "check-install: $prefix/$file is missing" >&2; false; }
done
"$prefix/bin/translate" --list >"$work/list.txt"
grep -q '^  additive ' "$work/list.txt"

step="configuring examples/custom-attention against the install"
cmake -S examples/custom-attention -B "$work/example-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
step="building examples/custom-attention"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL cmake --build "$work/example-build" -j "$jobs"

step="running custom_attention --list"
"$work/example-build/custom_attention" --list >"$work/example-list.txt"
grep -q '^  scaled-cosine ' "$work/example-list.txt" ||
  { echo "check-install: custom_attention --list does not name scaled-cosine" >&2; false; }

step="training with custom_attention (runs go to $work/runs)"
(cd "$work" && "$work/example-build/custom_attention") | tee "$work/example.out"
summary=$(tail -n 1 "$work/example.out")
for field in '"attention":"scaled-cosine"' '"task":"dates"' '"steps":300' '"test_exact_match":'; do
  [[ $summary == *"$field"* ]] ||
    { echo "check-install: the example's summary lacks $field: $summary" >&2; false; }
done
echo "check-install: PASSED: installed heed, built examples/custom-attention against it, trained with scaled-cosine"
