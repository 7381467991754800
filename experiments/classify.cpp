// classify: train an image classifier (Fashion-MNIST by default).
//
//   classify --model cnn
//   classify --model cnn --epochs 5 --augment-shift 2
//   classify --task idx --data-dir ~/mnist         (any IDX image set, e.g. MNIST)
//   classify --name fashion-run --resume           (continue a run from its checkpoint)
//   classify --task cluttered --canvas 56          (each item somewhere on a canvas, among fragments)
//   classify --task captioned --fusion gmu         (image + caption that lies 30% of the time)
//   classify --list                                (the fusions)
//
// Writes runs/<name>/{config.json, metrics.csv, checkpoint.safetensors,
// summary.json} and prints the summary (test accuracy, confusion matrix) as one JSON line.
#include <iostream>

#include "experiments/lib/classify.h"
#include "experiments/lib/cli.h"
#include "layers/fusion/registry.h"

using heed::experiments::ClassifyConfig;
using heed::experiments::Json;

namespace {

// --list: the fusions of --task captioned, one row each.
void print_fusions() {
  std::cout << "fusion (--task captioned --fusion):\n";
  for (const auto& name : heed::fusion_names())
    std::cout << "  " << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ')
              << heed::fusion_description(name) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  return heed::experiments::run_driver("classify", [&] {
    cxxopts::Options options("classify", "Train an image classifier on Fashion-MNIST or any IDX image set.");
    ClassifyConfig c;
    auto& t = c.train;
    // clang-format off
    options.add_options("Data")
      ("task", "fashion (Fashion-MNIST), idx (any IDX set in --data-dir), cluttered or captioned (both on Fashion-MNIST)", cxxopts::value(c.task)->default_value("fashion"))
      ("data-dir", "folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (default: /usr/share/datasets/fashion-mnist)", cxxopts::value(c.data_dir)->default_value(""))
      ("valid-size", "images held out of train for validation", cxxopts::value(c.valid_size)->default_value("5000"))
      ("train-limit", "use only the first N training images (0: all)", cxxopts::value(c.train_limit)->default_value("0"))
      ("augment-shift", "random shifts of up to this many pixels (0: none)", cxxopts::value(c.augment_shift)->default_value("0"));
    options.add_options("Model")
      ("model", "cnn", cxxopts::value(c.model)->default_value("cnn"))
      ("channels", "channels of each conv block", cxxopts::value(c.channels)->default_value("32,64"))
      ("hidden", "hidden layer before the classifier (0: none)", cxxopts::value(c.hidden)->default_value("128"))
      ("batch-norm", "batch normalization after each conv", cxxopts::value(c.batch_norm)->default_value("true"))
      ("dropout", "dropout after the hidden layer", cxxopts::value(c.dropout)->default_value("0"))
      ("label-smoothing", "label smoothing of the loss", cxxopts::value(c.label_smoothing)->default_value("0"));
    options.add_options("Captioned and cluttered images (--task captioned, --task cluttered)")
      ("fusion", "captioned: how image and caption meet: gmu, cross-attention or concat (see --list)", cxxopts::value(c.captioned.fusion)->default_value("gmu"))
      ("wrong-caption-rate", "captioned: probability that a caption names a wrong class", cxxopts::value(c.captioned.wrong_rate)->default_value("0.3"))
      ("fused-dim", "captioned: size of the fused vector", cxxopts::value(c.captioned.fused_dim)->default_value("64"))
      ("caption-embed", "captioned: caption word embedding size", cxxopts::value(c.captioned.embed_dim)->default_value("32"))
      ("fusion-heads", "captioned: heads of the cross-attention fusion", cxxopts::value(c.captioned.heads)->default_value("4"))
      ("fusion-attention", "captioned: the cross-attention fusion's Transformer attention (translate --list)", cxxopts::value(c.captioned.attention)->default_value("mha"))
      ("canvas", "cluttered: canvas side in pixels (at least the 28 of an item)", cxxopts::value(c.cluttered.canvas)->default_value("56"))
      ("distractors", "cluttered: fragments of other images per canvas", cxxopts::value(c.cluttered.distractors)->default_value("4"))
      ("fragment", "cluttered: fragment side in pixels", cxxopts::value(c.cluttered.fragment)->default_value("8"));
    options.add_options("Training")
      ("steps", "optimizer steps (0: --epochs decide)", cxxopts::value(t.steps)->default_value("0"))
      ("epochs", "passes over the training set", cxxopts::value(t.epochs)->default_value("5"))
      ("batch", "batch size", cxxopts::value(t.batch_size)->default_value("128"))
      ("optimizer", "adam, adamw, rmsprop or sgd", cxxopts::value(t.optimizer)->default_value("adam"))
      ("lr", "learning rate", cxxopts::value(t.lr)->default_value("0.002"))
      ("weight-decay", "weight decay", cxxopts::value(t.weight_decay)->default_value("0"))
      ("momentum", "momentum (sgd, rmsprop)", cxxopts::value(t.momentum)->default_value("0.9"))
      ("schedule", "constant, step, cosine, warmup-constant, warmup-cosine, warmup-linear or noam", cxxopts::value(t.schedule)->default_value("cosine"))
      ("warmup", "warmup steps", cxxopts::value(t.warmup_steps)->default_value("0"))
      ("clip-norm", "clip gradients to this global norm (0: off)", cxxopts::value(t.clip_norm)->default_value("0"))
      ("eval-every", "steps between evaluations (0: once per epoch)", cxxopts::value(t.eval_every)->default_value("0"))
      ("seed", "random seed", cxxopts::value(t.seed)->default_value("0"))
      ("threads", "CPU threads (0: every core)", cxxopts::value(t.threads)->default_value("0"));
    options.add_options("Output")
      ("name", "run name: results go to <out>/<name> (default: <task>-<model>-s<seed>)", cxxopts::value(t.name)->default_value(""))
      ("out", "folder of runs", cxxopts::value(t.out_dir)->default_value("runs"))
      ("overwrite", "replace an existing run folder", cxxopts::value(t.overwrite)->default_value("false"))
      ("resume", "continue the run <out>/<name> from its checkpoint (its config.json is used)", cxxopts::value(t.resume)->default_value("false"))
      ("stop-after", "stop at the first checkpoint after this many steps (to test --resume)", cxxopts::value(t.stop_after)->default_value("0"))
      ("quiet", "no progress line", cxxopts::value(t.quiet)->default_value("false"))
      ("verbose", "print data sizes, threads and BLAS kernels", cxxopts::value(t.verbose)->default_value("false"))
      ("list", "list the fusions, then exit")
      ("h,help", "print this help");
    // clang-format on
    const auto parsed = options.parse(argc, argv);
    if (!parsed.unmatched().empty())
      throw cxxopts::exceptions::exception("unexpected argument '" + parsed.unmatched().front() + "'");
    if (parsed.count("help")) {
      std::cout << options.help() << "\n";
      return 0;
    }
    if (parsed.count("list")) {
      print_fusions();
      return 0;
    }
    if (t.resume) c = heed::experiments::resumed_config<ClassifyConfig>(t, heed::experiments::classify_config_from_json);
    const Json summary = heed::experiments::run_classify(c);
    std::cout << summary.dump() << std::endl;
    return 0;
  });
}
