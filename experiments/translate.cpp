// translate: train a sequence-to-sequence model on a toy translation task.
//
//   translate --task dates --attention additive
//   translate --task reverse --min-len 5 --max-len 20 --attention none --steps 3000
//   translate --task tsv --tsv corpus.tsv --tokenizer word
//   translate --name dates-run --resume        (continue a run from its checkpoint)
//   translate --list                           (every attention variant heed knows)
//
// Writes runs/<name>/{config.json, metrics.csv, checkpoint.safetensors,
// samples.json, summary.json} and prints the summary as one JSON line.
#include <fstream>
#include <iostream>

#include "data/tasks.h"
#include "experiments/lib/cli.h"
#include "experiments/lib/translate.h"
#include "layers/attention/registry.h"

using heed::experiments::Json;
using heed::experiments::TranslateConfig;

int main(int argc, char** argv) {
  return heed::experiments::run_driver("translate", [&] {
    cxxopts::Options options("translate", "Train a sequence-to-sequence model with attention on a toy translation task.");
    TranslateConfig c;
    auto& t = c.train;
    // clang-format off
    options.add_options("Task")
      ("task", "copy, dates, numbers, reverse, sort, or tsv", cxxopts::value(c.task)->default_value("dates"))
      ("tsv", "tsv task: a file of source<TAB>target lines", cxxopts::value(c.tsv_path)->default_value(""))
      ("tokenizer", "tsv task: char or word", cxxopts::value(c.tokenizer)->default_value("char"))
      ("train-size", "training examples (0: the task's default)", cxxopts::value(c.train_size)->default_value("0"))
      ("valid-size", "validation examples (0: default)", cxxopts::value(c.valid_size)->default_value("0"))
      ("test-size", "test examples (0: default)", cxxopts::value(c.test_size)->default_value("0"))
      ("min-len", "shortest source (symbols; digits for numbers; 0: default)", cxxopts::value(c.min_len)->default_value("0"))
      ("max-len", "longest source (0: default)", cxxopts::value(c.max_len)->default_value("0"));
    options.add_options("Model")
      ("model", "rnn (GRU/LSTM encoder-decoder)", cxxopts::value(c.model)->default_value("rnn"))
      ("attention", "attention variant (see --list)", cxxopts::value(c.attention)->default_value("additive"))
      ("cell", "gru or lstm", cxxopts::value(c.cell)->default_value("gru"))
      ("embed", "embedding size", cxxopts::value(c.embed_dim)->default_value("64"))
      ("hidden", "hidden size", cxxopts::value(c.hidden)->default_value("128"))
      ("layers", "encoder layers", cxxopts::value(c.layers)->default_value("1"))
      ("bidirectional", "bidirectional encoder", cxxopts::value(c.bidirectional)->default_value("true"))
      ("dropout", "dropout on embeddings and outputs", cxxopts::value(c.dropout)->default_value("0"))
      ("label-smoothing", "label smoothing of the loss", cxxopts::value(c.label_smoothing)->default_value("0"));
    options.add_options("Training")
      ("steps", "optimizer steps (0: --epochs decide)", cxxopts::value(t.steps)->default_value("0"))
      ("epochs", "passes over the training set", cxxopts::value(t.epochs)->default_value("3"))
      ("batch", "batch size", cxxopts::value(t.batch_size)->default_value("64"))
      ("optimizer", "adam, adamw, rmsprop or sgd", cxxopts::value(t.optimizer)->default_value("adam"))
      ("lr", "learning rate (peak rate for warmup schedules)", cxxopts::value(t.lr)->default_value("0.002"))
      ("weight-decay", "weight decay", cxxopts::value(t.weight_decay)->default_value("0"))
      ("momentum", "momentum (sgd, rmsprop)", cxxopts::value(t.momentum)->default_value("0.9"))
      ("schedule", "constant, step, cosine, warmup-constant, warmup-cosine, warmup-linear or noam", cxxopts::value(t.schedule)->default_value("cosine"))
      ("warmup", "warmup steps", cxxopts::value(t.warmup_steps)->default_value("0"))
      ("clip-norm", "clip gradients to this global norm (0: off)", cxxopts::value(t.clip_norm)->default_value("1"))
      ("eval-every", "steps between evaluations (0: once per epoch)", cxxopts::value(t.eval_every)->default_value("0"))
      ("seed", "random seed (data, initialization, shuffling)", cxxopts::value(t.seed)->default_value("0"))
      ("threads", "CPU threads (0: every core)", cxxopts::value(t.threads)->default_value("0"));
    options.add_options("Output")
      ("name", "run name: results go to <out>/<name> (default: <task>-<model>-<attention>-s<seed>)", cxxopts::value(t.name)->default_value(""))
      ("out", "folder of runs", cxxopts::value(t.out_dir)->default_value("runs"))
      ("overwrite", "replace an existing run folder", cxxopts::value(t.overwrite)->default_value("false"))
      ("resume", "continue the run <out>/<name> from its checkpoint (its config.json is used)", cxxopts::value(t.resume)->default_value("false"))
      ("stop-after", "stop at the first checkpoint after this many steps (to test --resume)", cxxopts::value(t.stop_after)->default_value("0"))
      ("beam", "beam size for the test split (1: greedy)", cxxopts::value(c.beam)->default_value("1"))
      ("samples", "test sentences to print with their attention", cxxopts::value(c.samples)->default_value("3"))
      ("quiet", "no progress line", cxxopts::value(t.quiet)->default_value("false"))
      ("verbose", "print data sizes, threads and BLAS kernels", cxxopts::value(t.verbose)->default_value("false"))
      ("list", "list tasks and attention variants, then exit")
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
      std::cout << "tasks:\n";
      for (const auto& task : heed::data::task_names()) std::cout << "  " << task << "\n";
      std::cout << "sequence attention (--attention, RNN encoder-decoder):\n";
      for (const auto& name : heed::sequence_attention_names())
        std::cout << "  " << name << std::string(name.size() < 14 ? 14 - name.size() : 1, ' ')
                  << heed::sequence_attention_description(name) << "\n";
      return 0;
    }
    if (t.resume) {
      HEED_CHECK(!t.name.empty(), "--resume needs --name, the run to continue");
      const std::string path = t.out_dir + "/" + t.name + "/config.json";
      std::ifstream in(path);
      HEED_CHECK(in.good(), "--resume: cannot read ", path);
      TranslateConfig saved = heed::experiments::translate_config_from_json(Json::parse(in));
      saved.train.resume = true;
      saved.train.out_dir = t.out_dir;
      saved.train.threads = t.threads ? t.threads : saved.train.threads;
      saved.train.quiet = t.quiet;
      saved.train.verbose = t.verbose;
      saved.train.stop_after = t.stop_after;
      c = saved;
    }
    const Json summary = heed::experiments::run_translate(c);
    std::cout << summary.dump() << std::endl;
    return 0;
  });
}
