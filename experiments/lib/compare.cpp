#include "experiments/lib/compare.h"

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "experiments/lib/child_process.h"
#include "layers/attention/registry.h"
#include "layers/attention/transformer_registry.h"
#include "layers/fusion/registry.h"
#include "layers/position/registry.h"
#include "layers/models/han.h"
#include "layers/vision/registry.h"
#include "tensor/error.h"

namespace heed::experiments {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTranslateTasks = {"dates", "numbers", "reverse", "sort", "copy", "tsv"};
const std::vector<std::string> kClassifyTasks = {"fashion", "idx", "cluttered", "captioned"};

// The flag that picks a run's variant in its driver; "" when the model has none.
std::string variant_flag(const std::string& model) {
  if (model == "rnn" || model == "transformer" || model == "cnn" || model == "vit") return "--attention";
  if (model == "han") return "--pooling";
  if (model == "multimodal") return "--fusion";
  return "";
}

// Models that take --position: the Transformer over tokens, the ViT over patches.
bool takes_positions(const std::string& model) { return model == "transformer" || model == "vit"; }

// Flags compare sets for every run itself; passing them after `--` would
// break the sweep's layout or axes.
void check_passthrough(const std::vector<std::string>& passthrough, bool sweeps_lengths) {
  std::vector<std::pair<std::string, std::string>> owned = {
      {"--task", "--task"},         {"--model", "--model"},         {"--attention", "--attention or --all"},
      {"--pooling", "--attention"}, {"--position", "--position"},   {"--seed", "--seeds"},
      {"--name", "--name"},         {"--out", "--out"},             {"--resume", "a new sweep"},
      {"--overwrite", "--overwrite"}, {"--list", "the driver's own --list"}, {"--help", "the driver's own --help"}};
  if (sweeps_lengths) {
    owned.emplace_back("--min-len", "--lengths");
    owned.emplace_back("--max-len", "--lengths");
  }
  for (const std::string& arg : passthrough)
    for (const auto& [flag, instead] : owned)
      HEED_CHECK(arg != flag && arg.rfind(flag + "=", 0) != 0, "compare: '", arg,
                 "' after -- would override what compare sets for each run; use compare's ", instead, " instead");
}

std::vector<std::string> unique(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names)
    if (!contains(out, n)) out.push_back(n);
  return out;
}

}  // namespace

const std::vector<std::string>& compare_task_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all = kTranslateTasks;
    all.insert(all.end(), kClassifyTasks.begin(), kClassifyTasks.end());
    all.push_back("documents");
    return all;
  }();
  return names;
}

std::string driver_for_task(const std::string& task) {
  if (contains(kTranslateTasks, task)) return "translate";
  if (contains(kClassifyTasks, task)) return "classify";
  if (task == "documents") return "documents";
  detail::fail("compare: unknown task '", task, "'; valid tasks: ", joined(compare_task_names()));
}

std::vector<std::string> models_for_task(const std::string& task) {
  const std::string driver = driver_for_task(task);
  if (driver == "translate") return {"rnn", "transformer"};
  // --task captioned trains the multimodal classifier (a CNN for the image, a fusion with the caption).
  if (task == "captioned") return {"multimodal"};
  if (driver == "classify") return {"cnn", "vit"};
  return {"han"};
}

std::vector<std::string> variant_names(const std::string& model) {
  if (model == "rnn") return sequence_attention_names();
  if (model == "transformer" || model == "vit") return transformer_attention_names();
  if (model == "multimodal") return fusion_names();
  if (model == "han") return han_pooling_names();
  if (model == "cnn") return vision_attention_names();
  return {};
}

