// add_training_options, add_output_options and parse_flags (cli.h): the flags every training
// driver shares, written once so that they keep the same names and meanings everywhere.
#include "experiments/lib/cli.h"

#include <sstream>

namespace heed::experiments {
namespace {

template <typename T>
std::string text_of(const T& value) {
  std::ostringstream text;
  text << std::boolalpha << value;
  return text.str();
}

}  // namespace

void add_training_options(cxxopts::Options& options, TrainOptions& t, const TrainOptions& d,
                          const std::map<std::string, std::string>& notes) {
  const auto help = [&notes](const std::string& flag, const std::string& text) {
    const auto note = notes.find(flag);
    return note == notes.end() ? text : text + note->second;
  };
  const auto flag = [](auto& field, const auto& fallback) {
    return cxxopts::value(field)->default_value(text_of(fallback));
  };
  // clang-format off
  options.add_options("Training")
    ("steps", help("steps", "optimizer steps (0: --epochs decide)"), flag(t.steps, d.steps))
    ("epochs", help("epochs", "passes over the training set"), flag(t.epochs, d.epochs))
    ("batch", help("batch", "batch size"), flag(t.batch_size, d.batch_size))
    ("accumulate", help("accumulate", "batches whose gradients are summed into each optimizer step"), flag(t.accumulate, d.accumulate))
    ("optimizer", help("optimizer", "adam, adamw, rmsprop or sgd"), flag(t.optimizer, d.optimizer))
    ("lr", help("lr", "learning rate (peak rate for warmup schedules)"), flag(t.lr, d.lr))
    ("weight-decay", help("weight-decay", "weight decay"), flag(t.weight_decay, d.weight_decay))
    ("momentum", help("momentum", "momentum (sgd, rmsprop)"), flag(t.momentum, d.momentum))
    ("schedule", help("schedule", "constant, step, cosine, warmup-constant, warmup-cosine, warmup-linear or noam"), flag(t.schedule, d.schedule))
    ("warmup", help("warmup", "warmup steps"), flag(t.warmup_steps, d.warmup_steps))
    ("clip-norm", help("clip-norm", "clip gradients to this global norm (0: off)"), flag(t.clip_norm, d.clip_norm))
    ("eval-every", help("eval-every", "steps between evaluations (0: once per epoch)"), flag(t.eval_every, d.eval_every))
    ("patience", help("patience", "stop after this many evaluations without a better validation score (0: never)"), flag(t.patience, d.patience))
    ("keep-best", help("keep-best", "keep the best evaluation's checkpoint (best.safetensors) and test its model"), flag(t.keep_best, d.keep_best))
    ("seed", help("seed", "random seed (data, initialization, shuffling)"), flag(t.seed, d.seed))
    ("threads", help("threads", "CPU threads (0: every core)"), flag(t.threads, d.threads));
  // clang-format on
}

void add_output_options(cxxopts::Options& options, TrainOptions& t, const std::string& name_help) {
  // clang-format off
  options.add_options("Output")
    ("name", name_help, cxxopts::value(t.name)->default_value(""))
    ("out", "folder of runs", cxxopts::value(t.out_dir)->default_value("runs"))
    ("overwrite", "replace an existing run folder", cxxopts::value(t.overwrite)->default_value("false"))
    ("resume", "continue the run <out>/<name> from its checkpoint (its config.json is used)", cxxopts::value(t.resume)->default_value("false"))
    ("stop-after", "stop at the first checkpoint after this many steps (to test --resume)", cxxopts::value(t.stop_after)->default_value("0"))
    ("quiet", "no progress line", cxxopts::value(t.quiet)->default_value("false"))
    ("verbose", "print data sizes, threads and BLAS kernels", cxxopts::value(t.verbose)->default_value("false"));
  // clang-format on
}

cxxopts::ParseResult parse_flags(cxxopts::Options& options, int argc, const char* const* argv) {
  auto parsed = options.parse(argc, argv);
  if (!parsed.unmatched().empty())
    throw cxxopts::exceptions::exception("unexpected argument '" + parsed.unmatched().front() + "'");
  return parsed;
}

}  // namespace heed::experiments
