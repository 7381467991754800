// parse_translate_command and translate_list_text (translate.h): the
// translate driver's command line, kept in the library so that a program
// outside the tree (examples/custom-attention) reads the same flags, and its
// own registered variants show in the same --list.
#include <sstream>

#include <cxxopts.hpp>

#include "data/tasks.h"
#include "experiments/lib/attention_flags.h"
#include "experiments/lib/cli.h"
#include "experiments/lib/translate.h"
#include "layers/attention/registry.h"
#include "layers/attention/transformer_registry.h"
#include "layers/position/registry.h"

namespace heed::experiments {

TranslateCommand parse_translate_command(int argc, const char* const* argv) {
  TranslateCommand command;
  cxxopts::Options options("translate", "Train a sequence-to-sequence model with attention on a toy translation task.");
  TranslateConfig& c = command.config;
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
    ("model", "rnn (GRU/LSTM encoder-decoder) or transformer", cxxopts::value(c.model)->default_value("rnn"))
    ("attention", "attention variant (see --list); empty: additive for rnn, mha for transformer (its three roles)", cxxopts::value(c.attention)->default_value(""))
    ("layers", "encoder layers (0: 1 for rnn, 2 for transformer)", cxxopts::value(c.layers)->default_value("0"))
    ("dropout", "dropout (rnn: embeddings and outputs; transformer: embeddings, sublayers, feed-forward)", cxxopts::value(c.dropout)->default_value("0"))
    ("label-smoothing", "label smoothing of the loss", cxxopts::value(c.label_smoothing)->default_value("0"));
  options.add_options("RNN model (--model rnn)")
    ("cell", "gru or lstm", cxxopts::value(c.cell)->default_value("gru"))
    ("embed", "embedding size", cxxopts::value(c.embed_dim)->default_value("64"))
    ("hidden", "hidden size", cxxopts::value(c.hidden)->default_value("128"))
    ("bidirectional", "bidirectional encoder (--bidirectional=false for one direction)", cxxopts::value(c.bidirectional)->default_value("true"))
    ("local-window", "local-m, local-p: half width D of the window of keys", cxxopts::value(c.local_window)->default_value("3"))
    ("hard-estimator", "hard: reinforce (with a moving-average baseline) or gumbel (straight-through)", cxxopts::value(c.hard_estimator)->default_value("reinforce"))
    ("gumbel-temperature", "hard with gumbel: the temperature tau", cxxopts::value(c.gumbel_temperature)->default_value("1"));
  options.add_options("Transformer model (--model transformer)")
    ("d-model", "model width D", cxxopts::value(c.d_model)->default_value("128"))
    ("heads", "attention heads (D must divide by it)", cxxopts::value(c.heads)->default_value("4"))
    ("kv-heads", "gqa: key/value heads (0: heads / 2)", cxxopts::value(c.kv_heads)->default_value("0"))
    ("ff", "feed-forward hidden size", cxxopts::value(c.ff)->default_value("512"))
    ("decoder-layers", "decoder layers (0: as many as --layers)", cxxopts::value(c.decoder_layers)->default_value("0"))
    ("self-attention", "encoder self-attention variant (empty: --attention)", cxxopts::value(c.self_attention)->default_value(""))
    ("decoder-attention", "decoder causal self-attention variant (empty: --attention)", cxxopts::value(c.decoder_attention)->default_value(""))
    ("cross-attention", "decoder-to-encoder attention variant (empty: --attention)", cxxopts::value(c.cross_attention)->default_value(""))
    ("position", "positional encoding (see --list)", cxxopts::value(c.position)->default_value("sinusoidal"))
    ("post-norm", "post-LayerNorm layers (the 2017 paper) instead of pre-LayerNorm", cxxopts::value(c.post_norm)->default_value("false"));
  add_attention_knob_options(options, "Transformer model (--model transformer)", c.knobs);
  // clang-format on
  add_training_options(options, t, {.epochs = 3, .lr = 0.002, .schedule = "cosine"});
  add_output_options(options, t,
                     "run name: results go to <out>/<name> (default: <task>-<model>-<attention>[-<position>]-s<seed>)");
  // clang-format off
  options.add_options("Output")
    ("beam", "beam size for the test split (1: greedy)", cxxopts::value(c.beam)->default_value("1"))
    ("eval", "greedy: score validation and test by decoding; teacher: by teacher-forced argmax (exact match = every target token right), for long sequences where decoding is slow", cxxopts::value(c.eval)->default_value("greedy"))
    ("samples", "test sentences to print with their attention (decoded as --eval says)", cxxopts::value(c.samples)->default_value("3"))
    ("list", "list tasks, attention variants and positional encodings, then exit")
    ("h,help", "print this help");
  // clang-format on
  const auto parsed = parse_flags(options, argc, argv);
  command.help = parsed.count("help") > 0;
  command.list = parsed.count("list") > 0;
  command.help_text = options.help({"Task", "Model", "RNN model (--model rnn)", "Transformer model (--model transformer)",
                                    "Training", "Output"});
  return command;
}

std::string translate_list_text() {
  std::ostringstream out;
  auto row = [&out](const std::string& name, const std::string& text) {
    out << "  " << name << std::string(name.size() < 14 ? 14 - name.size() : 1, ' ') << text << "\n";
  };
  out << "tasks:\n";
  for (const auto& task : data::task_names()) out << "  " << task << "\n";
  out << "sequence attention (--model rnn --attention NAME):\n";
  for (const auto& name : sequence_attention_names()) row(name, sequence_attention_description(name));
  out << "transformer attention (--model transformer --attention / --self-attention / --decoder-attention / "
         "--cross-attention NAME):\n";
  for (const auto& name : transformer_attention_names()) {
    row(name, transformer_attention_description(name));
    std::string uses;
    try {
      uses = transformer_attention_capabilities(name);
    } catch (const std::exception& e) {
      uses = std::string("(cannot build a small instance: ") + e.what() + ")";
    }
    row("", "  " + uses);
  }
  out << "positional encodings (--model transformer --position NAME; the patch-grid ones are for "
         "classify --model vit):\n";
  for (const auto& name : positional_encoding_names())
    if (!is_grid_positional_encoding(name)) row(name, positional_encoding_description(name));
  out << "other attention structures (their own drivers):\n";
  row("han", "hierarchical attention network, Yang 2016 (O1): build/bin/documents");
  return out.str();
}

}  // namespace heed::experiments