std::string default_variant(const std::string& model) {
  if (model == "rnn") return "additive";
  if (model == "transformer" || model == "vit") return "mha";
  if (model == "multimodal") return "gmu";
  if (model == "han") return "attention";
  if (model == "cnn") return "none";
  return model;  // a model without variants: the model is the one "variant"
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) {
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

fs::path output_folder(const CompareOptions& o, const std::string& name) {
  HEED_CHECK(!name.empty() && name.find('/') == std::string::npos && name != "." && name != "..",
             "compare: invalid --name '", name, "'; give a folder name without '/'");
  const fs::path folder = fs::path(o.out_dir) / name;
  HEED_CHECK(!fs::exists(folder) || o.overwrite, "compare: the folder ", folder.string(),
             " already exists; pass --overwrite to replace it, or choose another --name");
  return folder;
}

SweepPlan plan_sweep(const CompareOptions& o) {
  SweepPlan plan;
  plan.task = o.task;
  plan.driver = driver_for_task(o.task);
  const auto models = models_for_task(o.task);
  plan.model = o.model.empty() ? models.front() : o.model;
  HEED_CHECK(contains(models, plan.model), "compare: task '", o.task, "' has no model '", plan.model,
             "'; valid models: ", joined(models));

  const std::vector<std::string> known = variant_names(plan.model);
  std::vector<std::string> variants = unique(o.variants);
  if (known.empty()) {
    HEED_CHECK(variants.empty() && !o.all, "compare: the ", plan.model,
               " model has no attention variants to compare; leave out --attention and --all");
    variants = {plan.model};
  } else if (o.all) {
    HEED_CHECK(variants.empty(), "compare: give either --attention or --all, not both");
    variants = known;
  } else if (variants.empty()) {
    variants = {default_variant(plan.model)};
  }
  for (const auto& v : variants)
    HEED_CHECK(known.empty() || contains(known, v), "compare: the ", plan.model, " model has no variant '", v,
               "'; valid names: ", joined(known));

  std::vector<std::string> positions = unique(o.positions);
  HEED_CHECK(positions.empty() || takes_positions(plan.model),
             "compare: --position applies to --model transformer and vit only, not ", plan.model);
  for (const auto& p : positions)
    HEED_CHECK(contains(positional_encoding_names(), p), "compare: no positional encoding '", p,
               "'; valid names: ", joined(positional_encoding_names()));
  if (positions.empty()) positions = {""};

  std::vector<std::int64_t> lengths = o.lengths;
  HEED_CHECK(lengths.empty() || plan.driver == "translate", "compare: --lengths applies to the translation tasks (",
             joined(kTranslateTasks), "), not ", o.task);
  for (std::int64_t length : lengths)
    HEED_CHECK(length > 0, "compare: --lengths holds ", length, "; every length must be a positive number of symbols");
  if (lengths.empty()) lengths = {0};
  HEED_CHECK(o.seeds >= 1, "compare: --seeds is ", o.seeds, "; expected at least 1 (seeds 0 .. N-1)");
  HEED_CHECK(o.threads >= 0, "compare: --threads is ", o.threads, "; expected 0 (the drivers' default) or more");
  check_passthrough(o.passthrough, !o.lengths.empty());

  plan.root = output_folder(o, o.name.empty() ? o.task + "-" + plan.model : o.name);
  plan.program = (o.bin_dir.empty() ? own_program_folder() : o.bin_dir) / plan.driver;
  HEED_CHECK(access(plan.program.c_str(), X_OK) == 0, "compare: cannot find the ", plan.driver, " driver at ",
             plan.program.string(), "; build it (cmake --build build) and run compare from the same folder");

  const std::string flag = variant_flag(plan.model);
  for (std::int64_t length : lengths)
    for (const auto& variant : variants)
      for (const auto& position : positions)
        for (std::int64_t seed = 0; seed < o.seeds; ++seed) {
          PlannedRun run;
          run.variant = variant;
          run.position = position;
          run.length = length;
          run.seed = static_cast<std::uint64_t>(seed);
          run.name = variant + (position.empty() ? "" : "-" + position) +
                     (length > 0 ? "-L" + std::to_string(length) : "") + "-s" + std::to_string(seed);
          run.args = {"--task", o.task};
          // The multimodal classifier is what classify trains for --task captioned, not a --model.
          if (plan.model != "multimodal") run.args.insert(run.args.end(), {"--model", plan.model});
          if (!flag.empty()) run.args.insert(run.args.end(), {flag, variant});
          if (!position.empty()) run.args.insert(run.args.end(), {"--position", position});
          if (length > 0)
            run.args.insert(run.args.end(), {"--min-len", std::to_string(length), "--max-len", std::to_string(length)});
          run.args.insert(run.args.end(), {"--seed", std::to_string(seed)});
          if (o.threads > 0) run.args.insert(run.args.end(), {"--threads", std::to_string(o.threads)});
          run.args.insert(run.args.end(), {"--out", (plan.root / "runs").string(), "--name", run.name});
          run.args.insert(run.args.end(), o.passthrough.begin(), o.passthrough.end());
          plan.runs.push_back(std::move(run));
        }
  return plan;
}

}  // namespace heed::experiments
