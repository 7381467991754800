#include "data/cluttered_images.h"

#include <algorithm>
#include <vector>

#include "data/loader_state.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace heed::data {
namespace {

struct Box {
  std::int64_t top, left, height, width;
  bool overlaps(const Box& other) const {
    return top < other.top + other.height && other.top < top + height && left < other.left + other.width &&
           other.left < left + width;
  }
};

struct Geometry {
  std::int64_t channels, height, width, canvas;
};

void check_options(const ImageDataset& source, const ClutterOptions& o) {
  HEED_CHECK(source.images.defined() && source.images.dim() == 4 && source.images.dtype() == DType::Float32,
             "clutter_images: expected float32 (N, C, H, W) images");
  const std::int64_t height = source.images.size(2), width = source.images.size(3);
  HEED_CHECK(o.canvas >= height && o.canvas >= width, "clutter_images: the canvas is ", o.canvas, " x ", o.canvas,
             ", smaller than the ", height, " x ", width, " images; it must hold the item: canvas >= ",
             std::max(height, width));
  HEED_CHECK(o.distractors >= 0, "clutter_images: distractors is ", o.distractors, "; expected 0 or more");
  if (o.distractors == 0) return;
  HEED_CHECK(o.fragment >= 1 && o.fragment <= std::min(height, width), "clutter_images: fragment is ", o.fragment,
             "; a fragment is a crop of a ", height, " x ", width, " image: expected 1..", std::min(height, width));
  HEED_CHECK(source.size() >= 2, "clutter_images: fragments come from other images, but the data set holds ",
             source.size(), "; pass distractors 0 or more images");
}

// Every top-left corner where an f x f fragment lies on the canvas without touching the item.
void free_corners(const Box& item, std::int64_t canvas, std::int64_t f, std::vector<Box>& corners) {
  corners.clear();
  for (std::int64_t y = 0; y + f <= canvas; ++y)
    for (std::int64_t x = 0; x + f <= canvas; ++x) {
      const Box fragment{y, x, f, f};
      if (!fragment.overlaps(item)) corners.push_back(fragment);
    }
}

// Copies the (rows x cols) window at (from_y, from_x) of `image` to (to_y, to_x) of `canvas`,
// keeping the larger value (take_max) or overwriting.
void paste(const float* image, const Geometry& g, std::int64_t from_y, std::int64_t from_x, std::int64_t rows,
           std::int64_t cols, float* canvas, std::int64_t to_y, std::int64_t to_x, bool take_max) {
  for (std::int64_t c = 0; c < g.channels; ++c)
    for (std::int64_t y = 0; y < rows; ++y) {
      const float* in = image + (c * g.height + from_y + y) * g.width + from_x;
      float* out = canvas + (c * g.canvas + to_y + y) * g.canvas + to_x;
      for (std::int64_t x = 0; x < cols; ++x) out[x] = take_max ? std::max(out[x], in[x]) : in[x];
    }
}

}  // namespace

ClutteredDataset clutter_images(const ImageDataset& source, const ClutterOptions& options) {
  check_options(source, options);
  const Tensor images = ops::contiguous(source.images);
  const std::int64_t count = source.size();
  const Geometry g{images.size(1), images.size(2), images.size(3), options.canvas};
  const std::int64_t image_size = g.channels * g.height * g.width;
  const std::int64_t canvas_size = g.channels * g.canvas * g.canvas;
  const std::int64_t f = options.fragment;

  ClutteredDataset result{source, Tensor()};
  result.images.images = full({count, g.channels, g.canvas, g.canvas}, source.black_value());
  std::vector<std::int64_t> positions(static_cast<std::size_t>(2 * count));
  const float* pixels = images.data<float>();
  float* canvases = result.images.images.data<float>();
  std::vector<Box> corners;
  for (std::int64_t i = 0; i < count; ++i) {
    Generator gen = example_generator(options.seed, options.stream, i);
    const Box item{gen.randint(0, g.canvas - g.height + 1), gen.randint(0, g.canvas - g.width + 1), g.height, g.width};
    float* canvas = canvases + i * canvas_size;
    if (options.distractors > 0) free_corners(item, g.canvas, f, corners);
    for (std::int64_t d = 0; d < options.distractors && !corners.empty(); ++d) {
      std::int64_t other = gen.randint(0, count - 1);
      if (other >= i) ++other;  // any image but the item itself
      const std::int64_t crop_y = gen.randint(0, g.height - f + 1), crop_x = gen.randint(0, g.width - f + 1);
      const Box& at = corners[static_cast<std::size_t>(gen.randint(0, static_cast<std::int64_t>(corners.size())))];
      paste(pixels + other * image_size, g, crop_y, crop_x, f, f, canvas, at.top, at.left, /*take_max=*/true);
    }
    paste(pixels + i * image_size, g, 0, 0, g.height, g.width, canvas, item.top, item.left, /*take_max=*/false);
    positions[static_cast<std::size_t>(2 * i)] = item.top;
    positions[static_cast<std::size_t>(2 * i + 1)] = item.left;
  }
  result.positions = from_vector(positions, {count, 2});
  return result;
}

}  // namespace heed::data
