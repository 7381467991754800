// Cluttered images: each image placed at a random position on a larger, black canvas, with
// fragments of other images strewn around it, so a classifier must find the item before it can
// name it. The task where location matters, for the vision attention modules (CATALOG.md, part V).
//
//   canvas i   (C, S, S) float32, S = options.canvas (>= the item's H and W)
//     1. fill with the source's black (a raw 0 pixel, as the source is stored: black_value())
//     2. `distractors` fragments: an f x f crop (f = options.fragment) at a random place of
//        another image j != i, pasted at a random place that does NOT overlap the item's box;
//        fragments may overlap one another and combine by the pixelwise maximum
//     3. the item, image i, copied unchanged at (top, left), each uniform over 0..S-H, 0..S-W
//   positions  (N, 2) int64   (top, left) of every item, kept for pictures and tests
//   labels                    the items' labels, unchanged
//
// The item is never covered, so it is always recognisable; the fragments are pieces of real
// clothing, so a model cannot tell them from the item by their texture alone and must look at
// shape and extent. A canvas whose item leaves no room beside it for a fragment gets fewer
// fragments (never with the default 56 x 56 canvas and 28 x 28 items).
//
// After Mnih, Heess, Graves & Kavukcuoglu 2014, "Recurrent Models of Visual Attention" (cluttered
// translated MNIST: 60 x 60 canvases with four 8 x 8 fragments).
//
// Deterministic: canvas i is a function of the source images and (seed, stream, i), drawn from
// example_generator (data/loader_state.h); the item's position depends on (seed, stream, i) alone.
// The canvases are built once, up front (N C S^2 floats: 690 MB for 55000 canvases of 56 x 56),
// and ImageLoader then serves them like any image set.
#pragma once

#include <cstdint>

#include "data/images.h"
#include "tensor/tensor.h"

namespace heed::data {

struct ClutterOptions {
  std::int64_t canvas = 56;       // S
  std::int64_t distractors = 4;   // fragments per canvas
  std::int64_t fragment = 8;      // f: fragments are f x f
  std::uint64_t seed = 0;
  std::int64_t stream = 0;        // one per split
};

struct ClutteredDataset {
  ImageDataset images;  // (N, C, S, S), the source's labels, class names and normalization
  Tensor positions;     // (N, 2) int64: (top, left) of each item on its canvas
};

// Places every image of `source` (N >= 2 when there are distractors) on a canvas.
ClutteredDataset clutter_images(const ImageDataset& source, const ClutterOptions& options);

}  // namespace heed::data
