// What every training driver shares: its training options, the run folder, the metrics files,
// the live progress line, the optimizer and schedule chosen by name, and the numbers a run
// reports (wall time, ms/step, peak memory). The loop that uses them is experiments/lib/trainer.h.
//
//   runs/<name>/config.json              the flags the run was started with
//   runs/<name>/metrics.csv              one row per evaluation
//   runs/<name>/metrics.jsonl            the same rows as JSON lines, with every metric the evaluation gave
//   runs/<name>/checkpoint.safetensors   model + optimizer + step + generator + loader + trainer state
//   runs/<name>/best.safetensors         --keep-best: the checkpoint of the best evaluation
//   runs/<name>/summary.json             the final one-line summary, also printed on stdout
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "optim/optimizer.h"
#include "optim/schedule.h"

namespace heed::experiments {

using Json = nlohmann::json;

// Options every trainer understands (the drivers expose them as flags). Every field has an
// initializer, so TrainOptions{.epochs = 3, ...} names only what differs.
struct TrainOptions {
  std::string name{};           // run folder name under out_dir; empty: derived from the config
  std::string out_dir = "runs";
  bool overwrite = false;       // replace an existing run folder
  bool resume = false;          // continue the run in the folder from its checkpoint
  std::int64_t steps = 0;       // total optimizer steps; 0: epochs decide
  std::int64_t epochs = 1;
  std::int64_t batch_size = 64;
  std::int64_t accumulate = 1;  // batches whose gradients are summed into each optimizer step
  std::string optimizer = "adam";
  double lr = 1e-3;
  double weight_decay = 0;
  double momentum = 0.9;        // sgd, rmsprop
  std::string schedule = "constant";
  std::int64_t warmup_steps = 0;
  double clip_norm = 1.0;       // 0: no clipping
  std::int64_t eval_every = 0;  // steps between evaluations; 0: once per epoch
  std::int64_t patience = 0;    // stop after this many evaluations without a better score; 0: never
  bool keep_best = false;       // keep best.safetensors and test the best evaluation's model
  std::uint64_t seed = 0;
  int threads = 0;              // 0: every core
  bool verbose = false;
  bool quiet = false;           // no progress line
  std::int64_t stop_after = 0;  // stop (as if killed) after this many steps in this process; for tests
};

// config.json from one list of fields, read both ways: `fields(config, visit)` calls
// visit("key", config.field) for each field, and
//   Json json = fields_to_json(config, fields, "translate");   // with "driver": "translate"
//   auto config = fields_from_json<TranslateConfig>(json, fields);
// A key the json lacks (a config written before the field existed) reads as the field's default.
template <typename Config, typename Fields>
Json fields_to_json(const Config& config, Fields fields, const char* driver = nullptr) {
  Json json = Json::object();
  fields(config, [&json](const char* key, const auto& field) { json[key] = field; });
  if (driver) json["driver"] = driver;
  return json;
}
template <typename Config, typename Fields>
Config fields_from_json(const Json& json, Fields fields) {
  Config config;
  fields(config, [&json](const char* key, auto& field) { field = json.value(key, field); });
  return config;
}

// The options config.json holds (not --resume, --overwrite, --quiet, --verbose, --stop-after:
// those belong to one sitting).
template <typename Options, typename Visit>
void train_option_fields(Options& t, Visit&& visit) {
  visit("steps", t.steps); visit("epochs", t.epochs); visit("batch", t.batch_size); visit("accumulate", t.accumulate);
  visit("optimizer", t.optimizer); visit("lr", t.lr); visit("weight_decay", t.weight_decay);
  visit("momentum", t.momentum); visit("schedule", t.schedule); visit("warmup", t.warmup_steps);
  visit("clip_norm", t.clip_norm); visit("eval_every", t.eval_every); visit("patience", t.patience);
  visit("keep_best", t.keep_best); visit("seed", t.seed); visit("threads", t.threads); visit("name", t.name);
  visit("out_dir", t.out_dir);
}

// "a, b, c": the valid names in an error message.
std::string joined(const std::vector<std::string>& names);
bool contains(const std::vector<std::string>& names, const std::string& name);
// Throws "<driver>: unknown <kind> '<name>'; valid <kind>s: a, b, c" unless `names` holds `name`.
void check_choice(const std::string& driver, const std::string& kind, const std::string& name,
                  const std::vector<std::string>& names);

// The run folder: created fresh, or reopened for --resume.
class RunDir {
 public:
  RunDir(const std::string& out_dir, const std::string& name, bool overwrite, bool resume);
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }
  void write_json(const std::string& name, const Json& json) const;  // written atomically

 private:
  std::filesystem::path path_;
};

// metrics.csv (a fixed header, one row per evaluation) and metrics.jsonl (each row as one JSON
// object, with every value it holds). On resume the rows after the checkpoint's step are dropped,
// so both files match the run.
class MetricsLog {
 public:
  MetricsLog(const RunDir& run, std::vector<std::string> columns, bool resume, std::int64_t resume_step);
  void write(const Json& row);  // csv values looked up by column name; missing ones left empty

 private:
  std::filesystem::path csv_path_, jsonl_path_;
  std::vector<std::string> columns_;
};

// The live progress line on stderr: rewritten in place on a terminal, one
// line every few seconds otherwise (logs stay readable).
class Progress {
 public:
  Progress(std::int64_t total_steps, std::int64_t first_step, bool quiet);
  void update(std::int64_t step, std::int64_t epoch, double loss, double accuracy);
  void message(const std::string& text);  // a full line, keeping the progress line intact
  void finish();

 private:
  std::int64_t total_;
  std::int64_t first_;
  bool quiet_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  bool line_open_ = false;
};

std::unique_ptr<optim::Optimizer> make_optimizer(const std::vector<Tensor>& params, const TrainOptions& options);
const std::vector<std::string>& optimizer_names();
std::unique_ptr<optim::Schedule> make_schedule(const TrainOptions& options, std::int64_t total_steps,
                                               double d_model = 512);

// Wall clock since construction, and the measured ms per training step.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

double peak_memory_mb();        // heed's tensors on the CPU, at their peak
double peak_resident_mb();      // the whole process (getrusage), for comparison with other frameworks

// The fields every driver's summary starts with: driver, run, run_dir, seed,
// steps, parameters, threads, blas_kernels, wall_s, ms_per_step (training
// steps run in this sitting only), peak_mb and peak_rss_mb. The driver adds
// its own (task, model, attention, the metrics) to it.
struct RunFacts {
  std::string driver, run, run_dir;
  std::uint64_t seed = 0;
  std::int64_t steps = 0;          // the step reached
  std::int64_t steps_here = 0;     // steps trained in this sitting (a resumed run counts from where it began)
  std::int64_t parameters = 0;
  int threads = 1;
  double wall_seconds = 0;
  double train_seconds = 0;        // the time inside training steps, for ms_per_step
};
Json summary_of(const RunFacts& facts);
std::string current_git_commit();  // "unknown" outside a checkout
std::string timestamp_utc();

// Applies options.threads and returns the count in use.
int configure_threads(const TrainOptions& options);

// Throws a heed::Error that stops the run when the loss is not finite.
void check_finite_loss(double loss, std::int64_t step);

}  // namespace heed::experiments
