// parse_compare_command (compare.h): compare's command line, with cxxopts.
// Everything after the first `--` is kept for the runs, untouched.
#include <charconv>
#include <cstring>

#include <cxxopts.hpp>

#include "experiments/lib/compare.h"
#include "layers/position/registry.h"
#include "tensor/error.h"

namespace heed::experiments {

namespace {

// The command as typed, quoting arguments a shell would split.
std::string command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.empty() || arg.find_first_of(" \t'\"$\\") != std::string::npos) {
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = quoted + "'";
    }
    line += (i ? " " : "") + arg;
  }
  return line;
}

std::vector<std::int64_t> parse_lengths(const std::string& text) {
  std::vector<std::int64_t> lengths;
  for (const auto& item : split_list(text)) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    HEED_CHECK(error == std::errc() && end == item.data() + item.size(), "compare: --lengths holds '", item,
               "'; expected whole numbers like 16,32,64");
    lengths.push_back(value);
  }
  return lengths;
}

}  // namespace

CompareCommand parse_compare_command(int argc, const char* const* argv) {
  CompareCommand command;
  CompareOptions& c = command.options;
  int own_argc = argc;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      own_argc = i;
      c.passthrough.assign(argv + i + 1, argv + argc);
      break;
    }
  c.command_line = command_line(argc, argv);

  cxxopts::Options options("compare", "Run a sweep of experiments (variants x positions x lengths x seeds) as "
                                      "separate processes and write a comparison report.");
  options.custom_help("[options] [-- options given to every run]");
  std::string attention, positions, lengths, combine;
  // clang-format off
  options.add_options("Sweep")
    ("task", joined(compare_task_names()) + " (translate: dates .. tsv; classify: fashion .. captioned; documents)", cxxopts::value(c.task)->default_value("dates"))
    ("model", "rnn or transformer (translate tasks), cnn or vit (classify), multimodal (captioned), han (documents); empty: the first", cxxopts::value(c.model)->default_value(""))
    ("attention", "comma list of variants (transformer: all three roles; cnn: vision attention; vit: attention over patches; multimodal: fusions; han: poolings); empty: the model's default", cxxopts::value(attention)->default_value(""))
    ("all", "every registered variant of the model", cxxopts::value(c.all)->default_value("false"))
    ("position", "comma list of positional encodings (transformer, vit): " + joined(positional_encoding_names()), cxxopts::value(positions)->default_value(""))
    ("lengths", "comma list of lengths; each sets --min-len and --max-len of the task (translate tasks)", cxxopts::value(lengths)->default_value(""))
    ("seeds", "seeds 0 .. N-1 for every configuration", cxxopts::value(c.seeds)->default_value("1"))
    ("threads", "CPU threads per run (0: the drivers' default, every core)", cxxopts::value(c.threads)->default_value("0"));
  options.add_options("Output")
    ("name", "sweep name: results go to <out>/<name> (default: <task>-<model>)", cxxopts::value(c.name)->default_value(""))
    ("out", "folder of sweeps", cxxopts::value(c.out_dir)->default_value("runs"))
    ("overwrite", "replace an existing sweep folder", cxxopts::value(c.overwrite)->default_value("false"))
    ("quiet", "no progress line", cxxopts::value(c.quiet)->default_value("false"))
    ("h,help", "print this help");
  options.add_options("Combine")
    ("combine", "comma list of finished sweep folders (runs/a,runs/b): run nothing, write one report of them all to <out>/<name> (default name: combined)", cxxopts::value(combine)->default_value(""));
  // clang-format on
  const auto parsed = options.parse(own_argc, argv);
  if (!parsed.unmatched().empty())
    throw cxxopts::exceptions::exception("unexpected argument '" + parsed.unmatched().front() +
                                         "' (options for the runs go after --)");
  if (parsed.count("help")) {
    command.help = true;
    command.help_text = options.help({"Sweep", "Output", "Combine"}) + "\nvariants (--attention):\n";
    for (const auto& model : {"rnn", "transformer", "cnn", "vit", "multimodal", "han"})
      command.help_text += std::string("  ") + model + ": " + joined(variant_names(model)) + "\n";
  }
  c.variants = split_list(attention);
  c.positions = split_list(positions);
  c.lengths = parse_lengths(lengths);
  c.combine = split_list(combine);
  if (parsed.count("combine")) {
    HEED_CHECK(!c.combine.empty(), "compare: --combine needs a comma list of sweep folders, e.g. runs/a,runs/b");
    for (const char* flag : {"task", "model", "attention", "all", "position", "lengths", "seeds", "threads"})
      HEED_CHECK(parsed.count(flag) == 0, "compare: --", flag, " describes a sweep to run; --combine runs nothing ",
                 "(it reports finished sweeps), so leave --", flag, " out");
    HEED_CHECK(c.passthrough.empty(), "compare: --combine runs nothing, so it takes no options for runs after --");
  }
  return command;
}

}  // namespace heed::experiments
