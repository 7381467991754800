// The training drivers end to end, in miniature: a few steps on small data,
// the loss falls, the run folder holds what the drivers promise, and a run
// stopped at a checkpoint and resumed ends exactly where an uninterrupted run does.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/temp_dir.h"
#include "experiments/lib/classify.h"
#include "experiments/lib/cli.h"
#include "experiments/lib/metrics.h"
#include "experiments/lib/translate.h"
#include "helpers.h"
#include "run_checks.h"

using namespace heed;
using namespace heed::experiments;

namespace {

using test::column;
using test::read_csv;

TranslateConfig tiny_translate(const std::string& out_dir, const std::string& name) {
  TranslateConfig c;
  c.task = "reverse";
  c.train_size = 600;
  c.valid_size = 60;
  c.test_size = 60;
  c.min_len = 3;
  c.max_len = 6;
  c.embed_dim = 16;
  c.hidden = 32;
  c.samples = 2;
  c.train.steps = 60;
  c.train.eval_every = 20;
  c.train.batch_size = 32;
  c.train.lr = 0.01;
  c.train.schedule = "constant";
  c.train.out_dir = out_dir;
  c.train.name = name;
  c.train.quiet = true;
  c.train.seed = 3;
  return c;
}

ClassifyConfig tiny_classify(const std::string& out_dir, const std::string& name) {
  ClassifyConfig c;
  c.train_limit = 1024;
  c.valid_size = 500;
  c.channels = {8, 16};
  c.hidden = 32;
  c.train.steps = 24;
  c.train.eval_every = 8;
  c.train.batch_size = 64;
  c.train.lr = 0.003;
  c.train.schedule = "constant";
  c.train.out_dir = out_dir;
  c.train.name = name;
  c.train.quiet = true;
  return c;
}

// tiny_classify with CBAM after the second block, 4 steps.
ClassifyConfig cbam_classify(const std::string& out_dir, const std::string& name) {
  ClassifyConfig c = tiny_classify(out_dir, name);
  c.attention = "cbam";
  c.attention_blocks = {1};
  c.reduction = 4;
  c.spatial_kernel = 3;
  c.valid_size = 200;
  c.train.steps = 4;
  c.train.eval_every = 2;
  return c;
}

}  // namespace

TEST_CASE("translate trains, falls in loss and writes its run folder", "[experiments]") {
  test::TempDir dir;
  const Json summary = run_translate(tiny_translate(dir.path().string(), "run"));
  const auto run = dir.path() / "run";
  for (const char* file : {"config.json", "metrics.csv", "checkpoint.safetensors", "samples.json", "summary.json"})
    REQUIRE(std::filesystem::exists(run / file));
  const auto rows = read_csv(run / "metrics.csv");
  REQUIRE(rows.size() == 4);  // header + evaluations at steps 20, 40, 60
  REQUIRE(column(rows, 3, "train_loss") < 0.8 * column(rows, 1, "train_loss"));
  REQUIRE(summary["steps"] == 60);
  REQUIRE(summary.contains("test_exact_match"));
  REQUIRE(summary["parameters"].get<std::int64_t>() > 0);
  REQUIRE(summary["ms_per_step"].get<double>() > 0);
  REQUIRE(summary["peak_mb"].get<double>() > 0);
}

TEST_CASE("translate resumed from a checkpoint ends like an uninterrupted run", "[experiments][resume]") {
  test::TempDir dir;
  const Json whole = run_translate(tiny_translate(dir.path().string(), "whole"));

  TranslateConfig first = tiny_translate(dir.path().string(), "split");
  first.train.stop_after = 20;  // stops at the checkpoint of step 20, as if killed right after it
  const Json stopped = run_translate(first);
  REQUIRE(stopped["stopped_at_step"] == 20);
  REQUIRE_FALSE(stopped.contains("test_exact_match"));

  TranslateConfig second = tiny_translate(dir.path().string(), "split");
  second.train.resume = true;
  const Json resumed = run_translate(second);
  REQUIRE(resumed["test_exact_match"] == whole["test_exact_match"]);
  REQUIRE(resumed["test_token_accuracy"] == whole["test_token_accuracy"]);
  REQUIRE(resumed["test_loss"] == whole["test_loss"]);
  // metrics.csv holds the same evaluations, the resumed half included.
  const auto a = read_csv(dir.path() / "whole" / "metrics.csv");
  const auto b = read_csv(dir.path() / "split" / "metrics.csv");
  REQUIRE(a.size() == b.size());
  REQUIRE(column(a, 3, "valid_loss") == column(b, 3, "valid_loss"));
}

