// Cluttered images: shapes, the item intact at its recorded position, fragments that come from
// other images and stay off the item, the background fill, determinism, and bad options.
#include "helpers.h"

#include <set>

#include "data/cluttered_images.h"

using namespace heed;
using namespace heed::data;

namespace {

// n single-channel 28 x 28 images; image k is filled with (k + 1) / 100, so every pixel of a
// canvas says which image it came from. Stored as if normalized with mean 0.5, std 2 (the
// pixels are not changed), so the black fill is (0 - 0.5) / 2 = -0.25.
ImageDataset flat_images(std::int64_t n) {
  std::vector<float> pixels;
  std::vector<std::int64_t> labels;
  for (std::int64_t k = 0; k < n; ++k) {
    pixels.insert(pixels.end(), 28 * 28, static_cast<float>(k + 1) / 100.0f);
    labels.push_back(k % 3);
  }
  ImageDataset d{from_vector(pixels, {n, 1, 28, 28}), from_vector(labels, {n}), {"a", "b", "c"}};
  d.pixel_mean = 0.5;
  d.pixel_std = 2.0;
  return d;
}

float value_of(std::int64_t image) { return static_cast<float>(image + 1) / 100.0f; }

struct CanvasCheck {
  std::int64_t fragment_pixels = 0;  // outside the item's box and not background
  bool item_intact = true;
  bool fragments_from_others = true;
};

CanvasCheck inspect(const ClutteredDataset& d, std::int64_t i, std::int64_t canvas) {
  const auto pixels = select(d.images.images, 0, i).to_vector<float>();  // (1, S, S)
  const auto position = select(d.positions, 0, i).to_vector<std::int64_t>();
  const float background = static_cast<float>(d.images.black_value());
  CanvasCheck check;
  for (std::int64_t y = 0; y < canvas; ++y)
    for (std::int64_t x = 0; x < canvas; ++x) {
      const float v = pixels[static_cast<std::size_t>(y * canvas + x)];
      const bool in_item = y >= position[0] && y < position[0] + 28 && x >= position[1] && x < position[1] + 28;
      if (in_item) {
        check.item_intact &= v == value_of(i);
      } else if (v != background) {
        ++check.fragment_pixels;
        check.fragments_from_others &= v != value_of(i);
      }
    }
  return check;
}

}  // namespace

TEST_CASE("clutter_images: the item sits intact at its recorded position, fragments of others around it",
          "[data][cluttered]") {
  const ImageDataset source = flat_images(12);
  const ClutteredDataset d = clutter_images(source, {.canvas = 56, .distractors = 4, .fragment = 8, .seed = 7});
  REQUIRE(d.images.images.shape() == Shape({12, 1, 56, 56}));
  REQUIRE(d.positions.shape() == Shape({12, 2}));
  REQUIRE(d.images.labels.to_vector<std::int64_t>() == source.labels.to_vector<std::int64_t>());
  REQUIRE(d.images.black_value() == Approx(-0.25));
  std::set<std::int64_t> tops;
  for (std::int64_t i = 0; i < 12; ++i) {
    INFO("canvas " << i);
    const auto position = select(d.positions, 0, i).to_vector<std::int64_t>();
    CHECK((position[0] >= 0 && position[0] <= 28 && position[1] >= 0 && position[1] <= 28));
    tops.insert(position[0]);
    const CanvasCheck check = inspect(d, i, 56);
    CHECK(check.item_intact);
    CHECK(check.fragments_from_others);
    // Four 8 x 8 fragments, possibly overlapping one another: some pixels, at most 4 * 64.
    CHECK((check.fragment_pixels > 0 && check.fragment_pixels <= 4 * 64));
  }
  CHECK(tops.size() > 3);  // the items really move

  // Without distractors everything off the item is background.
  const ClutteredDataset bare = clutter_images(source, {.canvas = 40, .distractors = 0, .seed = 7});
  REQUIRE(bare.images.images.shape() == Shape({12, 1, 40, 40}));
  for (std::int64_t i = 0; i < 12; ++i) {
    const CanvasCheck check = inspect(bare, i, 40);
    CHECK(check.item_intact);
    CHECK(check.fragment_pixels == 0);
  }
  // A canvas the size of the item holds just the item.
  const ClutteredDataset tight = clutter_images(source, {.canvas = 28, .distractors = 0});
  CHECK(tight.images.images.to_vector<float>() == source.images.to_vector<float>());
}

TEST_CASE("clutter_images is deterministic per seed, stream and index", "[data][cluttered]") {
  const ImageDataset source = flat_images(6);
  const ClutterOptions options{.seed = 3};
  const ClutteredDataset a = clutter_images(source, options);
  const ClutteredDataset b = clutter_images(source, options);
  REQUIRE(a.images.images.to_vector<float>() == b.images.images.to_vector<float>());
  REQUIRE(a.positions.to_vector<std::int64_t>() == b.positions.to_vector<std::int64_t>());
  CHECK(clutter_images(source, {.seed = 4}).positions.to_vector<std::int64_t>() != a.positions.to_vector<std::int64_t>());
  CHECK(clutter_images(source, {.seed = 3, .stream = 1}).positions.to_vector<std::int64_t>() !=
        a.positions.to_vector<std::int64_t>());
  // An item's position does not depend on the other images.
  ImageDataset first = source;
  first.images = narrow(source.images, 0, 0, 3);
  first.labels = narrow(source.labels, 0, 0, 3);
  CHECK(clutter_images(first, options).positions.to_vector<std::int64_t>() ==
        narrow(a.positions, 0, 0, 3).to_vector<std::int64_t>());
}

TEST_CASE("clutter_images refuses a canvas smaller than the item and impossible fragments",
          "[data][cluttered][errors]") {
  const ImageDataset source = flat_images(4);
  CHECK_THROWS_WITH(clutter_images(source, {.canvas = 20}),
                    Catch::Contains("canvas is 20 x 20") && Catch::Contains("canvas >= 28"));
  CHECK_THROWS_WITH(clutter_images(source, {.fragment = 0}), Catch::Contains("fragment is 0"));
  CHECK_THROWS_WITH(clutter_images(source, {.fragment = 29}), Catch::Contains("expected 1..28"));
  CHECK_THROWS_WITH(clutter_images(source, {.distractors = -1}), Catch::Contains("distractors is -1"));
  CHECK_THROWS_WITH(clutter_images(flat_images(1), {}), Catch::Contains("other images"));
}
