// classify --task captioned: a multimodal classifier (layers/models/multimodal_classifier.h) on
// captioned images whose captions lie with probability p (data/captioned_images.h).
//
// The images are those of every classify run (load_images); each split gets captions from its
// own stream. The image encoder is the CNN of --channels, --batch-norm and --hidden (the size of
// the image vector the fusion reads). Training is the Trainer's loop (trainer.h) on (image,
// caption) batches. The scores are split by whether the caption told the truth, and for the GMU
// the mean gate z (1 = image, 0 = text) is reported on each side: the story of the task is that
// z rises where the captions lie.
//   summary.json  test_accuracy, test_accuracy_right_captions, test_accuracy_wrong_captions,
//                 test_wrong_caption_share, and for gmu test_gate_mean, test_gate_right_captions,
//                 test_gate_wrong_captions
//   metrics.csv   the same, on the validation split, at every evaluation
#include <algorithm>
#include <iostream>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/captioned_images.h"
#include "experiments/lib/classify.h"
#include "experiments/lib/image_samples.h"
#include "layers/fusion/registry.h"
#include "layers/loss.h"
#include "layers/models/multimodal_classifier.h"
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
  return {.in_channels = train.images.images.size(1), .image_size = train.images.images.size(2),
          .channels = c.channels, .batch_norm = c.batch_norm, .image_hidden = c.hidden,
          .vocab_size = train.vocab.size(), .embed_dim = c.captioned.embed_dim, .fusion = c.captioned.fusion,
          .fused_dim = c.captioned.fused_dim, .heads = c.captioned.heads, .attention = c.captioned.attention,
          .num_classes = train.images.num_classes()};
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

// (image, caption) batches through the multimodal classifier; every score also split by whether
// the caption told the truth.
class CaptionedTraining final : public TrainingTask {
 public:
  CaptionedTraining(const ClassifyConfig& config, const CaptionedSplits& data, MultimodalClassifier& model)
      : config_(config), data_(data), model_(model),
        train_(data.train, config.train.batch_size, /*shuffle=*/true, config.train.seed, config.augment_shift) {}

  data::CaptionedLoader& train_loader() { return train_; }

  BatchLoss train_batch() override {
    const data::CaptionedBatch batch = train_.next();
    return classifier_loss(model_.forward(batch.images, batch.captions).logits, batch.labels, config_.label_smoothing);
  }

  Evaluation validate() override {
    const CaptionedEvaluation valid = evaluate(model_, data_.validation);
    return {scores(valid, "valid_"), "valid loss " + std::to_string(valid.loss) + ", " + scores_line(valid)};
  }

  Json test(const RunDir& run) override {
    const CaptionedEvaluation test = evaluate(model_, data_.test);
    Json fields = scores(test, "test_");
    fields["test_wrong_caption_share"] = test.wrong.examples / std::max(test.all.examples, 1.0);
    fields["confusion"] = test.confusion;
    if (!config_.train.quiet) std::cerr << "test: " << scores_line(test) << "\n";
    run.write_json("samples.json", captioned_samples(model_, data_.test));
    return fields;
  }

 private:
  const ClassifyConfig& config_;
  const CaptionedSplits& data_;
  MultimodalClassifier& model_;
  data::CaptionedLoader train_;
};

}  // namespace

Json run_captioned(const ClassifyConfig& config) {
  const TrainOptions& opt = config.train;
  configure_threads(opt);
  check_captioned_flags(config);
  const CaptionedSplits data = caption_splits(load_images(config), config);
  Generator gen(opt.seed);
  MultimodalClassifier model(model_config(config, data.train), gen);  // bad sizes throw before the run folder exists
  CaptionedTraining task(config, data, model);

  TrainerSetup setup = classify_setup(config, captioned_run_name(config));
  setup.summary = {{"task", config.task}, {"model", "multimodal"}, {"fusion", config.captioned.fusion},
                   {"wrong_caption_rate", config.captioned.wrong_rate}};
  std::ostringstream data_text;
  data_text << data.train.size() << " train / " << data.validation.size() << " validation / " << data.test.size()
            << " test captioned images; vocabulary " << data.train.vocab.size() << ", captions of "
            << data.train.caption_length() << " tokens; fusion " << config.captioned.fusion;
  setup.data_text = data_text.str();
  setup.valid_columns = {"valid_loss", "valid_accuracy", "valid_accuracy_right_captions",
                         "valid_accuracy_wrong_captions", "valid_gate_right_captions", "valid_gate_wrong_captions"};
  Trainer trainer(setup, opt, model, gen, DataPosition::of(task.train_loader()));
  return trainer.run(task);
}

}  // namespace heed::experiments
