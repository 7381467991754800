#include "experiments/lib/trainer.h"

#include <iostream>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/checkpoint.h"
#include "layers/loss.h"
#include "optim/clip.h"
#include "tensor/ops.h"
#include "tensor/error.h"
#include "tensor/storage.h"
#include "tensor/threads.h"

namespace heed::experiments {

// The training numbers since the last evaluation: metrics.csv's train_* columns.
struct Trainer::Tally {
  double loss_sum = 0, correct = 0, counted = 0;
  std::int64_t steps = 0;
  double loss() const { return loss_sum / static_cast<double>(std::max<std::int64_t>(steps, 1)); }
  double accuracy() const { return counted > 0 ? correct / counted : 0.0; }
};

BatchLoss classifier_loss(const Tensor& logits, const Tensor& labels, double label_smoothing) {
  const Tensor loss = cross_entropy(logits, labels, kDefaultIgnoreIndex, label_smoothing);
  const double loss_value = loss.item();
  NoGradGuard no_grad;
  const double correct = ops::sum(ops::eq(ops::argmax(logits, -1), labels)).item();
  return {loss, loss_value, correct, static_cast<double>(labels.size(0))};
}

namespace {

const std::string& extra_entry(const io::Checkpoint& checkpoint, const std::string& key, const std::string& path) {
  const auto it = checkpoint.extra.find(key);
  HEED_CHECK(it != checkpoint.extra.end(), "--resume: the checkpoint ", path, " has no '", key,
             "' entry, so it was not written by a heed trainer; start the run again without --resume");
  return it->second;
}

}  // namespace

Trainer::Trainer(TrainerSetup setup, const TrainOptions& options, Module& model, Generator& generator,
                 DataPosition data)
    : setup_(std::move(setup)), options_(options), model_(model), generator_(generator), data_(std::move(data)) {
  const std::string& driver = setup_.driver;
  if (!options_.name.empty()) setup_.run_name = options_.name;
  HEED_CHECK(options_.accumulate >= 1, driver, ": --accumulate ", options_.accumulate,
             " must be at least 1 (the batches summed into each optimizer step; 1: one)");
  HEED_CHECK(options_.patience >= 0, driver, ": --patience ", options_.patience,
             " must be 0 (never stop early) or a number of evaluations");
  const std::int64_t steps_per_epoch = std::max<std::int64_t>(data_.batches_per_epoch / options_.accumulate, 1);
  total_steps_ = options_.steps > 0 ? options_.steps : options_.epochs * data_.batches_per_epoch / options_.accumulate;
  HEED_CHECK(total_steps_ > 0, driver, ": --steps ", options_.steps, " and --epochs ", options_.epochs,
             " give no training step (", data_.batches_per_epoch, " batches an epoch, ", options_.accumulate,
             " a step); pass --steps N or --epochs N with N >= 1");
  eval_every_ = std::min(total_steps_, options_.eval_every > 0 ? options_.eval_every : steps_per_epoch);
  TrainOptions schedule_options = options_;
  if (setup_.warmup_fraction > 0)
    schedule_options.warmup_steps =
        static_cast<std::int64_t>(setup_.warmup_fraction * static_cast<double>(total_steps_));
  optimizer_ = make_optimizer(model_.parameters(), options_);  // unknown names throw before the folder exists
  schedule_ = make_schedule(schedule_options, total_steps_, setup_.model_dim);

  run_.emplace(options_.out_dir, setup_.run_name, options_.overwrite, options_.resume);
  if (options_.resume) {
    resume();
  } else {
    Json saved = setup_.config;
    saved["name"] = setup_.run_name;
    run_->write_json("config.json", saved);
  }
  std::vector<std::string> columns = {"step", "epoch", "lr", "train_loss", setup_.train_accuracy};
  columns.insert(columns.end(), setup_.valid_columns.begin(), setup_.valid_columns.end());
  columns.push_back("elapsed_s");
  metrics_ = std::make_unique<MetricsLog>(*run_, columns, options_.resume, step_);
  if (options_.verbose)
    std::cerr << driver << ": " << setup_.data_text << "; " << model_.num_parameters() << " parameters; "
              << total_steps_ << " steps\n";
}

Trainer::~Trainer() = default;

void Trainer::resume() {
  const std::string path = run_->file("checkpoint.safetensors").string();
  const io::Checkpoint ck = io::load_checkpoint(path);
  model_.load_state_dict(ck.model);
  optimizer_->load_state_dict(ck.optimizer);
  step_ = ck.step;
  generator_.set_state(ck.generator);
  data_.set_state(Json::parse(extra_entry(ck, "loader", path)).get<data::LoaderState>());
  if (!ck.extra.count("trainer")) {
    // A checkpoint from before the Trainer kept only the best score, as best_valid_<metric>.
    for (const auto& [key, value] : ck.extra)
      if (key.rfind("best_valid", 0) == 0) best_ = std::stod(value);
    best_step_ = step_;
    return;
  }
  const Json state = Json::parse(ck.extra.at("trainer"));
  best_ = state.at("best");
  best_step_ = state.at("best_step");
  evaluations_since_best_ = state.at("evaluations_since_best");
  early_stopped_ = state.at("early_stopped");
}

void Trainer::save(const std::string& file) const {
  io::Checkpoint ck;
  ck.model = model_.state_dict();
  ck.optimizer = optimizer_->state_dict();
  ck.step = step_;
  ck.epoch = data_.state().epoch;
  ck.generator = generator_.state();
  ck.extra["loader"] = Json(data_.state()).dump();
  // Json writes doubles so that they read back to the same bits.
  ck.extra["trainer"] = Json{{"best", best_},
                             {"best_step", best_step_},
                             {"evaluations_since_best", evaluations_since_best_},
                             {"early_stopped", early_stopped_}}
                            .dump();
  io::save_checkpoint(run_->file(file).string(), ck);
}

double Trainer::train_step(TrainingTask& task, Tally& tally) {
  optimizer_->set_lr(schedule_->lr_at(step_));
  const auto batches = static_cast<double>(options_.accumulate);
  double loss = 0;
  for (std::int64_t k = 0; k < options_.accumulate; ++k) {
    BatchLoss batch = task.train_batch();
    check_finite_loss(batch.loss, step_);
    // The gradients of K batches sum, each weighted 1/K: the step follows their mean loss.
    Tensor objective = options_.accumulate > 1 ? batch.objective * (1.0 / batches) : batch.objective;
    objective.backward();
    loss += batch.loss;
    tally.correct += batch.correct;
    tally.counted += batch.counted;
  }
  if (options_.clip_norm > 0) optim::clip_grad_norm(model_.parameters(), options_.clip_norm);
  optimizer_->step();
  optimizer_->zero_grad();
  ++step_;
  loss /= batches;
  tally.loss_sum += loss;
  ++tally.steps;
  return loss;
}

bool Trainer::evaluate(TrainingTask& task, Tally& tally, const Stopwatch& wall, Progress& progress) {
  const Evaluation valid = task.validate();
  const double score = valid.metrics.at(setup_.best_metric).get<double>();
  const bool improved = best_step_ == 0 || score > best_;
  if (improved) {
    best_ = score;
    best_step_ = step_;
    evaluations_since_best_ = 0;
  } else {
    ++evaluations_since_best_;
  }
  Json row = {{"step", step_},
              {"epoch", data_.state().epoch},
              {"lr", optimizer_->lr()},
              {"train_loss", tally.loss()},
              {setup_.train_accuracy, tally.accuracy()}};
  row.update(valid.metrics);
  row["elapsed_s"] = wall.seconds();
  metrics_->write(row);
  progress.message("step " + std::to_string(step_) + ": " + valid.line);
  tally = Tally{};
  early_stopped_ = options_.patience > 0 && evaluations_since_best_ >= options_.patience && step_ < total_steps_;
  // best.safetensors first: a run killed between the two files resumes from the older
  // checkpoint, which reaches this evaluation again and rewrites both.
  if (improved && options_.keep_best) save("best.safetensors");
  save("checkpoint.safetensors");
  if (early_stopped_) {
    std::ostringstream line;
    line << "stopping early: " << setup_.best_metric << " has not improved on " << best_ << " (step "
         << best_step_ << ") in " << evaluations_since_best_ << " evaluations (--patience " << options_.patience << ")";
    progress.message(line.str());
  }
  return early_stopped_;
}

Json Trainer::run(TrainingTask& task) {
  reset_peak_memory();
  Progress progress(total_steps_, step_, options_.quiet);
  Stopwatch wall;
  double train_seconds = 0;
  const std::int64_t first_step = step_;
  Tally tally;
  bool interrupted = false;
  while (step_ < total_steps_ && !early_stopped_) {
    Stopwatch step_time;
    const double loss = train_step(task, tally);
    train_seconds += step_time.seconds();
    progress.update(step_, data_.state().epoch, loss, tally.accuracy());
    if (step_ % eval_every_ != 0 && step_ != total_steps_) continue;
    if (evaluate(task, tally, wall, progress)) break;
    if (options_.stop_after > 0 && step_ - first_step >= options_.stop_after && step_ < total_steps_) {
      interrupted = true;  // as if killed right after this checkpoint
      break;
    }
  }
  progress.finish();

  Json summary = summary_of({.driver = setup_.driver, .run = setup_.run_name, .run_dir = run_->path().string(),
                              .seed = options_.seed, .steps = step_, .steps_here = step_ - first_step,
                              .parameters = model_.num_parameters(), .threads = num_threads(),
                              .wall_seconds = wall.seconds(), .train_seconds = train_seconds});
  summary.update(setup_.summary);
  summary["best_" + setup_.best_metric] = best_;
  if (options_.keep_best || options_.patience > 0) summary["best_step"] = best_step_;
  if (early_stopped_) summary["early_stopped_at_step"] = step_;
  if (interrupted) {
    summary["stopped_at_step"] = step_;
    return summary;
  }
  if (options_.keep_best && best_step_ > 0)
    model_.load_state_dict(io::load_checkpoint(run_->file("best.safetensors").string()).model);
  summary.update(task.test(*run_));
  summary["commit"] = current_git_commit();
  summary["date"] = timestamp_utc();
  run_->write_json("summary.json", summary);
  return summary;
}

}  // namespace heed::experiments
