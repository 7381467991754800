// translate: train a sequence-to-sequence model on a toy translation task.
//
//   translate --task dates --attention additive
//   translate --task reverse --min-len 5 --max-len 20 --attention none --steps 3000
//   translate --task tsv --tsv corpus.tsv --tokenizer word
//   translate --name dates-run --resume        (continue a run from its checkpoint)
//   translate --model transformer --attention gqa --kv-heads 2 --position sinusoidal
//   translate --model transformer --self-attention local --window 4 --eval teacher
//   translate --list                           (tasks, attention variants, positional encodings)
//
// Writes runs/<name>/{config.json, metrics.csv, checkpoint.safetensors,
// samples.json, summary.json} and prints the summary as one JSON line. The
// flags and --list live in the library (experiments/lib/translate_flags.cpp),
// so programs built on heed share them.
#include <iostream>

#include "experiments/lib/cli.h"
#include "experiments/lib/translate.h"

int main(int argc, char** argv) {
  return heed::experiments::run_driver("translate", [&] {
    auto command = heed::experiments::parse_translate_command(argc, argv);
    if (command.help) {
      std::cout << command.help_text << "\n";
      return 0;
    }
    if (command.list) {
      std::cout << heed::experiments::translate_list_text();
      return 0;
    }
    auto& config = command.config;
    if (config.train.resume)
      config = heed::experiments::resumed_config<heed::experiments::TranslateConfig>(
          config.train, heed::experiments::translate_config_from_json);
    std::cout << heed::experiments::run_translate(config).dump() << std::endl;
    return 0;
  });
}
