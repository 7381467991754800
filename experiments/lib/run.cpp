#include "experiments/lib/run.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>

#include "optim/adam.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"
#include "tensor/error.h"
#include "tensor/storage.h"
#include "tensor/threads.h"

namespace heed::experiments {

namespace fs = std::filesystem;

RunDir::RunDir(const std::string& out_dir, const std::string& name, bool overwrite, bool resume)
    : path_(fs::path(out_dir) / name) {
  HEED_CHECK(!name.empty() && name.find('/') == std::string::npos, "run: invalid run name '", name, "'");
  if (resume) {
    HEED_CHECK(fs::exists(path_ / "checkpoint.safetensors"), "run: --resume needs ", (path_ / "checkpoint.safetensors").string(),
               ", which does not exist; start the run without --resume");
    return;
  }
  if (fs::exists(path_)) {
    HEED_CHECK(overwrite, "run: the folder ", path_.string(),
               " already exists; pass --overwrite to replace it, --resume to continue it, or choose another --name");
    fs::remove_all(path_);
  }
  fs::create_directories(path_);
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void check_choice(const std::string& driver, const std::string& kind, const std::string& name,
                  const std::vector<std::string>& names) {
  HEED_CHECK(contains(names, name), driver, ": unknown ", kind, " '", name, "'; valid ", kind, "s: ", joined(names));
}

void RunDir::write_json(const std::string& name, const Json& json) const {
  const fs::path target = file(name);
  const fs::path temp = file(name + ".tmp");
  {
    std::ofstream out(temp);
    HEED_CHECK(out.good(), "run: cannot write ", temp.string());
    out << json.dump(2) << "\n";
  }
  fs::rename(temp, target);
}

namespace {

// The lines of a metrics file after its header whose step is at most `last_step`: what a resumed
// run keeps of the rows its earlier sittings wrote.
template <typename StepOf>
std::vector<std::string> rows_up_to(const fs::path& path, bool has_header, std::int64_t last_step, StepOf step_of) {
  std::vector<std::string> kept;
  std::ifstream in(path);
  std::string line;
  if (has_header) std::getline(in, line);
  while (std::getline(in, line))
    if (!line.empty() && step_of(line) <= last_step) kept.push_back(line);
  return kept;
}

std::ofstream rewritten(const fs::path& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  HEED_CHECK(out.good(), "run: cannot write ", path.string());
  for (const auto& line : lines) out << line << "\n";
  return out;
}

}  // namespace

MetricsLog::MetricsLog(const RunDir& run, std::vector<std::string> columns, bool resume, std::int64_t resume_step)
    : csv_path_(run.file("metrics.csv")), jsonl_path_(run.file("metrics.jsonl")), columns_(std::move(columns)) {
  std::vector<std::string> csv_rows, json_rows;
  if (resume) {
    csv_rows = rows_up_to(csv_path_, true, resume_step,
                          [](const std::string& line) { return std::stoll(line.substr(0, line.find(','))); });
    json_rows = rows_up_to(jsonl_path_, false, resume_step,
                           [](const std::string& line) { return Json::parse(line).at("step").get<std::int64_t>(); });
  }
  std::string header;
  for (std::size_t i = 0; i < columns_.size(); ++i) header += (i ? "," : "") + columns_[i];
  csv_rows.insert(csv_rows.begin(), header);
  rewritten(csv_path_, csv_rows);
  rewritten(jsonl_path_, json_rows);
}

void MetricsLog::write(const Json& row) {
  std::ofstream out(csv_path_, std::ios::app);
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i) out << ",";
    if (!row.contains(columns_[i])) continue;
    const Json& v = row[columns_[i]];
    if (v.is_number_float()) {
      out << v.get<double>();
    } else if (v.is_string()) {
      out << v.get<std::string>();
    } else {
      out << v.dump();
    }
  }
  out << "\n";
  std::ofstream(jsonl_path_, std::ios::app) << row.dump() << "\n";
}

Progress::Progress(std::int64_t total_steps, std::int64_t first_step, bool quiet)
    : total_(total_steps), first_(first_step), quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_print_(start_) {}

