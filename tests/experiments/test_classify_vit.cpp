// classify --model vit end to end, in miniature: a small ViT trains a few
// steps on part of Fashion-MNIST, its config.json reads back into the same
// settings, a run stopped at a checkpoint and resumed ends where the
// uninterrupted one does, and bad settings are refused before the run folder exists.
#include <filesystem>
#include <fstream>

#include "data/temp_dir.h"
#include "experiments/lib/classify.h"
#include "helpers.h"

using namespace heed;
using namespace heed::experiments;

namespace {

ClassifyConfig tiny_vit(const std::string& out_dir, const std::string& name) {
  ClassifyConfig c = vit_training_defaults();
  c.model = "vit";
  c.train_limit = 512;
  c.valid_size = 500;
  c.vit.patch = 7;  // a 4 x 4 grid: 17 tokens with the class token
  c.vit.d_model = 16;
  c.vit.heads = 2;
  c.vit.layers = 1;
  c.vit.ff = 32;
  c.vit.attention = "local";
  c.vit.knobs.window = 5;
  c.vit.position = "rope-2d";
  c.train.steps = 16;
  c.warmup_fraction = 0.25;  // 4 warmup steps
  c.train.lr = 0.005;         // a high rate, to learn something in 16 steps
  c.train.eval_every = 8;
  c.train.batch_size = 64;
  c.train.out_dir = out_dir;
  c.train.name = name;
  c.train.quiet = true;
  return c;
}

}  // namespace

TEST_CASE("classify trains a small ViT, saves a config that reads back, and resumes", "[experiments][vit]") {
  test::TempDir dir;
  const ClassifyConfig c = tiny_vit(dir.path().string(), "vit");
  const Json summary = run_classify(c);
  REQUIRE(summary["model"] == "vit");
  REQUIRE(summary["attention"] == "local");
  REQUIRE(summary["position"] == "rope-2d");
  REQUIRE(summary["test_accuracy"].get<double>() > 0.2);  // above chance (0.1) after 16 steps

  std::ifstream in(dir.path() / "vit" / "config.json");
  const Json saved = Json::parse(in);
  const ClassifyConfig read = classify_config_from_json(saved);
  REQUIRE(read.model == "vit");
  REQUIRE(read.vit.patch == 7);
  REQUIRE(read.vit.attention == "local");
  REQUIRE(read.vit.knobs.window == 5);
  REQUIRE(read.vit.position == "rope-2d");
  REQUIRE(read.train.optimizer == "adamw");
  REQUIRE(read.warmup_fraction == 0.25);
  REQUIRE(classify_config_to_json(read) == saved);

  ClassifyConfig first = c;
  first.train.name = "vit-split";
  first.train.stop_after = 8;
  REQUIRE(run_classify(first)["stopped_at_step"] == 8);
  ClassifyConfig second = first;
  second.train.stop_after = 0;
  second.train.resume = true;
  const Json resumed = run_classify(second);
  REQUIRE(resumed["test_loss"] == summary["test_loss"]);
  REQUIRE(resumed["test_accuracy"] == summary["test_accuracy"]);
}

TEST_CASE("classify refuses a ViT whose patch does not divide the images, before the run folder exists",
          "[experiments][errors][vit]") {
  test::TempDir dir;
  ClassifyConfig c = tiny_vit(dir.path().string(), "bad");
  c.vit.patch = 5;
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("patch 5 does not divide the image size 28") &&
                                           Catch::Contains("1, 2, 4, 7, 14, 28"));
  c.vit.patch = 7;
  c.model = "resnet";
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("cnn, vit"));
  REQUIRE_FALSE(std::filesystem::exists(dir.path() / "bad"));
}
