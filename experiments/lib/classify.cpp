#include "experiments/lib/classify.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/cluttered_images.h"
#include "data/images.h"
#include "experiments/lib/attention_flags.h"
#include "experiments/lib/image_samples.h"
#include "layers/loss.h"
#include "layers/models/cnn_classifier.h"
#include "layers/models/vit.h"
#include "layers/vision/registry.h"
#include "tensor/ops.h"

namespace heed::experiments {
namespace {

// --task cluttered: each split on canvases of its own stream, so no split repeats another's clutter.
Images cluttered(const Images& images, const ClassifyConfig& c) {
  data::ClutterOptions options;
  options.canvas = c.cluttered.canvas;
  options.distractors = c.cluttered.distractors;
  options.fragment = c.cluttered.fragment;
  options.seed = c.train.seed;
  const auto place = [&](const data::ImageDataset& split, std::int64_t stream) {
    options.stream = stream;
    return data::clutter_images(split, options).images;
  };
  return {place(images.train, 0), place(images.validation, 1), place(images.test, 2)};
}

}  // namespace

Images load_images(const ClassifyConfig& c) {
  HEED_CHECK(c.task == "fashion" || c.task == "idx" || c.task == "cluttered" || c.task == "captioned",
             "classify: unknown task '", c.task, "'; valid tasks: fashion, idx, cluttered, captioned");
  HEED_CHECK(c.task != "idx" || !c.data_dir.empty(), "classify: --task idx needs --data-dir");
  const std::string dir = c.data_dir.empty() ? data::kFashionMnistDir : c.data_dir;
  const auto names = c.task == "idx" ? data::ClassNames::Numbered : data::ClassNames::FashionMnist;
  data::ImageDataset train = data::load_fashion_mnist(dir, "train", names);
  data::ImageDataset test = data::load_fashion_mnist(dir, "test", names);
  HEED_CHECK(c.valid_size > 0 && c.valid_size < train.size(), "classify: --valid-size ", c.valid_size,
             " must be between 1 and the ", train.size(), " training images");
  data::TrainValidation split = data::split_validation(train, c.valid_size);
  if (c.train_limit > 0 && c.train_limit < split.train.size()) {
    split.train.images = ops::narrow(split.train.images, 0, 0, c.train_limit);
    split.train.labels = ops::narrow(split.train.labels, 0, 0, c.train_limit);
  }
  const data::PixelStats stats = data::pixel_stats(split.train);
  const Images images{data::normalize(split.train, stats.mean, stats.std),
                      data::normalize(split.validation, stats.mean, stats.std), data::normalize(test, stats.mean, stats.std)};
  return c.task == "cluttered" ? cluttered(images, c) : images;
}

namespace {

struct SplitScores {
  double loss = 0;
  double accuracy = 0;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
};

SplitScores evaluate(Module& model, const data::ImageDataset& dataset, std::int64_t classes) {
  NoGradGuard no_grad;
  model.eval();
  data::ImageLoader loader(dataset, 500, /*shuffle=*/false, 0);
  SplitScores result;
  result.confusion.assign(static_cast<std::size_t>(classes), std::vector<std::int64_t>(static_cast<std::size_t>(classes), 0));
  double loss_sum = 0;
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < loader.num_batches(); ++i) {
    const data::ImageBatch batch = loader.batch(i);
    const Tensor logits = model.forward(batch.images);
    loss_sum += cross_entropy(logits, batch.labels, kDefaultIgnoreIndex, 0.0, Reduction::Sum).item();
    const auto predicted = ops::argmax(logits, -1).to_vector<std::int64_t>();
    const auto wanted = batch.labels.to_vector<std::int64_t>();
    for (std::size_t b = 0; b < predicted.size(); ++b) {
      ++result.confusion[static_cast<std::size_t>(wanted[b])][static_cast<std::size_t>(predicted[b])];
      correct += predicted[b] == wanted[b] ? 1 : 0;
    }
  }
  model.train();
  const auto n = static_cast<double>(std::max<std::int64_t>(dataset.size(), 1));
  result.loss = loss_sum / n;
  result.accuracy = static_cast<double>(correct) / n;
  return result;
}

// The CNN's vision attention from the flags --attention, --attention-blocks, --reduction and
// --spatial-kernel.
void attach_cnn_attention(CnnClassifier& model, const ClassifyConfig& c, Generator& gen) {
  VisionAttentionConfig knobs;
  knobs.reduction = c.reduction;
  knobs.spatial_kernel = c.spatial_kernel;
  add_vision_attention(model, c.attention, c.attention_blocks, knobs, gen);
}

std::string confusion_text(const SplitScores& e, const std::vector<std::string>& names) {
  std::ostringstream out;
  out << "confusion matrix (rows: true class, columns: predicted)\n" << std::string(14, ' ');
  for (std::size_t j = 0; j < names.size(); ++j) {
    char cell[24];
    std::snprintf(cell, sizeof cell, "%6zu", j);
    out << cell;
  }
  out << "\n";
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string label = std::to_string(i) + " " + names[i];
    label.resize(14, ' ');
    out << label;
    for (std::int64_t count : e.confusion[i]) {
      char cell[24];
      std::snprintf(cell, sizeof cell, "%6lld", static_cast<long long>(count));
      out << cell;
    }
    out << "\n";
  }
  return out.str();
}

