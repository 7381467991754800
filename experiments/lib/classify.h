// Training and evaluating an image classifier: what the `classify` driver
// (and the comparison driver) run.
//
// Loads the images (Fashion-MNIST from Debian's package by default, or any
// IDX set in --data-dir), normalizes them with the train split's statistics,
// carves a validation split from the end of train, trains with evaluation
// every `eval_every` steps and a checkpoint each time, then scores the test
// split: accuracy and the confusion matrix (rows: true class, columns: predicted).
//
// Two generated tasks build on the same images: --task cluttered places each image on a larger
// canvas among fragments of others (data/cluttered_images.h) and trains the same models;
// --task captioned pairs each image with a caption that lies with probability p
// (data/captioned_images.h) and trains a multimodal classifier with the fusion of --fusion
// (layers/models/multimodal_classifier.h), reporting the GMU's gate on right and wrong captions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/images.h"
#include "experiments/lib/run.h"

namespace heed::experiments {

// --task captioned: the captions and the multimodal classifier (layers/models/multimodal_classifier.h).
struct CaptionedOptions {
  double wrong_rate = 0.3;           // p: the probability that a caption names a wrong class
  std::string fusion = "gmu";        // gmu, cross-attention or concat (layers/fusion/registry.h)
  std::int64_t fused_dim = 64;       // D
  std::int64_t embed_dim = 32;       // caption word embeddings
  std::int64_t heads = 4;            // cross-attention heads
  std::string attention = "mha";     // cross-attention's Transformer attention
};

// --task cluttered: the canvas (data/cluttered_images.h).
struct ClutteredOptions {
  std::int64_t canvas = 56;          // canvases are canvas x canvas
  std::int64_t distractors = 4;      // fragments of other images per canvas
  std::int64_t fragment = 8;         // fragments are fragment x fragment
};

struct ClassifyConfig {
  TrainOptions train;
  std::string task = "fashion";       // fashion, idx (any IDX set in data_dir), cluttered or captioned
  std::string data_dir;               // empty: /usr/share/datasets/fashion-mnist
  std::int64_t valid_size = 5000;
  std::int64_t train_limit = 0;       // use only the first N training images (0: all)
  std::int64_t augment_shift = 0;     // random shifts of up to this many pixels
  std::string model = "cnn";
  std::vector<std::int64_t> channels = {32, 64};
  std::int64_t hidden = 128;
  bool batch_norm = true;
  double dropout = 0.0;
  double label_smoothing = 0.0;
  CaptionedOptions captioned;
  ClutteredOptions cluttered;
};

Json run_classify(const ClassifyConfig& config);
Json classify_config_to_json(const ClassifyConfig& config);
ClassifyConfig classify_config_from_json(const Json& json);
std::string default_run_name(const ClassifyConfig& config);

// The images of a run: the train file less its validation tail (and cut to train_limit), the
// tail, and the test file, normalized with the train part's pixel statistics; for --task
// cluttered, placed on canvases. Bad data or options throw before anything is written.
struct Images {
  data::ImageDataset train, validation, test;
};
Images load_images(const ClassifyConfig& config);

// --task captioned (classify_captioned.cpp): what run_classify runs for it.
Json run_captioned(const ClassifyConfig& config);

}  // namespace heed::experiments
