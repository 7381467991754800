#!/usr/bin/env bash
# The demo: a small, bounded comparison on this machine (about 5 minutes on 2 cores).
#
#   1. translate: the dates task (human-written dates -> ISO 8601) with the
#      GRU encoder-decoder, once with Bahdanau's additive attention and once
#      with no attention, so the gap attention makes is one look away;
#   2. classify: a small CNN on Fashion-MNIST for one epoch.
#
# Each run writes runs/demo/<name>/ (config.json, metrics.csv,
# checkpoint.safetensors, summary.json; samples.json with attention weights
# for translate). The script ends by printing a table of the summaries and
# where everything is.
#
#   scripts/demo.sh [BUILD_DIR]      (make demo calls it with build/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}
out=runs/demo
mkdir -p "$out"

run() {  # run NAME DRIVER FLAGS...: trains, keeps the JSON summary in $out/NAME.json
  local name=$1 driver=$2
  shift 2
  echo "== $driver $* (runs/demo/$name)"
  "$build/bin/$driver" "$@" --name "$name" --out "$out" --overwrite --quiet > "$out/$name.json"
  cat "$out/$name.json"
}

run dates-additive translate --task dates --attention additive --samples 2
run dates-none translate --task dates --attention none --samples 2
run fashion-cnn classify --task fashion --model cnn --epochs 1

python_free_table() {  # one line per run, from the JSON summaries, without Python
  printf '\n%-20s %-12s %10s %10s %12s %10s\n' run attention "test" "ms/step" parameters "wall s"
  for f in "$out"/dates-additive.json "$out"/dates-none.json "$out"/fashion-cnn.json; do
    local line; line=$(cat "$f")
    field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$line"; }
    local metric; metric=$(field test_exact_match); [ -z "$metric" ] && metric=$(field test_accuracy)
    printf '%-20s %-12s %10.4f %10.1f %12s %10.1f\n' "$(field run)" "$(a=$(field attention); echo "${a:--}")" "$metric" \
      "$(field ms_per_step)" "$(field parameters)" "$(field wall_s)"
  done
}
python_free_table
echo
echo "Outputs: $(pwd)/$out/<run>/ (metrics.csv, summary.json, checkpoint.safetensors; samples.json for translate)"
