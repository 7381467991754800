// compare: run a sweep of experiments and write a comparison report.
//
//   compare --task dates --attention none,additive,general,dot --seeds 3 -- --epochs 1
//   compare --task reverse --all --lengths 16,32,64 -- --steps 500
//   compare --task copy --model transformer --attention mha,linear --position sinusoidal,rope
//   compare --task documents --attention attention,mean
//   compare --combine runs/dates-rnn,runs/fashion-cnn --name both   (one report of finished sweeps)
//
// Each run is a child process of the task's driver (translate, classify or
// documents, found beside this program), so a run that crashes or runs out of
// memory is reported as failed and the sweep goes on. Everything after `--` is
// given to every run unchanged. Writes <out>/<name>/{results.csv, report.md,
// report.html, runs/<run>/...} and prints a one-line JSON summary; exits
// non-zero when no run finished. With --combine it runs nothing and writes
// one report of the finished sweep folders it names.
#include <iostream>

#include "experiments/lib/cli.h"
#include "experiments/lib/compare.h"

int main(int argc, char** argv) {
  return heed::experiments::run_driver("compare", [&] {
    const auto command = heed::experiments::parse_compare_command(argc, argv);
    if (command.help) {
      std::cout << command.help_text;
      return 0;
    }
    const auto& options = command.options;
    const auto summary = options.combine.empty() ? heed::experiments::run_compare(options)
                                                 : heed::experiments::run_combine(options);
    std::cout << summary.dump() << std::endl;
    return summary["ok"].get<std::size_t>() > 0 ? 0 : 1;
  });
}
