// What the hierarchical attention network read: a few documents with their word and sentence
// weights, as JSON (the run's samples.json) and as text for the terminal:
//
//   document 1: label blue, predicted blue  (* key sentence; word:weight in %)
//       0   0.02  the:3 cat:9 saw:12 red:31 near:20 box:25
//     * 1   0.95  old:1 answer:8 blue:88 green:2 the:1
//
// Each sample in samples.json:
//   {"text", "label", "label_name", "prediction", "prediction_name", "key_sentences",
//    "sentences": [{"words": [...], "word_weights": [...], "weight": w, "key": true|false}, ...]}
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/task_documents.h"
#include "data/tokenizer.h"
#include "data/vocab.h"
#include "layers/models/han.h"

namespace heed::experiments {

// The first `count` documents of `documents` through the model (in eval mode, without gradients);
// prints them to `print` when it is not null.
nlohmann::json sample_documents(HierarchicalAttentionNetwork& model, const std::vector<data::Document>& documents,
                                const data::Vocab& vocab, const data::Tokenizer& tokenizer,
                                const std::vector<std::string>& class_names, std::int64_t count, std::ostream* print);

// One sample of sample_documents() as text.
std::string document_sample_text(const nlohmann::json& sample, std::int64_t number);

}  // namespace heed::experiments
