// Captioned images: every image paired with a short caption that names a class, and the caption
// lies with probability p. The task of the multimodal fusion layers (layers/fusion/, CATALOG.md
// O2 and O3), built on Fashion-MNIST (or any ImageDataset with class names).
//
//   image i     (C, H, W) float32, as in the source data set
//   label i     its true class y_i                            always the truth
//   caption i   a template with a class name filled in:       "a photo of the sneaker"
//               named class c_i = y_i       with probability 1 - p
//               named class c_i = k != y_i  with probability p, k uniform over the other classes
//
// The templates (kCaptionTemplates) give a few ways to say the same thing; a class name becomes
// lower-case words split at spaces and '/': "T-shirt/top" -> "t-shirt top", "Ankle boot" ->
// "ankle boot". The vocabulary holds the four special tokens (data/vocab.h), the templates' words
// and the class words, nothing else, so it is the same for every split and seed.
//
//   captions        (N, L) int64   word ids, <pad> (0) after each caption's end; L is the longest
//                                  caption any template and class can make
//   named_classes   (N)    int64   c_i: the class the caption names (== label unless it lies)
//
// So the caption alone is right with probability 1 - p, and the image alone is as ambiguous as
// Fashion-MNIST (shirts, T-shirts, pullovers and coats look alike). A fused model does best by
// trusting the caption where the image is unsure and the image where they disagree; the GMU's
// gate (layers/fusion/gmu.h) shows which side it leans to.
//
// Deterministic: example i's template, truthfulness and wrong class come from
// example_generator(seed, stream, i) (data/loader_state.h), so a caption never depends on the
// other examples, and each split passes its own stream. CaptionedLoader is an ImageLoader (same
// order, augmentation and resumable LoaderState) whose batches carry the captions too.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/images.h"
#include "data/loader_state.h"
#include "data/vocab.h"
#include "tensor/tensor.h"

namespace heed::data {

// "{}" stands for the class words.
inline constexpr std::array<std::string_view, 4> kCaptionTemplates = {
    "a photo of the {}", "this is the {}", "a picture showing the {}", "here we see the {}"};

struct CaptionOptions {
  double wrong_rate = 0.3;   // p: the probability that a caption names a wrong class
  std::uint64_t seed = 0;
  std::int64_t stream = 0;   // one per split, so train and test captions are drawn apart
};

struct CaptionedDataset {
  ImageDataset images;   // images, true labels and class names
  Vocab vocab;           // caption_vocab(images.class_names)
  Tensor captions;       // (N, L) int64, 0 = <pad>
  Tensor named_classes;  // (N) int64

  std::int64_t size() const { return images.size(); }
  std::int64_t caption_length() const { return captions.size(1); }
};

// "Ankle boot" -> {"ankle", "boot"}; "T-shirt/top" -> {"t-shirt", "top"}.
std::vector<std::string> class_words(const std::string& class_name);
// The special tokens, then every template word and class word in order of first appearance.
Vocab caption_vocab(const std::vector<std::string>& class_names);
// The words of template `template_index` with class `class_name` filled in.
std::vector<std::string> caption_words(std::int64_t template_index, const std::string& class_name);

// Captions every image of `images` (at least two classes; 0 <= wrong_rate <= 1).
CaptionedDataset caption_images(const ImageDataset& images, const CaptionOptions& options);

struct CaptionedBatch {
  Tensor images;         // (B, C, H, W) float32
  Tensor labels;         // (B) int64, the true classes
  Tensor captions;       // (B, L) int64
  Tensor named_classes;  // (B) int64
  std::vector<std::int64_t> example_indices;  // rows of the data set in this batch
  std::int64_t size() const { return static_cast<std::int64_t>(example_indices.size()); }
};

// ImageLoader's interface and resume rules, with captions in every batch.
class CaptionedLoader {
 public:
  CaptionedLoader(const CaptionedDataset& dataset, std::int64_t batch_size, bool shuffle, std::uint64_t seed,
                  std::int64_t augment_shift_pixels = 0);

  std::int64_t num_examples() const { return images_.num_examples(); }
  std::int64_t num_batches() const { return images_.num_batches(); }
  std::int64_t batch_size() const { return images_.batch_size(); }

  void set_epoch(std::int64_t epoch) { images_.set_epoch(epoch); }
  std::int64_t epoch() const { return images_.epoch(); }
  bool epoch_done() const { return images_.epoch_done(); }
  CaptionedBatch next();                          // after the last batch of an epoch, starts the next epoch
  CaptionedBatch batch(std::int64_t index) const;  // batch `index` of the current epoch; does not move

  LoaderState state() const { return images_.state(); }
  void set_state(const LoaderState& state) { images_.set_state(state); }

 private:
  CaptionedBatch with_captions(const ImageBatch& batch) const;

  ImageLoader images_;
  Tensor captions_;       // (N, L)
  Tensor named_classes_;  // (N)
};

}  // namespace heed::data
