// classify's generated tasks end to end, in miniature: --task captioned (a multimodal classifier
// and its GMU gate on right and wrong captions, resumed exactly from a checkpoint, its config.json
// read back) and --task cluttered (the CNN on canvases), and the flags they refuse.
#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/temp_dir.h"
#include "experiments/lib/classify.h"
#include "helpers.h"

using namespace heed;
using namespace heed::experiments;

namespace {

ClassifyConfig tiny(const std::string& task, const std::string& out_dir, const std::string& name) {
  ClassifyConfig c;
  c.task = task;
  c.train_limit = 512;
  c.valid_size = 200;
  c.channels = {4, 8};
  c.hidden = 32;
  c.captioned.fused_dim = 32;
  c.captioned.embed_dim = 16;
  c.train.steps = 16;
  c.train.eval_every = 8;
  c.train.batch_size = 64;
  c.train.lr = 0.003;
  c.train.schedule = "constant";
  c.train.out_dir = out_dir;
  c.train.name = name;
  c.train.quiet = true;
  c.train.seed = 2;
  return c;
}

Json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

}  // namespace

TEST_CASE("classify --task captioned trains a GMU, reports its gate on right and wrong captions, and resumes",
          "[experiments][captioned][resume]") {
  test::TempDir dir;
  const Json whole = run_classify(tiny("captioned", dir.path().string(), "whole"));
  for (const char* file : {"config.json", "metrics.csv", "checkpoint.safetensors", "summary.json"})
    REQUIRE(std::filesystem::exists(dir.path() / "whole" / file));
  REQUIRE(whole["fusion"] == "gmu");
  REQUIRE(whole["test_accuracy"].get<double>() > 0.5);  // the captions alone are right 70% of the time
  REQUIRE(whole["test_wrong_caption_share"].get<double>() == Approx(0.3).margin(0.02));
  for (const char* key : {"test_gate_mean", "test_gate_right_captions", "test_gate_wrong_captions"}) {
    INFO(key);
    REQUIRE(whole[key].get<double>() > 0.0);
    REQUIRE(whole[key].get<double>() < 1.0);
  }

  ClassifyConfig first = tiny("captioned", dir.path().string(), "split");
  first.train.stop_after = 8;
  REQUIRE(run_classify(first)["stopped_at_step"] == 8);
  ClassifyConfig second = tiny("captioned", dir.path().string(), "split");
  second.train.resume = true;
  const Json resumed = run_classify(second);
  for (const char* key : {"test_accuracy", "test_loss", "test_gate_right_captions", "test_gate_wrong_captions"}) {
    INFO(key);
    REQUIRE(resumed[key] == whole[key]);
  }

  // config.json reads back into the same run, and writes out the same again.
  const Json saved = read_json(dir.path() / "whole" / "config.json");
  const ClassifyConfig back = classify_config_from_json(saved);
  REQUIRE(back.task == "captioned");
  REQUIRE(back.captioned.fusion == "gmu");
  REQUIRE(back.captioned.wrong_rate == 0.3);
  REQUIRE(back.captioned.fused_dim == 32);
  REQUIRE(back.captioned.embed_dim == 16);
  REQUIRE(classify_config_to_json(back) == saved);
}

TEST_CASE("classify --task captioned trains with cross-attention fusion", "[experiments][captioned]") {
  test::TempDir dir;
  ClassifyConfig c = tiny("captioned", dir.path().string(), "cross");
  c.captioned.fusion = "cross-attention";
  const Json summary = run_classify(c);
  REQUIRE(summary["fusion"] == "cross-attention");
  // Above chance (0.1; its spread over 10000 test images is 0.003). Its image side starts as a mean
  // over positions and learns more slowly than gmu's (tests/layers/test_fusion.cpp trains it longer).
  REQUIRE(summary["test_accuracy"].get<double>() > 0.13);
  REQUIRE(std::isfinite(summary["test_loss"].get<double>()));
  REQUIRE(summary["test_accuracy_right_captions"].get<double>() > 0.0);
  REQUIRE_FALSE(summary.contains("test_gate_mean"));  // only the GMU has a gate
}

TEST_CASE("classify --task cluttered trains the CNN on canvases of the chosen size", "[experiments][cluttered]") {
  test::TempDir dir;
  ClassifyConfig c = tiny("cluttered", dir.path().string(), "cluttered");
  c.cluttered.canvas = 40;
  c.cluttered.distractors = 2;
  const Json summary = run_classify(c);
  REQUIRE(summary["test_accuracy"].get<double>() > 0.2);
  const Json saved = read_json(dir.path() / "cluttered" / "config.json");
  REQUIRE(saved["cluttered"]["canvas"] == 40);
  REQUIRE(classify_config_from_json(saved).cluttered.distractors == 2);
  // The CNN was built for 40 x 40 canvases: after two poolings its hidden layer reads 8 channels
  // of 10 x 10. Convs 4*9 + 8*4*9, batch norms 2*4 + 2*8, hidden 800*32 + 32, classifier 32*10 + 10.
  REQUIRE(summary["parameters"] == 36 + 288 + 8 + 16 + 25632 + 330);
}

TEST_CASE("classify refuses bad captioned and cluttered flags before writing anything", "[experiments][errors]") {
  test::TempDir dir;
  ClassifyConfig c = tiny("captioned", dir.path().string(), "bad");
  c.captioned.fusion = "telepathy";
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("telepathy") && Catch::Contains("gmu, cross-attention, concat"));
  c = tiny("captioned", dir.path().string(), "bad");
  c.captioned.wrong_rate = 1.5;
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("--wrong-caption-rate 1.5"));
  c = tiny("captioned", dir.path().string(), "bad");
  c.model = "vit";
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("--model vit") && Catch::Contains("cnn"));
  c = tiny("captioned", dir.path().string(), "bad");
  c.captioned.fusion = "cross-attention";
  c.captioned.heads = 5;
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("5 heads"));
  c = tiny("cluttered", dir.path().string(), "bad");
  c.cluttered.canvas = 20;
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("canvas is 20 x 20") && Catch::Contains("canvas >= 28"));
  c = tiny("mosaic", dir.path().string(), "bad");
  REQUIRE_THROWS_WITH(run_classify(c), Catch::Contains("mosaic") && Catch::Contains("cluttered, captioned"));
  REQUIRE_FALSE(std::filesystem::exists(dir.path() / "bad"));
}
