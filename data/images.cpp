#include "data/images.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "data/idx.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace heed::data {
namespace {

// <dir>/<base>, or <dir>/<base>.gz; the error names both and says where the files come from.
std::string find_idx_file(const std::string& dir, const std::string& base) {
  const std::filesystem::path plain = std::filesystem::path(dir) / base;
  const std::filesystem::path gzipped = std::filesystem::path(dir) / (base + ".gz");
  if (std::filesystem::exists(plain)) return plain.string();
  if (std::filesystem::exists(gzipped)) return gzipped.string();
  detail::fail("load_fashion_mnist: missing ", gzipped.string(), " (and ", plain.string(),
               "); install the Debian package dataset-fashion-mnist or pass --data-dir with a directory "
               "that holds the IDX files");
}

std::vector<std::string> numbered_class_names(std::int64_t count) {
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < count; ++i) names.push_back(std::to_string(i));
  return names;
}

}  // namespace

std::vector<std::string> fashion_mnist_class_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
}

ImageDataset load_fashion_mnist(const std::string& dir, const std::string& split, ClassNames names) {
  HEED_CHECK(split == "train" || split == "test", "load_fashion_mnist: split is '", split,
             "'; expected 'train' or 'test'");
  const std::string prefix = split == "train" ? "train" : "t10k";
  const std::string images_path = find_idx_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_idx_file(dir, prefix + "-labels-idx1-ubyte");

  const IdxArray images = read_idx(images_path, 3);  // (N, H, W)
  const IdxArray labels = read_idx(labels_path, 1);  // (N)
  HEED_CHECK(images.dims[0] == labels.dims[0], "load_fashion_mnist: ", images_path, " holds ", images.dims[0],
             " images but ", labels_path, " holds ", labels.dims[0], " labels; the two files must match");
  HEED_CHECK(labels.type == IdxType::UInt8 || labels.type == IdxType::Int8 || labels.type == IdxType::Int16 ||
                 labels.type == IdxType::Int32,
             "load_fashion_mnist: ", labels_path, " holds ", idx_type_name(labels.type),
             " values; labels must be integers");

  ImageDataset dataset;
  const std::int64_t count = images.dims[0];
  dataset.images = ops::reshape(idx_to_tensor(images, DType::Float32), {count, 1, images.dims[1], images.dims[2]});
  if (images.type == IdxType::UInt8) {  // bytes 0..255 -> [0, 1]; other types are kept as stored
    float* pixels = dataset.images.data<float>();
    const std::int64_t n = dataset.images.numel();
    for (std::int64_t i = 0; i < n; ++i) pixels[i] /= 255.0f;
  }
  dataset.labels = idx_to_tensor(labels, DType::Int64);

  const auto label_values = dataset.labels.to_vector<std::int64_t>();
  const std::int64_t largest = label_values.empty() ? 0 : *std::max_element(label_values.begin(), label_values.end());
  const std::int64_t smallest = label_values.empty() ? 0 : *std::min_element(label_values.begin(), label_values.end());
  HEED_CHECK(smallest >= 0, "load_fashion_mnist: ", labels_path, " holds the label ", smallest,
             "; labels must be 0 or more");
  const std::int64_t numbered_count = std::max<std::int64_t>(10, largest + 1);
  dataset.class_names =
      names == ClassNames::FashionMnist ? fashion_mnist_class_names() : numbered_class_names(numbered_count);
  HEED_CHECK(largest < dataset.num_classes(), "load_fashion_mnist: ", labels_path, " holds the label ", largest,
             " but there are only ", dataset.num_classes(), " Fashion-MNIST classes; for another data set pass "
             "ClassNames::Numbered");
  return dataset;
}

PixelStats pixel_stats(const ImageDataset& dataset) {
  const Tensor images = ops::contiguous(dataset.images);
  const float* pixels = images.data<float>();
  const std::int64_t n = images.numel();
  HEED_CHECK(n > 0, "pixel_stats: the data set has no pixels");
  double sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) sum += pixels[i];
  const double mean = sum / static_cast<double>(n);
  double squares = 0.0;  // a second pass: summing (x - mean)^2 avoids the cancellation of E[x^2] - mean^2
  for (std::int64_t i = 0; i < n; ++i) squares += (pixels[i] - mean) * (pixels[i] - mean);
  return {mean, std::sqrt(squares / static_cast<double>(n))};
}

ImageDataset normalize(const ImageDataset& dataset, double mean, double std) {
  HEED_CHECK(std > 0 && std::isfinite(std) && std::isfinite(mean), "normalize: mean ", mean, " std ", std,
             "; expected finite values and std > 0");
  const Tensor images = ops::contiguous(dataset.images);
  Tensor normalized = empty_like(images);
  const float* in = images.data<float>();
  float* out = normalized.data<float>();
  const std::int64_t n = images.numel();
  for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<float>((in[i] - mean) / std);
  ImageDataset result = dataset;
  result.images = normalized;
  // Normalizing twice composes: ((x - m1) / s1 - m2) / s2 = (x - (m1 + m2 s1)) / (s1 s2).
  result.pixel_mean = dataset.pixel_mean + mean * dataset.pixel_std;
  result.pixel_std = dataset.pixel_std * std;
  return result;
}

TrainValidation split_validation(const ImageDataset& dataset, std::int64_t validation_size) {
  const std::int64_t n = dataset.size();
  HEED_CHECK(validation_size > 0 && validation_size < n, "split_validation: validation_size is ", validation_size,
             " of ", n, " examples; expected 0 < validation_size < ", n);
  TrainValidation parts{dataset, dataset};
  parts.train.images = ops::slice(dataset.images, 0, 0, n - validation_size);
  parts.train.labels = ops::slice(dataset.labels, 0, 0, n - validation_size);
  parts.validation.images = ops::slice(dataset.images, 0, n - validation_size, n);
  parts.validation.labels = ops::slice(dataset.labels, 0, n - validation_size, n);
  return parts;
}

