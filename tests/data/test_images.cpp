// Image data sets: Fashion-MNIST from the Debian package, normalization, the validation split,
// and the seeded, resumable ImageLoader with shift augmentation.
#include "helpers.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "data/images.h"
#include "temp_dir.h"

using namespace heed;
using namespace heed::data;
using heed::test::values;

namespace {

const ImageDataset& fashion_train() {
  static const ImageDataset dataset = load_fashion_mnist(kFashionMnistDir, "train");  // read once for all tests
  return dataset;
}

std::string idx_header(std::uint8_t type, const std::vector<std::uint32_t>& dims) {
  std::string bytes = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (const auto size : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((size >> shift) & 0xFF);
  }
  return bytes;
}

// `count` images of 4x5 pixels whose pixel p of image i is (i + p) % 256, and labels i % 10.
void write_tiny_set(const heed::test::TempDir& dir, const std::string& prefix, std::uint32_t count,
                    std::uint32_t label_count, std::uint8_t first_label = 0) {
  std::string pixels;
  for (std::uint32_t i = 0; i < count; ++i) {
    for (std::uint32_t p = 0; p < 20; ++p) pixels += static_cast<char>((i + p) % 256);
  }
  std::string labels;
  for (std::uint32_t i = 0; i < label_count; ++i) labels += static_cast<char>(first_label + i % 10);
  dir.write(prefix + "-images-idx3-ubyte", idx_header(0x08, {count, 4, 5}) + pixels);
  dir.write(prefix + "-labels-idx1-ubyte", idx_header(0x08, {label_count}) + labels);
}

// N single-channel H x W images, each black with one white pixel at (row, col) = (i % H, i % W).
ImageDataset dot_images(std::int64_t n, std::int64_t height, std::int64_t width) {
  std::vector<float> pixels(static_cast<std::size_t>(n * height * width), 0.0f);
  std::vector<std::int64_t> labels;
  for (std::int64_t i = 0; i < n; ++i) {
    pixels[static_cast<std::size_t>((i * height + i % height) * width + i % width)] = 1.0f;
    labels.push_back(i % 3);
  }
  return {from_vector(pixels, {n, 1, height, width}), from_vector(labels, {n}), {"a", "b", "c"}};
}

std::vector<std::vector<std::int64_t>> epoch_of(ImageLoader& loader) {
  std::vector<std::vector<std::int64_t>> batches;
  for (std::int64_t b = 0; b < loader.num_batches(); ++b) batches.push_back(loader.next().example_indices);
  return batches;
}

}  // namespace

TEST_CASE("load_fashion_mnist reads the Debian package's data", "[data]") {
  const ImageDataset& train = fashion_train();
  REQUIRE(train.images.shape() == Shape{60000, 1, 28, 28});
  REQUIRE(train.images.dtype() == DType::Float32);
  REQUIRE(train.labels.shape() == Shape{60000});
  REQUIRE(train.labels.dtype() == DType::Int64);
  REQUIRE(train.class_names.size() == 10);
  REQUIRE(train.class_names[0] == "T-shirt/top");
  REQUIRE(train.class_names[9] == "Ankle boot");
  std::vector<std::int64_t> per_class(10, 0);
  for (const std::int64_t label : train.labels.to_vector<std::int64_t>()) {
    REQUIRE(label >= 0);
    REQUIRE(label <= 9);
    ++per_class[static_cast<std::size_t>(label)];
  }
  REQUIRE(per_class == std::vector<std::int64_t>(10, 6000));  // Fashion-MNIST is balanced
  REQUIRE(ops::min(train.images).item() == 0.0);
  REQUIRE(ops::max(train.images).item() == 1.0);
  const PixelStats stats = pixel_stats(train);
  REQUIRE(stats.mean == Approx(0.2860).margin(0.001));  // the published Fashion-MNIST statistics
  REQUIRE(stats.std == Approx(0.3530).margin(0.001));

  const ImageDataset test = load_fashion_mnist(kFashionMnistDir, "test");
  REQUIRE(test.size() == 10000);
  REQUIRE(test.images.shape() == Shape{10000, 1, 28, 28});
  const auto test_labels = test.labels.to_vector<std::int64_t>();
  REQUIRE(*std::min_element(test_labels.begin(), test_labels.end()) == 0);
  REQUIRE(*std::max_element(test_labels.begin(), test_labels.end()) == 9);
}

