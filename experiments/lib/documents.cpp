#include "experiments/lib/documents.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/doc_batch.h"
#include "data/task_documents.h"
#include "experiments/lib/document_samples.h"
#include "experiments/lib/trainer.h"
#include "layers/loss.h"
#include "layers/models/han.h"
#include "tensor/ops.h"

namespace heed::experiments {
namespace {

// config.json's keys and the fields they hold, both ways.
constexpr auto documents_fields = [](auto& c, auto&& visit) {
  visit("task", c.task); visit("classes", c.classes); visit("min_sentences", c.min_sentences);
  visit("max_sentences", c.max_sentences); visit("min_words", c.min_words); visit("max_words", c.max_words);
  visit("key_sentences", c.key_sentences); visit("train_size", c.train_size); visit("valid_size", c.valid_size);
  visit("test_size", c.test_size); visit("model", c.model); visit("pooling", c.pooling); visit("embed", c.embed_dim);
  visit("word_hidden", c.word_hidden); visit("sentence_hidden", c.sentence_hidden); visit("attn_dim", c.attn_dim);
  visit("samples", c.samples);
  train_option_fields(c.train, visit);
};

// Refuses an unknown task, model or pooling before any data is generated.
void check_names(const DocumentsConfig& c) {
  check_choice("documents", "task", c.task, document_task_names());
  check_choice("documents", "model", c.model, document_model_names());
  check_choice("documents", "pooling", c.pooling, han_pooling_names());
}

data::DocumentTask build_task(const DocumentsConfig& c) {
  HEED_CHECK(c.train_size > 0 && c.valid_size > 0 && c.test_size > 0, "documents: split sizes ", c.train_size, ", ",
             c.valid_size, ", ", c.test_size, " must all be positive");
  return data::make_document_task({.num_classes = c.classes, .min_sentences = c.min_sentences,
                                   .max_sentences = c.max_sentences, .min_words = c.min_words,
                                   .max_words = c.max_words, .max_key_sentences = c.key_sentences,
                                   .train_size = c.train_size, .valid_size = c.valid_size,
                                   .test_size = c.test_size, .seed = c.train.seed});
}

data::Vocab build_vocab(const data::DocumentTask& task, const data::Tokenizer& tokenizer) {
  std::vector<std::string> sentences;
  for (const auto& doc : task.train) sentences.insert(sentences.end(), doc.sentences.begin(), doc.sentences.end());
  return data::Vocab::build(sentences, tokenizer);
}

struct SplitScores {
  double loss = 0;
  double accuracy = 0;
  double key_weight = 0;  // mean over documents of the sentence weight on its key sentences
};

SplitScores evaluate(HierarchicalAttentionNetwork& model, const data::DocLoader& loader,
                    const std::vector<data::Document>& documents) {
  NoGradGuard no_grad;
  model.eval();
  double loss_sum = 0, correct = 0, key_weight = 0;
  for (std::int64_t i = 0; i < loader.num_batches(); ++i) {
    const data::DocBatch batch = loader.batch(i);
    const HanOutput out = model.forward(batch.words, batch.word_lengths, batch.sentence_lengths);
    loss_sum += cross_entropy(out.logits, batch.labels, kDefaultIgnoreIndex, 0.0, Reduction::Sum).item();
    correct += ops::sum(ops::eq(ops::argmax(out.logits, -1), batch.labels)).item();
    const auto weights = out.sentence_weights.to_vector<double>();  // (B, S)
    const auto sentences = static_cast<std::size_t>(out.sentence_weights.size(1));
    for (std::size_t b = 0; b < batch.example_indices.size(); ++b)
      for (const std::int64_t k : documents[static_cast<std::size_t>(batch.example_indices[b])].key_sentences)
        key_weight += weights[b * sentences + static_cast<std::size_t>(k)];
  }
  model.train();
  const auto n = static_cast<double>(std::max<std::int64_t>(loader.num_examples(), 1));
  return {loss_sum / n, correct / n, key_weight / n};
}

}  // namespace

const std::vector<std::string>& document_task_names() {
  static const std::vector<std::string> names = {"documents"};
  return names;
}

const std::vector<std::string>& document_model_names() {
  static const std::vector<std::string> names = {"han"};
  return names;
}

Json documents_config_to_json(const DocumentsConfig& c) { return fields_to_json(c, documents_fields, "documents"); }

DocumentsConfig documents_config_from_json(const Json& json) {
  return fields_from_json<DocumentsConfig>(json, documents_fields);
}

std::string default_run_name(const DocumentsConfig& c) {
  return c.task + "-" + c.model + "-" + c.pooling + "-s" + std::to_string(c.train.seed);
}

namespace {

// Documents through the HAN: cross-entropy over the classes, accuracy, and the sentence weight
// that lands on the key sentences.
class DocumentTraining final : public TrainingTask {
 public:
  DocumentTraining(const DocumentsConfig& config, const data::DocumentTask& task, const data::Vocab& vocab,
                   HierarchicalAttentionNetwork& model)
      : config_(config), task_(task), vocab_(vocab), model_(model),
        train_(task.train, vocab, tokenizer_, config.train.batch_size, /*shuffle=*/true, config.train.seed),
        valid_(task.validation, vocab, tokenizer_, 250, false, config.train.seed),
        test_(task.test, vocab, tokenizer_, 250, false, config.train.seed) {}