ImageLoader::ImageLoader(const ImageDataset& dataset, std::int64_t batch_size, bool shuffle, std::uint64_t seed,
                         std::int64_t augment_shift_pixels)
    : dataset_(dataset),
      batch_size_(batch_size),
      shuffle_(shuffle),
      seed_(seed),
      augment_shift_pixels_(augment_shift_pixels) {
  HEED_CHECK(dataset.images.defined() && dataset.images.dim() == 4 && dataset.images.dtype() == DType::Float32,
             "ImageLoader: images must be a float32 (N, C, H, W) tensor, got ",
             dataset.images.defined() ? std::string(dtype_name(dataset.images.dtype())) + " " +
                                            shape_str(dataset.images.shape())
                                      : std::string("none"));
  HEED_CHECK(dataset.labels.defined() && dataset.labels.dim() == 1 && dataset.labels.dtype() == DType::Int64 &&
                 dataset.labels.size(0) == dataset.images.size(0),
             "ImageLoader: labels must be an int64 (N) tensor with N = ", dataset.images.size(0), " images");
  HEED_CHECK(dataset.size() > 0, "ImageLoader: the data set is empty");
  HEED_CHECK(batch_size >= 1, "ImageLoader: batch_size is ", batch_size, "; expected >= 1");
  const std::int64_t smaller_side = std::min(dataset.images.size(2), dataset.images.size(3));
  HEED_CHECK(augment_shift_pixels >= 0 && augment_shift_pixels < smaller_side, "ImageLoader: augment_shift_pixels is ",
             augment_shift_pixels, "; expected 0 (off) up to ", smaller_side - 1, " for ",
             shape_str(dataset.images.shape()), " images");
  dataset_.images = ops::contiguous(dataset.images);
  dataset_.labels = ops::contiguous(dataset.labels);
  order_epoch();
}

void ImageLoader::order_epoch() {
  Generator gen = loader_generator(seed_, state_.epoch);
  if (shuffle_) {
    order_ = shuffled_indices(num_examples(), gen);
  } else {
    order_.resize(static_cast<std::size_t>(num_examples()));
    std::iota(order_.begin(), order_.end(), 0);
  }
}

void ImageLoader::set_epoch(std::int64_t epoch) { set_state({epoch, 0}); }

void ImageLoader::set_state(const LoaderState& state) {
  HEED_CHECK(state.epoch >= 0 && state.position >= 0 && state.position <= num_batches(),
             "ImageLoader::set_state: epoch ", state.epoch, " position ", state.position,
             " is invalid; expected epoch >= 0 and 0 <= position <= ", num_batches(),
             " (was the state saved with another dataset or batch size?)");
  const bool same_epoch = state.epoch == state_.epoch;
  state_ = state;
  if (!same_epoch) order_epoch();
}

ImageBatch ImageLoader::next() {
  if (epoch_done()) set_epoch(state_.epoch + 1);
  return batch(state_.position++);
}

ImageBatch ImageLoader::batch(std::int64_t index) const {
  HEED_CHECK(index >= 0 && index < num_batches(), "ImageLoader::batch: index ", index, " is outside 0..",
             num_batches() - 1);
  const std::int64_t first = index * batch_size_;
  const std::int64_t count = std::min(batch_size_, num_examples() - first);
  const std::int64_t channels = dataset_.images.size(1);
  const std::int64_t height = dataset_.images.size(2);
  const std::int64_t width = dataset_.images.size(3);
  const std::int64_t image_size = channels * height * width;

  ImageBatch result;
  result.example_indices.assign(order_.begin() + first, order_.begin() + first + count);
  result.images = empty({count, channels, height, width});
  result.labels = empty({count}, DType::Int64);
  const float* source = dataset_.images.data<float>();
  const std::int64_t* source_labels = dataset_.labels.data<std::int64_t>();
  float* images = result.images.data<float>();
  std::int64_t* labels = result.labels.data<std::int64_t>();

  const std::int64_t k = augment_shift_pixels_;
  // Stream 1 + index: each batch's shifts depend only on (seed, epoch, batch), never on history.
  Generator gen = loader_generator(seed_, state_.epoch, 1 + index);
  const auto fill = static_cast<float>(dataset_.black_value());
  for (std::int64_t b = 0; b < count; ++b) {
    const std::int64_t row = result.example_indices[static_cast<std::size_t>(b)];
    labels[b] = source_labels[row];
    const float* image = source + row * image_size;
    float* out = images + b * image_size;
    if (k == 0) {
      std::memcpy(out, image, static_cast<std::size_t>(image_size) * sizeof(float));
      continue;
    }
    const std::int64_t dy = gen.randint(-k, k + 1);
    const std::int64_t dx = gen.randint(-k, k + 1);
    // out[c, y, x] = image[c, y - dy, x - dx], black where that falls outside the image.
    for (std::int64_t c = 0; c < channels; ++c) {
      for (std::int64_t y = 0; y < height; ++y) {
        for (std::int64_t x = 0; x < width; ++x) {
          const std::int64_t from_y = y - dy;
          const std::int64_t from_x = x - dx;
          const bool inside = from_y >= 0 && from_y < height && from_x >= 0 && from_x < width;
          out[(c * height + y) * width + x] = inside ? image[(c * height + from_y) * width + from_x] : fill;
        }
      }
    }
  }
  return result;
}

}  // namespace heed::data
