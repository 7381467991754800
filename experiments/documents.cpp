// documents: train a hierarchical attention network on a generated document-classification task.
//
//   documents                                   (HAN with word and sentence attention)
//   documents --pooling mean                    (the same network with mean pooling: the baseline)
//   documents --classes 6 --min-sentences 15 --max-sentences 30 --epochs 1   (long documents)
//   documents --name han-run --resume           (continue a run from its checkpoint)
//   documents --list                            (tasks, models, poolings)
//
// The task (data/task_documents.h): documents of a few sentences; the class is the colour that
// comes right after the word "answer" in the one or two key sentences, while every sentence holds
// colours and half of the others "answer" too, never right before a colour.
//
// Writes runs/<name>/{config.json, metrics.csv, checkpoint.safetensors, samples.json,
// summary.json}, prints a few test documents with their word and sentence weights, and prints
// the summary (test accuracy, weight on key sentences, ms/step, parameters, peak memory) as one JSON line.
#include <iostream>

#include "experiments/lib/cli.h"
#include "experiments/lib/documents.h"
#include "layers/models/han.h"

using heed::experiments::DocumentsConfig;
using heed::experiments::Json;

int main(int argc, char** argv) {
  return heed::experiments::run_driver("documents", [&] {
    cxxopts::Options options("documents",
                             "Train a hierarchical attention network (Yang et al. 2016) on a generated "
                             "document-classification task.");
    DocumentsConfig c;
    auto& t = c.train;
    // clang-format off
    options.add_options("Task")
      ("task", "documents (see --list)", cxxopts::value(c.task)->default_value("documents"))
      ("classes", "classes (one colour word each), 2..12", cxxopts::value(c.classes)->default_value("4"))
      ("min-sentences", "fewest sentences per document", cxxopts::value(c.min_sentences)->default_value("6"))
      ("max-sentences", "most sentences per document", cxxopts::value(c.max_sentences)->default_value("12"))
      ("min-words", "fewest words per sentence (>= 3)", cxxopts::value(c.min_words)->default_value("5"))
      ("max-words", "most words per sentence", cxxopts::value(c.max_words)->default_value("10"))
      ("key-sentences", "most key sentences per document (each has 1..this)", cxxopts::value(c.key_sentences)->default_value("2"))
      ("train-size", "training documents", cxxopts::value(c.train_size)->default_value("8000"))
      ("valid-size", "validation documents", cxxopts::value(c.valid_size)->default_value("500"))
      ("test-size", "test documents", cxxopts::value(c.test_size)->default_value("1000"));
    options.add_options("Model")
      ("model", "han", cxxopts::value(c.model)->default_value("han"))
      ("pooling", "attention (HAN) or mean (the baseline), at both levels", cxxopts::value(c.pooling)->default_value("attention"))
      ("embed", "word embedding size", cxxopts::value(c.embed_dim)->default_value("32"))
      ("word-hidden", "word GRU size per direction", cxxopts::value(c.word_hidden)->default_value("32"))
      ("sentence-hidden", "sentence GRU size per direction", cxxopts::value(c.sentence_hidden)->default_value("32"))
      ("attn-dim", "size of the attention's hidden layer (0: its input size)", cxxopts::value(c.attn_dim)->default_value("0"));
    // clang-format on
    heed::experiments::add_training_options(
        options, t, {.epochs = 3, .batch_size = 32, .lr = 0.003, .schedule = "cosine", .eval_every = 100});
    heed::experiments::add_output_options(
        options, t, "run name: results go to <out>/<name> (default: <task>-<model>-<pooling>-s<seed>)");
    // clang-format off
    options.add_options("Output")
      ("samples", "test documents printed with their word and sentence weights", cxxopts::value(c.samples)->default_value("3"))
      ("list", "list tasks, models and poolings, then exit")
      ("h,help", "print this help");
    // clang-format on
    const auto parsed = heed::experiments::parse_flags(options, argc, argv);
    if (parsed.count("help")) {
      std::cout << options.help() << "\n";
      return 0;
    }
    if (parsed.count("list")) {
      std::cout << "tasks:\n";
      for (const auto& task : heed::experiments::document_task_names())
        std::cout << "  " << task << "      the class is the colour right after \"answer\" in the key sentences\n";
      std::cout << "models:\n";
      for (const auto& model : heed::experiments::document_model_names())
        std::cout << "  " << model << "            hierarchical attention network (Yang et al. 2016)\n";
      std::cout << "poolings (--pooling, at the word and the sentence level):\n"
                << "  attention      u = tanh(W h + b), a = softmax(u . u_w), sum_t a_t h_t\n"
                << "  mean           the average over the real words or sentences\n";
      return 0;
    }
    if (t.resume) c = heed::experiments::resumed_config<DocumentsConfig>(t, heed::experiments::documents_config_from_json);
    const Json summary = heed::experiments::run_documents(c);
    std::cout << summary.dump() << std::endl;
    return 0;
  });
}