TEST_CASE("translate refuses bad input before training", "[experiments][errors]") {
  test::TempDir dir;
  TranslateConfig c = tiny_translate(dir.path().string(), "bad");
  c.attention = "telepathy";
  REQUIRE_THROWS_WITH(run_translate(c), Catch::Contains("telepathy") && Catch::Contains("additive"));
  c = tiny_translate(dir.path().string(), "bad2");
  c.task = "poetry";
  REQUIRE_THROWS_WITH(run_translate(c), Catch::Contains("poetry") && Catch::Contains("dates"));
  c = tiny_translate(dir.path().string(), "bad3");
  c.train.optimizer = "lbfgs";
  REQUIRE_THROWS_WITH(run_translate(c), Catch::Contains("lbfgs") && Catch::Contains("adamw"));
  // An existing run folder is kept unless --overwrite.
  run_translate(tiny_translate(dir.path().string(), "kept"));
  REQUIRE_THROWS_WITH(run_translate(tiny_translate(dir.path().string(), "kept")), Catch::Contains("--overwrite"));
}

TEST_CASE("translate trains a small transformer, scores by decoding or teacher forcing, and resumes",
          "[experiments][transformer-model]") {
  test::TempDir dir;
  TranslateConfig c = tiny_translate(dir.path().string(), "tfm");
  c.model = "transformer";
  c.d_model = 32;
  c.heads = 2;
  c.ff = 64;
  c.layers = 1;
  c.train.steps = 200;
  c.train.eval_every = 50;
  c.train.lr = 0.005;
  c.cross_attention = "gqa";
  c.knobs.window = 5;
  c.eval = "teacher";
  const Json summary = run_translate(c);
  REQUIRE(summary["attention"] == "mha");  // the model's default, given to the roles left empty
  REQUIRE(summary["self_attention"] == "mha");
  REQUIRE(summary["cross_attention"] == "gqa");
  REQUIRE(summary["position"] == "sinusoidal");
  REQUIRE(summary["eval"] == "teacher");
  const auto rows = read_csv(dir.path() / "tfm" / "metrics.csv");
  REQUIRE(rows.size() == 5);  // header + evaluations at steps 50, 100, 150, 200
  REQUIRE(column(rows, 4, "train_loss") < 0.5 * column(rows, 1, "train_loss"));
  REQUIRE(summary["test_exact_match"].get<double>() > 0.05);

  // config.json holds the resolved Transformer settings, and reads back into the same run.
  std::ifstream in(dir.path() / "tfm" / "config.json");
  const TranslateConfig saved = translate_config_from_json(Json::parse(in));
  REQUIRE(saved.model == "transformer");
  REQUIRE(saved.d_model == 32);
  REQUIRE(saved.layers == 1);
  REQUIRE(saved.decoder_layers == 1);
  REQUIRE(saved.decoder_attention == "mha");
  REQUIRE(saved.cross_attention == "gqa");
  REQUIRE(saved.knobs.window == 5);
  REQUIRE(saved.eval == "teacher");
  REQUIRE(translate_config_to_json(saved) == translate_config_to_json(with_model_defaults(c)));

  // Stopped and resumed, it ends where the uninterrupted run did.
  TranslateConfig first = c;
  first.train.name = "tfm-split";
  first.train.stop_after = 100;
  REQUIRE(run_translate(first)["stopped_at_step"] == 100);
  TranslateConfig second = first;
  second.train.stop_after = 0;
  second.train.resume = true;
  const Json resumed = run_translate(second);
  REQUIRE(resumed["test_loss"] == summary["test_loss"]);
  REQUIRE(resumed["test_exact_match"] == summary["test_exact_match"]);

  // Greedy decoding gets a sentence exactly right if and only if every teacher-forced argmax
  // is right (each step then sees the right prefix), so the same training scored by decoding
  // (the default) gives the same exact match.
  TranslateConfig greedy = c;
  greedy.train.name = "tfm-greedy";
  greedy.eval = "greedy";
  const Json decoded = run_translate(greedy);
  REQUIRE(decoded["eval"] == "greedy");
  REQUIRE(decoded["test_exact_match"] == summary["test_exact_match"]);
  REQUIRE(decoded["test_loss"] == summary["test_loss"]);
}

