// Training and evaluating an image classifier: what the `classify` driver
// (and the comparison driver) run.
//
// Loads the images (Fashion-MNIST from Debian's package by default, or any
// IDX set in --data-dir), normalizes them with the train split's statistics,
// carves a validation split from the end of train, builds the model (a CNN,
// layers/models/cnn_classifier.h, or a Vision Transformer, layers/models/vit.h,
// with any attention variant and positional encoding), trains with evaluation
// every `eval_every` steps and a checkpoint each time, then scores the test
// split: accuracy and the confusion matrix (rows: true class, columns: predicted),
// and saves what the attention looked at on the first test images to samples.json
// (experiments/lib/image_samples.h).
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
#include "experiments/lib/trainer.h"
#include "layers/attention/transformer_attention.h"

namespace heed::experiments {

// The Vision Transformer's settings (--model vit); layers/models/vit.h explains each.
// The defaults are sized for Fashion-MNIST on two cores: a step of 128 images
// (50 tokens each) costs about 300-345 ms of one core's time, so the default 5
// epochs (2150 steps) fit in about 12 minutes of one core. Patches of 7 x 7
// (17 tokens) cost about 150 ms a step: `--patch 7 --epochs 12 --augment-shift 1`
// reached 89.3% test accuracy in 13 min 47 s on one core (README, "Figures").
struct VitOptions {
  std::int64_t patch = 4;              // 28 x 28 images -> a 7 x 7 grid of 4 x 4 patches
  std::int64_t d_model = 64;
  std::int64_t heads = 4;
  std::int64_t kv_heads = 0;           // gqa's key/value heads (0: heads / 2)
  std::int64_t layers = 4;
  std::int64_t ff = 128;
  std::string pool = "cls";            // cls or mean
  std::string position = "vit-learned";
  std::string attention = "mha";
  TransformerAttentionConfig knobs;    // window, block, ... (the sizes come from above)
};
void to_json(Json& json, const VitOptions& vit);  // config.json's "vit", its knobs included
void from_json(const Json& json, VitOptions& vit);

// --task captioned: the captions and the multimodal classifier (layers/models/multimodal_classifier.h).
struct CaptionedOptions {
  double wrong_rate = 0.3;           // p: the probability that a caption names a wrong class
  std::string fusion = "gmu";        // gmu, cross-attention or concat (layers/fusion/registry.h)
  std::int64_t fused_dim = 64;       // D
  std::int64_t embed_dim = 32;       // caption word embeddings
  std::int64_t heads = 4;            // cross-attention heads
  std::string attention = "mha";     // cross-attention's Transformer attention
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CaptionedOptions, wrong_rate, fusion, fused_dim, embed_dim, heads, attention)

// --task cluttered: the canvas (data/cluttered_images.h).
struct ClutteredOptions {
  std::int64_t canvas = 56;          // canvases are canvas x canvas
  std::int64_t distractors = 4;      // fragments of other images per canvas
  std::int64_t fragment = 8;         // fragments are fragment x fragment
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ClutteredOptions, canvas, distractors, fragment)

struct ClassifyConfig {
  TrainOptions train;
  std::string task = "fashion";       // fashion, idx (any IDX set in data_dir), cluttered or captioned
  std::string data_dir;               // empty: /usr/share/datasets/fashion-mnist
  std::int64_t valid_size = 5000;
  std::int64_t train_limit = 0;       // use only the first N training images (0: all)
  std::int64_t augment_shift = 0;     // random shifts of up to this many pixels
  std::string model = "cnn";         // cnn or vit
  std::vector<std::int64_t> channels = {32, 64};
  std::int64_t hidden = 128;
  bool batch_norm = true;
  double dropout = 0.0;               // cnn: after the hidden layer; vit: tokens, sublayers, feed-forward
  double label_smoothing = 0.0;
  double warmup_fraction = 0.0;       // > 0: warm up for this fraction of the steps (replaces train.warmup_steps)
  VitOptions vit;
  // Vision attention in the CNN (layers/vision/registry.h): the module, the blocks whose ReLU it
  // follows (empty: every block; attention-pool replaces the flatten instead) and its knobs.
  std::string attention = "none";
  std::vector<std::int64_t> attention_blocks;
  std::int64_t reduction = 8;       // se, channel, cbam, coord: max(1, C / r) hidden channels
  std::int64_t spatial_kernel = 7;  // spatial, cbam: the k x k convolution
  CaptionedOptions captioned;
  ClutteredOptions cluttered;
};

// What --model vit trains with where the command line names nothing else:
// AdamW with weight decay, a warmup over 5% of the steps, then cosine decay,
// and gradient clipping (train and warmup_fraction are set; the rest is the
// default ClassifyConfig). A ViT has no convolutional prior and trains poorly
// with the CNN's plain Adam and no warmup.
ClassifyConfig vit_training_defaults();

Json run_classify(const ClassifyConfig& config);
Json classify_config_to_json(const ClassifyConfig& config);
ClassifyConfig classify_config_from_json(const Json& json);
// <task>-<model>-s<seed>; <task>-vit-<attention>-<position>-s<seed> for the ViT.
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

// What the Trainer knows of every classify run, the captioned ones too: the driver, the run
// name when --name gives none (default_name), config.json, the best metric and the warmup fraction.
TrainerSetup classify_setup(const ClassifyConfig& config, const std::string& default_name);

}  // namespace heed::experiments
