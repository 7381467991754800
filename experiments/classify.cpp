// classify: train an image classifier (Fashion-MNIST by default).
//
//   classify --model cnn
//   classify --model cnn --epochs 5 --augment-shift 2
//   classify --task idx --data-dir ~/mnist         (any IDX image set, e.g. MNIST)
//   classify --name fashion-run --resume           (continue a run from its checkpoint)
//   classify --model vit                           (a Vision Transformer over 4 x 4 patches)
//   classify --model vit --attention local --window 7 --position rope-2d --pool mean
//   classify --model cnn --attention cbam          (vision attention after every conv block)
//   classify --attention se --attention-blocks 1   (after the second block only)
//   classify --task cluttered --canvas 56          (each item somewhere on a canvas, among fragments)
//   classify --task captioned --fusion gmu         (image + caption that lies 30% of the time)
//   classify --list                                (models, attention modules, ViT variants, encodings, fusions)
//
// Writes runs/<name>/{config.json, metrics.csv, checkpoint.safetensors,
// summary.json} and prints the summary (test accuracy, confusion matrix) as one JSON line.
#include <iostream>
#include <sstream>

#include "experiments/lib/attention_flags.h"
#include "experiments/lib/classify.h"
#include "experiments/lib/cli.h"
#include "layers/attention/transformer_registry.h"
#include "layers/position/registry.h"
#include "layers/vision/registry.h"
#include "layers/fusion/registry.h"

using heed::experiments::ClassifyConfig;
using heed::experiments::Json;

