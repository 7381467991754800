// The translate driver's command line as a library call (experiments/lib/translate_flags.cpp):
// flags land in the config, --list names variants registered at run time, bad flags throw.
#include <iterator>

#include "experiments/lib/translate.h"
#include "helpers.h"
#include "layers/attention/dot.h"
#include "layers/attention/registry.h"

using namespace heed;
using namespace heed::experiments;

TEST_CASE("parse_translate_command fills the config from the flags", "[translate][cli]") {
  const char* argv[] = {"translate", "--task", "reverse", "--attention", "general", "--steps", "12",
                        "--hidden", "32", "--bidirectional=false", "--lr", "0.01", "--name", "r"};
  const TranslateCommand command = parse_translate_command(static_cast<int>(std::size(argv)), argv);
  CHECK_FALSE(command.help);
  CHECK_FALSE(command.list);
  CHECK(command.config.task == "reverse");
  CHECK(command.config.attention == "general");
  CHECK(command.config.train.steps == 12);
  CHECK(command.config.hidden == 32);
  CHECK_FALSE(command.config.bidirectional);
  CHECK(command.config.train.lr == 0.01);
  CHECK(command.config.train.name == "r");
  CHECK(command.config.embed_dim == TranslateConfig{}.embed_dim);  // untouched flags keep their defaults
  CHECK(command.help_text.find("--attention") != std::string::npos);
}

TEST_CASE("parse_translate_command: --help, --list and bad flags", "[translate][cli]") {
  const char* help[] = {"translate", "--help"};
  CHECK(parse_translate_command(2, help).help);
  const char* list[] = {"translate", "--list"};
  CHECK(parse_translate_command(2, list).list);
  const char* unknown[] = {"translate", "--no-such-flag"};
  CHECK_THROWS_WITH(parse_translate_command(2, unknown), Catch::Contains("no-such-flag"));
  const char* stray[] = {"translate", "stray"};
  CHECK_THROWS_WITH(parse_translate_command(2, stray), Catch::Contains("unexpected argument 'stray'"));
}

TEST_CASE("translate_list_text names a variant registered at run time", "[translate][cli]") {
  const std::string name = "test-listed-dot";
  CHECK(translate_list_text().find("  " + name + " ") == std::string::npos);
  register_sequence_attention(name, "dot, registered by a test",
                              [](const SequenceAttentionConfig& config, Generator& gen) {
                                return std::make_shared<DotAttention>(config, gen);
                              });
  const std::string list = translate_list_text();
  CHECK(list.find("  " + name + " ") != std::string::npos);
  CHECK(list.find("dot, registered by a test") != std::string::npos);
  CHECK(list.find("transformer attention") != std::string::npos);
  CHECK(list.find("positional encodings") != std::string::npos);
}
