// The README lists every registered variant: this test reads it and fails when
// a name in a registry is missing from it, so the list cannot go stale.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/attention/registry.h"
#include "layers/attention/transformer_registry.h"
#include "layers/fusion/registry.h"
#include "layers/position/registry.h"
#include "layers/vision/registry.h"

using namespace heed;

namespace {

std::string read_readme() {
  const std::string path = std::string(HEED_TEST_DATA_DIR) + "/../../README.md";
  std::ifstream in(path);
  INFO("cannot read " << path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void require_listed(const std::string& readme, const std::vector<std::string>& names, const char* registry) {
  for (const std::string& name : names) {
    if (name.rfind("test-", 0) == 0) continue;  // registered at run time by other tests
    INFO(registry << " variant '" << name << "' is registered but README.md does not list it as `" << name << "`");
    CHECK(readme.find("`" + name + "`") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("README.md lists every registered attention variant, positional encoding and vision module", "[docs]") {
  const std::string readme = read_readme();
  require_listed(readme, sequence_attention_names(), "sequence attention");
  require_listed(readme, transformer_attention_names(), "transformer attention");
  require_listed(readme, positional_encoding_names(), "positional encoding");
  require_listed(readme, vision_attention_names(), "vision attention");
}

TEST_CASE("README.md lists every registered fusion", "[docs]") {
  require_listed(read_readme(), fusion_names(), "fusion");
}