namespace {

const char* const kVitGroup = "Vision Transformer (--model vit)";

void add_vit_options(cxxopts::Options& options, heed::experiments::VitOptions& v) {
  const heed::experiments::VitOptions defaults;
  auto number = [](std::int64_t& field, std::int64_t value) { return cxxopts::value(field)->default_value(std::to_string(value)); };
  auto text = [](std::string& field, const std::string& value) { return cxxopts::value(field)->default_value(value); };
  // clang-format off
  options.add_options(kVitGroup)
    ("patch", "patch size P: each P x P patch is one token (P divides the image size)", number(v.patch, defaults.patch))
    ("d-model", "model width D", number(v.d_model, defaults.d_model))
    ("heads", "attention heads (D must divide by it)", number(v.heads, defaults.heads))
    ("kv-heads", "gqa: key/value heads (0: heads / 2)", number(v.kv_heads, defaults.kv_heads))
    ("layers", "encoder layers", number(v.layers, defaults.layers))
    ("ff", "feed-forward hidden size", number(v.ff, defaults.ff))
    ("pool", "cls (a class token) or mean (the average of the patch outputs)", text(v.pool, defaults.pool))
    ("position", "positional encoding (see --list): 2-D, or 1-D over the raster order", text(v.position, defaults.position));
  // clang-format on
  heed::experiments::add_attention_knob_options(options, kVitGroup, v.knobs);
}

// " (vit: 0.05)": the value --model vit uses when the flag is left out.
template <typename T>
std::string vit_default(const T& value) {
  std::ostringstream text;
  text << " (vit: " << value << ")";
  return text.str();
}

// --model vit starts from vit_training_defaults() for every training flag the command line leaves out.
void use_vit_training_defaults(ClassifyConfig& c, const cxxopts::ParseResult& parsed) {
  const ClassifyConfig vit = heed::experiments::vit_training_defaults();
  heed::experiments::TrainOptions& t = c.train;
  if (!parsed.count("optimizer")) t.optimizer = vit.train.optimizer;
  if (!parsed.count("lr")) t.lr = vit.train.lr;
  if (!parsed.count("weight-decay")) t.weight_decay = vit.train.weight_decay;
  if (!parsed.count("schedule")) t.schedule = vit.train.schedule;
  if (!parsed.count("warmup") && !parsed.count("warmup-fraction")) c.warmup_fraction = vit.warmup_fraction;
  if (!parsed.count("clip-norm")) t.clip_norm = vit.train.clip_norm;
}

void print_list() {
  auto row = [](const std::string& name, const std::string& text) {
    std::cout << "  " << name << std::string(name.size() < 14 ? 14 - name.size() : 1, ' ') << text << "\n";
  };
  std::cout << "models (--model NAME):\n";
  row("cnn", "convolutional blocks, then a classifier (layers/models/cnn_classifier.h)");
  row("vit", "Vision Transformer over patches, Dosovitskiy 2021 (V9, layers/models/vit.h)");
  std::cout << "vision attention (--model cnn --attention):\n";
  for (const auto& name : heed::vision_attention_names()) row(name, heed::vision_attention_description(name));
  std::cout << "transformer attention over patches (--model vit --attention NAME; non-causal self-attention, "
               "every variant):\n";
  for (const auto& name : heed::transformer_attention_names()) {
    row(name, heed::transformer_attention_description(name));
    const std::string uses = heed::transformer_attention_capabilities(name);  // "self, ...; positions: ..."
    row("", "  " + uses.substr(uses.find("positions:")));
  }
  std::cout << "positional encodings (--model vit --position NAME):\n";
  std::cout << " on the patch grid (the class token gets none):\n";
  for (const auto& name : heed::positional_encoding_names())
    if (heed::is_grid_positional_encoding(name)) row(name, heed::positional_encoding_description(name));
  std::cout << " 1-D, over the tokens in raster order (the class token first):\n";
  for (const auto& name : heed::positional_encoding_names())
    if (!heed::is_grid_positional_encoding(name)) row(name, heed::positional_encoding_description(name));
  std::cout << "An encoding that acts inside attention (rotary, score bias, relative) needs a variant that takes it "
               "(the 'positions:' line above).\n";
}

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
    std::string attention;  // --attention: read by the model --model names
    c.channels.clear();  // cxxopts appends a list flag's values (its default too) to what the vector holds
    auto& t = c.train;
    const ClassifyConfig vit_config = heed::experiments::vit_training_defaults();
    const heed::experiments::TrainOptions& vit = vit_config.train;
    // clang-format off
    options.add_options("Data")
      ("task", "fashion (Fashion-MNIST), idx (any IDX set in --data-dir), cluttered or captioned (both on Fashion-MNIST)", cxxopts::value(c.task)->default_value("fashion"))
      ("data-dir", "folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (default: /usr/share/datasets/fashion-mnist)", cxxopts::value(c.data_dir)->default_value(""))
      ("valid-size", "images held out of train for validation", cxxopts::value(c.valid_size)->default_value("5000"))
      ("train-limit", "use only the first N training images (0: all)", cxxopts::value(c.train_limit)->default_value("0"))
      ("augment-shift", "random shifts of up to this many pixels (0: none)", cxxopts::value(c.augment_shift)->default_value("0"));
    options.add_options("Model")
      ("model", "cnn or vit", cxxopts::value(c.model)->default_value("cnn"))
      ("channels", "channels of each conv block", cxxopts::value(c.channels)->default_value("32,64"))
      ("hidden", "hidden layer before the classifier (0: none)", cxxopts::value(c.hidden)->default_value("128"))
      ("batch-norm", "batch normalization after each conv", cxxopts::value(c.batch_norm)->default_value("true"))
      ("dropout", "cnn: dropout after the hidden layer; vit: on the tokens, each sublayer and in the feed-forward", cxxopts::value(c.dropout)->default_value("0"))
      ("label-smoothing", "label smoothing of the loss", cxxopts::value(c.label_smoothing)->default_value("0"))
      ("attention", "cnn: vision attention module after the conv blocks (default none; attention-pool replaces the flatten); vit: the transformer attention of every encoder layer (default " + heed::experiments::VitOptions{}.attention + "); see --list", cxxopts::value(attention)->default_value(""));
    add_vit_options(options, c.vit);
    options.add_options("CNN attention (--model cnn)")
      ("attention-blocks", "comma list of the conv blocks, from 0, whose ReLU it follows (default: every block)", cxxopts::value(c.attention_blocks))
      ("reduction", "se, channel, cbam, coord: bottleneck of max(1, C / r) channels", cxxopts::value(c.reduction)->default_value("8"))
      ("spatial-kernel", "spatial, cbam: size k of the k x k convolution (odd)", cxxopts::value(c.spatial_kernel)->default_value("7"));
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
    // clang-format on
    const heed::experiments::TrainOptions defaults{
        .epochs = 5, .batch_size = 128, .lr = 0.002, .schedule = "cosine", .clip_norm = 0};
    heed::experiments::add_training_options(options, t, defaults,
                                            {{"optimizer", vit_default(vit.optimizer)},
                                             {"lr", vit_default(vit.lr)},
                                             {"weight-decay", vit_default(vit.weight_decay)},
                                             {"schedule", vit_default(vit.schedule)},
                                             {"clip-norm", vit_default(vit.clip_norm)}});
    heed::experiments::add_output_options(
        options, t, "run name: results go to <out>/<name> (default: <task>-<model>[-<attention>]-s<seed>)");
    // clang-format off
    options.add_options("Training")
      ("warmup-fraction", "warmup for this fraction of the steps, replacing --warmup when > 0" + vit_default(vit_config.warmup_fraction), cxxopts::value(c.warmup_fraction)->default_value("0"));
    options.add_options("Output")
      ("list", "list the models, the CNN's attention modules, the attention variants and positional encodings of --model vit, and the fusions of --task captioned, then exit")
      ("h,help", "print this help");
    // clang-format on
    const auto parsed = heed::experiments::parse_flags(options, argc, argv);
    if (parsed.count("help")) {
      std::cout << options.help({"Data", "Model", "CNN attention (--model cnn)", kVitGroup, "Captioned and cluttered images (--task captioned, --task cluttered)", "Training", "Output"}) << "\n";
      return 0;
    }
    if (parsed.count("list")) {
      print_list();
      print_fusions();
      return 0;
    }
    if (!attention.empty()) (c.model == "vit" ? c.vit.attention : c.attention) = attention;
    if (c.model == "vit") use_vit_training_defaults(c, parsed);
    if (t.resume) c = heed::experiments::resumed_config<ClassifyConfig>(t, heed::experiments::classify_config_from_json);
    const Json summary = heed::experiments::run_classify(c);
    std::cout << summary.dump() << std::endl;
    return 0;
  });
}
