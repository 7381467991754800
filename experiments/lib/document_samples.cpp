#include "experiments/lib/document_samples.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/doc_batch.h"
#include "tensor/ops.h"

namespace heed::experiments {

using Json = nlohmann::json;

Json sample_documents(HierarchicalAttentionNetwork& model, const std::vector<data::Document>& documents,
                      const data::Vocab& vocab, const data::Tokenizer& tokenizer,
                      const std::vector<std::string>& class_names, std::int64_t count, std::ostream* print) {
  Json samples = Json::array();
  count = std::min<std::int64_t>(count, static_cast<std::int64_t>(documents.size()));
  if (count <= 0) return samples;
  std::vector<data::EncodedDocument> encoded;
  std::vector<std::int64_t> labels;
  for (std::int64_t i = 0; i < count; ++i) {
    encoded.push_back(data::encode_document(documents[static_cast<std::size_t>(i)], vocab, tokenizer));
    labels.push_back(documents[static_cast<std::size_t>(i)].label);
  }
  const data::DocBatch batch = data::collate_documents(encoded, labels);
  HanOutput out;
  {
    NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    out = model.forward(batch.words, batch.word_lengths, batch.sentence_lengths);
    model.train(was_training);
  }
  const std::int64_t max_sentences = batch.words.size(1), max_words = batch.words.size(2);
  const auto predicted = ops::argmax(out.logits, -1).to_vector<std::int64_t>();
  const auto word_weights = out.word_weights.to_vector<double>();          // (B, S, W)
  const auto sentence_weights = out.sentence_weights.to_vector<double>();  // (B, S)
  auto name_of = [&](std::int64_t k) {
    return k >= 0 && k < static_cast<std::int64_t>(class_names.size()) ? class_names[static_cast<std::size_t>(k)]
                                                                        : std::to_string(k);
  };
  for (std::int64_t b = 0; b < count; ++b) {
    const data::Document& doc = documents[static_cast<std::size_t>(b)];
    Json sentences = Json::array();
    for (std::size_t s = 0; s < doc.sentences.size(); ++s) {
      const auto row = static_cast<std::size_t>(b * max_sentences) + s;
      const std::vector<std::string> words = tokenizer.tokenize(doc.sentences[s]);
      std::vector<double> weights;
      for (std::size_t w = 0; w < words.size(); ++w)
        weights.push_back(word_weights[row * static_cast<std::size_t>(max_words) + w]);
      const bool key = std::find(doc.key_sentences.begin(), doc.key_sentences.end(), static_cast<std::int64_t>(s)) !=
                       doc.key_sentences.end();
      sentences.push_back({{"words", words}, {"word_weights", weights}, {"weight", sentence_weights[row]}, {"key", key}});
    }
    const std::int64_t prediction = predicted[static_cast<std::size_t>(b)];
    Json sample = {{"text", doc.text()},
                   {"label", doc.label},
                   {"label_name", name_of(doc.label)},
                   {"prediction", prediction},
                   {"prediction_name", name_of(prediction)},
                   {"key_sentences", doc.key_sentences},
                   {"sentences", sentences}};
    if (print) *print << document_sample_text(sample, b + 1);
    samples.push_back(std::move(sample));
  }
  return samples;
}

std::string document_sample_text(const Json& sample, std::int64_t number) {
  std::ostringstream out;
  out << "document " << number << ": label " << sample.at("label_name").get<std::string>() << ", predicted "
      << sample.at("prediction_name").get<std::string>() << "  (* key sentence; word:weight in %)\n";
  std::size_t index = 0;
  for (const auto& sentence : sample.at("sentences")) {
    char head[48];
    std::snprintf(head, sizeof head, "  %s%2zu  %5.2f ", sentence.at("key").get<bool>() ? "*" : " ", index++,
                  sentence.at("weight").get<double>());
    out << head;
    const auto& words = sentence.at("words");
    const auto& weights = sentence.at("word_weights");
    for (std::size_t w = 0; w < words.size(); ++w)
      out << " " << words[w].get<std::string>() << ":" << std::lround(100 * weights[w].get<double>());
    out << "\n";
  }
  return out.str();
}

}  // namespace heed::experiments
