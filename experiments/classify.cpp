// classify: train an image classifier (Fashion-MNIST by default).
//
//   classify --model cnn
//   classify --model cnn --epochs 5 --augment-shift 2
//   classify --task idx --data-dir ~/mnist         (any IDX image set, e.g. MNIST)
//   classify --name fashion-run --resume           (continue a run from its checkpoint)
//   classify --model cnn --attention cbam          (vision attention after every conv block)
//   classify --attention se --attention-blocks 1   (after the second block only)
//   classify --list                                (the vision attention modules)
//
// Writes runs/<name>/{config.json, metrics.csv, checkpoint.safetensors,
// summary.json} and prints the summary (test accuracy, confusion matrix) as one JSON line.
#include <iostream>

#include "experiments/lib/classify.h"
#include "experiments/lib/cli.h"
#include "layers/vision/registry.h"

using heed::experiments::ClassifyConfig;
using heed::experiments::Json;

namespace {

// --list: one section per kind of pluggable module, each row a flag value and what it does.
void print_list() {
  const auto row = [](const std::string& name, const std::string& text) {
    std::cout << "  " << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ') << text << "\n";
  };
  std::cout << "vision attention (--model cnn --attention):\n";
  for (const auto& name : heed::vision_attention_names()) row(name, heed::vision_attention_description(name));
}

}  // namespace

int main(int argc, char** argv) {
  return heed::experiments::run_driver("classify", [&] {
    cxxopts::Options options("classify", "Train an image classifier on Fashion-MNIST or any IDX image set.");
    ClassifyConfig c;
    c.channels.clear();  // cxxopts appends a list flag's values (its default too) to what the vector holds
    auto& t = c.train;
    // clang-format off
    options.add_options("Data")
      ("task", "fashion (Fashion-MNIST) or idx (any IDX set in --data-dir)", cxxopts::value(c.task)->default_value("fashion"))
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
    options.add_options("CNN attention (--model cnn)")
      ("attention", "vision attention module (see --list); attention-pool replaces the flatten", cxxopts::value(c.attention)->default_value("none"))
      ("attention-blocks", "comma list of the conv blocks, from 0, whose ReLU it follows (default: every block)", cxxopts::value(c.attention_blocks))
      ("reduction", "se, channel, cbam, coord: bottleneck of max(1, C / r) channels", cxxopts::value(c.reduction)->default_value("8"))
      ("spatial-kernel", "spatial, cbam: size k of the k x k convolution (odd)", cxxopts::value(c.spatial_kernel)->default_value("7"));
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
      ("name", "run name: results go to <out>/<name> (default: <task>-<model>[-<attention>]-s<seed>)", cxxopts::value(t.name)->default_value(""))
      ("out", "folder of runs", cxxopts::value(t.out_dir)->default_value("runs"))
      ("overwrite", "replace an existing run folder", cxxopts::value(t.overwrite)->default_value("false"))
      ("resume", "continue the run <out>/<name> from its checkpoint (its config.json is used)", cxxopts::value(t.resume)->default_value("false"))
      ("stop-after", "stop at the first checkpoint after this many steps (to test --resume)", cxxopts::value(t.stop_after)->default_value("0"))
      ("quiet", "no progress line", cxxopts::value(t.quiet)->default_value("false"))
      ("verbose", "print data sizes, threads and BLAS kernels", cxxopts::value(t.verbose)->default_value("false"))
      ("list", "list the attention modules of each model, then exit")
      ("h,help", "print this help");
    // clang-format on
    const auto parsed = options.parse(argc, argv);
    if (!parsed.unmatched().empty())
      throw cxxopts::exceptions::exception("unexpected argument '" + parsed.unmatched().front() + "'");
    if (parsed.count("help")) {
      std::cout << options.help({"Data", "Model", "CNN attention (--model cnn)", "Training", "Output"}) << "\n";
      return 0;
    }
    if (parsed.count("list")) {
      print_list();
      return 0;
    }
    if (t.resume) c = heed::experiments::resumed_config<ClassifyConfig>(t, heed::experiments::classify_config_from_json);
    const Json summary = heed::experiments::run_classify(c);
    std::cout << summary.dump() << std::endl;
    return 0;
  });
}
