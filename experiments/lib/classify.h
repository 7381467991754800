// Training and evaluating an image classifier: what the `classify` driver
// (and the comparison driver) run.
//
// Loads the images (Fashion-MNIST from Debian's package by default, or any
// IDX set in --data-dir), normalizes them with the train split's statistics,
// carves a validation split from the end of train, trains with evaluation
// every `eval_every` steps and a checkpoint each time, then scores the test
// split: accuracy and the confusion matrix (rows: true class, columns: predicted).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/lib/run.h"

namespace heed::experiments {

struct ClassifyConfig {
  TrainOptions train;
  std::string task = "fashion";       // fashion (Fashion-MNIST) or idx (any IDX set in data_dir)
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
  // Vision attention in the CNN (layers/vision/registry.h): the module, the blocks whose ReLU it
  // follows (empty: every block; attention-pool replaces the flatten instead) and its knobs.
  std::string attention = "none";
  std::vector<std::int64_t> attention_blocks;
  std::int64_t reduction = 8;       // se, channel, cbam, coord: max(1, C / r) hidden channels
  std::int64_t spatial_kernel = 7;  // spatial, cbam: the k x k convolution
};

Json run_classify(const ClassifyConfig& config);
Json classify_config_to_json(const ClassifyConfig& config);
ClassifyConfig classify_config_from_json(const Json& json);
std::string default_run_name(const ClassifyConfig& config);

}  // namespace heed::experiments
