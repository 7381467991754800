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
#      excitation (se) and CBAM channel-and-spatial attention. One epoch on
#      6000 images: their differences are small at this size, and one seed
#      cannot tell them from noise (compare --seeds 3 can, in three times as long).
#
# Each run is cut short (fewer examples and steps than the drivers' defaults):
# the sweeps are sized to train in about 5 minutes on an idle 2-core machine,
# so the whole demo, build from a fresh clone included, stays under 15. At
# this size the gap attention makes on dates is already wide (no attention
# gets almost no date right, the three scores about 75-80%). Then
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
  --bidirectional=false --train-size 6000 --valid-size 300 --test-size 500 --steps 300 --eval-every 60 --samples 2

timed "dates, Transformer: mha" \
  compare --task dates --model transformer --attention mha --name demo-dates-transformer -- \
  --d-model 64 --ff 128 --layers 1 --lr 0.004 --schedule warmup-cosine --warmup 30 --train-size 6000 \
  --valid-size 300 --test-size 500 --steps 300 --eval-every 60 --samples 2

timed "Fashion-MNIST, CNN: none, se, cbam" \
  compare --task fashion --model cnn --attention none,se,cbam --name demo-fashion -- \
  --train-limit 6000 --valid-size 1000 --epochs 1 --eval-every 16

compare --combine runs/demo-dates-rnn,runs/demo-dates-transformer,runs/demo-fashion --name demo
echo "Report: $(pwd)/runs/demo/report.html"