TEST_CASE("load_fashion_mnist explains missing files and bad splits", "[data]") {
  heed::test::TempDir dir;
  const std::string expected = (dir.path() / "train-images-idx3-ubyte.gz").string();
  REQUIRE_THROWS_WITH(load_fashion_mnist(dir.path().string(), "train"),
                      Catch::Contains(expected) &&
                          Catch::Contains("install the Debian package dataset-fashion-mnist") &&
                          Catch::Contains("--data-dir"));
  REQUIRE_THROWS_WITH(load_fashion_mnist("/no/such/dir", "test"), Catch::Contains("/no/such/dir/t10k-images"));
  REQUIRE_THROWS_WITH(load_fashion_mnist(kFashionMnistDir, "validation"),
                      Catch::Contains("'validation'") && Catch::Contains("'train' or 'test'"));
}

TEST_CASE("any IDX set in a directory loads, with numbered class names", "[data]") {
  heed::test::TempDir dir;
  write_tiny_set(dir, "train", 12, 12);
  const ImageDataset digits = load_fashion_mnist(dir.path().string(), "train", ClassNames::Numbered);
  REQUIRE(digits.images.shape() == Shape{12, 1, 4, 5});
  REQUIRE(digits.class_names == std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  REQUIRE(values(digits.labels)[11] == 1);
  // Pixel 7 of image 3 was the byte 10, scaled to [0, 1].
  REQUIRE(values(digits.images)[3 * 20 + 7] == Approx(10.0 / 255.0));

  write_tiny_set(dir, "t10k", 5, 5, /*first_label=*/8);  // labels 8..12
  REQUIRE(load_fashion_mnist(dir.path().string(), "test", ClassNames::Numbered).num_classes() == 13);
  REQUIRE_THROWS_WITH(load_fashion_mnist(dir.path().string(), "test"),
                      Catch::Contains("label 12") && Catch::Contains("ClassNames::Numbered"));

  write_tiny_set(dir, "train", 12, 11);
  REQUIRE_THROWS_WITH(load_fashion_mnist(dir.path().string(), "train"),
                      Catch::Contains("12 images") && Catch::Contains("11 labels") &&
                          Catch::Contains(dir.file("train-labels-idx1-ubyte")));
  // Images where labels belong: the rank check names the file.
  std::filesystem::copy_file(dir.file("train-images-idx3-ubyte"), dir.file("train-labels-idx1-ubyte"),
                             std::filesystem::copy_options::overwrite_existing);
  REQUIRE_THROWS_WITH(load_fashion_mnist(dir.path().string(), "train"),
                      Catch::Contains(dir.file("train-labels-idx1-ubyte")) && Catch::Contains("expected 1"));
}

TEST_CASE("normalize standardizes pixels with given statistics", "[data]") {
  const ImageDataset dataset{from_vector({0, 0.5, 1, 1}, {1, 1, 2, 2}), from_vector(std::vector<std::int64_t>{0}, {1}),
                             {"x"}};
  const PixelStats stats = pixel_stats(dataset);
  REQUIRE(stats.mean == Approx(0.625));
  REQUIRE(stats.std == Approx(std::sqrt((0.625 * 0.625 + 0.125 * 0.125 + 2 * 0.375 * 0.375) / 4)));
  const ImageDataset normalized = normalize(dataset, stats.mean, stats.std);
  const PixelStats after = pixel_stats(normalized);
  REQUIRE(after.mean == Approx(0.0).margin(1e-6));
  REQUIRE(after.std == Approx(1.0));
  REQUIRE(values(dataset.images) == std::vector<double>{0, 0.5, 1, 1});  // the input is untouched
  // black_value is where a raw 0 pixel went.
  REQUIRE(normalized.black_value() == Approx(values(normalized.images)[0]));
  const ImageDataset twice = normalize(normalized, 0.5, 2.0);
  REQUIRE(twice.black_value() == Approx(values(twice.images)[0]));
  REQUIRE_THROWS_WITH(normalize(dataset, 0.5, 0.0), Catch::Contains("std > 0"));
}

TEST_CASE("split_validation holds out the tail of the training set", "[data]") {
  const ImageDataset dataset = dot_images(10, 3, 3);
  const TrainValidation parts = split_validation(dataset, 3);
  REQUIRE(parts.train.size() == 7);
  REQUIRE(parts.validation.size() == 3);
  REQUIRE(parts.validation.images.shape() == Shape{3, 1, 3, 3});
  REQUIRE(values(parts.validation.labels) == std::vector<double>{1, 2, 0});  // rows 7, 8, 9
  REQUIRE(parts.validation.class_names == dataset.class_names);
  // A loader reads the view from its offset, not from the start of the shared storage.
  ImageLoader loader(parts.validation, 3, false, 0);
  const ImageBatch batch = loader.next();
  REQUIRE(values(batch.labels) == std::vector<double>{1, 2, 0});
  const auto all_pixels = values(dataset.images);
  REQUIRE(values(batch.images) == std::vector<double>(all_pixels.begin() + 7 * 9, all_pixels.end()));
  REQUIRE_THROWS_WITH(split_validation(dataset, 10), Catch::Contains("validation_size is 10"));
}

TEST_CASE("ImageLoader hands out every image once per epoch, in a seeded order", "[data]") {
  const ImageDataset dataset = dot_images(50, 6, 7);
  ImageLoader loader(dataset, 16, /*shuffle=*/true, 3);
  REQUIRE(loader.num_batches() == 4);
  std::set<std::int64_t> seen;
  const auto all_pixels = values(dataset.images);
  const auto all_labels = values(dataset.labels);
  for (std::int64_t b = 0; b < 4; ++b) {
    const ImageBatch batch = loader.next();
    const std::int64_t rows = b < 3 ? 16 : 2;
    REQUIRE(batch.images.shape() == Shape{rows, 1, 6, 7});
    REQUIRE(batch.labels.shape() == Shape{rows});
    const auto pixels = values(batch.images);
    const auto labels = values(batch.labels);
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t index = batch.example_indices[static_cast<std::size_t>(r)];
      seen.insert(index);
      REQUIRE(labels[static_cast<std::size_t>(r)] == all_labels[static_cast<std::size_t>(index)]);
      REQUIRE(std::equal(pixels.begin() + r * 42, pixels.begin() + (r + 1) * 42, all_pixels.begin() + index * 42));
    }
  }
  REQUIRE(seen.size() == 50);

  ImageLoader same(dataset, 16, true, 3);
  ImageLoader other_seed(dataset, 16, true, 4);
  loader.set_epoch(0);
  const auto epoch0 = epoch_of(loader);
  REQUIRE(epoch_of(same) == epoch0);
  REQUIRE(epoch_of(other_seed) != epoch0);
  REQUIRE(epoch_of(loader) != epoch0);  // epoch 1
  ImageLoader in_order(dataset, 16, false, 3);
  REQUIRE(in_order.next().example_indices[5] == 5);
}

