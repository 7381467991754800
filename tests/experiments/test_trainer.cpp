// The Trainer (experiments/lib/trainer.h) on a task small enough to reason about: a linear model
// y = x W^T fitted by mean squared error, batches from a fixed list, and validation scores the
// test scripts. Gradient accumulation, early stopping, the best checkpoint, the metrics files and
// the refusals are each held to what they promise; the drivers' exact resume is in
// test_trainer_resume.cpp.
#include <filesystem>
#include <vector>

#include "data/temp_dir.h"
#include "experiments/lib/trainer.h"
#include "layers/linear.h"
#include "layers/loss.h"
#include "run_checks.h"

using namespace heed;
using namespace heed::experiments;

namespace {

// Batch b of an epoch: rows [b * rows, (b + 1) * rows) of the 8 examples.
struct ListLoader {
  std::int64_t rows = 2;
  data::LoaderState position;
  std::int64_t num_batches() const { return 8 / rows; }
  data::LoaderState state() const { return position; }
  void set_state(const data::LoaderState& state) { position = state; }
  std::int64_t next() {
    if (position.position == num_batches()) position = {position.epoch + 1, 0};
    return position.position++;
  }
};

class LinearTask final : public TrainingTask {
 public:
  LinearTask(std::int64_t rows, std::vector<double> scores) : scores_(std::move(scores)) { loader.rows = rows; }

  BatchLoss train_batch() override {
    const std::int64_t b = loader.next();
    std::vector<float> x, y;
    for (std::int64_t i = b * loader.rows; i < (b + 1) * loader.rows; ++i) {
      const auto a = static_cast<float>(i % 4) - 1.5f, c = static_cast<float>(i) / 8.0f;
      x.insert(x.end(), {a, c});
      y.push_back(2.0f * a - c);
    }
    const Tensor loss = mse_loss(model.forward(from_vector(x, {loader.rows, 2})), from_vector(y, {loader.rows, 1}));
    return {loss, loss.item(), 1.0, 2.0};  // a training accuracy of one half
  }

  Evaluation validate() override {
    weights_at_evaluation.push_back(test::values(model.weight));
    const double score = scores_.at(weights_at_evaluation.size() - 1);
    return {{{"valid_score", score}, {"valid_extra", 7}}, "score " + std::to_string(score)};
  }

  Json test(const RunDir&) override {
    weights_at_test = test::values(model.weight);
    return {{"test_done", true}};
  }

  Generator gen{1};
  Linear model{2, 1, /*bias=*/false, gen};
  ListLoader loader;
  std::vector<std::vector<double>> weights_at_evaluation;
  std::vector<double> weights_at_test;

 private:
  std::vector<double> scores_;
};

TrainOptions sgd_options(const test::TempDir& dir, const std::string& name) {
  TrainOptions o;
  o.name = name;
  o.out_dir = dir.path().string();
  o.optimizer = "sgd";
  o.momentum = 0;
  o.lr = 0.05;
  o.clip_norm = 0;
  o.eval_every = 1;
  o.steps = 4;
  o.quiet = true;
  return o;
}

TrainerSetup linear_setup(const std::string& name) {
  TrainerSetup setup;
  setup.driver = "linear";
  setup.run_name = name;
  setup.config = {{"what", "a test"}};
  setup.summary = {{"task", "linear"}};
  setup.valid_columns = {"valid_score"};
  setup.best_metric = "valid_score";
  return setup;
}

Json train(LinearTask& task, const TrainOptions& options) {
  Trainer trainer(linear_setup(options.name), options, task.model, task.gen, DataPosition::of(task.loader));
  return trainer.run(task);
}

}  // namespace

TEST_CASE("Trainer: accumulating K batches a step trains as one batch of their union does", "[trainer]") {
  test::TempDir dir;
  TrainOptions accumulated = sgd_options(dir, "accumulated");
  accumulated.accumulate = 2;
  accumulated.steps = 0;
  accumulated.epochs = 3;  // 4 batches an epoch, 2 a step: 6 steps
  LinearTask small(2, std::vector<double>(6, 0.5));
  const Json summary = train(small, accumulated);
  REQUIRE(summary["steps"] == 6);

  TrainOptions whole = sgd_options(dir, "whole");
  whole.steps = 6;
  LinearTask large(4, std::vector<double>(6, 0.5));  // each batch = two of the small ones
  train(large, whole);
  // The mean of two equal-sized batches' mean losses is the mean loss over their union.
  for (std::size_t e = 0; e < 6; ++e) REQUIRE_THAT(small.weights_at_evaluation[e], Catch::Approx(large.weights_at_evaluation[e]).epsilon(1e-5));
  const auto a = test::read_csv(dir.path() / "accumulated" / "metrics.csv");
  const auto b = test::read_csv(dir.path() / "whole" / "metrics.csv");
  for (std::size_t row = 1; row <= 6; ++row) {
    REQUIRE(test::column(a, row, "train_loss") == Approx(test::column(b, row, "train_loss")).epsilon(1e-5));
    REQUIRE(test::column(a, row, "train_accuracy") == 0.5);
  }
  REQUIRE(test::column(a, 6, "epoch") == 2);  // the third epoch, counted from 0
}

