#!/usr/bin/env bash
# Installs the Debian packages heed needs to build, test and run its experiments.
#
# Every dependency comes from Debian (docs: DESIGN.md, "Nothing is vendored"), so
# this script is the whole of the set-up. It is safe to run again and again:
# when every package is already installed it only asks dpkg and exits, without
# touching apt or needing root. Otherwise it runs `apt-get update` once and
# installs just the missing packages, as root or through sudo.
#
#   scripts/install-deps.sh      (also run by `make deps`, and so by `make test`)
set -euo pipefail

# ---- What heed needs. To add a package, add it to the list it belongs to. ----
# Compilers and build tools.
BUILD_TOOLS=(build-essential cmake pkg-config)
# Libraries heed compiles against: BLIS with OpenMP threads (GEMM), cxxopts (driver
# flags), Catch2 v2 (tests), nlohmann-json (configs, metrics), zlib (datasets, checkpoints).
LIBRARIES=(libblis-openmp-dev libcxxopts-dev catch2 nlohmann-json3-dev zlib1g-dev)
# Data sets the experiments train on, installed under /usr/share.
DATASETS=(dataset-fashion-mnist)
# Scripts that make fixtures and reports.
SCRIPTING=(python3)
# Tools that check the experiment reports: headless Chromium renders report.html
# for the browser test (tests/browser/, CTest label `browser`), which reports
# itself skipped where it is missing. Its fonts come with it (fontconfig depends on one).
REPORT_TOOLS=(chromium)

PACKAGES=("${BUILD_TOOLS[@]}" "${LIBRARIES[@]}" "${DATASETS[@]}" "${SCRIPTING[@]}" "${REPORT_TOOLS[@]}")

fail() {
  echo "install-deps: error: $*" >&2
  exit 1
}

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  fail "this script installs Debian packages with apt-get, which this system lacks; install the" \
       "equivalents of these packages by hand: ${PACKAGES[*]}"
fi

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for package in "${PACKAGES[@]}"; do
  is_installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed; nothing to do"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"

# Root runs apt-get itself; anyone else goes through sudo. sudo drops most of the
# environment, so DEBIAN_FRONTEND travels on the command line through env.
if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  fail "installing needs root, and sudo is not installed: run this script as root" \
       "(su -c scripts/install-deps.sh), or install these packages: ${missing[*]}"
fi
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)

"${apt[@]}" update ||
  fail "apt-get update failed (exit $?); check the network and /etc/apt/sources.list*"
"${apt[@]}" install -y --no-install-recommends "${missing[@]}" ||
  fail "apt-get install failed (exit $?) for: ${missing[*]}; the apt output above says why"

still_missing=()
for package in "${missing[@]}"; do
  is_installed "$package" || still_missing+=("$package")
done
((${#still_missing[@]} == 0)) || fail "apt-get finished, but these are still not installed: ${still_missing[*]}"

echo "install-deps: installed ${missing[*]}"
