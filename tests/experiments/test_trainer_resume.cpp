// Resume is exact for every driver on the Trainer: N steps straight, and N/2 steps, a stop at
// that checkpoint (as if killed right after it), then --resume for the rest, end with the same
// parameters, optimizer state, metrics rows, summary and samples, to the last bit
// (require_same_run). Tiny models and few steps, so each driver takes about a second.
#include <filesystem>
#include <functional>

#include "data/temp_dir.h"
#include "experiments/lib/classify.h"
#include "experiments/lib/cli.h"
#include "experiments/lib/documents.h"
#include "experiments/lib/translate.h"
#include "run_checks.h"

using namespace heed;
using namespace heed::experiments;

namespace {

// Trains `whole` straight, then the same config as "split": stopped after stop_after steps and
// resumed as `<driver> --resume --name split` does (the flags from config.json); both folders
// must then hold the same run.
template <typename Config>
void require_exact_resume(const test::TempDir& dir, Config config, std::int64_t stop_after,
                          const std::function<Json(const Config&)>& run, Config (*from_json)(const Json&)) {
  config.train.out_dir = dir.path().string();
  config.train.quiet = true;
  config.train.threads = 1;
  config.train.name = "whole";
  const Json whole = run(config);
  REQUIRE(whole["steps"] == config.train.steps);

  config.train.name = "split";
  config.train.stop_after = stop_after;
  const Json stopped = run(config);
  REQUIRE(stopped["stopped_at_step"] == stop_after);
  REQUIRE_FALSE(std::filesystem::exists(dir.path() / "split" / "summary.json"));

  TrainOptions now;
  now.name = "split";
  now.out_dir = dir.path().string();
  now.quiet = true;
  now.threads = 1;
  const Json resumed = run(resumed_config<Config>(now, from_json));
  REQUIRE(resumed["steps"] == config.train.steps);
  test::require_same_run(dir.path() / "whole", dir.path() / "split");
}

template <typename Config>
void set_schedule(Config& c, std::int64_t steps, std::int64_t eval_every, std::int64_t batch) {
  c.train.steps = steps;
  c.train.eval_every = eval_every;
  c.train.batch_size = batch;
  c.train.lr = 0.01;
  c.train.schedule = "cosine";  // a rate that changes every step: a resume at the wrong step shows
  c.train.seed = 5;
}

ClassifyConfig tiny_images(const std::string& task) {
  ClassifyConfig c;
  c.task = task;
  c.train_limit = 192;  // 6 batches of 32: the 8 steps cross into a second epoch
  c.valid_size = 64;
  c.channels = {4};
  c.hidden = 16;
  c.dropout = task == "captioned" ? 0.0 : 0.2;  // the generator's state must resume too
  c.captioned.fused_dim = 8;
  c.captioned.embed_dim = 8;
  set_schedule(c, 8, 2, 32);
  return c;
}

DocumentsConfig tiny_documents() {
  DocumentsConfig c;
  c.min_sentences = 2;
  c.max_sentences = 3;
  c.min_words = 4;
  c.max_words = 5;
  c.train_size = 96;
  c.valid_size = 16;
  c.test_size = 16;
  c.embed_dim = 8;
  c.word_hidden = 8;
  c.sentence_hidden = 8;
  set_schedule(c, 8, 2, 16);
  return c;
}

}  // namespace

TEST_CASE("translate resumes exactly: N steps straight equal N/2 + --resume + N/2", "[experiments][trainer][resume]") {
  test::TempDir dir;
  TranslateConfig c;
  c.task = "reverse";
  c.train_size = 160;
  c.valid_size = 16;
  c.test_size = 16;
  c.min_len = 3;
  c.max_len = 5;
  c.embed_dim = 8;
  c.hidden = 16;
  c.dropout = 0.1;
  c.samples = 1;
  set_schedule(c, 8, 2, 16);
  require_exact_resume<TranslateConfig>(dir, c, 4, run_translate, translate_config_from_json);
}

TEST_CASE("classify resumes exactly: N steps straight equal N/2 + --resume + N/2", "[experiments][trainer][resume]") {
  test::TempDir dir;
  ClassifyConfig c = tiny_images("fashion");
  c.augment_shift = 1;  // the loader's augmentation resumes with its position
  require_exact_resume<ClassifyConfig>(dir, c, 4, run_classify, classify_config_from_json);
}

TEST_CASE("classify --task captioned resumes exactly: N steps straight equal N/2 + --resume + N/2",
          "[experiments][trainer][resume][captioned]") {
  test::TempDir dir;
  require_exact_resume<ClassifyConfig>(dir, tiny_images("captioned"), 4, run_classify, classify_config_from_json);
}

TEST_CASE("documents resumes exactly: N steps straight equal N/2 + --resume + N/2", "[experiments][trainer][resume][han]") {
  test::TempDir dir;
  DocumentsConfig c = tiny_documents();
  c.samples = 1;
  require_exact_resume<DocumentsConfig>(dir, c, 4, run_documents, documents_config_from_json);
}

TEST_CASE("resume is exact with gradient accumulation, early stopping and the best checkpoint",
          "[experiments][trainer][resume][han]") {
  test::TempDir dir;
  DocumentsConfig c = tiny_documents();
  c.samples = 0;
  set_schedule(c, 8, 1, 8);
  c.train.accumulate = 2;
  c.train.patience = 100;  // on, but never reached: the run's trainer state still resumes
  c.train.keep_best = true;
  require_exact_resume<DocumentsConfig>(dir, c, 3, run_documents, documents_config_from_json);
  const Json summary = test::read_json(dir.path() / "split" / "summary.json");
  REQUIRE(summary.contains("best_step"));
  REQUIRE(std::filesystem::exists(dir.path() / "split" / "best.safetensors"));
  // config.json keeps the Trainer's options, so the resumed half ran with them.
  const DocumentsConfig saved = documents_config_from_json(test::read_json(dir.path() / "split" / "config.json"));
  REQUIRE(saved.train.accumulate == 2);
  REQUIRE(saved.train.patience == 100);
  REQUIRE(saved.train.keep_best);
}