TEST_CASE("Trainer: early stopping ends the run after `patience` evaluations without a better score, and stays ended",
          "[trainer]") {
  test::TempDir dir;
  TrainOptions options = sgd_options(dir, "patient");
  options.steps = 10;
  options.patience = 2;
  LinearTask task(2, {0.5, 0.7, 0.6, 0.7, 0.9});  // no better than 0.7 at steps 3 and 4 (a tie is no better)
  const Json summary = train(task, options);
  REQUIRE(summary["steps"] == 4);
  REQUIRE(summary["early_stopped_at_step"] == 4);
  REQUIRE(summary["best_valid_score"] == 0.7);
  REQUIRE(summary["best_step"] == 2);
  REQUIRE(summary["test_done"] == true);  // an early stop is a finished run: tested and summarized
  REQUIRE(test::read_json(dir.path() / "patient" / "summary.json")["early_stopped_at_step"] == 4);
  REQUIRE(test::read_csv(dir.path() / "patient" / "metrics.csv").size() == 5);

  // Resumed, it trains no further: the checkpoint says it stopped.
  options.resume = true;
  LinearTask again(2, {0.5});
  const Json resumed = train(again, options);
  REQUIRE(resumed["steps"] == 4);
  REQUIRE(again.weights_at_evaluation.empty());
  REQUIRE(again.weights_at_test == task.weights_at_test);
}

TEST_CASE("Trainer: --keep-best tests the model of the best evaluation, not the last", "[trainer]") {
  test::TempDir dir;
  TrainOptions options = sgd_options(dir, "best");
  options.keep_best = true;
  LinearTask task(2, {0.2, 0.9, 0.1, 0.3});
  const Json summary = train(task, options);
  REQUIRE(summary["best_step"] == 2);
  REQUIRE_FALSE(summary.contains("early_stopped_at_step"));
  REQUIRE(std::filesystem::exists(dir.path() / "best" / "best.safetensors"));
  REQUIRE(task.weights_at_test == task.weights_at_evaluation[1]);
  REQUIRE(task.weights_at_test != task.weights_at_evaluation[3]);

  LinearTask last(2, {0.2, 0.9, 0.1, 0.3});
  train(last, sgd_options(dir, "last"));
  REQUIRE(last.weights_at_test == last.weights_at_evaluation[3]);
  REQUIRE_FALSE(std::filesystem::exists(dir.path() / "last" / "best.safetensors"));
}

TEST_CASE("Trainer: metrics.csv has the setup's columns, metrics.jsonl every value; config.json the setup's config",
          "[trainer]") {
  test::TempDir dir;
  LinearTask task(2, {0.1, 0.2, 0.3, 0.4});
  TrainOptions options = sgd_options(dir, "files");
  options.eval_every = 2;
  const Json summary = train(task, options);
  const auto run = dir.path() / "files";
  const auto csv = test::read_csv(run / "metrics.csv");
  REQUIRE(csv.front() == std::vector<std::string>{"step", "epoch", "lr", "train_loss", "train_accuracy", "valid_score",
                                                  "elapsed_s"});
  REQUIRE(csv.size() == 3);  // evaluations at steps 2 and 4
  const auto lines = test::read_json_lines(run / "metrics.jsonl");
  REQUIRE(lines.size() == 2);
  REQUIRE(lines[1]["step"] == 4);
  REQUIRE(lines[1]["valid_score"] == 0.2);
  REQUIRE(lines[1]["valid_extra"] == 7);  // not a csv column, yet kept
  REQUIRE(lines[1]["lr"] == 0.05);
  REQUIRE(test::read_json(run / "config.json") == Json{{"what", "a test"}, {"name", "files"}});
  REQUIRE(summary["task"] == "linear");
  REQUIRE(summary["driver"] == "linear");
  REQUIRE(summary["best_valid_score"] == 0.2);
  REQUIRE_FALSE(summary.contains("best_step"));  // only with --keep-best or --patience
  REQUIRE(test::read_json(run / "summary.json") == summary);
}

TEST_CASE("Trainer: bad options are refused, naming the flag, before the run folder exists", "[trainer][errors]") {
  test::TempDir dir;
  LinearTask task(2, {0.5});
  TrainOptions options = sgd_options(dir, "bad");
  options.accumulate = 0;
  REQUIRE_THROWS_WITH(train(task, options), Catch::Contains("--accumulate 0") && Catch::Contains("at least 1"));
  options = sgd_options(dir, "bad");
  options.patience = -1;
  REQUIRE_THROWS_WITH(train(task, options), Catch::Contains("--patience -1"));
  options = sgd_options(dir, "bad");
  options.steps = 0;
  options.epochs = 0;
  REQUIRE_THROWS_WITH(train(task, options), Catch::Contains("no training step") && Catch::Contains("--epochs N"));
  options = sgd_options(dir, "bad");
  options.optimizer = "lbfgs";
  REQUIRE_THROWS_WITH(train(task, options), Catch::Contains("lbfgs") && Catch::Contains("adamw"));
  REQUIRE_FALSE(std::filesystem::exists(dir.path() / "bad"));
  options = sgd_options(dir, "bad");
  options.resume = true;
  REQUIRE_THROWS_WITH(train(task, options), Catch::Contains("without --resume"));
}