std::shared_ptr<Module> build_cnn(const ClassifyConfig& c, const data::ImageDataset& train, Generator& gen) {
  const CnnConfig m = {.in_channels = train.images.size(1), .image_size = train.images.size(2),
                       .channels = c.channels, .num_classes = train.num_classes(), .batch_norm = c.batch_norm,
                       .dropout = c.dropout, .hidden = c.hidden};
  auto model = std::make_shared<CnnClassifier>(m, gen);
  attach_cnn_attention(*model, c, gen);
  return model;
}

std::shared_ptr<Module> build_vit(const ClassifyConfig& c, const data::ImageDataset& train, Generator& gen) {
  const VitOptions& v = c.vit;
  VitConfig m = {.in_channels = train.images.size(1), .image_size = train.images.size(2), .patch = v.patch,
                 .num_classes = train.num_classes(), .model_dim = v.d_model, .heads = v.heads, .layers = v.layers,
                 .ff_dim = v.ff, .dropout = c.dropout, .pool = v.pool, .position = v.position,
                 .attention = v.attention, .knobs = v.knobs};
  m.knobs.kv_heads = v.kv_heads;
  return std::make_shared<VisionTransformer>(m, gen);
}

// The model named by c.model, sized for the images; throws on a bad name or setting.
std::shared_ptr<Module> build_model(const ClassifyConfig& c, const data::ImageDataset& train, Generator& gen) {
  if (c.model == "vit") return build_vit(c, train, gen);
  return build_cnn(c, train, gen);
}

constexpr auto vit_fields = [](auto& v, auto&& visit) {
  visit("patch", v.patch); visit("d_model", v.d_model); visit("heads", v.heads); visit("kv_heads", v.kv_heads);
  visit("layers", v.layers); visit("ff", v.ff); visit("pool", v.pool); visit("position", v.position);
  visit("attention", v.attention);
  attention_knob_fields(v.knobs, visit);
};

// config.json's keys and the fields they hold, both ways. Keys added with later models and tasks
// (vit, attention, captioned, ...) are absent from older files, which read with their defaults.
constexpr auto classify_fields = [](auto& c, auto&& visit) {
  visit("task", c.task); visit("data_dir", c.data_dir); visit("valid_size", c.valid_size);
  visit("train_limit", c.train_limit); visit("augment_shift", c.augment_shift); visit("model", c.model);
  visit("channels", c.channels); visit("hidden", c.hidden); visit("batch_norm", c.batch_norm);
  visit("dropout", c.dropout); visit("label_smoothing", c.label_smoothing); visit("warmup_fraction", c.warmup_fraction);
  visit("vit", c.vit); visit("attention", c.attention); visit("attention_blocks", c.attention_blocks);
  visit("reduction", c.reduction); visit("spatial_kernel", c.spatial_kernel); visit("captioned", c.captioned);
  visit("cluttered", c.cluttered);
  train_option_fields(c.train, visit);
};

}  // namespace

ClassifyConfig vit_training_defaults() {
  ClassifyConfig c;
  TrainOptions& t = c.train;
  t.optimizer = "adamw";
  t.lr = 1e-3;
  t.weight_decay = 0.05;
  t.schedule = "warmup-cosine";
  t.clip_norm = 1.0;
  c.warmup_fraction = 0.05;
  return c;
}