TEST_CASE("shift augmentation moves each image by at most k pixels, filling with black", "[data]") {
  ImageDataset dataset = normalize(dot_images(40, 8, 8), 0.25, 0.5);  // black is -0.5, white 1.5
  const std::int64_t k = 2;
  ImageLoader plain(dataset, 40, false, 11);
  ImageLoader shifted(dataset, 40, false, 11, k);
  const ImageBatch original = plain.next();
  const ImageBatch moved = shifted.next();
  REQUIRE(moved.images.shape() == original.images.shape());
  REQUIRE(values(moved.labels) == values(original.labels));
  REQUIRE(values(moved.images) != values(original.images));
  const auto pixels = values(moved.images);
  int moved_dots = 0;
  for (std::int64_t i = 0; i < 40; ++i) {
    // The white dot at (i % 8, i % 8) is now within k pixels of where it was, or pushed out.
    std::vector<std::pair<std::int64_t, std::int64_t>> white;
    for (std::int64_t y = 0; y < 8; ++y) {
      for (std::int64_t x = 0; x < 8; ++x) {
        const double value = pixels[static_cast<std::size_t>((i * 8 + y) * 8 + x)];
        if (value == Approx(1.5)) {
          white.emplace_back(y, x);
        } else {
          REQUIRE(value == Approx(-0.5));  // everything else is black, the filled border included
        }
      }
    }
    REQUIRE(white.size() <= 1);
    if (white.size() == 1) {
      REQUIRE(std::abs(white[0].first - i % 8) <= k);
      REQUIRE(std::abs(white[0].second - i % 8) <= k);
      if (white[0] != std::pair{i % 8, i % 8}) ++moved_dots;
    }
  }
  REQUIRE(moved_dots > 20);  // (0, 0) comes up 1 time in 25

  // Seeded: another loader with the same seed shifts identically; another seed does not.
  ImageLoader again(dataset, 40, false, 11, k);
  REQUIRE(values(again.next().images) == pixels);
  ImageLoader reseeded(dataset, 40, false, 12, k);
  REQUIRE(values(reseeded.next().images) != pixels);
  REQUIRE_THROWS_WITH(ImageLoader(dataset, 4, false, 0, 8), Catch::Contains("augment_shift_pixels is 8"));
}

