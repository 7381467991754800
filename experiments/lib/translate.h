// Training and evaluating a translation model on a toy task: what the
// `translate` driver (and the comparison driver) run.
//
// One call does the whole run: generate the task, build the vocabularies from
// its train split, build the model from registry names, train with evaluation
// every `eval_every` steps (validation loss, exact match, token accuracy;
// a checkpoint each time), then score the test split and return a summary:
//   {"task":"dates","attention":"additive","test_exact_match":0.98,...}
#pragma once

#include <cstdint>
#include <string>

#include "experiments/lib/run.h"
#include "layers/attention/transformer_attention.h"

namespace heed::experiments {

struct TranslateConfig {
  TrainOptions train;
  // The task.
  std::string task = "dates";
  std::string tsv_path;             // task tsv: the corpus
  std::string tokenizer = "char";   // task tsv: char or word
  std::int64_t train_size = 0;      // 0: the task's default
  std::int64_t valid_size = 0;
  std::int64_t test_size = 0;
  std::int64_t min_len = 0;         // 0: the task's default
  std::int64_t max_len = 0;
  // The model. Fields that are 0 or "" take the model's default (with_model_defaults).
  std::string model = "rnn";        // rnn or transformer
  std::int64_t layers = 0;          // encoder layers (0: 1 for rnn, 2 for transformer)
  std::string attention;            // "": additive for rnn, mha for transformer
  double dropout = 0.0;
  double label_smoothing = 0.0;
  // The RNN encoder-decoder.
  std::string cell = "gru";
  std::int64_t embed_dim = 64;
  std::int64_t hidden = 128;
  bool bidirectional = true;
  std::int64_t local_window = 3;    // local-m, local-p: the window's half width D
  std::string hard_estimator = "reinforce";  // hard: reinforce or gumbel (straight-through)
  double gumbel_temperature = 1.0;  // hard with gumbel: tau
  // The Transformer.
  std::int64_t d_model = 128;
  std::int64_t heads = 4;
  std::int64_t kv_heads = 0;        // gqa's K/V heads (0: heads / 2)
  std::int64_t ff = 512;
  std::int64_t decoder_layers = 0;  // 0: as many as the encoder
  std::string self_attention;       // encoder self-attention ("": attention)
  std::string decoder_attention;    // decoder self-attention ("": attention)
  std::string cross_attention;      // "": attention
  std::string position = "sinusoidal";
  bool post_norm = false;           // post-LayerNorm layers instead of pre-LayerNorm
  TransformerAttentionConfig knobs; // window, block, summary, ... (the sizes come from above)
  // Decoding and reporting.
  std::int64_t beam = 1;            // 1: greedy
  std::int64_t samples = 3;         // test sentences printed with their attention
  std::string eval = "greedy";      // greedy: decode the validation/test splits; teacher: teacher-forced argmax
};

// Runs the experiment; returns the summary also written to summary.json.
Json run_translate(const TranslateConfig& config);

// The translate driver's command line (translate_flags.cpp). A program that
// registers its own variants and calls these is the translate driver plus
// those variants: --list names them and --attention accepts them.
//
//   auto command = parse_translate_command(argc, argv);    // a bad flag throws
//   if (command.list) std::cout << translate_list_text();
//   else std::cout << run_translate(command.config).dump() << "\n";
struct TranslateCommand {
  TranslateConfig config;  // every flag's value (defaults where not given)
  bool help = false;       // --help: print help_text
  bool list = false;       // --list: print translate_list_text()
  std::string help_text;   // every flag, grouped, with its default
};
TranslateCommand parse_translate_command(int argc, const char* const* argv);

// What --list prints: the tasks, the registered sequence and Transformer
// attention variants (with where each can be used), the positional encodings.
std::string translate_list_text();

// The configuration as written to config.json, and back (for --resume).
Json translate_config_to_json(const TranslateConfig& config);
TranslateConfig translate_config_from_json(const Json& json);

// The model-specific defaults filled in: layers, attention names, and the
// Transformer's decoder layers and per-role attention names.
TranslateConfig with_model_defaults(TranslateConfig config);

// A name for the run folder when none is given: <task>-<model>-<attention>-s<seed>,
// and <task>-transformer-<attention>-<position>-s<seed> for the Transformer.
std::string default_run_name(const TranslateConfig& config);

}  // namespace heed::experiments
