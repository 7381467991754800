#include "experiments/lib/classify.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/checkpoint.h"
#include "data/cluttered_images.h"
#include "data/images.h"
#include "layers/loss.h"
#include "layers/models/cnn_classifier.h"
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

Evaluation evaluate(CnnClassifier& model, const data::ImageDataset& dataset, std::int64_t classes) {
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

}  // namespace

Json classify_config_to_json(const ClassifyConfig& c) {
  const TrainOptions& t = c.train;
  return {{"driver", "classify"}, {"task", c.task}, {"data_dir", c.data_dir}, {"valid_size", c.valid_size},
          {"train_limit", c.train_limit}, {"augment_shift", c.augment_shift}, {"model", c.model},
          {"channels", c.channels}, {"hidden", c.hidden}, {"batch_norm", c.batch_norm}, {"dropout", c.dropout},
          {"label_smoothing", c.label_smoothing}, {"steps", t.steps}, {"epochs", t.epochs}, {"batch", t.batch_size},
          {"optimizer", t.optimizer}, {"lr", t.lr}, {"weight_decay", t.weight_decay}, {"momentum", t.momentum},
          {"schedule", t.schedule}, {"warmup", t.warmup_steps}, {"clip_norm", t.clip_norm},
          {"eval_every", t.eval_every}, {"seed", t.seed}, {"threads", t.threads}, {"name", t.name},
          {"out_dir", t.out_dir}, {"captioned", captioned_options_to_json(c.captioned)},
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
  // Configs written before these tasks existed have neither.
  if (j.contains("captioned")) c.captioned = captioned_options_from_json(j.at("captioned"));
  if (j.contains("cluttered")) c.cluttered = cluttered_options_from_json(j.at("cluttered"));
  return c;
}

std::string default_run_name(const ClassifyConfig& c) {
  return c.task + "-" + c.model + "-s" + std::to_string(c.train.seed);
}

Json run_classify(const ClassifyConfig& config) {
  if (config.task == "captioned") return run_captioned(config);  // another model and batches: its own loop
  const TrainOptions& opt = config.train;
  const std::string name = opt.name.empty() ? default_run_name(config) : opt.name;
  const int threads = configure_threads(opt);
  HEED_CHECK(config.model == "cnn", "classify: unknown model '", config.model, "'; valid models: cnn");
  const Images images = load_images(config);  // bad data is refused before the run folder exists
  RunDir run(opt.out_dir, name, opt.overwrite, opt.resume);
  if (!opt.resume) {
    Json saved = classify_config_to_json(config);
    saved["name"] = name;
    run.write_json("config.json", saved);
  }
  const std::int64_t classes = images.train.num_classes();
  Generator gen(opt.seed);
  CnnConfig model_config;
  model_config.in_channels = images.train.images.size(1);
  model_config.image_size = images.train.images.size(2);
  model_config.channels = config.channels;
  model_config.hidden = config.hidden;
  model_config.batch_norm = config.batch_norm;
  model_config.dropout = config.dropout;
  model_config.num_classes = classes;
  CnnClassifier model(model_config, gen);

  data::ImageLoader train_loader(images.train, opt.batch_size, /*shuffle=*/true, opt.seed, config.augment_shift);
  const std::int64_t total_steps = opt.steps > 0 ? opt.steps : opt.epochs * train_loader.num_batches();
  const std::int64_t eval_every = std::min(total_steps, opt.eval_every > 0 ? opt.eval_every : train_loader.num_batches());
  auto optimizer = make_optimizer(model.parameters(), opt);
  auto schedule = make_schedule(opt, total_steps);

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
  summary["commit"] = current_git_commit();
  summary["date"] = timestamp_utc();
  run.write_json("summary.json", summary);
  return summary;
}

}  // namespace heed::experiments
