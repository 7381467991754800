#!/usr/bin/env bash
# The demo: a bounded comparison on this machine, three sweeps of the compare
# driver reported together in one page.
#
#   1. dates (human-written dates -> ISO 8601), GRU encoder-decoder with no
#      attention and with three score functions: dot, general (Luong) and
#      additive (Bahdanau). One-directional encoder for all four, since dot
#      needs the query and key sizes equal;
#   2. dates again with a small Transformer (multi-head attention, 4 heads), so
#      its per-head cross-attention sits beside the RNN's;
#   3. Fashion-MNIST with the CNN, without attention and with squeeze-and-
#      excitation (se) and CBAM channel-and-spatial attention, two seeds each:
#      after one epoch on 12000 images their differences are small, and the
#      error bars show whether they exceed the spread between seeds.
#
# Each run is cut short (fewer steps, smaller validation and test sets than
# the drivers' defaults). Measured on a fresh clone on the 2-core machine,
# otherwise idle: `make demo` 487 s in all, of which about 4 minutes build the
# drivers, then the dates GRU sweep 97 s, the Transformer sweep 41 s and the
# CNN sweep 112 s. At this size the gap attention makes on dates is already
# wide: without attention the GRU got 0.2% of the dates right, with dot,
# general and additive 86-91%; the six CNN runs end within 83-85%. Then
#
#   compare --combine runs/demo-dates-rnn,runs/demo-dates-transformer,runs/demo-fashion --name demo
#
# writes runs/demo/report.html (with report.md and results.csv): an overview,
# then each sweep's tables, curves and attention heatmaps. Every sweep folder
# keeps its own report and runs. The last line printed is the report's path.
#
#   scripts/demo.sh [BUILD_DIR]      (make demo calls it with build/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}
compare() { "$build/bin/compare" --out runs --overwrite "$@"; }

# timed LABEL COMMAND...: runs a sweep (compare prints a progress line per run,
# then the sweep's summary as one JSON line) and says how long it took.
timed() {
  local label=$1 start=$SECONDS
  shift
  echo "== $label"
  "$@"
  echo "== $label: $((SECONDS - start)) s"
}

timed "dates, GRU encoder-decoder: none, dot, general, additive" \
  compare --task dates --attention none,dot,general,additive --name demo-dates-rnn -- \
  --bidirectional=false --valid-size 300 --test-size 500 --steps 400 --eval-every 80 --samples 2

timed "dates, Transformer: mha" \
  compare --task dates --model transformer --attention mha --name demo-dates-transformer -- \
  --d-model 64 --ff 128 --layers 2 --lr 0.004 --schedule warmup-cosine --warmup 30 \
  --valid-size 300 --test-size 500 --steps 600 --eval-every 100 --samples 2

timed "Fashion-MNIST, CNN: none, se, cbam" \
  compare --task fashion --model cnn --attention none,se,cbam --seeds 2 --name demo-fashion -- \
  --train-limit 12000 --valid-size 1000 --epochs 1 --eval-every 16

compare --combine runs/demo-dates-rnn,runs/demo-dates-transformer,runs/demo-fashion --name demo
echo "Report: $(pwd)/runs/demo/report.html"
