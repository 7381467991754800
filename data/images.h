// Image classification data: Fashion-MNIST (or MNIST, or any IDX set) for the `classify` driver.
//
//   images  (N, 1, H, W) float32   pixels scaled to [0, 1] on load, then normalized:
//                                  x <- (x - mean) / std, with mean and std of the training part
//   labels  (N)          int64     class ids 0..K-1
//
// The usual pipeline:
//   auto full  = load_fashion_mnist(dir, "train");            // 60000 images, pixels in [0, 1]
//   auto parts = split_validation(full, 5000);                // last 5000 -> validation
//   auto stats = pixel_stats(parts.train);                    // mean/std of the training part only
//   auto train = normalize(parts.train, stats.mean, stats.std);
//   ImageLoader loader(train, 128, /*shuffle=*/true, seed, /*augment_shift_pixels=*/2);
//   ImageBatch batch = loader.next();                         // images (B, 1, H, W), labels (B)
// The validation set is the tail of the train file, a fixed choice: the same images are held out
// in every run, and Fashion-MNIST's train file is not sorted by class, so the tail is balanced.
//
// Shift augmentation moves each image by (dy, dx), each uniform in [-k, k], filling the pixels
// it uncovers with black (a raw 0, i.e. -mean/std after normalization). It is seeded by
// (seed, epoch, batch index), so a resumed run augments exactly as an uninterrupted one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/loader_state.h"
#include "tensor/tensor.h"

namespace heed::data {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct ImageDataset {
  Tensor images;  // (N, C, H, W) float32
  Tensor labels;  // (N) int64
  std::vector<std::string> class_names;
  // What normalize() subtracted and divided by; 0 and 1 while pixels are raw [0, 1].
  double pixel_mean = 0.0;
  double pixel_std = 1.0;

  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  std::int64_t num_classes() const { return static_cast<std::int64_t>(class_names.size()); }
  double black_value() const { return (0.0 - pixel_mean) / pixel_std; }  // a raw 0 pixel, as stored now
};

// How to name the classes: Fashion-MNIST's ten ("T-shirt/top", ..., "Ankle boot"), or "0".."9"
// for MNIST and other sets (as many names as labels need, at least ten).
enum class ClassNames { FashionMnist, Numbered };
std::vector<std::string> fashion_mnist_class_names();

// Reads <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte, plain or with .gz, for split "train"
// or "test". Pixels are scaled to [0, 1].
ImageDataset load_fashion_mnist(const std::string& dir = kFashionMnistDir, const std::string& split = "train",
                                ClassNames names = ClassNames::FashionMnist);

struct PixelStats {
  double mean = 0.0;
  double std = 1.0;
};
PixelStats pixel_stats(const ImageDataset& dataset);  // over every pixel of every image
ImageDataset normalize(const ImageDataset& dataset, double mean, double std);  // a new images tensor

struct TrainValidation {
  ImageDataset train;
  ImageDataset validation;
};
// The last `validation_size` examples become validation; the rest stay train. Both are views.
TrainValidation split_validation(const ImageDataset& dataset, std::int64_t validation_size);

struct ImageBatch {
  Tensor images;  // (B, C, H, W) float32
  Tensor labels;  // (B) int64
  std::vector<std::int64_t> example_indices;  // rows of the dataset in this batch
  std::int64_t size() const { return static_cast<std::int64_t>(example_indices.size()); }
};

// Same interface and resume rules as SeqLoader (data/seq_batch.h).
class ImageLoader {
 public:
  ImageLoader(const ImageDataset& dataset, std::int64_t batch_size, bool shuffle, std::uint64_t seed,
              std::int64_t augment_shift_pixels = 0);

  std::int64_t num_examples() const { return dataset_.size(); }
  std::int64_t num_batches() const { return (num_examples() + batch_size_ - 1) / batch_size_; }  // last may be short
  std::int64_t batch_size() const { return batch_size_; }

  void set_epoch(std::int64_t epoch);
  std::int64_t epoch() const { return state_.epoch; }
  bool epoch_done() const { return state_.position == num_batches(); }
  ImageBatch next();  // after the last batch of an epoch, starts the next epoch
  ImageBatch batch(std::int64_t index) const;  // batch `index` of the current epoch; does not move

  LoaderState state() const { return state_; }
  void set_state(const LoaderState& state);

 private:
  void order_epoch();

  ImageDataset dataset_;  // images made contiguous
  std::int64_t batch_size_;
  bool shuffle_;
  std::uint64_t seed_;
  std::int64_t augment_shift_pixels_;
  LoaderState state_;
  std::vector<std::int64_t> order_;  // dataset rows in this epoch's order
};

}  // namespace heed::data