void to_json(Json& json, const VitOptions& vit) { json = fields_to_json(vit, vit_fields); }
void from_json(const Json& json, VitOptions& vit) { vit = fields_from_json<VitOptions>(json, vit_fields); }

Json classify_config_to_json(const ClassifyConfig& c) { return fields_to_json(c, classify_fields, "classify"); }

ClassifyConfig classify_config_from_json(const Json& json) {
  return fields_from_json<ClassifyConfig>(json, classify_fields);
}

std::string default_run_name(const ClassifyConfig& c) {
  std::string variant = c.model == "vit" ? "-" + c.vit.attention + "-" + c.vit.position : "";
  if (c.model == "cnn" && c.attention != "none") variant = "-" + c.attention;
  return c.task + "-" + c.model + variant + "-s" + std::to_string(c.train.seed);
}

TrainerSetup classify_setup(const ClassifyConfig& config, const std::string& default_name) {
  return {.driver = "classify", .run_name = default_name, .config = classify_config_to_json(config),
          .best_metric = "valid_accuracy", .warmup_fraction = config.warmup_fraction};
}

namespace {

std::string attention_name(const ClassifyConfig& c) { return c.model == "vit" ? c.vit.attention : c.attention; }

// Images through a CNN or a ViT: cross-entropy over the classes, accuracy and the confusion matrix.
class ImageTraining final : public TrainingTask {
 public:
  ImageTraining(const ClassifyConfig& config, const Images& images, Module& model)
      : config_(config), images_(images), model_(model),
        train_(images.train, config.train.batch_size, /*shuffle=*/true, config.train.seed, config.augment_shift) {}

  data::ImageLoader& train_loader() { return train_; }

  BatchLoss train_batch() override {
    const data::ImageBatch batch = train_.next();
    return classifier_loss(model_.forward(batch.images), batch.labels, config_.label_smoothing);
  }

  Evaluation validate() override {
    const SplitScores valid = evaluate(model_, images_.validation, images_.train.num_classes());
    std::ostringstream line;
    line << "valid loss " << valid.loss << ", accuracy " << 100 * valid.accuracy << "%";
    return {{{"valid_loss", valid.loss}, {"valid_accuracy", valid.accuracy}}, line.str()};
  }

  Json test(const RunDir& run) override {
    const SplitScores test = evaluate(model_, images_.test, images_.train.num_classes());
    if (!config_.train.quiet) std::cerr << confusion_text(test, images_.train.class_names);
    run.write_json("samples.json", image_samples(model_, images_.test, attention_name(config_)));
    return {{"test_accuracy", test.accuracy}, {"test_loss", test.loss}, {"confusion", test.confusion}};
  }

 private:
  const ClassifyConfig& config_;
  const Images& images_;
  Module& model_;
  data::ImageLoader train_;
};

}  // namespace

Json run_classify(const ClassifyConfig& config) {
  if (config.task == "captioned") return run_captioned(config);  // another model and batches
  const TrainOptions& opt = config.train;
  configure_threads(opt);
  HEED_CHECK(config.model == "cnn" || config.model == "vit", "classify: unknown model '", config.model,
             "'; valid models: cnn, vit");
  HEED_CHECK(config.warmup_fraction >= 0 && config.warmup_fraction < 1, "classify: --warmup-fraction ",
             config.warmup_fraction, " must be in [0, 1): the share of the steps spent warming up");
  check_vision_attention_name(config.attention);
  const Images images = load_images(config);
  Generator gen(opt.seed);
  const std::shared_ptr<Module> model = build_model(config, images.train, gen);
  ImageTraining task(config, images, *model);

  TrainerSetup setup = classify_setup(config, default_run_name(config));
  setup.summary = {{"task", config.task}, {"model", config.model}, {"attention", attention_name(config)}};
  if (config.model == "vit") setup.summary["position"] = config.vit.position;
  setup.data_text = std::to_string(images.train.size()) + " train / " + std::to_string(images.validation.size()) +
                    " validation / " + std::to_string(images.test.size()) + " test images";
  setup.valid_columns = {"valid_loss", "valid_accuracy"};
  Trainer trainer(setup, opt, *model, gen, DataPosition::of(task.train_loader()));  // makes the run folder
  return trainer.run(task);
}

}  // namespace heed::experiments
