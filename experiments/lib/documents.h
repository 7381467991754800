// Training and evaluating a document classifier on the generated `documents` task: what the
// `documents` driver runs.
//
// One call does the whole run: generate the task (data/task_documents.h), build the word
// vocabulary from its train split, build the hierarchical attention network (layers/models/han.h)
// with attention or mean pooling, train with evaluation every `eval_every` steps (validation
// loss, accuracy, and how much sentence weight lands on the key sentences; a checkpoint each
// time), then score the test split, write a few test documents with their word and sentence
// weights to samples.json, and return a summary:
//   {"task":"documents","pooling":"attention","test_accuracy":0.97,"test_key_weight":0.9,...}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/lib/run.h"

namespace heed::experiments {

struct DocumentsConfig {
  TrainOptions train;
  // The task (defaults as in data::DocumentTaskOptions).
  std::string task = "documents";
  std::int64_t classes = 4;
  std::int64_t min_sentences = 6;
  std::int64_t max_sentences = 12;
  std::int64_t min_words = 5;
  std::int64_t max_words = 10;
  std::int64_t key_sentences = 2;  // at most this many key sentences per document
  std::int64_t train_size = 8000;
  std::int64_t valid_size = 500;
  std::int64_t test_size = 1000;
  // The model.
  std::string model = "han";
  std::string pooling = "attention";  // attention or mean
  std::int64_t embed_dim = 32;
  std::int64_t word_hidden = 32;
  std::int64_t sentence_hidden = 32;
  std::int64_t attn_dim = 0;           // 0: each pooling's input size
  // Reporting.
  std::int64_t samples = 3;            // test documents printed with their weights
};

const std::vector<std::string>& document_task_names();  // documents
const std::vector<std::string>& document_model_names();  // han

// Runs the experiment; returns the summary also written to summary.json.
Json run_documents(const DocumentsConfig& config);

// The configuration as written to config.json, and back (for --resume).
Json documents_config_to_json(const DocumentsConfig& config);
DocumentsConfig documents_config_from_json(const Json& json);

// A name for the run folder when none is given: <task>-<model>-<pooling>-s<seed>.
std::string default_run_name(const DocumentsConfig& config);

}  // namespace heed::experiments