void Progress::update(std::int64_t step, std::int64_t epoch, double loss, double accuracy) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since_print = std::chrono::duration<double>(now - last_print_).count();
  const bool last = step >= total_;
  if (!last && since_print < (tty_ ? 0.25 : 10.0)) return;
  last_print_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(step - first_) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - step) / rate : 0.0;
  char line[256];
  std::snprintf(line, sizeof line, "epoch %lld  step %lld/%lld  loss %.4f  acc %5.1f%%  %.1f steps/s  ETA %dm%02ds",
                static_cast<long long>(epoch), static_cast<long long>(step), static_cast<long long>(total_), loss,
                100.0 * accuracy, rate, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  if (tty_) {
    std::cerr << "\r\033[K" << line << std::flush;
    line_open_ = true;
  } else {
    std::cerr << line << "\n";
  }
}

void Progress::message(const std::string& text) {
  if (quiet_) return;
  if (line_open_) std::cerr << "\r\033[K";
  std::cerr << text << "\n";
  line_open_ = false;
}

void Progress::finish() {
  if (line_open_) std::cerr << "\n";
  line_open_ = false;
}

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"adam", "adamw", "rmsprop", "sgd"};
  return names;
}

namespace {

// The optimizer with the rate and weight decay of the options (its own settings already in `settings`).
template <typename Rule, typename Settings>
std::unique_ptr<optim::Optimizer> optimizer_of(const std::vector<Tensor>& params, const TrainOptions& o,
                                               Settings settings) {
  settings.lr = o.lr;
  settings.weight_decay = o.weight_decay;
  return std::make_unique<Rule>(params, settings);
}

}  // namespace

std::unique_ptr<optim::Optimizer> make_optimizer(const std::vector<Tensor>& params, const TrainOptions& o) {
  if (o.optimizer == "adam") return optimizer_of<optim::Adam>(params, o, optim::AdamOptions{});
  if (o.optimizer == "adamw") return optimizer_of<optim::AdamW>(params, o, optim::AdamWOptions{});
  if (o.optimizer == "sgd")
    return optimizer_of<optim::SGD>(params, o, optim::SGDOptions{.momentum = o.momentum, .nesterov = o.momentum > 0});
  if (o.optimizer == "rmsprop")
    return optimizer_of<optim::RMSprop>(params, o, optim::RMSpropOptions{.momentum = o.momentum});
  detail::fail("unknown optimizer '", o.optimizer, "'; valid optimizers: ", joined(optimizer_names()));
}

std::unique_ptr<optim::Schedule> make_schedule(const TrainOptions& o, std::int64_t total_steps, double d_model) {
  optim::ScheduleOptions s;
  s.lr = o.lr;
  s.warmup_steps = o.warmup_steps;
  s.total_steps = total_steps;
  s.step_size = std::max<std::int64_t>(total_steps / 3, 1);
  s.d_model = d_model;
  s.factor = o.lr / std::pow(d_model, -0.5) / std::pow(std::max<std::int64_t>(o.warmup_steps, 1), -0.5);
  return optim::make_schedule(o.schedule, s);
}

double peak_memory_mb() { return static_cast<double>(memory_stats(kCPU).peak_bytes) / (1024.0 * 1024.0); }

double peak_resident_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string current_git_commit() {
  FILE* pipe = popen("git rev-parse --short HEAD 2>/dev/null", "r");
  if (!pipe) return "unknown";
  char buffer[64] = {0};
  const bool got = std::fgets(buffer, sizeof buffer, pipe) != nullptr;
  pclose(pipe);
  std::string commit = got ? buffer : "";
  while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
  return commit.empty() ? "unknown" : commit;
}

std::string timestamp_utc() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buffer;
}

int configure_threads(const TrainOptions& options) {
  if (options.threads > 0) set_num_threads(options.threads);
  init_blas();
  if (options.verbose) std::cerr << "heed: " << num_threads() << " threads, BLIS kernels " << blas_kernels() << "\n";
  return num_threads();
}

void check_finite_loss(double loss, std::int64_t step) {
  HEED_CHECK(std::isfinite(loss), "training stopped: the loss became ", loss, " at step ", step,
             "; the last good checkpoint is kept. Try a lower --lr or --clip-norm");
}

Json summary_of(const RunFacts& f) {
  const double ms_per_step = f.steps_here > 0 ? 1000.0 * f.train_seconds / static_cast<double>(f.steps_here) : 0.0;
  return {{"driver", f.driver},         {"run", f.run},
          {"run_dir", f.run_dir},       {"seed", f.seed},
          {"steps", f.steps},           {"parameters", f.parameters},
          {"threads", f.threads},       {"blas_kernels", blas_kernels()},
          {"wall_s", f.wall_seconds},   {"ms_per_step", ms_per_step},
          {"peak_mb", peak_memory_mb()}, {"peak_rss_mb", peak_resident_mb()}};
}

}  // namespace heed::experiments