TEST_CASE("translate's samples hold each variant's weights, or its reason for having none", "[experiments]") {
  test::TempDir dir;
  const auto first_sample = [&](TranslateConfig c) {
    c.train.steps = 2;
    c.train.eval_every = 2;
    run_translate(c);
    std::ifstream in(dir.path() / c.train.name / "samples.json");
    return Json::parse(in).at(0);
  };
  TranslateConfig additive = tiny_translate(dir.path().string(), "additive");
  const Json weighed = first_sample(additive);
  REQUIRE(weighed.contains("attention"));
  REQUIRE_FALSE(weighed.contains("attention_note"));

  TranslateConfig none = tiny_translate(dir.path().string(), "none");
  none.attention = "none";
  const Json bare = first_sample(none);
  REQUIRE_FALSE(bare.contains("attention"));
  REQUIRE(bare["attention_note"].get<std::string>().find("reads only the encoder's final state") != std::string::npos);

  TranslateConfig linear = tiny_translate(dir.path().string(), "linear");
  linear.model = "transformer";
  linear.attention = "linear";
  linear.d_model = 16;
  linear.heads = 2;
  linear.ff = 32;
  linear.layers = 1;
  const Json summed = first_sample(linear);
  REQUIRE_FALSE(summed.contains("attention_heads"));
  REQUIRE(summed["attention_note"].get<std::string>().find("linear attention has no attention matrix") !=
          std::string::npos);
}

TEST_CASE("translate refuses unknown transformer names before training", "[experiments][errors][transformer-model]") {
  test::TempDir dir;
  TranslateConfig c = tiny_translate(dir.path().string(), "bad");
  c.model = "transformer";
  c.position = "telepathy";
  REQUIRE_THROWS_WITH(run_translate(c), Catch::Contains("telepathy") && Catch::Contains("sinusoidal"));
  c.position = "sinusoidal";
  c.decoder_attention = "telepathy";
  REQUIRE_THROWS_WITH(run_translate(c), Catch::Contains("telepathy") && Catch::Contains("mha"));
  c.decoder_attention = "";
  c.heads = 5;
  REQUIRE_THROWS_WITH(run_translate(c), Catch::Contains("multiple of heads"));
  c.heads = 4;
  c.model = "lstm-transformer";
  REQUIRE_THROWS_WITH(run_translate(c), Catch::Contains("rnn, transformer"));
  c.model = "transformer";
  c.eval = "vibes";
  REQUIRE_THROWS_WITH(run_translate(c), Catch::Contains("vibes") && Catch::Contains("teacher"));
  REQUIRE_FALSE(std::filesystem::exists(dir.path() / "bad"));  // refused before the run folder exists
}

TEST_CASE("classify trains a small CNN and reports accuracy and a confusion matrix", "[experiments]") {
  test::TempDir dir;
  const Json summary = run_classify(tiny_classify(dir.path().string(), "cnn"));
  const auto rows = read_csv(dir.path() / "cnn" / "metrics.csv");
  REQUIRE(rows.size() == 4);
  REQUIRE(column(rows, 3, "train_loss") < column(rows, 1, "train_loss"));
  REQUIRE(summary["test_accuracy"].get<double>() > 0.3);  // far above chance (0.1) after 24 steps
  std::int64_t total = 0;
  for (const auto& row : summary["confusion"])
    for (const auto& count : row) total += count.get<std::int64_t>();
  REQUIRE(total == 10000);
}

