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
  // The model.
  std::string model = "rnn";
  std::string cell = "gru";
  std::int64_t embed_dim = 64;
  std::int64_t hidden = 128;
  std::int64_t layers = 1;
  bool bidirectional = true;
  std::string attention = "additive";
  double dropout = 0.0;
  double label_smoothing = 0.0;
  // Decoding and reporting.
  std::int64_t beam = 1;            // 1: greedy
  std::int64_t samples = 3;         // test sentences printed with their attention
};

// Runs the experiment; returns the summary also written to summary.json.
Json run_translate(const TranslateConfig& config);

// The configuration as written to config.json, and back (for --resume).
Json translate_config_to_json(const TranslateConfig& config);
TranslateConfig translate_config_from_json(const Json& json);

// A name for the run folder when none is given: <task>-<model>-<attention>-s<seed>.
std::string default_run_name(const TranslateConfig& config);

}  // namespace heed::experiments
