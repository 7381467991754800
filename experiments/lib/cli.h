// Helpers the drivers share for their command lines: the training and output flags of
// TrainOptions, reading a config back for --resume, and the one place where errors become a
// message and an exit code.
#pragma once

#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>

#include <cxxopts.hpp>

#include "experiments/lib/run.h"
#include "tensor/error.h"

namespace heed::experiments {

// The flags of TrainOptions in the group "Training" (--steps, --epochs, --batch, --accumulate,
// --optimizer, --lr, ..., --patience, --keep-best, --seed, --threads), each bound to its field of
// `train` with the driver's default from `defaults`. `notes` adds text to a flag's help, by name.
void add_training_options(cxxopts::Options& options, TrainOptions& train, const TrainOptions& defaults,
                          const std::map<std::string, std::string>& notes = {});

// The flags of TrainOptions in the group "Output": --name (its help: name_help), --out,
// --overwrite, --resume, --stop-after, --quiet, --verbose. A driver adds its own after them.
void add_output_options(cxxopts::Options& options, TrainOptions& train, const std::string& name_help);

// options.parse, refusing a word that is no flag's ("unexpected argument 'x'").
cxxopts::ParseResult parse_flags(cxxopts::Options& options, int argc, const char* const* argv);

// Runs a driver's body; a bad flag or a heed::Error prints one line and exits non-zero.
inline int run_driver(const char* driver, const std::function<int()>& body) {
  try {
    return body();
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << driver << ": " << e.what() << " (see " << driver << " --help)\n";
    return 2;
  } catch (const heed::Error& e) {
    // Messages from the driver's own checks already start with its name.
    const std::string message = e.what();
    const std::string prefix = std::string(driver) + ": ";
    std::cerr << (message.rfind(prefix, 0) == 0 ? "" : prefix) << message << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << driver << ": " << e.what() << "\n";
    return 1;
  }
}

// --resume: the run's saved config.json, read back with from_json, with the
// options that may change between sittings (threads, output, verbosity,
// --stop-after) taken from this command line. Every other flag comes from the
// saved run, so the resumed run is the one that was started.
template <typename Config, typename FromJson>
Config resumed_config(const TrainOptions& now, FromJson from_json) {
  HEED_CHECK(!now.name.empty(), "--resume needs --name, the run to continue");
  const std::string path = now.out_dir + "/" + now.name + "/config.json";
  std::ifstream in(path);
  HEED_CHECK(in.good(), "--resume: cannot read ", path);
  Config saved = from_json(Json::parse(in));
  saved.train.resume = true;
  saved.train.out_dir = now.out_dir;
  saved.train.threads = now.threads ? now.threads : saved.train.threads;
  saved.train.quiet = now.quiet;
  saved.train.verbose = now.verbose;
  saved.train.stop_after = now.stop_after;
  return saved;
}

}  // namespace heed::experiments