TEST_CASE("classify plugs vision attention into the CNN and records it in config.json and summary.json",
          "[experiments][vision]") {
  test::TempDir dir;
  const Json summary = run_classify(cbam_classify(dir.path().string(), "cbam"));
  REQUIRE(summary["attention"] == "cbam");
  REQUIRE(std::isfinite(summary["test_loss"].get<double>()));

  // config.json holds the attention flags, and --resume reads them back.
  std::ifstream saved(dir.path() / "cbam" / "config.json");
  Json json = Json::parse(saved);
  const ClassifyConfig read = classify_config_from_json(json);
  REQUIRE(read.attention == "cbam");
  REQUIRE(read.attention_blocks == std::vector<std::int64_t>{1});
  REQUIRE(read.reduction == 4);
  REQUIRE(read.spatial_kernel == 3);
  for (const char* key : {"attention", "attention_blocks", "reduction", "spatial_kernel"}) json.erase(key);
  REQUIRE(classify_config_from_json(json).attention == "none");  // a run saved before these flags
  REQUIRE(default_run_name(cbam_classify("", "")) == "fashion-cnn-cbam-s0");
}

TEST_CASE("classify resumes a CNN with vision attention from its checkpoint", "[experiments][vision][resume]") {
  test::TempDir dir;
  ClassifyConfig first = cbam_classify(dir.path().string(), "split");
  first.train.stop_after = 2;
  REQUIRE(run_classify(first)["stopped_at_step"] == 2);
  // As `classify --resume --name split` does: the flags come from config.json. The checkpoint
  // holds blocks.1.attention.*, and loading it fails unless the resumed model has them.
  TrainOptions now;
  now.name = "split";
  now.out_dir = dir.path().string();
  now.quiet = true;
  const Json resumed = run_classify(resumed_config<ClassifyConfig>(now, classify_config_from_json));
  REQUIRE(resumed["attention"] == "cbam");
  REQUIRE(resumed["steps"] == 4);
}

TEST_CASE("classify refuses bad vision attention flags before making the run folder", "[experiments][errors][vision]") {
  test::TempDir dir;
  ClassifyConfig c = tiny_classify(dir.path().string(), "bad");
  c.attention = "telepathy";
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("telepathy") && Catch::Contains("none, se, channel"));
  // Blocks and knobs are checked when the model is built (tests/layers/test_vision_cnn.cpp has
  // them all), which is still before the run folder is made.
  c.attention = "se";
  c.attention_blocks = {0, 2};
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("no block 2"));
  REQUIRE_FALSE(std::filesystem::exists(dir.path() / "bad"));
}

TEST_CASE("sequence scores: exact match, token accuracy, BLEU", "[experiments][metrics]") {
  SequenceScores s;
  s.add({5, 6, 7}, {5, 6, 7});  // exact: 4 of 4 positions (3 tokens + end)
  s.add({5, 6}, {5, 6, 7});     // 2 of 4: misses 7 and the end
  REQUIRE(s.exact_match() == Approx(0.5));
  REQUIRE(s.token_accuracy() == Approx(6.0 / 8.0));
  REQUIRE(strip_at_eos({4, 5, 2, 0, 0}) == Ids{4, 5});
  REQUIRE(corpus_bleu({{1, 2, 3, 4, 5}}, {{1, 2, 3, 4, 5}}) == Approx(100.0));
  REQUIRE(corpus_bleu({{9, 9, 9, 9}}, {{1, 2, 3, 4}}) == 0.0);
  // One wrong token in eight: n-gram precisions 7/8, 5/7, 3/6, 1/5 (counted by hand).
  const double bleu = corpus_bleu({{1, 2, 3, 4, 9, 6, 7, 8}}, {{1, 2, 3, 4, 5, 6, 7, 8}});
  const double expected = 100.0 * std::exp((std::log(7.0 / 8) + std::log(5.0 / 7) + std::log(3.0 / 6) + std::log(1.0 / 5)) / 4);
  REQUIRE(bleu == Approx(expected));
}