  data::DocLoader& train_loader() { return train_; }

  BatchLoss train_batch() override {
    const data::DocBatch batch = train_.next();
    return classifier_loss(model_.forward(batch.words, batch.word_lengths, batch.sentence_lengths).logits,
                           batch.labels);
  }

  Evaluation validate() override {
    const SplitScores valid = evaluate(model_, valid_, task_.validation);
    std::ostringstream line;
    line << "valid loss " << valid.loss << ", accuracy " << 100 * valid.accuracy
         << "%, sentence weight on key sentences " << valid.key_weight;
    return {{{"valid_loss", valid.loss}, {"valid_accuracy", valid.accuracy}, {"valid_key_weight", valid.key_weight}},
            line.str()};
  }

  Json test(const RunDir& run) override {
    const SplitScores test = evaluate(model_, test_, task_.test);
    if (config_.samples > 0) {
      std::ostringstream printed;
      run.write_json("samples.json", sample_documents(model_, task_.test, vocab_, tokenizer_, task_.class_names,
                                                      config_.samples, &printed));
      if (!config_.train.quiet) std::cerr << "test documents with their weights:\n" << printed.str();
    }
    return {{"test_accuracy", test.accuracy}, {"test_loss", test.loss}, {"test_key_weight", test.key_weight}};
  }

 private:
  const DocumentsConfig& config_;
  const data::DocumentTask& task_;
  const data::Vocab& vocab_;
  HierarchicalAttentionNetwork& model_;
  const data::WordTokenizer tokenizer_{};
  data::DocLoader train_, valid_, test_;
};

}  // namespace

Json run_documents(const DocumentsConfig& config) {
  const TrainOptions& opt = config.train;
  configure_threads(opt);
  check_names(config);
  const data::DocumentTask task = build_task(config);  // bad options are refused before the run folder exists
  const data::Vocab vocab = build_vocab(task, data::WordTokenizer());
  Generator gen(opt.seed);
  HierarchicalAttentionNetwork model({.vocab_size = vocab.size(), .num_classes = config.classes,
                                      .embed_dim = config.embed_dim, .word_hidden = config.word_hidden,
                                      .sentence_hidden = config.sentence_hidden, .attn_dim = config.attn_dim,
                                      .pooling = config.pooling},
                                     gen);
  DocumentTraining training(config, task, vocab, model);

  const TrainerSetup setup{
      .driver = "documents", .run_name = default_run_name(config), .config = documents_config_to_json(config),
      .summary = {{"task", config.task}, {"model", config.model}, {"pooling", config.pooling}},
      .data_text = std::to_string(task.train.size()) + " train / " + std::to_string(task.validation.size()) +
                   " validation / " + std::to_string(task.test.size()) + " test documents; vocab " +
                   std::to_string(vocab.size()),
      .valid_columns = {"valid_loss", "valid_accuracy", "valid_key_weight"}, .best_metric = "valid_accuracy"};
  Trainer trainer(setup, opt, model, gen, DataPosition::of(training.train_loader()));
  return trainer.run(training);
}

}  // namespace heed::experiments
