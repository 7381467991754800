#!/usr/bin/env bash
# The runs behind docs/results-vision.md: every vision attention module, the ViT
# with each positional encoding and with several attention variants over its
# patches, and the three fusions of the captioned task, as compare sweeps whose
# report.md tables the page quotes; and the two longer accuracy runs.
#
#   scripts/results-vision.sh [SWEEP...]     (default: every sweep, one after another)
#
# SWEEP is one of: fashion, cluttered, cluttered-long, cluttered-non-local, vit-positions,
# vit-attention, fusion, accuracy-cnn, accuracy-vit. Each run uses one thread, so two invocations can share
# the two cores (say `scripts/results-vision.sh fashion vit-positions fusion` beside
# `scripts/results-vision.sh cluttered cluttered-non-local vit-attention`); cluttered-long and
# accuracy-cnn use both.
# Results go to $OUT (default runs/); the build is $BUILD (default build/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${BUILD:-build}
out=${OUT:-runs}
compare() { "$build/bin/compare" --out "$out" --threads 1 --overwrite --quiet "$@"; }

sweep() {
  local start=$SECONDS
  echo "== $1"
  case "$1" in
    # Fashion-MNIST, the default CNN (blocks of 32 and 64 channels), every module after every block.
    fashion)
      compare --task fashion --model cnn --all --name vision-fashion -- --epochs 1 --train-limit 20000 ;;
    # The item at a random place on a 56 x 56 canvas among four fragments of other items.
    # Non-local attention at the first block would compare 3136 pixels with 3136: it runs after
    # the second block only, in a sweep of its own.
    cluttered)
      compare --task cluttered --model cnn --attention none,se,channel,spatial,cbam,eca,coord,attention-pool \
        --name vision-cluttered -- --epochs 1 --train-limit 10000 --valid-size 2000 ;;
    # Three epochs instead of one, for the modules that look at where (and the baseline), on both
    # cores: the one-epoch sweep above leaves the plain CNN near 27%.
    cluttered-long)
      "$build/bin/compare" --out "$out" --threads 2 --overwrite --quiet --task cluttered --model cnn \
        --attention none,spatial,cbam,coord,attention-pool --name vision-cluttered-long -- \
        --epochs 3 --train-limit 10000 --valid-size 2000 ;;
    cluttered-non-local)
      compare --task cluttered --model cnn --attention non-local --name vision-cluttered-non-local -- \
        --epochs 1 --train-limit 10000 --valid-size 2000 --attention-blocks 1 ;;
    # The ViT over 7 x 7 patches (a 4 x 4 grid), one epoch: the 2-D positions, the 1-D ones over the
    # raster order (P2, P3) and none.
    vit-positions)
      compare --task fashion --model vit --position none,sinusoidal,learned,sinusoidal-2d,vit-learned,rope-2d \
        --name vision-vit-positions -- --patch 7 --epochs 1 ;;
    # Attention variants of the Transformer catalog over the same patches.
    vit-attention)
      compare --task fashion --model vit --attention mha,local,linear,flash,performer,gqa \
        --name vision-vit-attention -- --patch 7 --epochs 1 ;;
    # Fashion-MNIST images with captions that lie 30% of the time: gmu, cross-attention, concat.
    fusion)
      compare --task captioned --all --name vision-fusion -- --epochs 1 ;;
    # The two accuracy targets of the catalog (CNN + cbam >= 92.5%, ViT >= 88%, each within 15
    # minutes on 2 cores). The CNN ran alone on both threads; the ViT on one thread, beside
    # another run on the other core.
    accuracy-cnn)
      "$build/bin/classify" --model cnn --channels 32,64,32,64 --attention cbam --epochs 6 --augment-shift 1 \
        --label-smoothing 0.1 --threads 2 --out "$out" --name accuracy-cnn-cbam --overwrite ;;
    accuracy-vit)
      "$build/bin/classify" --model vit --patch 7 --epochs 12 --augment-shift 1 --threads 1 \
        --out "$out" --name accuracy-vit --overwrite ;;
    *)
      echo "results-vision.sh: unknown sweep '$1'; valid: fashion, cluttered, cluttered-long, cluttered-non-local," \
        "vit-positions, vit-attention, fusion, accuracy-cnn, accuracy-vit" >&2
      return 2 ;;
  esac
  echo "== $1: $((SECONDS - start)) s"
}

if [ $# -eq 0 ]; then
  set -- fashion cluttered cluttered-long cluttered-non-local vit-positions vit-attention fusion accuracy-cnn accuracy-vit
fi
for name in "$@"; do sweep "$name"; done
