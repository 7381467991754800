#include "experiments/lib/classify.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/checkpoint.h"
#include "data/cluttered_images.h"
#include "data/images.h"
#include "experiments/lib/attention_flags.h"
#include "experiments/lib/image_samples.h"
#include "layers/loss.h"
#include "layers/models/cnn_classifier.h"
#include "layers/models/vit.h"
#include "layers/vision/registry.h"
#include "optim/clip.h"
#include "tensor/ops.h"
#include "tensor/threads.h"

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

Json captioned_options_to_json(const CaptionedOptions& o) {
  return {{"wrong_rate", o.wrong_rate}, {"fusion", o.fusion}, {"fused_dim", o.fused_dim},
          {"embed_dim", o.embed_dim}, {"heads", o.heads}, {"attention", o.attention}};
}

CaptionedOptions captioned_options_from_json(const Json& j) {
  CaptionedOptions o;
  o.wrong_rate = j.at("wrong_rate");
  o.fusion = j.at("fusion");
  o.fused_dim = j.at("fused_dim");
  o.embed_dim = j.at("embed_dim");
  o.heads = j.at("heads");
  o.attention = j.at("attention");
  return o;
}

Json cluttered_options_to_json(const ClutteredOptions& o) {
  return {{"canvas", o.canvas}, {"distractors", o.distractors}, {"fragment", o.fragment}};
}

ClutteredOptions cluttered_options_from_json(const Json& j) {
  ClutteredOptions o;
  o.canvas = j.at("canvas");
  o.distractors = j.at("distractors");
  o.fragment = j.at("fragment");
  return o;
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

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
};

