// classify --task captioned: a multimodal classifier (layers/models/multimodal_classifier.h) on
// captioned images whose captions lie with probability p (data/captioned_images.h).
//
// The images are those of every classify run (load_images); each split gets captions from its
// own stream. The image encoder is the CNN of --channels, --batch-norm and --hidden (the size of
// the image vector the fusion reads). Training is classify's loop on (image, caption) batches. The scores are split by
// whether the caption told the truth, and for the GMU the mean gate z (1 = image, 0 = text) is
// reported on each side: the story of the task is that z rises where the captions lie.
//   summary.json  test_accuracy, test_accuracy_right_captions, test_accuracy_wrong_captions,
//                 test_wrong_caption_share, and for gmu test_gate_mean, test_gate_right_captions,
//                 test_gate_wrong_captions
//   metrics.csv   the same, on the validation split, at every evaluation
#include <algorithm>
#include <iostream>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/captioned_images.h"
#include "data/checkpoint.h"
#include "experiments/lib/classify.h"
#include "experiments/lib/image_samples.h"
#include "layers/fusion/registry.h"
#include "layers/loss.h"
#include "layers/models/multimodal_classifier.h"
#include "optim/clip.h"
#include "tensor/ops.h"

namespace heed::experiments {
namespace {

struct CaptionedSplits {
  data::CaptionedDataset train, validation, test;
};

CaptionedSplits caption_splits(const Images& images, const ClassifyConfig& c) {
  data::CaptionOptions options;
  options.wrong_rate = c.captioned.wrong_rate;
  options.seed = c.train.seed;
  const auto caption = [&](const data::ImageDataset& split, std::int64_t stream) {
    options.stream = stream;
    return data::caption_images(split, options);
  };
  return {caption(images.train, 0), caption(images.validation, 1), caption(images.test, 2)};
}

std::string captioned_run_name(const ClassifyConfig& c) {
  return c.task + "-" + c.captioned.fusion + "-s" + std::to_string(c.train.seed);
}

// Refuses bad flags before any data is read.
void check_captioned_flags(const ClassifyConfig& c) {
  HEED_CHECK(c.model == "cnn", "classify: --task captioned encodes the images with the CNN; got --model ", c.model,
             ", expected cnn");
  HEED_CHECK(c.dropout == 0, "classify: --task captioned has no dropout; got --dropout ", c.dropout, ", expected 0");
  check_fusion_name(c.captioned.fusion);
  HEED_CHECK(c.captioned.wrong_rate >= 0 && c.captioned.wrong_rate <= 1, "classify: --wrong-caption-rate ",
             c.captioned.wrong_rate, " is not a probability; expected 0..1");
}

MultimodalConfig model_config(const ClassifyConfig& c, const data::CaptionedDataset& train) {
  MultimodalConfig m;
  m.in_channels = train.images.images.size(1);
  m.image_size = train.images.images.size(2);
  m.channels = c.channels;
  m.batch_norm = c.batch_norm;
  m.image_hidden = c.hidden;
  m.vocab_size = train.vocab.size();
  m.embed_dim = c.captioned.embed_dim;
  m.fusion = c.captioned.fusion;
  m.fused_dim = c.captioned.fused_dim;
  m.heads = c.captioned.heads;
  m.attention = c.captioned.attention;
  m.num_classes = train.images.num_classes();
  return m;
}

// Sums over examples, split by whether the caption names the true class.
struct Tally {
  double examples = 0, correct = 0, gate = 0;
  double accuracy() const { return examples > 0 ? correct / examples : 0.0; }
  double mean_gate() const { return examples > 0 ? gate / examples : 0.0; }
};

struct CaptionedEvaluation {
  double loss = 0;
  Tally all, right, wrong;
  bool has_gate = false;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
};

CaptionedEvaluation evaluate(MultimodalClassifier& model, const data::CaptionedDataset& dataset) {
  NoGradGuard no_grad;
  model.eval();
  const data::CaptionedLoader loader(dataset, 500, /*shuffle=*/false, 0);
  const auto classes = static_cast<std::size_t>(dataset.images.num_classes());
  CaptionedEvaluation result;
  result.confusion.assign(classes, std::vector<std::int64_t>(classes, 0));
  for (std::int64_t i = 0; i < loader.num_batches(); ++i) {
    const data::CaptionedBatch batch = loader.batch(i);
    const MultimodalOutput out = model.forward(batch.images, batch.captions);
    result.loss += cross_entropy(out.logits, batch.labels, kDefaultIgnoreIndex, 0.0, Reduction::Sum).item();
    const auto predicted = ops::argmax(out.logits, -1).to_vector<std::int64_t>();
    const auto labels = batch.labels.to_vector<std::int64_t>();
    const auto named = batch.named_classes.to_vector<std::int64_t>();
    result.has_gate = out.gate.defined();
    const auto gates = result.has_gate ? ops::mean(out.gate, {1}).to_vector<double>() : std::vector<double>(labels.size(), 0.0);
    for (std::size_t b = 0; b < labels.size(); ++b) {
      const double correct = predicted[b] == labels[b] ? 1.0 : 0.0;
      for (Tally* tally : {&result.all, named[b] == labels[b] ? &result.right : &result.wrong}) {
        tally->examples += 1;
        tally->correct += correct;
        tally->gate += gates[b];
      }
      ++result.confusion[static_cast<std::size_t>(labels[b])][static_cast<std::size_t>(predicted[b])];
    }
  }
  model.train();
  result.loss /= std::max(result.all.examples, 1.0);
  return result;
}

// The evaluation's numbers under `prefix` ("valid_", "test_"), for metrics.csv and summary.json.
Json scores(const CaptionedEvaluation& e, const std::string& prefix) {
  Json row = {{prefix + "loss", e.loss},
              {prefix + "accuracy", e.all.accuracy()},
              {prefix + "accuracy_right_captions", e.right.accuracy()},
              {prefix + "accuracy_wrong_captions", e.wrong.accuracy()}};
  if (e.has_gate) {
    row[prefix + "gate_mean"] = e.all.mean_gate();
    row[prefix + "gate_right_captions"] = e.right.mean_gate();
    row[prefix + "gate_wrong_captions"] = e.wrong.mean_gate();
  }
  return row;
}

std::string scores_line(const CaptionedEvaluation& e) {
  std::ostringstream line;
  line << "accuracy " << 100 * e.all.accuracy() << "% (right captions " << 100 * e.right.accuracy()
       << "%, wrong captions " << 100 * e.wrong.accuracy() << "%)";
  if (e.has_gate)
    line << "; gate z (1 = image) " << e.right.mean_gate() << " on right captions, " << e.wrong.mean_gate()
         << " on wrong ones";
  return line.str();
}

}  // namespace

Json run_captioned(const ClassifyConfig& config) {
  const TrainOptions& opt = config.train;
  const std::string name = opt.name.empty() ? captioned_run_name(config) : opt.name;
  const int threads = configure_threads(opt);
  check_captioned_flags(config);
  const CaptionedSplits data = caption_splits(load_images(config), config);
  Generator gen(opt.seed);
  MultimodalClassifier model(model_config(config, data.train), gen);  // bad sizes throw before the run folder exists
  RunDir run(opt.out_dir, name, opt.overwrite, opt.resume);
  if (!opt.resume) {
    Json saved = classify_config_to_json(config);
    saved["name"] = name;
    run.write_json("config.json", saved);
  }

  data::CaptionedLoader train_loader(data.train, opt.batch_size, /*shuffle=*/true, opt.seed, config.augment_shift);
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
                     {"step", "epoch", "lr", "train_loss", "train_accuracy", "valid_loss", "valid_accuracy",
                      "valid_accuracy_right_captions", "valid_accuracy_wrong_captions", "valid_gate_right_captions",
                      "valid_gate_wrong_captions", "elapsed_s"},
                     opt.resume, step);
  if (opt.verbose)
    std::cerr << "classify: " << data.train.size() << " train / " << data.validation.size() << " validation / "
              << data.test.size() << " test captioned images; vocabulary " << data.train.vocab.size() << ", captions of "
              << data.train.caption_length() << " tokens; fusion " << config.captioned.fusion << "; "
              << model.num_parameters() << " parameters; " << total_steps << " steps\n";

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
    const data::CaptionedBatch batch = train_loader.next();
    optimizer->set_lr(schedule->lr_at(step));
    const Tensor logits = model.forward(batch.images, batch.captions).logits;
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
      const CaptionedEvaluation valid = evaluate(model, data.validation);
      best_valid = std::max(best_valid, valid.all.accuracy());
      Json row = scores(valid, "valid_");
      row.update({{"step", step}, {"epoch", train_loader.epoch()}, {"lr", optimizer->lr()},
                  {"train_loss", loss_sum / static_cast<double>(std::max<std::int64_t>(loss_steps, 1))},
                  {"train_accuracy", counted > 0 ? correct / counted : 0.0}, {"elapsed_s", wall.seconds()}});
      metrics.write(row);
      progress.message("step " + std::to_string(step) + ": valid loss " + std::to_string(valid.loss) + ", " +
                       scores_line(valid));
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
                              .model = "multimodal", .seed = opt.seed, .steps = step, .steps_here = step - first_step,
                              .parameters = model.num_parameters(), .threads = threads,
                              .wall_seconds = wall.seconds(), .train_seconds = train_seconds});
  summary["fusion"] = config.captioned.fusion;
  summary["wrong_caption_rate"] = config.captioned.wrong_rate;
  summary["best_valid_accuracy"] = best_valid;
  if (stopped_early) {
    summary["stopped_at_step"] = step;
    return summary;
  }
  const CaptionedEvaluation test = evaluate(model, data.test);
  summary.update(scores(test, "test_"));
  summary["test_wrong_caption_share"] = test.wrong.examples / std::max(test.all.examples, 1.0);
  summary["confusion"] = test.confusion;
  if (!opt.quiet) std::cerr << "test: " << scores_line(test) << "\n";
  run.write_json("samples.json", captioned_samples(model, data.test));
  summary["commit"] = current_git_commit();
  summary["date"] = timestamp_utc();
  run.write_json("summary.json", summary);
  return summary;
}

}  // namespace heed::experiments
