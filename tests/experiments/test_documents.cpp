// The documents driver end to end, in miniature: a few steps on a small task, the loss falls,
// the run folder holds what the driver promises (samples with their weights included), a run
// stopped at a checkpoint and resumed ends exactly where an uninterrupted run does, and bad
// names are refused before anything is written.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/temp_dir.h"
#include "experiments/lib/document_samples.h"
#include "experiments/lib/documents.h"
#include "helpers.h"
#include "run_checks.h"

using namespace heed;
using namespace heed::experiments;

namespace {

using test::column;
using test::read_csv;

DocumentsConfig tiny_documents(const std::string& out_dir, const std::string& name) {
  DocumentsConfig c;
  c.min_sentences = 2;
  c.max_sentences = 4;
  c.min_words = 4;
  c.max_words = 6;
  c.train_size = 480;
  c.valid_size = 40;
  c.test_size = 40;
  c.embed_dim = 12;
  c.word_hidden = 12;
  c.sentence_hidden = 12;
  c.samples = 2;
  c.train.steps = 45;
  c.train.eval_every = 15;
  c.train.batch_size = 16;
  c.train.lr = 0.01;
  c.train.schedule = "constant";
  c.train.out_dir = out_dir;
  c.train.name = name;
  c.train.quiet = true;
  c.train.seed = 2;
  c.train.threads = 1;  // small shapes: one thread is fastest, and the machine is shared
  return c;
}

}  // namespace

TEST_CASE("documents trains a HAN, falls in loss and writes its run folder", "[han][experiments]") {
  test::TempDir dir;
  const Json summary = run_documents(tiny_documents(dir.path().string(), "run"));
  const auto run = dir.path() / "run";
  for (const char* file : {"config.json", "metrics.csv", "checkpoint.safetensors", "samples.json", "summary.json"})
    REQUIRE(std::filesystem::exists(run / file));
  const auto rows = read_csv(run / "metrics.csv");
  REQUIRE(rows.size() == 4);  // header + evaluations at steps 15, 30, 45
  REQUIRE(column(rows, 3, "train_loss") < 0.9 * column(rows, 1, "train_loss"));
  REQUIRE(summary["steps"] == 45);
  REQUIRE(summary["pooling"] == "attention");
  REQUIRE(summary["test_accuracy"].get<double>() >= 0.0);
  REQUIRE(summary["test_key_weight"].get<double>() > 0.0);
  REQUIRE(summary["parameters"].get<std::int64_t>() > 0);
  REQUIRE(summary["ms_per_step"].get<double>() > 0);
  REQUIRE(summary["peak_mb"].get<double>() > 0);

  std::ifstream in(run / "samples.json");
  const Json samples = Json::parse(in);
  REQUIRE(samples.size() == 2);
  for (const auto& sample : samples) {
    double sentence_total = 0;
    for (const auto& sentence : sample["sentences"]) {
      REQUIRE(sentence["words"].size() == sentence["word_weights"].size());
      double word_total = 0;
      for (const auto& w : sentence["word_weights"]) word_total += w.get<double>();
      REQUIRE(word_total == Approx(1.0).epsilon(1e-4));
      sentence_total += sentence["weight"].get<double>();
    }
    REQUIRE(sentence_total == Approx(1.0).epsilon(1e-4));
    const std::string text = document_sample_text(sample, 1);
    REQUIRE_THAT(text, Catch::Contains("label " + sample["label_name"].get<std::string>()) &&
                           Catch::Contains("answer:"));
  }
}

TEST_CASE("documents with mean pooling gives uniform weights", "[han][experiments]") {
  test::TempDir dir;
  DocumentsConfig c = tiny_documents(dir.path().string(), "mean");
  c.pooling = "mean";
  c.train.steps = 5;
  c.train.eval_every = 5;
  const Json summary = run_documents(c);
  REQUIRE(summary["pooling"] == "mean");
  std::ifstream in(dir.path() / "mean" / "samples.json");
  const Json samples = Json::parse(in);
  const auto& sentences = samples[0]["sentences"];
  for (const auto& sentence : sentences) {
    REQUIRE(sentence["weight"].get<double>() == Approx(1.0 / static_cast<double>(sentences.size())));
    const double uniform = 1.0 / static_cast<double>(sentence["words"].size());
    for (const auto& w : sentence["word_weights"]) REQUIRE(w.get<double>() == Approx(uniform));
  }
}

TEST_CASE("documents resumed from a checkpoint ends like an uninterrupted run", "[han][experiments][resume]") {
  test::TempDir dir;
  const Json whole = run_documents(tiny_documents(dir.path().string(), "whole"));
  DocumentsConfig first = tiny_documents(dir.path().string(), "split");
  first.train.stop_after = 15;
  const Json stopped = run_documents(first);
  REQUIRE(stopped["stopped_at_step"] == 15);
  REQUIRE_FALSE(stopped.contains("test_accuracy"));
  DocumentsConfig second = tiny_documents(dir.path().string(), "split");
  second.train.resume = true;
  const Json resumed = run_documents(second);
  REQUIRE(resumed["test_accuracy"] == whole["test_accuracy"]);
  REQUIRE(resumed["test_loss"] == whole["test_loss"]);
  REQUIRE(resumed["test_key_weight"] == whole["test_key_weight"]);
  const auto a = read_csv(dir.path() / "whole" / "metrics.csv");
  const auto b = read_csv(dir.path() / "split" / "metrics.csv");
  REQUIRE(a.size() == b.size());
  REQUIRE(column(a, 3, "valid_loss") == column(b, 3, "valid_loss"));
}

TEST_CASE("documents refuses bad names and options before writing a run folder", "[han][experiments][errors]") {
  test::TempDir dir;
  DocumentsConfig c = tiny_documents(dir.path().string(), "bad");
  c.task = "poetry";
  REQUIRE_THROWS_WITH(run_documents(c), Catch::Contains("poetry") && Catch::Contains("documents"));
  c = tiny_documents(dir.path().string(), "bad");
  c.pooling = "max";
  REQUIRE_THROWS_WITH(run_documents(c), Catch::Contains("'max'") && Catch::Contains("attention, mean"));
  c = tiny_documents(dir.path().string(), "bad");
  c.classes = 20;
  REQUIRE_THROWS_WITH(run_documents(c), Catch::Contains("num_classes is 20"));
  REQUIRE_FALSE(std::filesystem::exists(dir.path() / "bad"));
  // config.json round-trips.
  const DocumentsConfig back = documents_config_from_json(documents_config_to_json(tiny_documents("x", "y")));
  REQUIRE(documents_config_to_json(back) == documents_config_to_json(tiny_documents("x", "y")));
}