TEST_CASE("ImageLoader state restores a run exactly, augmentation included", "[data]") {
  const ImageDataset dataset = dot_images(30, 5, 5);
  ImageLoader original(dataset, 4, true, 21, 1);
  for (int step = 0; step < 10; ++step) original.next();  // 8 batches per epoch: into epoch 1
  const LoaderState saved = original.state();
  REQUIRE(saved == LoaderState{1, 2});
  ImageLoader resumed(dataset, 4, true, 21, 1);
  resumed.set_state(nlohmann::json(saved).get<LoaderState>());
  for (int step = 0; step < 20; ++step) {
    const ImageBatch a = original.next();
    const ImageBatch b = resumed.next();
    REQUIRE(a.example_indices == b.example_indices);
    REQUIRE(values(a.images) == values(b.images));
    REQUIRE(values(a.labels) == values(b.labels));
  }
  REQUIRE_THROWS_WITH(resumed.set_state({-1, 0}), Catch::Contains("epoch -1"));
}

TEST_CASE("ImageLoader feeds normalized Fashion-MNIST batches", "[data]") {
  const TrainValidation parts = split_validation(fashion_train(), 5000);
  REQUIRE(parts.train.size() == 55000);
  REQUIRE(parts.validation.size() == 5000);
  const PixelStats stats = pixel_stats(parts.train);
  const ImageDataset train = normalize(parts.train, stats.mean, stats.std);
  ImageLoader loader(train, 128, true, 0, 2);
  REQUIRE(loader.num_batches() == 430);  // 55000 / 128, rounded up
  const ImageBatch batch = loader.next();
  REQUIRE(batch.images.shape() == Shape{128, 1, 28, 28});
  REQUIRE(batch.labels.shape() == Shape{128});
  REQUIRE(ops::min(batch.images).item() == Approx(train.black_value()));
}