Evaluation evaluate(Module& model, const data::ImageDataset& dataset, std::int64_t classes) {
  NoGradGuard no_grad;
  model.eval();
  data::ImageLoader loader(dataset, 500, /*shuffle=*/false, 0);
  Evaluation result;
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

std::string confusion_text(const Evaluation& e, const std::vector<std::string>& names) {
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
  CnnConfig model_config;
  model_config.in_channels = train.images.size(1);
  model_config.image_size = train.images.size(2);
  model_config.channels = c.channels;
  model_config.hidden = c.hidden;
  model_config.batch_norm = c.batch_norm;
  model_config.dropout = c.dropout;
  model_config.num_classes = train.num_classes();
  auto model = std::make_shared<CnnClassifier>(model_config, gen);
  attach_cnn_attention(*model, c, gen);
  return model;
}

std::shared_ptr<Module> build_vit(const ClassifyConfig& c, const data::ImageDataset& train, Generator& gen) {
  const VitOptions& v = c.vit;
  VitConfig m;
  m.in_channels = train.images.size(1);
  m.image_size = train.images.size(2);
  m.num_classes = train.num_classes();
  m.patch = v.patch;
  m.model_dim = v.d_model;
  m.heads = v.heads;
  m.layers = v.layers;
  m.ff_dim = v.ff;
  m.dropout = c.dropout;
  m.pool = v.pool;
  m.position = v.position;
  m.attention = v.attention;
  m.knobs = v.knobs;
  m.knobs.kv_heads = v.kv_heads;
  return std::make_shared<VisionTransformer>(m, gen);
}

// The model named by c.model, sized for the images; throws on a bad name or setting.
std::shared_ptr<Module> build_model(const ClassifyConfig& c, const data::ImageDataset& train, Generator& gen) {
  if (c.model == "vit") return build_vit(c, train, gen);
  return build_cnn(c, train, gen);
}

Json vit_options_to_json(const VitOptions& v) {
  Json json = {{"patch", v.patch}, {"d_model", v.d_model}, {"heads", v.heads}, {"kv_heads", v.kv_heads},
               {"layers", v.layers}, {"ff", v.ff}, {"pool", v.pool}, {"position", v.position},
               {"attention", v.attention}};
  json.update(attention_knobs_to_json(v.knobs));
  return json;
}

VitOptions vit_options_from_json(const Json& j) {
  VitOptions v;
  v.patch = j.at("patch");
  v.d_model = j.at("d_model");
  v.heads = j.at("heads");
  v.kv_heads = j.at("kv_heads");
  v.layers = j.at("layers");
  v.ff = j.at("ff");
  v.pool = j.at("pool");
  v.position = j.at("position");
  v.attention = j.at("attention");
  attention_knobs_from_json(j, v.knobs);
  return v;
}

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

Json classify_config_to_json(const ClassifyConfig& c) {
  const TrainOptions& t = c.train;
  return {{"driver", "classify"}, {"task", c.task}, {"data_dir", c.data_dir}, {"valid_size", c.valid_size},
          {"train_limit", c.train_limit}, {"augment_shift", c.augment_shift}, {"model", c.model},
          {"channels", c.channels}, {"hidden", c.hidden}, {"batch_norm", c.batch_norm}, {"dropout", c.dropout},
          {"label_smoothing", c.label_smoothing}, {"warmup_fraction", c.warmup_fraction},
          {"vit", vit_options_to_json(c.vit)}, {"steps", t.steps}, {"epochs", t.epochs}, {"batch", t.batch_size},
          {"optimizer", t.optimizer}, {"lr", t.lr}, {"weight_decay", t.weight_decay}, {"momentum", t.momentum},
          {"schedule", t.schedule}, {"warmup", t.warmup_steps}, {"clip_norm", t.clip_norm},
          {"eval_every", t.eval_every}, {"seed", t.seed}, {"threads", t.threads}, {"name", t.name},
          {"out_dir", t.out_dir}, {"attention", c.attention}, {"attention_blocks", c.attention_blocks},
          {"reduction", c.reduction}, {"spatial_kernel", c.spatial_kernel},
          {"captioned", captioned_options_to_json(c.captioned)},
          {"cluttered", cluttered_options_to_json(c.cluttered)}};
}

ClassifyConfig classify_config_from_json(const Json& j) {
  ClassifyConfig c;
  TrainOptions& t = c.train;
  c.task = j.at("task");
  c.data_dir = j.at("data_dir");
  c.valid_size = j.at("valid_size");
  c.train_limit = j.at("train_limit");
  c.augment_shift = j.at("augment_shift");
  c.model = j.at("model");
  c.channels = j.at("channels").get<std::vector<std::int64_t>>();
  c.hidden = j.at("hidden");
  c.batch_norm = j.at("batch_norm");
  c.dropout = j.at("dropout");
  c.label_smoothing = j.at("label_smoothing");
  // Absent from configs written before the ViT: they read with the defaults.
  c.warmup_fraction = j.value("warmup_fraction", c.warmup_fraction);
  if (j.contains("vit")) c.vit = vit_options_from_json(j.at("vit"));
  t.steps = j.at("steps");
  t.epochs = j.at("epochs");
  t.batch_size = j.at("batch");
  t.optimizer = j.at("optimizer");
  t.lr = j.at("lr");
  t.weight_decay = j.at("weight_decay");
  t.momentum = j.at("momentum");
  t.schedule = j.at("schedule");
  t.warmup_steps = j.at("warmup");
  t.clip_norm = j.at("clip_norm");
  t.eval_every = j.at("eval_every");
  t.seed = j.at("seed");
  t.threads = j.at("threads");
  t.name = j.at("name");
  t.out_dir = j.at("out_dir");
  // Runs saved before the CNN had vision attention have none.
  c.attention = j.value("attention", c.attention);
  c.attention_blocks = j.value("attention_blocks", c.attention_blocks);
  c.reduction = j.value("reduction", c.reduction);
  c.spatial_kernel = j.value("spatial_kernel", c.spatial_kernel);
  // Configs written before these tasks existed have neither.
  if (j.contains("captioned")) c.captioned = captioned_options_from_json(j.at("captioned"));
  if (j.contains("cluttered")) c.cluttered = cluttered_options_from_json(j.at("cluttered"));
  return c;
}

std::string default_run_name(const ClassifyConfig& c) {
  std::string variant = c.model == "vit" ? "-" + c.vit.attention + "-" + c.vit.position : "";
  if (c.model == "cnn" && c.attention != "none") variant = "-" + c.attention;
  return c.task + "-" + c.model + variant + "-s" + std::to_string(c.train.seed);
}

Json run_classify(const ClassifyConfig& config) {
  if (config.task == "captioned") return run_captioned(config);  // another model and batches: its own loop
  const TrainOptions& opt = config.train;
  const std::string name = opt.name.empty() ? default_run_name(config) : opt.name;
  const int threads = configure_threads(opt);
  HEED_CHECK(config.model == "cnn" || config.model == "vit", "classify: unknown model '", config.model,
             "'; valid models: cnn, vit");
  HEED_CHECK(config.warmup_fraction >= 0 && config.warmup_fraction < 1, "classify: --warmup-fraction ",
             config.warmup_fraction, " must be in [0, 1): the share of the steps spent warming up");
  check_vision_attention_name(config.attention);
  const Images images = load_images(config);
  const std::int64_t classes = images.train.num_classes();
  Generator gen(opt.seed);
  const std::shared_ptr<Module> model_ptr = build_model(config, images.train, gen);
  Module& model = *model_ptr;
  // Bad data and bad model settings are refused before the run folder exists.
  RunDir run(opt.out_dir, name, opt.overwrite, opt.resume);
  if (!opt.resume) {
    Json saved = classify_config_to_json(config);
    saved["name"] = name;
    run.write_json("config.json", saved);
  }

  data::ImageLoader train_loader(images.train, opt.batch_size, /*shuffle=*/true, opt.seed, config.augment_shift);
  const std::int64_t total_steps = opt.steps > 0 ? opt.steps : opt.epochs * train_loader.num_batches();
  const std::int64_t eval_every = std::min(total_steps, opt.eval_every > 0 ? opt.eval_every : train_loader.num_batches());
  auto optimizer = make_optimizer(model.parameters(), opt);
  TrainOptions schedule_options = opt;
  if (config.warmup_fraction > 0)
    schedule_options.warmup_steps = static_cast<std::int64_t>(config.warmup_fraction * static_cast<double>(total_steps));
  auto schedule = make_schedule(schedule_options, total_steps);

  std::int64_t step = 0;
  double best_valid = 0;
  if (opt.resume) {
    const io::Checkpoint ck = io::load_checkpoint(run.file("checkpoint.safetensors").string());
    model.load_state_dict(ck.model);
    optimizer->load_state_dict(ck.optimizer);
    step = ck.step;
    gen.set_state(ck.generator);
    train_loader.set_state(Json::parse(ck.extra.at("loader")).get<data::LoaderState>());
    best_valid = std::stod(ck.extra.at("best_valid_accuracy"));
  }
  MetricsLog metrics(run.file("metrics.csv"),
                     {"step", "epoch", "lr", "train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "elapsed_s"},
                     opt.resume, step);
  if (opt.verbose)
    std::cerr << "classify: " << images.train.size() << " train / " << images.validation.size() << " validation / "
              << images.test.size() << " test images; " << model.num_parameters() << " parameters; " << total_steps
              << " steps\n";

  auto save = [&](std::int64_t at_step) {
    io::Checkpoint ck;
    ck.model = model.state_dict();
    ck.optimizer = optimizer->state_dict();
    ck.step = at_step;
    ck.epoch = train_loader.epoch();
    ck.generator = gen.state();
    ck.extra["loader"] = Json(train_loader.state()).dump();
    ck.extra["best_valid_accuracy"] = std::to_string(best_valid);
    io::save_checkpoint(run.file("checkpoint.safetensors").string(), ck);
  };

  reset_peak_memory();
  Progress progress(total_steps, step, opt.quiet);
  Stopwatch wall;
  double train_seconds = 0;
  const std::int64_t first_step = step;
  double loss_sum = 0, correct = 0, counted = 0;
  std::int64_t loss_steps = 0;
  bool stopped_early = false;
  while (step < total_steps) {
    Stopwatch step_time;
    const data::ImageBatch batch = train_loader.next();
    optimizer->set_lr(schedule->lr_at(step));
    const Tensor logits = model.forward(batch.images);
    Tensor loss = cross_entropy(logits, batch.labels, kDefaultIgnoreIndex, config.label_smoothing);
    const double loss_value = loss.item();
    check_finite_loss(loss_value, step);
    loss.backward();
    if (opt.clip_norm > 0) optim::clip_grad_norm(model.parameters(), opt.clip_norm);
    optimizer->step();
    optimizer->zero_grad();
    ++step;
    {
      NoGradGuard no_grad;
      correct += ops::sum(ops::eq(ops::argmax(logits, -1), batch.labels)).item();
      counted += static_cast<double>(batch.size());
    }
    loss_sum += loss_value;
    ++loss_steps;
    train_seconds += step_time.seconds();
    progress.update(step, train_loader.epoch(), loss_value, counted > 0 ? correct / counted : 0);

    if (step % eval_every == 0 || step == total_steps) {
      const Evaluation valid = evaluate(model, images.validation, classes);
      best_valid = std::max(best_valid, valid.accuracy);
      metrics.write({{"step", step}, {"epoch", train_loader.epoch()}, {"lr", optimizer->lr()},
                     {"train_loss", loss_sum / static_cast<double>(std::max<std::int64_t>(loss_steps, 1))},
                     {"train_accuracy", counted > 0 ? correct / counted : 0.0}, {"valid_loss", valid.loss},
                     {"valid_accuracy", valid.accuracy}, {"elapsed_s", wall.seconds()}});
      std::ostringstream line;
      line << "step " << step << ": valid loss " << valid.loss << ", accuracy " << 100 * valid.accuracy << "%";
      progress.message(line.str());
      loss_sum = correct = counted = 0;
      loss_steps = 0;
      save(step);
      if (opt.stop_after > 0 && step - first_step >= opt.stop_after && step < total_steps) {
        stopped_early = true;
        break;
      }
    }
  }
  progress.finish();

  Json summary = summary_of({.driver = "classify", .run = name, .run_dir = run.path().string(), .task = config.task,
                              .model = config.model, .seed = opt.seed, .steps = step, .steps_here = step - first_step,
                              .parameters = model.num_parameters(), .threads = threads,
                              .wall_seconds = wall.seconds(), .train_seconds = train_seconds});
  summary["attention"] = config.model == "vit" ? config.vit.attention : config.attention;
  if (config.model == "vit") summary["position"] = config.vit.position;
  summary["best_valid_accuracy"] = best_valid;
  if (stopped_early) {
    summary["stopped_at_step"] = step;
    return summary;
  }
  const Evaluation test = evaluate(model, images.test, classes);
  summary["test_accuracy"] = test.accuracy;
  summary["test_loss"] = test.loss;
  summary["confusion"] = test.confusion;
  if (!opt.quiet) std::cerr << confusion_text(test, images.train.class_names);
  run.write_json("samples.json",
                 image_samples(model, images.test, config.model == "vit" ? config.vit.attention : config.attention));
  summary["commit"] = current_git_commit();
  summary["date"] = timestamp_utc();
  run.write_json("summary.json", summary);
  return summary;
}

}  // namespace heed::experiments
