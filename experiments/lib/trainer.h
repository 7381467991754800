// The one training loop that every driver (translate, classify, classify --task captioned,
// documents) runs. A driver builds its data and its model, says what a batch's loss and an
// evaluation's metrics are (TrainingTask), and the Trainer does the rest:
//
//   for step = first .. total-1:                          (first > 0 after --resume)
//     lr <- schedule(step)
//     for k = 1 .. accumulate:  task.train_batch() -> (objective / accumulate).backward()
//     clip_grad_norm(clip_norm); optimizer.step(); zero_grad()
//     every eval_every steps and at the last:
//       task.validate() -> metrics.csv and metrics.jsonl, the line "step N: <its line>",
//       checkpoint.safetensors, best.safetensors when it improved (--keep-best),
//       early stopping after `patience` evaluations without improvement (--patience)
//   task.test(run) on the best (--keep-best) or last model -> summary.json
//
// Resume is exact: the checkpoint holds the model, the optimizer, the step, the generator, the
// loader's position and the trainer's own state (best score, evaluations since it), and the
// schedule is a function of the step alone, so N steps straight and N/2 + --resume + N/2 give the
// same parameters and metrics to the last bit (tests/experiments/test_trainer_resume.cpp).
//
//   MyTask task(model, train_loader, ...);                     // a TrainingTask
//   Trainer trainer(setup, options, model, gen, DataPosition::of(train_loader));
//   return trainer.run(task);                                  // the summary, also in summary.json
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/loader_state.h"
#include "experiments/lib/run.h"
#include "layers/module.h"
#include "tensor/random.h"

namespace heed::experiments {

// One training batch through the model (in training mode).
struct BatchLoss {
  Tensor objective;   // () what backward() starts from: the loss, plus any auxiliary term
  double loss = 0;    // the loss reported (the cross-entropy alone, comparable with valid_loss)
  double correct = 0; // right predictions in the batch, out of
  double counted = 0; // this many (examples, or target tokens): the training accuracy
};

// A classifier's BatchLoss: the cross-entropy of logits (B, C) against labels (B), and its argmax hits.
BatchLoss classifier_loss(const Tensor& logits, const Tensor& labels, double label_smoothing = 0.0);

// One evaluation of the validation split.
struct Evaluation {
  Json metrics;      // {"valid_loss": ..., "valid_accuracy": ...}: metrics.csv's columns, and any more
  std::string line;  // "valid loss 0.41, accuracy 86.2%": logged after "step N: "
};

// What a driver gives the Trainer: its batches, its loss and its metrics.
class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  virtual BatchLoss train_batch() = 0;         // draws the next training batch
  virtual Evaluation validate() = 0;           // leaves the model in training mode
  virtual Json test(const RunDir& run) = 0;    // a finished run's test fields; may write samples.json
};

// Where the training data stands: any loader with num_batches(), state() and set_state().
struct DataPosition {
  std::function<data::LoaderState()> state;
  std::function<void(const data::LoaderState&)> set_state;
  std::int64_t batches_per_epoch = 0;

  template <typename Loader>
  static DataPosition of(Loader& loader) {
    return {[&loader] { return loader.state(); },
            [&loader](const data::LoaderState& state) { loader.set_state(state); }, loader.num_batches()};
  }
};

// What the Trainer cannot know of the task. Every field has an initializer, so a driver names
// only those it sets: TrainerSetup{.driver = "translate", ...}.
struct TrainerSetup {
  std::string driver{};                           // "translate": summary.json's driver, --verbose's prefix
  std::string run_name{};                         // the run folder under out_dir when --name gives none
  Json config{};                                  // written to config.json on a fresh run
  Json summary{};                                 // the driver's summary fields: task, model, attention, ...
  std::string data_text{};                        // --verbose: "600 train / 60 validation / 60 test examples"
  std::string train_accuracy = "train_accuracy";  // metrics.csv's column for the training accuracy
  std::vector<std::string> valid_columns{};       // metrics.csv's validation columns, in order
  std::string best_metric{};                      // the valid_* metric to maximize: best_<it> in the summary
  double model_dim = 512;                         // the noam schedule's d_model
  double warmup_fraction = 0;                     // > 0: warm up for this share of the steps (replaces --warmup)
};

class Trainer {
 public:
  // Makes the run folder (writing config.json) or reopens it and loads the checkpoint (--resume).
  // Call it once the task's data and model are built, so bad settings fail before the folder exists.
  Trainer(TrainerSetup setup, const TrainOptions& options, Module& model, Generator& generator, DataPosition data);
  ~Trainer();

  std::int64_t total_steps() const { return total_steps_; }
  const RunDir& run_dir() const { return *run_; }

  // Trains to the end (or to --stop-after's checkpoint, or until early stopping), tests, writes
  // summary.json and returns the summary. A run stopped by --stop-after returns its summary with
  // stopped_at_step and no test fields, and writes no summary.json.
  Json run(TrainingTask& task);

 private:
  struct Tally;
  double train_step(TrainingTask& task, Tally& tally);      // one optimizer step; returns its loss
  bool evaluate(TrainingTask& task, Tally& tally, const Stopwatch& wall, Progress& progress);  // true: stop early
  void save(const std::string& file) const;
  void resume();

  TrainerSetup setup_;
  TrainOptions options_;
  Module& model_;
  Generator& generator_;
  DataPosition data_;
  std::optional<RunDir> run_;  // made once the options are checked
  std::int64_t total_steps_ = 0;
  std::int64_t eval_every_ = 0;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<optim::Schedule> schedule_;
  std::unique_ptr<MetricsLog> metrics_;
  std::int64_t step_ = 0;
  double best_ = 0;                        // the best value of best_metric so far
  std::int64_t best_step_ = 0;             // its step (0: no evaluation yet)
  std::int64_t evaluations_since_best_ = 0;
  bool early_stopped_ = false;
};

}  // namespace heed::experiments
